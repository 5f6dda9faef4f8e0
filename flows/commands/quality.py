"""`unionwatch quality`: the latest quality-gate results per source; `recheck` and `docs` act on them."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flows.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, add_db

if TYPE_CHECKING:
    from warehouse.recheck import RecheckReport

DOCS_FOLDER = "quality-docs"  # beside the warehouse file unless --out says otherwise
DOCS_RUNS = 10
REASONS_SHOWN = 3

# Loads a recheck's passing rows into the warehouse and closes them in quarantine; returns rows published.
Publisher = Callable[[str, "RecheckReport"], int]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `quality` subcommand and its actions."""
    parser = commands.add_parser(
        "quality", help="show the latest data-quality results per source",
        description="Each run validates every source's batch before publishing it (Great Expectations suites "
                    "in expectations/). Rows that fail are quarantined; a batch that fails (volume, parse "
                    "failures) publishes nothing. Without an action, prints each source's latest results; "
                    "exit code 1 when any of them failed.")
    add_db(parser)
    parser.set_defaults(handler=handle_latest)
    actions = parser.add_subparsers(dest="quality_action", metavar="ACTION")
    recheck = actions.add_parser(
        "recheck", help="re-validate quarantined rows with the current suites",
        description="Re-validate every quarantined row with the current suites and bounds, and show which rows "
                    "now pass and may be published, which still fail and why, and which a later run replaced.")
    _add_sub_db(recheck)
    recheck.add_argument("--accept-batch", action="append", default=[], metavar="SOURCE",
                         help="treat SOURCE's failed batch checks (volume, parse failures) as accepted, e.g. "
                              "after confirming a jump in volume was real; repeatable")
    recheck.set_defaults(handler=functools.partial(handle_recheck, publish=publish_released))
    docs = actions.add_parser(
        "docs", help="build Great Expectations Data Docs of the latest runs (offline HTML)",
        description=f"Render the validation results of the latest {DOCS_RUNS} runs as Data Docs that open "
                    "without internet.")
    _add_sub_db(docs)
    docs.add_argument("--out", help=f"folder to write (default: {DOCS_FOLDER}/ beside the warehouse file)")
    docs.set_defaults(handler=handle_docs)


def _add_sub_db(parser: argparse.ArgumentParser) -> None:
    """--db on an action; unset unless given, so `quality --db X recheck` keeps X."""
    parser.add_argument("--db", default=argparse.SUPPRESS, help="DuckDB warehouse file (default: as for quality)")


def handle_latest(args: argparse.Namespace) -> int:
    """Print each source's latest gate with its failed expectations."""
    from warehouse.quality import latest_results

    sources = latest_results(args.db)
    if not sources:
        print(f"No validation results in {args.db} yet; every `unionwatch run` records them.")
        return EXIT_OK
    print(f"Latest quality gates in {args.db}:")
    print(f"{'source':<24} {'validated (UTC)':<16} {'suite':<10} {'publish':<8} {'held':>5}  failed")
    for source in sources:
        failed = [result for result in source.results if not result.success]
        print(f"{source.source_id:<24} {source.validated_at.astimezone(UTC):%Y-%m-%d %H:%M} {source.suite:<10} "
              f"{'ok' if source.batch_ok else 'BLOCKED':<8} {source.held:>5}  {len(failed)} of {len(source.results)}")
        for result in failed:
            print(f"    {result.level:<5} {result.column or '':<18} {result.description}: {result.observed}")
    held = sum(source.held for source in sources)
    if held:
        print(f"\nIn quarantine: {held}. After a fix, `unionwatch quality recheck` re-validates them.")
    return EXIT_OK if all(source.ok for source in sources) else EXIT_SOURCE_FAILED


def publish_released(db_path: str, report: RecheckReport) -> int:
    """Publish the rows a recheck released, classified with the current topic rules."""
    import dataclasses

    from transforms.classify import load_rules, rules_fingerprint
    from transforms.pipeline import reclassify
    from warehouse.load import publish_released as publish

    rules = load_rules()  # quarantined rows carry the flags of the rules of their day
    return publish(db_path, dataclasses.replace(report, rows=reclassify(report.rows, rules)), rules_fingerprint(rules))


def handle_recheck(args: argparse.Namespace, publish: Publisher | None = None) -> int:
    """Re-validate quarantined rows; with a publisher, publish those that pass, else only show them."""
    from warehouse.recheck import recheck

    report = recheck(args.db, now=datetime.now(UTC), accept_batch=args.accept_batch)
    if not report.checked:
        print(f"Nothing in quarantine in {args.db}.")
        return EXIT_OK
    print_recheck(report)
    if publish is not None and (len(report.rows) or report.superseded):
        print(f"Published {publish(args.db, report)} rows.")
    return EXIT_OK


def print_recheck(report: RecheckReport) -> None:
    """What a recheck would release, what still fails and why, and what a later run replaced."""
    print(f"Rechecked {report.checked} quarantined rows with the current suites:")
    for row in report.rows.itertuples():
        print(f"  pass        {row.document_id}  (run {row.run_id[:8]})  {_one_line(row.title)}")
    for document_id, reasons in report.failing.items():
        more = f" (+{len(reasons) - REASONS_SHOWN} more)" if len(reasons) > REASONS_SHOWN else ""
        print(f"  still fails {document_id}: {'; '.join(reasons[:REASONS_SHOWN])}{more}")
    for run_id, document_id in report.superseded:
        print(f"  superseded  {document_id}  (run {run_id[:8]}: a later run has it)")
    for run_id, source_id in report.unblocked:
        print(f"  batch of {source_id} in run {run_id[:8]} now passes its batch checks")
    print(f"{len(report.rows)} rows pass and can be published, {len(report.failing)} still fail, "
          f"{len(report.superseded)} superseded.")


def handle_docs(args: argparse.Namespace) -> int:
    """Build Data Docs of the latest runs' results."""
    from expectations.docs import build_docs
    from warehouse.quality import gate_reports

    gates = gate_reports(args.db, runs=DOCS_RUNS)
    if not gates:
        print(f"No validation results in {args.db} yet; every `unionwatch run` records them.")
        return EXIT_OK
    out = Path(args.out) if args.out else Path(args.db).parent / DOCS_FOLDER
    print(f"Data Docs for {len(gates)} gates: {build_docs(gates, out)}")
    return EXIT_OK


def _one_line(text: object, limit: int = 70) -> str:
    """A title on one line, cut to `limit`."""
    flat = " ".join(str(text).split()) if isinstance(text, str) else ""
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
