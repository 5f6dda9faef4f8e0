"""Data-quality gates: Great Expectations suites that stand between a scraped batch and the analysts."""

from expectations.deferred import defer

# GX imports scipy.stats for distribution expectations that no suite here uses: 61 MB and 0.8 s in every
# process that validates a batch. It is loaded only if something uses it.
defer("scipy.stats")
