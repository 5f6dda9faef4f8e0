"""Generic crawling machinery every source kind uses: fetch (with retry, robots, throttle), the status policy,
revalidation of known pages and the recheck cadence. Nothing here knows a source kind."""
