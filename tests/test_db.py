"""Tests for warehouse.db: how the warehouse file is opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.db import MEMORY_LIMIT_ENV, WarehouseError, connect


def _memory_limit(path: Path, *, read_only: bool = False) -> float:
    """The open database's memory limit in MiB."""
    with connect(path, read_only=read_only) as con:
        value, unit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0].split()
    return float(value) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024 ** 2}[unit]


def test_writer_caches_at_most_128_mb_of_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    path = tmp_path / "w.duckdb"
    assert 100 < _memory_limit(path) <= 128
    assert _memory_limit(path, read_only=True) > 128  # analysts' queries keep DuckDB's own default


def test_memory_limit_can_be_raised_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1GB")
    assert _memory_limit(tmp_path / "w.duckdb") > 900


def test_a_malformed_memory_limit_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(WarehouseError, match=f"{MEMORY_LIMIT_ENV}='lots'"):
        connect(tmp_path / "w.duckdb")
