"""Flows: Prefect orchestration and the `unionwatch` command line; no parsing or SQL lives here."""
