"""`unionwatch sql` and `unionwatch export` as analysts run them, against a warehouse the real ingest filled."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from conftest import CORE_SITES, ingest_sites
from support import query, unionwatch

from demo.server import serve_sites
from demo.sites import demo_sites
from warehouse.db import connect

VIEWS_SQL = "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' ORDER BY 1"


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory) -> Iterator[Path]:
    """The sample sites, ingested once."""
    tmp = tmp_path_factory.mktemp("sql")
    db = tmp / "unionwatch.duckdb"
    with serve_sites(demo_sites(*CORE_SITES)) as sites:
        assert ingest_sites(sites, tmp, db).ok
    yield db


def test_sql_prints_a_table_csv_and_json(warehouse, tmp_path) -> None:
    statement = "SELECT source_id, documents, flagged FROM source_health ORDER BY source_id"
    expected = query(warehouse, statement)
    table = unionwatch("sql", statement, "--db", str(warehouse), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "source_id" in table.stdout
    for source_id, documents, flagged in expected:
        assert any(source_id in line and f" {documents} " in line and f" {flagged} " in line
                   for line in table.stdout.splitlines())
    assert f"Reading snapshot {warehouse.with_name(warehouse.stem + '.snapshot.duckdb')}" in table.stderr
    as_csv = unionwatch("sql", statement, "--format", "csv", "--db", str(warehouse), cwd=tmp_path)
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["source_id", "documents", "flagged"], *[[str(value) for value in row] for row in expected]]
    as_json = unionwatch("sql", statement, "--format", "json", "--db", str(warehouse), cwd=tmp_path)
    assert json.loads(as_json.stdout) == [dict(zip(["source_id", "documents", "flagged"], row, strict=True))
                                          for row in expected]


def test_json_and_csv_keep_lists_and_times(warehouse, tmp_path) -> None:
    statement = "SELECT document_id, topics, published_at FROM flagged_documents ORDER BY document_id LIMIT 3"
    expected = query(warehouse, statement)
    records = json.loads(unionwatch("sql", statement, "--format", "json", "--db", str(warehouse), cwd=tmp_path).stdout)
    assert [(r["document_id"], r["topics"], datetime.fromisoformat(r["published_at"])) for r in records] == expected
    lines = list(csv.DictReader(io.StringIO(
        unionwatch("sql", statement, "--format", "csv", "--db", str(warehouse), cwd=tmp_path).stdout)))
    assert [json.loads(line["topics"]) for line in lines] == [row[1] for row in expected]


def test_sql_errors_are_clear_and_nothing_can_be_written(warehouse, tmp_path) -> None:
    missing = unionwatch("sql", "SELECT * FROM no_such_view", "--db", str(warehouse), cwd=tmp_path)
    assert missing.returncode == 2 and "SQL error" in missing.stderr and "no_such_view" in missing.stderr
    assert "Traceback" not in missing.stderr
    write = unionwatch("sql", "DELETE FROM flags", "--db", str(warehouse), cwd=tmp_path)
    assert write.returncode == 2 and "read-only" in write.stderr
    assert query(warehouse, "SELECT count(*) FROM flags")[0][0] > 0
    nowhere = unionwatch("sql", "SELECT 1", "--db", str(tmp_path / "none.duckdb"), cwd=tmp_path)
    assert nowhere.returncode == 3 and "no warehouse here yet" in nowhere.stderr


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_view_whole(warehouse, tmp_path, fmt) -> None:
    out = tmp_path / "export"
    result = unionwatch("export", "--format", fmt, str(out), "--db", str(warehouse), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    views = [name for (name,) in query(warehouse, VIEWS_SQL)]
    assert {"documents", "flagged_documents", "mentions_monthly", "source_health"} <= set(views)
    assert sorted(path.name for path in out.iterdir()) == sorted(f"{view}.{fmt}" for view in views)
    reader = "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header = true, all_varchar = true)"
    with connect(warehouse, read_only=True) as con:
        for view in views:
            path = str(out / f"{view}.{fmt}")
            columns = [row[0] for row in con.execute(f'DESCRIBE "{view}"').fetchall()]
            exported = con.execute(f"SELECT * FROM {reader}", [path])  # noqa: S608
            assert [column[0] for column in exported.description] == columns, view
            exported_rows = len(exported.fetchall())
            count = con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0]  # noqa: S608
            assert exported_rows == count, view
            assert f"{path}  {count:,} rows" in result.stdout
    flagged = query(warehouse, "SELECT document_id, topics FROM flagged_documents ORDER BY 1")
    if fmt == "parquet":
        with connect(warehouse, read_only=True) as con:
            assert con.execute("SELECT document_id, topics FROM read_parquet(?) ORDER BY 1",
                               [str(out / "flagged_documents.parquet")]).fetchall() == flagged


def view_shapes(db: Path) -> dict[str, tuple[list[tuple[str, str]], int]]:
    """Each view's (column, type) list and row count, as DuckDB 2.0 sees them."""
    with connect(db, read_only=True) as con:
        return {view: ([(name, kind) for name, kind, *_ in con.execute(f'DESCRIBE "{view}"').fetchall()],
                       con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0])  # noqa: S608
                for (view,) in con.execute(VIEWS_SQL).fetchall()}


