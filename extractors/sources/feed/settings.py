"""Feed formats, paging and limits of the feed source kind.

Data only: the extractor in this package reads these; change a selector or limit here."""

from __future__ import annotations

import re

FORMATS = (("atom", "atom feed"), ("rss10", "rdf feed"), ("rss09", "rdf feed"), ("rss", "rss feed"))  # by prefix
WORDPRESS = re.compile(r"wordpress", re.IGNORECASE)
PAGED = "paged"  # WordPress's page parameter for feeds; it answers 404 past the last page
# Feed "content" that is really a teaser: its prose ends in an ellipsis or a read-more link.
TRUNCATED = re.compile(r"(?:\u2026|\.\.\.|\[\u2026\]|\[\.\.\.\])\W*$|continue reading|read more", re.IGNORECASE)
TEASER_TAIL = 160  # characters at the end of a feed text's prose searched for the signs above
JSON_FEED_VERSION = "https://jsonfeed.org/version/"
MAX_PAGES = 500  # a loop guard; WordPress serves 10 items a page by default
