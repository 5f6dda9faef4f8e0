"""Data Docs: built from the warehouse's stored results into a folder that opens offline, with scraped text
shown as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from quality_support import NOW, migrated, post, refined, stats

from expectations import gate
from expectations.docs import build_docs, offline_html
from records import BLOG_POST
from warehouse import quality
from warehouse.db import connect
from warehouse.load import stage_frame as stage

REMOTE_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*['"]?(?:https?:)?//""", re.I)
HOSTILE_BODY = '<script>alert("x")</script><img src=x onerror=alert(1)> Pay talks resume.\n\nPopular Posts\n\nAGM'


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> list[quality.StoredGate]:
    """Two runs of one blog, the second with a hostile body that has sidebar text, as stored by record_gate."""
    db_path = migrated(tmp_path_factory.mktemp("warehouse") / "unionwatch.duckdb")
    for run_id, docs in (("run-1", [post(i) for i in range(4)]),
                         ("run-2", [post(0, body=HOSTILE_BODY), *[post(i) for i in range(1, 4)]])):
        batch = refined(docs)
        result = gate.check(batch, stats(batch, BLOG_POST, history=[4, 4, 4]), now=NOW)
        with connect(db_path) as con:
            quality.record_gate(con, run_id, result, stage(batch))
    return quality.gate_reports(db_path)


def test_docs_open_offline_and_link_every_validation(gates: list[quality.StoredGate], tmp_path: Path) -> None:
    index = build_docs(gates, tmp_path / "docs")
    assert index == tmp_path / "docs" / "index.html"
    pages = list((tmp_path / "docs").rglob("*.html"))
    assert len(pages) >= 1 + 4 + 4  # index, 2 runs x 2 suites, 4 suite pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not REMOTE_REFERENCE.search(text), (page, REMOTE_REFERENCE.search(text))
        assert "<script" not in text.lower(), page
    for css in (tmp_path / "docs").rglob("*.css"):
        assert not REMOTE_REFERENCE.search(css.read_text(encoding="utf-8")), css
    listing = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', listing)
    assert len([link for link in links if link.startswith("validations/")]) == 4
    assert all((index.parent / link).is_file() for link in links)
    assert listing.count("FAILED") == 1 and "no sidebar, post-footer or navigation text in the body" in listing


def test_scraped_text_is_escaped_in_the_docs(gates: list[quality.StoredGate], tmp_path: Path) -> None:
    build_docs(gates, tmp_path / "docs")
    failed_page = next((tmp_path / "docs" / "validations" / "blog_post" / "run-2").rglob("branchblog.html"))
    text = failed_page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert" in text and "<img src=x" not in text


def test_a_rebuild_replaces_the_previous_site_and_nothing_else(gates: list[quality.StoredGate],
                                                               tmp_path: Path) -> None:
    out = tmp_path / "docs"
    build_docs(gates, out)
    (out / "notes.txt").write_text("mine")
    build_docs(gates[:1], out)
    assert len(list((out / "validations").rglob("*.html"))) == 2
    assert (out / "notes.txt").read_text() == "mine"
    assert [path.name for path in out.iterdir() if path.name.startswith(".")] == []


def test_offline_html_drops_remote_assets_and_scripts_but_keeps_local_links() -> None:
    page = offline_html(
        '<html><head><link rel="stylesheet" href="https://cdn.example/b.css">'
        '<link rel="icon" href="static/favicon.ico"><style>a{background:url("https://x/y.png")}</style>'
        '<script src="https://code.jquery.com/jquery.js"></script></head><body>'
        '<a href="https://greatexpectations.io">GX</a><a href="validations/x.html">x</a>'
        '<img src="//cdn.example/logo.png"><i class="fas fa-times"></i><script>init()</script></body></html>')
    assert not REMOTE_REFERENCE.search(page) and "<script" not in page
    assert 'href="static/favicon.ico"' in page and 'href="validations/x.html"' in page and ">GX</a>" in page
    assert ".fa-times::before" in page
