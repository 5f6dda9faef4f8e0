"""Renders the campaign report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

Every scraped value (titles, snippets, errors, URLs) is escaped before it is placed; a snippet's `**term**` marks
become <mark> only after escaping, and a link is made only from an http(s) URL. The page's Content-Security-Policy
forbids scripts and network loads, a second line of defence should escaping ever be missed.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from warehouse.report_data import FlaggedItem, Mention, QualityResults, ReportData, RunRow, SourceHealth

PAGE_TITLE = "unionwatch report"
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
# Okabe–Ito and Tol colours, which stay distinguishable with the common colour-vision deficiencies; topics and
# sources draw from different ones so that a colour means one thing on the page.
TOPIC_PALETTE = ("#0072B2", "#E69F00", "#AA3377", "#4477AA")
SOURCE_PALETTE = ("#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255", "#332288", "#DDCC77")
OTHER_COLOUR = "#999999"
TOPIC_LABELS = {"shared_services": "Shared services", "back_office_cuts": "Back-office cuts"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MARKED = re.compile(r"\*\*(.+?)\*\*")
JOINED_MARKS = re.compile(r"\*\*([\s-]+)\*\*")  # "**back office** **cuts**" reads better as one mark
LINK_SCHEMES = ("http", "https")

MAX_BARS = 40  # a longer span is shown by quarter, then by year
MAX_X_LABELS = 14
MAX_BAR_WIDTH = 48  # one or two buckets still look like bars, not blocks
CHART_WIDTH, CHART_HEIGHT = 900, 220
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 40, 8, 12, 28
MAX_CELL_CHARS = 200
# The quality columns worth a reader's time, when the quality tables have them.
QUALITY_COLUMNS = ("source_id", "description", "column_name", "success", "unexpected_count", "observed")

STYLE = """
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --bad: #b42318;
        --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--ink); background: #fff; }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
.sub, .note, footer { color: var(--muted); font-size: 13px; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 0; padding: 0; list-style: none; }
.stats li { flex: 1 1 160px; background: var(--bg); border: 1px solid var(--line); border-radius: 8px;
            padding: 10px 14px; }