def cli_json(sql: str) -> list[dict]:
    """Rows of `sql` in the DuckDB 1.x CLI the test extra installs (an in-memory database)."""
    found = subprocess.run([str(Path(sys.executable).parent / "duckdb"), "-json", "-c", sql], capture_output=True,
                           text=True, timeout=60, check=False)
    assert found.returncode == 0 and "Error" not in found.stderr, f"{sql}\n{found.stderr}"
    return json.loads(found.stdout) if found.stdout.strip() else []


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_exports_read_back_the_same_in_pandas_polars_and_the_1x_cli(warehouse, tmp_path, fmt) -> None:
    import pandas as pd
    import polars as pl

    out = tmp_path / "export"
    result = unionwatch("export", "--format", fmt, str(out), "--db", str(warehouse), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shapes = view_shapes(warehouse)
    assert shapes["flagged_documents"][1] > 0 and shapes["documents"][1] > 0
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    for view, (columns, count) in shapes.items():
        path = out / f"{view}.{fmt}"
        names = [name for name, _ in columns]
        frame = pl.read_parquet(path) if fmt == "parquet" else pl.read_csv(path, infer_schema_length=0)
        assert (frame.columns, frame.height) == (names, count), f"polars, {view}"
        table = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path, dtype=str, keep_default_na=False)
        assert (list(table.columns), len(table)) == (names, count), f"pandas, {view}"
        literal = "'" + str(path).replace("'", "''") + "'"
        counted = cli_json(f"SELECT count(*) AS n FROM {reader}({literal})")  # noqa: S608 (a quoted path)
        assert counted == [{"n": count}], f"1.x CLI, {view}"
        described = [(row["column_name"], row["column_type"]) for row in cli_json(f"DESCRIBE FROM {reader}({literal})")]
        assert [name for name, _ in described] == names, f"1.x CLI, {view}"
        if fmt == "parquet":
            assert described == columns, f"1.x CLI reads {view}'s types as the view has them"
    flagged = query(warehouse, "SELECT document_id, topics, published_at FROM flagged_documents ORDER BY 1")
    path = out / f"flagged_documents.{fmt}"
    if fmt == "parquet":
        frame = pl.read_parquet(path).sort("document_id")
        assert frame.schema["topics"] == pl.List(pl.String)
        assert frame.schema["published_at"] == pl.Datetime("us", "UTC")
        assert [(d, list(t), p) for d, t, p in frame.select("document_id", "topics", "published_at").rows()] == \
            flagged
        # pandas reads Parquet with fastparquet (the test extra's engine): lists as lists, times as the UTC instants,
        # though without their zone (fastparquet keeps a zone only from pandas' own metadata; README says so).
        table = pd.read_parquet(path, engine="fastparquet").sort_values("document_id")
        published = [None if pd.isna(p) else p.tz_localize("UTC").to_pydatetime() for p in table["published_at"]]
        assert list(zip(table["document_id"], table["topics"].map(list), published, strict=True)) == flagged
    else:
        table = pd.read_csv(path, keep_default_na=False).sort_values("document_id")
        assert [json.loads(topics) for topics in table["topics"]] == [topics for _, topics, _ in flagged]
        published = pd.to_datetime(table["published_at"].replace("", None), utc=True)
        assert [None if pd.isna(p) else p.to_pydatetime() for p in published] == [p for _, _, p in flagged]
        assert table["published_at"].str.endswith("+00").all(), "times are in UTC whatever the machine's zone"
