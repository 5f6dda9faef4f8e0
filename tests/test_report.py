"""The campaign report as staff see it: written by `unionwatch report`, rendered by headless Chromium."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CORE_SITES, ingest_sites
from support import unionwatch

from demo.server import serve_sites
from demo.sites import demo_sites
from report.html import render, time_axis
from warehouse.db import WarehouseError, connect
from warehouse.migrate import available
from warehouse.report_data import FlaggedItem, ReportData, load

# A scraped title carrying markup: if the page ever ran it, the page's title would change.
SCRIPT_TITLE = "<script>document.title='pwned'</script> shared services"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")

# Loads the report in a frame and reports what the browser actually laid out (needs file access between files).
PROBE = """<!doctype html><html><head><title>probe</title></head><body>
<iframe id="page" src="report.html" width="1200" height="3000"></iframe><pre id="result">pending</pre>
<script>
window.addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument;
  const bars = [...doc.querySelectorAll("svg.chart rect.bar")].map(bar => bar.getBoundingClientRect());
  document.getElementById("result").textContent = JSON.stringify({
    title: doc.title,
    scripts: doc.querySelectorAll("script").length,
    charts: doc.querySelectorAll("svg.chart").length,
    bars: bars.length,
    drawn: bars.filter(box => box.width > 0 && box.height > 0).length,
    headings: [...doc.querySelectorAll(".flag h3")].map(heading => heading.textContent),
  });
});
</script></body></html>"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing."""
    if shutil.which("chromium") is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
            if done.returncode:
                pytest.fail(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    path = shutil.which("chromium")
    assert path, "chromium is still missing after apt-get install"
    return path


@pytest.fixture(scope="module")
def warehouse(prefect_server, tmp_path_factory) -> Iterator[Path]:
    """The sample sites ingested once, the first blog post's title carrying a script tag."""
    tmp = tmp_path_factory.mktemp("report")
    db = tmp / "unionwatch.duckdb"
    sites = demo_sites(*CORE_SITES)
    sites["active"].posts[0].title = SCRIPT_TITLE
    with serve_sites(sites) as servers:
        assert ingest_sites(servers, tmp, db).ok
    yield db


@pytest.fixture(scope="module")
def page(warehouse) -> Path:
    """The report written by the command line."""
    out = warehouse.parent / "site" / "report.html"
    result = unionwatch("report", str(out), "--db", str(warehouse), cwd=warehouse.parent)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out}" in result.stdout and "Reading snapshot" in result.stderr
    return out


class Elements(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the tag."""
        self.tags.append((tag, dict(attrs)))


def test_chromium_draws_the_charts_and_shows_a_scraped_script_as_text(chromium, page) -> None:
    probe = page.with_name("probe.html")
    probe.write_text(PROBE, encoding="utf-8")
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={page.parent / 'profile'}",
                           "--allow-file-access-from-files", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"chromium rendered nothing: {done.stderr[-2000:]}"
    seen = json.loads(html.unescape(found.group(1)))
    assert seen["charts"] == 2 and seen["bars"] > 0 and seen["drawn"] == seen["bars"]
    assert SCRIPT_TITLE in seen["headings"], "the title must read as the text it is"
    assert seen["scripts"] == 0 and seen["title"] == "unionwatch report", "no script may run"


def test_the_page_is_self_contained_and_links_only_to_the_web(page, warehouse) -> None:
    text = page.read_text(encoding="utf-8")
    tags = Elements(text).tags
    names = {tag for tag, _ in tags}
    assert "script" not in names and "link" not in names and "iframe" not in names and "img" not in names
    assert not [attrs for _, attrs in tags if "src" in attrs or any(k.startswith("on") for k in attrs)]
    policy = next(attrs["content"] for tag, attrs in tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy.startswith("default-src 'none'")
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a"]
    with connect(warehouse, read_only=True) as con:
        latest = con.execute("SELECT url FROM flagged_documents ORDER BY published_at DESC LIMIT 25").fetchall()
    assert hrefs == [url for (url,) in latest]
    assert html.escape(SCRIPT_TITLE) in text and "<mark>" in text


def test_snippets_are_escaped_before_marking_and_odd_links_are_not_followed() -> None:
    flag = FlaggedItem("x:1", "<b>Plan</b>", "javascript:alert(1)", "x", None, ["shared_services"],
                       "the <img src=x onerror=alert(1)> **shared service** plan", datetime(2024, 5, 1, tzinfo=UTC))
    page = render(ReportData([], [flag], [], None, None, 1, 1), "test.duckdb", datetime(2024, 5, 2, tzinfo=UTC))
    assert "the &lt;img src=x onerror=alert(1)&gt; <mark>shared service</mark> plan" in page
    assert "&lt;b&gt;Plan&lt;/b&gt;" in page and "javascript:" not in page
    assert "No mentions yet." in page and "No quality results yet." in page and "No run yet." in page


def test_the_report_shows_the_last_quality_results_when_there_are_any(warehouse, tmp_path) -> None:
    db = tmp_path / "quality.duckdb"
    shutil.copyfile(warehouse, db)
    with connect(db) as con:
        con.execute("DELETE FROM validation_results")
        con.execute("DELETE FROM quality_gates")
    assert load(db).quality is None
    with connect(db) as con:
        run_id = con.execute("SELECT run_id FROM runs").fetchone()[0]
        con.execute("""INSERT INTO quality_gates BY NAME
                       SELECT ? AS run_id, 'sample-motions' AS source_id, 'motion' AS kind, 'motion' AS suite,
                              16 AS items, 0 AS failures, 20 AS requests, []::INTEGER[] AS history,
                              true AS batch_ok, 0 AS quarantined, '[]' AS reports_json, now() AS validated_at""",
                    [run_id])
        for position, (success, description) in enumerate([(True, "every motion has a title"),
                                                           (False, "at least 20 motions")]):
            con.execute("""INSERT INTO validation_results BY NAME
                           SELECT ? AS run_id, 'sample-motions' AS source_id, 'motion' AS suite,
                                  'expect_table_row_count_to_be_between' AS expectation, 'batch' AS level,
                                  ? AS success, '16' AS observed, 0 AS unexpected_count, ? AS description,
                                  ? AS position, now() AS validated_at""", [run_id, success, description, position])
    page = render(load(db), str(db), datetime.now(UTC))
    assert "1 of 2 passed</span> sample-motions" in page
    failed = re.search(r'<tr class="bad">(.*?)</tr>', page)
    assert failed and "at least 20 motions" in failed.group(1)


def test_a_warehouse_from_before_the_report_gets_a_clear_message(tmp_path) -> None:
    db = tmp_path / "old.duckdb"
    with connect(db) as con:
        con.execute(available()[0][2])  # only the first migration, as an early release left it
    with pytest.raises(WarehouseError, match=r"run_log.*run `unionwatch run` once"):
        load(db)


def test_long_spans_are_charted_by_quarter_then_by_year() -> None:
    monthly = time_axis([date(2024, 11, 1), date(2025, 2, 1)])
    assert [monthly.label(key) for key in monthly.keys] == ["Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025"]
    quarterly = time_axis([date(2020, 2, 1), date(2024, 11, 1)])
    assert quarterly.per_year == 4 and quarterly.label(quarterly.keys[0]) == "Q1 2020" and len(quarterly.keys) == 20
    yearly = time_axis([date(2006, 2, 1), date(2023, 2, 1)])
    assert [yearly.label(key) for key in yearly.keys] == [str(year) for year in range(2006, 2024)]
