"""Builds GX Data Docs from stored gate results into a folder that renders offline.

GX's pages load bootstrap, jQuery, font-awesome, vega and a logo from CDNs, and its index page is drawn
by JavaScript from those libraries. This module removes every remote reference and all scripts, adds a
small inline stylesheet (with text marks for the font-awesome pass/fail icons), and writes a static
index. GX does not escape the values it shows, and those values are scraped text, so every string in
a result is HTML-escaped before GX renders it.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from bs4 import BeautifulSoup

from expectations import context, run_suite
from expectations.gate import SUITES

SITE_PARTS = ("index.html", "validations", "expectations", "static")  # what a build replaces in out_dir
REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
SCRIPTED_WIDGET = re.compile(r"^\s*Validation Filter:")  # a card of radio buttons that only work with jQuery
REMOTE_CSS_URL = re.compile(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", re.IGNORECASE)

INLINE_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 0 2rem 2rem; }
h1, h2, h3, h4, h5 { font-weight: 600; margin: 1.1em 0 .5em; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
a { color: #0969da; }
.alert, .card { border: 1px solid #d0d7de; border-radius: 4px; padding: .5rem .8rem; margin: .5rem 0; }
.text-success, .pass { color: #1a7f37; }
.text-danger, .fail { color: #b42318; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before { content: "\\2718"; }
.navbar, .d-none { display: none; }
"""

PASSED, FAILED = '<span class="pass">passed</span>', '<span class="fail">FAILED</span>'
INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>unionwatch quality gates</title>
<style>{css}</style></head>
<body><h1>unionwatch quality gates</h1>
<p>Great Expectations results of the latest runs, newest first. Suites: {suites}.</p>
<table><thead><tr><th>validated</th><th>run</th><th>source</th><th>suite</th><th>result</th>
<th>expectations failed</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


class StoredGateLike(Protocol):
    """What a build needs of one stored gate (warehouse.quality.StoredGate)."""

    run_id: str
    source_id: str
    validated_at: datetime
    reports: list[dict[str, Any]]


def build_docs(gates: Sequence[StoredGateLike], out_dir: Path | str) -> Path:
    """Render `gates` as Data Docs in `out_dir`, replacing an earlier build there; returns its index.html."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".quality-docs-", dir=out) as scratch:
        site = Path(scratch)
        _render(gates, site)
        for page in site.rglob("*.html"):
            page.write_text(offline_html(page.read_text(encoding="utf-8")), encoding="utf-8")
        for sheet in site.rglob("*.css"):
            sheet.write_text(REMOTE_CSS_URL.sub("none", sheet.read_text(encoding="utf-8")), encoding="utf-8")
        (site / "index.html").write_text(_index(gates, site), encoding="utf-8")
        for part in SITE_PARTS:
            target = out / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if (site / part).exists():
                shutil.move(site / part, target)
    return out / "index.html"


def _render(gates: Sequence[StoredGateLike], site: Path) -> None:
    """Let GX build its Data Docs site for `gates` (and every suite) in `site`."""
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    gx_context = context.new_context()
    gx_context.variables.data_docs_sites = {"local_site": {
        "class_name": "SiteBuilder", "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}}
    for module in (*SUITES.values(), run_suite):
        gx_context.suites.add(context.build_suite(module))
    for gate in gates:
        for report in gate.reports:
            result = expectationSuiteValidationResultSchema.load(_prepared(report, gate))
            key = ValidationResultIdentifier(
                ExpectationSuiteIdentifier(name=result.suite_name),
                RunIdentifier(run_name=gate.run_id, run_time=gate.validated_at), gate.source_id)
            gx_context.validation_results_store.set(key, result)
    gx_context.build_data_docs()


def offline_html(page: str) -> str:
    """`page` without scripts or remote stylesheets, images and links, with the inline stylesheet added."""
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup.find_all(["script", "footer"]):  # the footer only advertises GX's newsletter
        tag.decompose()
    for tag in soup.find_all(["link", "img"]):
        if REMOTE.match(tag.get("href") or tag.get("src") or ""):
            tag.decompose()
    for tag in soup.find_all(href=REMOTE):
        del tag["href"]
    for label in soup.find_all(string=SCRIPTED_WIDGET):
        card = label.find_parent("div", class_="card")
        if card is not None:
            card.decompose()
    for tag in soup.find_all("style"):
        tag.string = REMOTE_CSS_URL.sub("none", tag.get_text())
    style = soup.new_tag("style")
    style.string = INLINE_CSS
    (soup.head or soup).append(style)
    return str(soup)


def _prepared(report: dict[str, Any], gate: StoredGateLike) -> dict[str, Any]:
    """A copy of `report` naming its run, its result values and exception texts HTML-escaped (GX prints raw)."""
    report = copy.deepcopy(report)
    report.setdefault("meta", {})["run_id"] = {"run_name": gate.run_id, "run_time": gate.validated_at.isoformat()}
    for item in report.get("results", []):
        for key in ("result", "exception_info"):
            if item.get(key):
                item[key] = _escape_strings(item[key])
    return report


def _escape_strings(value: Any) -> Any:
    """`value` with every string inside it HTML-escaped."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {key: _escape_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_strings(item) for item in value]
    return value


def _index(gates: Sequence[StoredGateLike], site: Path) -> str:
    """A static index page linking every rendered validation."""
    pages = {(path.parts[1], path.parts[2], path.stem): path.as_posix()
             for path in (page.relative_to(site) for page in site.glob("validations/*/*/*/*.html"))}
    rows = []
    for gate in gates:
        for report in gate.reports:
            suite = report.get("suite_name", "")
            failed = [item["expectation_config"].get("description") or item["expectation_config"]["type"]
                      for item in report.get("results", []) if not item.get("success")]
            link = pages.get((suite, gate.run_id, gate.source_id))
            name = html.escape(suite)
            cell = f'<a href="{html.escape(link)}">{name}</a>' if link else name
            verdict = PASSED if report.get("success") else FAILED
            rows.append(f"<tr><td>{gate.validated_at:%Y-%m-%d %H:%M}</td><td>{html.escape(gate.run_id[:8])}</td>"
                        f"<td>{html.escape(gate.source_id)}</td><td>{cell}</td><td>{verdict}</td>"
                        f"<td>{html.escape('; '.join(failed))}</td></tr>")
    suites = ", ".join(f'<a href="expectations/{html.escape(name)}.html">{html.escape(name)}</a>'
                       for name in (*SUITES, run_suite.NAME))
    return INDEX_TEMPLATE.format(css=INLINE_CSS, suites=suites, rows="\n".join(rows) or
                                 '<tr><td colspan="6">No validation results yet.</td></tr>')
