"""Bundled sample union sites served on loopback, for `unionwatch demo` and the test suite."""
