"""The published snapshot in a client nobody here wrote: the DuckDB 1.x command line from PyPI (`duckdb-cli`).

The README's analyst commands run as written, and every example of docs/queries.sql answers in the 1.x CLI
with the rows DuckDB 2.0 finds in the live warehouse.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import copy_warehouse

from warehouse.db import SNAPSHOT_STORAGE, STORAGE_ENV, WarehouseError, connect
from warehouse.load import start_run
from warehouse.snapshot import publish_snapshot, snapshot_path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
QUERIES = ROOT / "docs" / "queries.sql"
CLI = Path(sys.executable).parent / "duckdb"  # installed by the test extra, as the README says


def cli(database: Path, *args: str) -> subprocess.CompletedProcess:
    """The DuckDB 1.x CLI on `database`, read-only, with `args` (-c SQL) after it."""
    return subprocess.run([str(CLI), "-readonly", str(database), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def cli_rows(database: Path, sql: str) -> list[dict]:
    """The rows of one statement, through the CLI's JSON output."""
    result = subprocess.run([str(CLI), "-readonly", "-json", str(database), "-c", sql], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and "Error" not in result.stderr, f"{sql}\n{result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else []


def readme_session() -> tuple[list[str], str]:
    """The README's analyst commands: the command lines opening the snapshot and the SQL block after them."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"```bash\n((?:[^`]*\n)*?[^`]*duckdb -readonly[^`]*)```\s*```sql\n(.*?)```", text, re.S)
    assert found, "README.md: no bash block opening the snapshot with duckdb -readonly, followed by a sql block"
    commands = [line.split("#")[0].strip() for line in found.group(1).splitlines() if line.split("#")[0].strip()]
    return commands, found.group(2)


@pytest.fixture(scope="module")
def warehouse(edited_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real runs with an edit in between and a failed run, published as the demo's snapshot."""
    db = copy_warehouse(edited_warehouse, tmp_path_factory.mktemp("client") / "data" / "demo.duckdb")
    publish_snapshot(db)
    return db


def test_the_cli_is_duckdb_1x_and_the_python_module_is_still_2() -> None:
    version = subprocess.run([str(CLI), "-version"], capture_output=True, text=True, timeout=60, check=True).stdout
    assert version.startswith("v1."), version
    assert duckdb.__version__.startswith("2."), "duckdb-cli must not replace the duckdb Python module"


def test_the_readme_analyst_commands_work_as_written(warehouse) -> None:
    commands, sql = readme_session()
    assert commands == [".venv/bin/duckdb -readonly data/demo.snapshot.duckdb"], commands
    argv = shlex.split(commands[0])
    session = subprocess.run([str(CLI), *argv[1:]], input=sql, capture_output=True, text=True, timeout=60,
                             cwd=warehouse.parent.parent, check=False)
    assert session.returncode == 0 and "Error" not in session.stdout + session.stderr, session.stdout + session.stderr
    snapshot = snapshot_path(warehouse)
    with connect(warehouse, read_only=True) as con:
        for statement in con.extract_statements(sql):
            expected = con.execute(statement.query).fetchall()
            assert expected, f"the demo data should answer:\n{statement.query}"
            assert len(cli_rows(snapshot, statement.query)) == len(expected), statement.query
    assert "search_documents" not in session.stderr and "shared service" in session.stdout.lower()


def test_every_example_query_answers_in_the_1x_cli(warehouse) -> None:
    snapshot = snapshot_path(warehouse)
    with connect(warehouse, read_only=True) as con:
        statements = con.extract_statements(QUERIES.read_text(encoding="utf-8"))
        assert len(statements) >= 6
        for statement in statements:
            expected = con.execute(statement.query).fetchall()
            got = cli_rows(snapshot, statement.query)
            assert got, f"no rows in the 1.x CLI from:\n{statement.query}"
            assert len(got) == len(expected), statement.query


def test_search_ranks_the_same_in_the_1x_cli(warehouse) -> None:
    query = "SELECT document_id, round(score, 9) AS score FROM search_documents('shared service centre payroll')"
    with connect(warehouse, read_only=True) as con:
        expected = [[doc_id, score] for doc_id, score in con.execute(query).fetchall()]
    got = [[row["document_id"], row["score"]] for row in cli_rows(snapshot_path(warehouse), query)]
    assert got == expected and len(got) > 3


def test_a_warehouse_in_duckdb_2_format_still_publishes_a_snapshot_the_1x_cli_opens(warehouse, tmp_path) -> None:
    live = tmp_path / "old.duckdb"
    with duckdb.connect() as con:  # a warehouse created before the storage setting: DuckDB 2.0's own format
        con.execute("ATTACH ? AS source (READ_ONLY)", [str(warehouse)])
        con.execute("ATTACH ? AS old (STORAGE_VERSION 'v2.0.0')", [str(live)])
        con.execute("COPY FROM DATABASE source TO old")
    refused = cli(live, "-c", "SELECT 1")
    assert refused.returncode != 0 and "version number" in refused.stderr, "the 1.x CLI reads DuckDB 2.0 files now"
    snapshot = publish_snapshot(live)
    assert not list(tmp_path.glob(".*partial*")), "no partial file or its log is left behind"
    with connect(warehouse, read_only=True) as con:
        expected = con.execute("SELECT count(*) FROM flagged_documents").fetchone()[0]
    assert cli_rows(snapshot, "SELECT count(*) AS n FROM flagged_documents") == [{"n": expected}]
    header = cli(snapshot, "-json", "-c", "SELECT tags['storage_version'] AS v FROM duckdb_databases() "
                                        "WHERE database_name = current_database()")
    assert json.loads(header.stdout)[0]["v"] in (["v1.0.0+"], "v1.0.0+"), f"{SNAPSHOT_STORAGE}: {header.stdout}"


def test_a_bad_storage_setting_is_refused_before_anything_is_written(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(STORAGE_ENV, "v1.9")
    with pytest.raises(WarehouseError, match=rf"{STORAGE_ENV}='v1\.9': DuckDB 2[.0-9]* cannot write .*'v1\.1\.0'"):
        start_run(tmp_path / "new.duckdb", "run", [])
    assert not (tmp_path / "new.duckdb").exists()
