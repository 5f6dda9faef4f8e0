"""Data-quality gates: Great Expectations suites that stand between a scraped batch and the analysts."""
