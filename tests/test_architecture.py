"""The import graph follows the data flow: no stage imports a later one, and stage packages form no cycle.

Stages, earliest first: records (with lazy_import, which imports nothing of ours), config, extractors,
transforms, warehouse staging, expectations, warehouse publish, alerts and report, then flows (and the CLI),
which alone may reach across every stage. Every import counts: module-level, function-local and under
TYPE_CHECKING.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lazy_import", "records", "config", "extractors", "transforms", "warehouse", "expectations", "alerts",
            "report", "flows", "demo")
# The warehouse modules a run writes before the quality gate has judged a batch; the rest of warehouse publishes.
WAREHOUSE_STAGING = {"warehouse", "warehouse.db", "warehouse.migrate", "warehouse.lock", "warehouse.archive",
                     "warehouse.staging", "warehouse.staged_watch", "warehouse.migrations"}
STAGES = ("records", "config", "extractors", "transforms", "warehouse staging", "expectations", "warehouse publish",
          "alerts/report", "flows")
STAGE_OF_PACKAGE = {"lazy_import": "records", "records": "records", "config": "config", "extractors": "extractors",
                    "transforms": "transforms", "expectations": "expectations", "alerts": "alerts/report",
                    "report": "alerts/report", "flows": "flows", "demo": "flows"}


@dataclass(frozen=True)
class Edge:
    """One import of a project module by another, where it is written."""

    source: str
    target: str
    path: Path
    line: int

    def where(self) -> str:
        """`file:line: source imports target`, for a failure message."""
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.target}"


def module_name(path: Path) -> str:
    """The dotted module name of a file under ROOT."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the production packages, by dotted name."""
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def stage_of(module: str) -> str:
    """The stage a project module belongs to."""
    package = module.split(".")[0]
    if package == "warehouse":
        return "warehouse staging" if module in WAREHOUSE_STAGING else "warehouse publish"
    return STAGE_OF_PACKAGE[package]


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    """Every import of a project module in one file, wherever in the file it is written."""
    edges = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        edges += [Edge(module, _known(name, modules), path, node.lineno) for name in names if _known(name, modules)]
    return edges


def _known(name: str, modules: dict[str, Path]) -> str:
    """The longest project module `name` is or lies in; empty for third-party and standard-library names."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return ""


def all_edges() -> list[Edge]:
    """Every import between project modules."""
    modules = project_modules()
    return [edge for module, path in modules.items() for edge in imports_of(module, path, modules)]


def backward(edges: list[Edge]) -> list[Edge]:
    """Imports of a later stage by an earlier one (flows may import any stage)."""
    return [edge for edge in edges
            if STAGES.index(stage_of(edge.target)) > STAGES.index(stage_of(edge.source)) != STAGES.index("flows")]


def stage_cycles(edges: list[Edge]) -> list[list[str]]:
    """Cycles in the graph of stages (an edge wherever a module of one stage imports a module of another)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if stage_of(edge.source) != stage_of(edge.target):
            graph.setdefault(stage_of(edge.source), set()).add(stage_of(edge.target))
    cycles, done = [], set()

    def visit(stage: str, trail: list[str]) -> None:
        for nxt in sorted(graph.get(stage, ())):
            if nxt in trail:
                cycles.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in done:
                visit(nxt, [*trail, nxt])
        done.add(stage)

    for stage in sorted(graph):
        visit(stage, [stage])
    return cycles


def test_no_stage_imports_a_later_stage() -> None:
    found = backward(all_edges())
    assert not found, "imports against the data flow (move the shared piece to the earlier stage):\n" + "\n".join(
        edge.where() for edge in found)


def test_stage_packages_form_no_cycle() -> None:
    edges = all_edges()
    cycles = stage_cycles(edges)
    detail = [edge.where() for edge in edges
              if any(stage_of(edge.source) == a and stage_of(edge.target) == b
                     for cycle in cycles for a, b in zip(cycle, cycle[1:], strict=False))]
    assert not cycles, f"import cycles between stages: {cycles}\n" + "\n".join(detail)


def test_the_check_sees_local_and_type_checking_imports(tmp_path: Path) -> None:
    """A backward import hidden in a function or under TYPE_CHECKING is still found, with its line."""
    modules = project_modules()
    path = ROOT / "records" / "documents.py"
    text = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from warehouse.load import SourceLoad\n" \
           "def f():\n    import extractors.registry\n"
    fake = tmp_path / "records_fake.py"
    fake.write_text(text)
    edges = [Edge(e.source, e.target, path, e.line) for e in imports_of("records.documents", fake, modules)]
    assert [(e.target, e.line) for e in backward(edges)] == [("warehouse.load", 3), ("extractors.registry", 5)]
    assert stage_cycles([*edges, Edge("warehouse.load", "records", path, 1)]) == [
        ["records", "warehouse publish", "records"]]


@pytest.mark.parametrize("module", ["records", "config.sources", "transforms.pipeline", "warehouse.load",
                                    "expectations.gate", "warehouse.recheck"])
def test_shared_records_do_not_load_the_extractors(module: str) -> None:
    """Importing a later stage for a record type loads no source kind's parser (feedparser, trafilatura)."""
    probe = (f"import sys, {module}\n"
             "print(sorted(m for m in sys.modules if m in ('feedparser', 'trafilatura', 'extractors.registry')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_every_source_kind_has_an_extractor() -> None:
    from extractors.registry import EXTRACTORS
    from records.sources import RECORD_KINDS

    assert set(EXTRACTORS) == set(RECORD_KINDS)
