"""`unionwatch alerts`: preview the next alerts, or queue and send them now."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flows.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, add_db, add_sources

if TYPE_CHECKING:
    from alerts import AlertReport

ACTIONS = {
    "preview": "show the alerts that are due (and the next digests) without sending anything or changing the warehouse",
    "send": "queue what is news for every subscription and send what is due",
}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `alerts` subcommand with its `preview` and `send` actions."""
    parser = commands.add_parser(
        "alerts", help="preview or send alerts about flagged items",
        description="Alerts go to the [[subscriptions]] of the sources file, each item at most once; "
                    "maintainer alerts go to its [maintainer] table. An item is news when a run (not a "
                    "backfill) saw it for the first time after its source's first complete run and after the "
                    "subscription was first read, or when an edit newly flagged a known item; its date plays "
                    "no part. See docs/alerts.md.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in ACTIONS.items():
        sub = actions.add_parser(action, help=text, description=text[0].upper() + text[1:] + ".")
        add_sources(sub)
        add_db(sub)
        sub.add_argument("--notify-backfill", action="store_true",
                         help="also send the flagged items backfills discovered (never sent before; "
                              "each at most once)")
        sub.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run one alerts pass under the run lock and print what it did (or would do)."""
    from alerts import run_alerts
    from flows.settings import load_settings
    from warehouse.db import WarehouseError
    from warehouse.lock import run_lock

    if not Path(args.db).exists():
        raise WarehouseError(f"{args.db}: no warehouse here yet; run `unionwatch run` (or `unionwatch demo`) first")
    load_settings(args.sources)  # the whole file, as `run` checks it
    send = args.action == "send"
    with run_lock(args.db):
        report = run_alerts(args.db, args.sources, now=datetime.now(UTC), notify_backfill=args.notify_backfill,
                            send=send)
    if send:
        print_deliveries(report)
    else:
        print_previews(report)
    return EXIT_OK if report.ok else EXIT_SOURCE_FAILED


def print_previews(report: AlertReport) -> None:
    """Every message that would go out, as its plain-text version."""
    print("Next alerts (nothing is sent; `unionwatch alerts send` sends what is due now):")
    for preview in report.previews:
        when = "now" if preview.due_at is None else f"at {preview.due_at:%Y-%m-%d %H:%M} UTC"
        print(f"\n=== {preview.subscription_id} · {preview.channel} · {when} ===")
        print(f"Subject: {preview.message.subject}\n")
        print(preview.message.text.rstrip())
    print(f"\n{len(report.previews)} message(s); {report.queued} item(s) queued, "
          f"{report.skipped} outside since_days (never sent)")
    for problem in report.problems:
        print(f"problem: {problem}")


def print_deliveries(report: AlertReport) -> None:
    """One line per message, then totals and anything a person should look at."""
    for delivery in report.deliveries:
        error = f": {delivery.error}" if delivery.error else ""
        print(f"{delivery.subscription_id:<24} {delivery.kind:<7} {len(delivery.document_ids):>3} item(s) "
              f"{delivery.status}{error}")
    for subscription_id, count in report.interrupted.items():
        print(f"{subscription_id:<24} {count} item(s) interrupted by an earlier run: not resent (status unknown)")
    for line in report.maintainer:
        print(f"maintainer: {line}")
    for problem in report.problems:
        print(f"problem: {problem}")
    print(f"\n{len(report.sent)} of {len(report.deliveries)} message(s) sent; {report.queued} item(s) queued, "
          f"{report.skipped} outside since_days (never sent)")
