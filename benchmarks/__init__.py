"""Benchmarks: a synthetic union web on loopback and the measurements run against it (`python -m benchmarks.run`)."""
