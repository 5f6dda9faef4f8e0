"""docs/schema.md and docs/queries.sql stay true: the dictionary matches the database and every example runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_warehouse

from warehouse.db import connect
from warehouse.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "schema.md"
QUERIES = ROOT / "docs" / "queries.sql"
TYPE_NAMES = {"TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}  # the dictionary uses DuckDB's short spelling
VIEW_COLUMNS_SQL = """
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
WHERE t.table_type = 'VIEW' AND t.table_schema = 'main' AND t.table_catalog = current_database()
ORDER BY c.table_name, c.ordinal_position
"""

Columns = list[tuple[str, str]]


def documented(section: str) -> dict[str, Columns]:
    """(column, type) of each `### name` table under the `## section` heading of docs/schema.md."""
    tables: dict[str, Columns] = {}
    in_section, current = False, None
    for line in SCHEMA.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section, current = line[3:].strip() == section, None
        elif in_section and line.startswith("### "):
            current = line[4:].strip()
            tables[current] = []
        elif in_section and current and line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells[0] != "column" and set(cells[0]) - set("-: "):
                tables[current].append((cells[0], cells[1]))
    return tables


def differences(name: str, in_database: Columns, in_docs: Columns) -> list[str]:
    """What a maintainer must change in docs/schema.md so that `name` is documented as it is."""
    if in_database == in_docs:
        return []
    rows = "\n".join(f"    | {column} | {kind} | ... |" for column, kind in in_database)
    problems = [f"{name}: docs/schema.md does not match the database, whose columns are, in order:\n{rows}"]
    if not in_docs:
        return problems
    database, docs = dict(in_database), dict(in_docs)
    problems += [f"    missing from docs: {column}" for column in database if column not in docs]
    problems += [f"    not in the database: {column}" for column in docs if column not in database]
    problems += [f"    {column}: docs say {docs[column]}, database has {kind}"
                 for column, kind in database.items() if column in docs and docs[column] != kind]
    return problems


@pytest.fixture(scope="module")
def warehouse(edited_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real runs with an edit in between, then a run in which one source failed."""
    return copy_warehouse(edited_warehouse, tmp_path_factory.mktemp("docs") / "unionwatch.duckdb")


def test_every_view_is_documented_column_by_column(tmp_path) -> None:
    with connect(tmp_path / "fresh.duckdb") as con:
        migrate(con)
        rows = con.execute(VIEW_COLUMNS_SQL).fetchall()
    in_database: dict[str, Columns] = {}
    for view, column, kind in rows:
        in_database.setdefault(view, []).append((column, TYPE_NAMES.get(kind, kind)))
    in_docs = documented("Views")
    problems = [f"{view}: in docs/schema.md but no such view in the database" for view in in_docs
                if view not in in_database]
    for view, columns in in_database.items():
        if view not in in_docs:
            problems.append(f"{view}: view not documented; add a '### {view}' section under '## Views'")
        problems += differences(view, columns, in_docs.get(view, []))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("macro", "call"), [("search_documents", "search_documents('shared services')"),
                                           ("alert_documents", "alert_documents(true, false)")])
def test_each_table_macro_is_documented(macro: str, call: str, tmp_path) -> None:
    with connect(tmp_path / "fresh.duckdb") as con:
        migrate(con)
        described = con.execute(f"DESCRIBE SELECT * FROM {call}").fetchall()  # noqa: S608 - two fixed calls
    columns = [(column, TYPE_NAMES.get(kind, kind)) for column, kind, *_ in described]
    problems = differences(macro, columns, documented("Table macros").get(macro, []))
    assert not problems, "\n".join(problems)


def test_every_example_query_runs_and_finds_something(warehouse) -> None:
    with connect(warehouse, read_only=True) as con:
        statements = con.extract_statements(QUERIES.read_text(encoding="utf-8"))
        assert len(statements) >= 6
        for statement in statements:
            assert con.execute(statement.query).fetchall(), f"no rows from:\n{statement.query}"
