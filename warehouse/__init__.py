"""Warehouse: the DuckDB file, its migrations, transactional loads and the analysts' views."""
