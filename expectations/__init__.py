"""Data-quality gates: Great Expectations suites that stand between a scraped batch and the analysts."""

from lazy_import import defer

# GX imports these for what no suite here uses: scipy.stats for distribution expectations, altair for charts
# in rendered results. They are loaded only if something uses them.
for _module in ("scipy.stats", "altair"):
    defer(_module)
# GX treats SQLAlchemy as optional, for SQL datasources; the suites here validate pandas frames only, so GX
# loads without it (measured in benchmarks/RESULTS.md).
defer("great_expectations", without=("sqlalchemy",))