.stats strong { display: block; font-size: 24px; }
figure { margin: 0 0 28px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .grid { stroke: #e5e7eb; stroke-width: 1; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart text { font-size: 12px; fill: var(--muted); }
svg.chart .y-label { text-anchor: end; }
svg.chart .x-label { text-anchor: middle; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px;
          font-size: 13px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
          vertical-align: -1px; }
details { font-size: 13px; margin-top: 6px; }
.flags { list-style: none; padding: 0; margin: 0; }
.flag { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 12px; }
.flag h3 { margin: 0 0 4px; font-size: 16px; overflow-wrap: anywhere; }
.flag a { color: #0550ae; text-decoration: none; }
.flag a:hover { text-decoration: underline; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 6px; }
.topic { display: inline-block; border-radius: 10px; padding: 0 8px; margin-right: 6px; font-size: 12px;
         color: #fff; background: var(--topic); }
.snippet { margin: 0; overflow-wrap: anywhere; }
mark { background: #fff1a8; padding: 0 1px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.error { color: var(--bad); overflow-wrap: anywhere; padding-top: 0; }
.status { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600;
          white-space: nowrap; }
.status.ok { background: #dafbe1; color: var(--good); }
.status.bad { background: #ffebe9; color: var(--bad); }
.status.idle { background: var(--bg); color: var(--muted); }
.checks { list-style: none; padding: 0; margin: 0 0 12px; }
.checks li { margin-bottom: 4px; }
tr.bad td { background: #fff5f5; }
footer { margin-top: 40px; padding-bottom: 32px; border-top: 1px solid var(--line); padding-top: 12px; }
td.when { white-space: nowrap; }
@media print { details { display: none; } }
"""


@dataclass(frozen=True)
class Series:
    """One coloured layer of a stacked bar chart."""

    name: str
    colour: str
    values: list[int]


@dataclass(frozen=True)
class TimeAxis:
    """Consecutive buckets (months, quarters or years) from the first mention to the last."""

    per_year: int
    keys: list[tuple[int, int]]

    def key(self, month: date) -> tuple[int, int]:
        """The bucket a month falls in."""
        return month.year, (month.month - 1) * self.per_year // 12

    def label(self, key: tuple[int, int]) -> str:
        """How a bucket is written under the chart."""
        year, index = key
        if self.per_year == 12:
            return f"{MONTHS[index]} {year}"
        return f"Q{index + 1} {year}" if self.per_year == 4 else str(year)


def render(data: ReportData, source: str, generated_at: datetime) -> str:
    """The whole report page; `source` says which warehouse file it was read from."""
    names = {row.source_id: row.name or row.source_id for row in data.sources}
    topics = sorted({mention.topic for mention in data.mentions} | {t for item in data.flags for t in item.topics})
    topic_colours = {topic: TOPIC_PALETTE[i % len(TOPIC_PALETTE)] for i, topic in enumerate(topics)}
    return "\n".join([
        "<!doctype html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{PAGE_TITLE}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        _header(data, source, generated_at),
        "<main>",
        _mentions_section(data.mentions, names, topic_colours),
        _flags_section(data.flags, names, topic_colours),
        _sources_section(data.sources),
        _run_section(data.last_run, data.quality),
        "</main>",
        "<footer>Times are UK time. Made by unionwatch from its warehouse; this page runs no script and loads "
        "nothing from the network, so it can be mailed or archived as it is.</footer>",
        "</body>",
        "</html>",
        "",
    ])


def _header(data: ReportData, source: str, generated_at: datetime) -> str:
    """Title, provenance and the headline numbers."""
    failing = sum(1 for row in data.sources if row.failure_streak)
    run = data.last_run
    stats = [
        (f"{data.flagged:,}", "flagged documents"),
        (f"{data.documents:,}", "documents watched"),
        (f"{len(data.sources)}", f"sources, {failing} failing" if failing else "sources, all working"),
        (_esc(run.status) if run else "none", f"last run, {_when(run.started_at)}" if run else "no run yet"),
    ]
    items = "".join(f"<li><strong>{value}</strong>{label}</li>" for value, label in stats)
    return (f"<header><h1>Shared services and back-office cuts in union publications</h1>"
            f'<p class="sub">{PAGE_TITLE} generated {_when(generated_at)} from {_esc(source)}</p>'
            f'<ul class="stats">{items}</ul></header>')


def _mentions_section(mentions: list[Mention], names: dict[str, str], topic_colours: dict[str, str]) -> str:
    """Two stacked bar charts of flagged documents over time: by topic and by source."""
    if not mentions:
        return '<section id="mentions"><h2>Mentions over time</h2><p class="note">No mentions yet.</p></section>'
    axis = time_axis([mention.month for mention in mentions])
    by_topic = [Series(_topic_label(topic), topic_colours[topic], values)
                for topic, values in _counts(mentions, axis, lambda m: m.topic).items()]
    by_source = _largest(_counts(mentions, axis, lambda m: m.source_id), names)
    unit = {12: "month", 4: "quarter", 1: "year"}[axis.per_year]
    labels = [axis.label(key) for key in axis.keys]
    return (f'<section id="mentions"><h2>Mentions over time</h2>'
            f"{_figure('by-topic', f'Mentions per {unit}, by topic', labels, by_topic)}"
            f"{_figure('by-source', f'Mentions per {unit}, by source', labels, by_source)}"
            '<p class="note">Flagged documents by the month they were published (or found, when undated). '
            "A document on both topics counts once for each.</p></section>")


def time_axis(months: Sequence[date]) -> TimeAxis:
    """Monthly buckets when they fit in MAX_BARS, else quarterly, else yearly."""
    first, last = min(months), max(months)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    per_year = next((p for p in (12, 4) if math.ceil(span * p / 12) <= MAX_BARS), 1)
    axis = TimeAxis(per_year, [])
    key, end = axis.key(first), axis.key(last)
    while key <= end:
        axis.keys.append(key)
        key = (key[0] + 1, 0) if key[1] + 1 == per_year else (key[0], key[1] + 1)
    return axis


def _counts(mentions: list[Mention], axis: TimeAxis, group: Callable[[Mention], str]) -> dict[str, list[int]]:
    """Mentions summed per bucket of the axis for each group, groups in name order."""
    position = {key: i for i, key in enumerate(axis.keys)}
    counts: dict[str, list[int]] = {}
    for mention in mentions:
        values = counts.setdefault(group(mention), [0] * len(axis.keys))
        values[position[axis.key(mention.month)]] += mention.mentions
    return dict(sorted(counts.items()))


def _largest(counts: dict[str, list[int]], names: dict[str, str]) -> list[Series]:
    """One series per source, the smallest merged into "other sources" when there are more than colours."""
    ranked = sorted(counts, key=lambda source_id: -sum(counts[source_id]))
    shown = set(ranked if len(ranked) <= len(SOURCE_PALETTE) else ranked[:len(SOURCE_PALETTE) - 1])
    kept = [source_id for source_id in counts if source_id in shown]
    series = [Series(names.get(source_id, source_id), SOURCE_PALETTE[i], counts[source_id])
              for i, source_id in enumerate(kept)]
    rest = [values for source_id, values in counts.items() if source_id not in shown]
    if rest:
        totals = [sum(column) for column in zip(*rest, strict=True)]
        series.append(Series(f"{len(rest)} other sources", OTHER_COLOUR, totals))
    return series


def _figure(chart_id: str, caption: str, labels: list[str], series: list[Series]) -> str:
    """A captioned chart with its legend and, folded away, its numbers."""
    legend = "".join(f'<li><span class="swatch" style="background:{s.colour}"></span>{_esc(s.name)} '
                     f"({sum(s.values)})</li>" for s in series)
    head = "".join(f'<th class="num">{_esc(s.name)}</th>' for s in series)
    rows = "".join(f"<tr><td>{_esc(label)}</td>" + "".join(f'<td class="num">{s.values[i]}</td>' for s in series)
                   + "</tr>" for i, label in enumerate(labels) if any(s.values[i] for s in series))
    return (f'<figure id="{chart_id}"><figcaption>{_esc(caption)}</figcaption>'
            f"{stacked_bars(chart_id, caption, labels, series)}"
            f'<ul class="legend">{legend}</ul>'
            f"<details><summary>Numbers</summary><table><tr><th>Period</th>{head}</tr>{rows}</table></details>"
            "</figure>")


def stacked_bars(chart_id: str, caption: str, labels: list[str], series: list[Series]) -> str:
    """An inline SVG stacked bar chart, one bar per label, each bar hovering its numbers."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top, step = _scale(max(totals, default=0))
    plot_width = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    baseline = PLOT_TOP + plot_height
    slot = plot_width / max(len(labels), 1)
    bar_width = min(max(slot * 0.72, 1.0), MAX_BAR_WIDTH)
    parts = [f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-title"><title id="{chart_id}-title">{_esc(caption)}</title>']
    for value in range(0, top + 1, step):
        y = baseline - value / top * plot_height
        parts.append(f'<line class="grid" x1="{PLOT_LEFT}" x2="{CHART_WIDTH - PLOT_RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="y-label" x="{PLOT_LEFT - 6}" y="{y + 4:.1f}">{value}</text>')
    for i, label in enumerate(labels):
        x = PLOT_LEFT + i * slot + (slot - bar_width) / 2
        stacked = 0
        for s in series:
            value = s.values[i]
            if not value:
                continue
            height = value / top * plot_height
            y = baseline - (stacked + value) / top * plot_height
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{height:.1f}" '
                         f'fill="{s.colour}"><title>{_esc(label)} · {_esc(s.name)}: {value}</title></rect>')
            stacked += value
    every = math.ceil(len(labels) / MAX_X_LABELS)
    for i in range(0, len(labels), every):
        x = PLOT_LEFT + (i + 0.5) * slot
        parts.append(f'<text class="x-label" x="{x:.1f}" y="{CHART_HEIGHT - 8}">{_esc(labels[i])}</text>')
    parts.append(f'<line class="axis" x1="{PLOT_LEFT}" x2="{CHART_WIDTH - PLOT_RIGHT}" y1="{baseline}" '
                 f'y2="{baseline}"/></svg>')
    return "".join(parts)


def _scale(largest: int) -> tuple[int, int]:
    """A round top for the y axis and its step (1, 2 or 5 times a power of ten): at most five steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if largest <= 5 * step:
                return max(math.ceil(largest / step), 1) * step, step
        magnitude *= 10


def _flags_section(flags: list[FlaggedItem], names: dict[str, str], topic_colours: dict[str, str]) -> str:
    """The latest flagged documents: title (linked), topics, source, date and the marked snippet."""
    if not flags:
        return '<section id="flags"><h2>Latest flagged items</h2><p class="note">Nothing flagged yet.</p></section>'
    items = []
    for item in flags:
        topics = "".join(f'<span class="topic" style="--topic:{topic_colours.get(t, OTHER_COLOUR)}">'
                         f"{_esc(_topic_label(t))}</span>" for t in item.topics)
        published = _day(item.published_at) if item.published_at else "undated"
        items.append(f'<li class="flag"><h3>{_link(item.url, item.title or "(untitled)")}</h3>'
                     f'<p class="meta">{topics}{_esc(names.get(item.source_id, item.source_id))} · {published}</p>'
                     f'<p class="snippet">{marked(item.snippet)}</p></li>')
    return (f'<section id="flags"><h2>Latest flagged items</h2>'
            '<p class="note">Newest first, by publication date; the words that matched are highlighted.</p>'
            f'<ul class="flags">{"".join(items)}</ul></section>')


def marked(snippet: str) -> str:
    """A snippet escaped for HTML, its **term** marks turned into <mark> elements."""
    return MARKED.sub(r"<mark>\1</mark>", _esc(JOINED_MARKS.sub(r"\1", snippet)))


def _sources_section(sources: list[SourceHealth]) -> str:
    """One row per source: working or failing, and when it last ran, worked and brought something new."""
    if not sources:
        return '<section id="sources"><h2>Source health</h2><p class="note">No sources yet.</p></section>'
    head = ("<tr><th>Source</th><th>Status</th><th>Last run</th><th>Last success</th><th>Last new item</th>"
            '<th class="num">Documents</th><th class="num">Flagged</th></tr>')
    rows = []
    for row in sources:
        if not row.enabled:
            status = '<span class="status idle">disabled</span>'
        elif row.last_status is None:
            status = '<span class="status idle">not run yet</span>'
        elif row.failure_streak:
            runs = "run" if row.failure_streak == 1 else f"{row.failure_streak} runs"
            status = f'<span class="status bad">failing, last {runs}</span>'
        else:
            status = '<span class="status ok">working</span>'
        rows.append(f'<tr class="{"bad" if row.failure_streak else ""}">'
                    f'<td>{_esc(row.name or row.source_id)}<br><span class="note">{_esc(row.source_id)} · '
                    f'{_esc(row.kind)}</span></td><td>{status}</td>'
                    f'<td class="when">{_when(row.last_run_at)}</td>'
                    f'<td class="when">{_when(row.last_success_at)}</td>'
                    f'<td class="when">{_when(row.last_new_item_at)}</td><td class="num">{row.documents:,}</td>'
                    f'<td class="num">{row.flagged:,}</td></tr>')
        if row.failure_streak and row.last_error:
            rows.append(f'<tr class="bad"><td></td><td class="error" colspan="6">Last error: '
                        f"{_esc(_clip(row.last_error))}</td></tr>")
    return f'<section id="sources"><h2>Source health</h2><table>{head}{"".join(rows)}</table></section>'


def _run_section(run: RunRow | None, quality: QualityResults | None) -> str:
    """What the last run did, and its data-quality results."""
    if run is None:
        summary = '<p class="note">No run yet.</p>'
    else:
        took = f", took {run.duration_seconds:.0f} s" if run.duration_seconds is not None else ""
        state = "ok" if run.status == "succeeded" else "bad"
        summary = (f'<p><span class="status {state}">{_esc(run.status)}</span> Run <code>{_esc(run.run_id)}</code> '
                   f"({_esc(run.command)}), started {_when(run.started_at)}{took}: "
                   f"{_count(run.sources, 'source')} ({run.sources_failed} failed), "
                   f"{_count(run.requests, 'request')}, {_count(run.documents_new, 'new document')}, "
                   f"{_count(run.documents_changed, 'changed document')}, {_count(run.flags_new, 'new flag')}, "
                   f"{_count(run.fetch_failures, 'page')} that could not be fetched.</p>")
    return (f'<section id="run"><h2>Last run</h2>{summary}<h3>Data quality</h3>{_quality_table(quality)}'
            "</section>")


def _quality_table(quality: QualityResults | None) -> str:
    """Checks passed per source, then the failed checks; every check folded away below."""
    if quality is None:
        return '<p class="note" id="quality">No quality results yet.</p>'
    records = [dict(zip(quality.columns, row, strict=True)) for row in quality.rows]
    if not {"source_id", "success"} <= set(quality.columns):
        return f'<div id="quality">{_records_table(quality.columns, records)}</div>'
    per_source: dict[str, list[bool]] = {}
    for record in records:
        per_source.setdefault(str(record["source_id"]), []).append(bool(record["success"]))
    summary = "".join(
        f'<li><span class="status {"ok" if all(results) else "bad"}">{sum(results)} of {len(results)} passed'
        f"</span> {_esc(source_id)}</li>" for source_id, results in sorted(per_source.items()))
    columns = [column for column in QUALITY_COLUMNS if column in quality.columns] or quality.columns
    failed = [record for record in records if not record["success"]]
    failures = _records_table(columns, failed) if failed else '<p class="note">Every check passed.</p>'
    return (f'<div id="quality"><ul class="checks">{summary}</ul>{failures}'
            f"<details><summary>All {len(records)} checks</summary>{_records_table(columns, records)}</details>"
            "</div>")


def _records_table(columns: Sequence[str], records: list[dict[str, object]]) -> str:
    """Records as a table, rows whose check failed highlighted."""
    head = "".join(f"<th>{_esc(column.replace('_', ' '))}</th>" for column in columns)
    rows = "".join(
        f'<tr class="{"bad" if record.get("success") is False else ""}">'
        + "".join(f"<td>{_esc(_clip(_cell(record[column])))}</td>" for column in columns) + "</tr>"
        for record in records)
    return f"<table><tr>{head}</tr>{rows}</table>"


def _cell(value: object) -> str:
    """A quality value as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _when(value)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def _count(number: int, noun: str) -> str:
    """"1 source", "3 sources"."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _link(url: str, text: str) -> str:
    """`text` linked to `url` when it is a web address, else the text alone; both escaped."""
    if urlsplit(url).scheme.lower() in LINK_SCHEMES:
        return f'<a href="{_esc(url)}" rel="noopener noreferrer nofollow" target="_blank">{_esc(text)}</a>'
    return _esc(text)


def _topic_label(topic: str) -> str:
    """A topic id as people read it."""
    return TOPIC_LABELS.get(topic, topic.replace("_", " ").capitalize())


def _when(moment: datetime | None) -> str:
    """A moment as day, month, year and time."""
    return moment.strftime("%d %b %Y %H:%M") if moment else "never"


def _day(moment: datetime) -> str:
    """A moment as day, month and year."""
    return moment.strftime("%d %b %Y")


def _clip(text: str | None) -> str:
    """At most MAX_CELL_CHARS of `text`."""
    text = text or ""
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS - 1] + "…"


def _esc(text: object) -> str:
    """Text made safe for HTML content and quoted attributes."""
    return html.escape(str(text), quote=True)
