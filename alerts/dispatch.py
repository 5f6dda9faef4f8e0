"""One alerts pass: queue newly flagged items for every subscription, send what is due, tell maintainers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from alerts.channels import ChannelSetupError, open_channel
from alerts.config import AlertConfig, load_alert_config
from alerts.deliver import REPLAYABLE_CHANNELS, AlertReport, Preview, deliver_notices, deliver_subscription, plan
from alerts.maintainer import update_conditions
from alerts.render import Renderer
from warehouse.db import connect, transaction
from warehouse.migrate import migrate
from warehouse.outbox import (
    add_notice,
    due_notices,
    enqueue,
    recover_interrupted,
    recover_interrupted_notices,
    register_subscription,
)

LOGGER = logging.getLogger(__name__)


def register_subscriptions(db_path: Path | str, config_path: Path | str, *, now: datetime) -> None:
    """Record the configured subscriptions before a run loads anything, so what it discovers is news to them.

    The caller holds the run lock. A subscription keeps the moment it was first recorded.
    """
    config = load_alert_config(config_path)
    with connect(db_path) as con, transaction(con):
        for subscription in config.subscriptions:
            register_subscription(con, subscription.id, subscription.channel, subscription.mode, now.astimezone(UTC))


def run_alerts(db_path: Path | str, config_path: Path | str, *, now: datetime, notify_backfill: bool = False,
               backfill_run: str | None = None, send: bool = True) -> AlertReport:
    """Queue, send and report; with `send=False` only render what would go out, changing nothing but the schema.

    What is queued follows the newness rule (warehouse.outbox.NEWS_SQL). `notify_backfill` adds the
    flagged items backfills discovered: those of `backfill_run` when given, else of every backfill.

    The caller must hold the warehouse's run lock (warehouse.lock.run_lock), as `unionwatch run` and
    `unionwatch alerts` do: a row left 'sending' is taken as proof that an earlier process stopped mid-send.
    """
    config = load_alert_config(config_path)
    renderer = Renderer(config)
    now = now.astimezone(UTC)
    report = AlertReport()
    with connect(db_path) as con:
        migrate(con)
        con.execute("BEGIN TRANSACTION")
        try:
            _prepare(con, config, now, report, backfills=notify_backfill, backfill_run=backfill_run)
            if not send:
                for subscription in config.subscriptions:
                    report.previews += plan(con, subscription, renderer, now)
                notices = due_notices(con)
                if notices:
                    report.previews.append(Preview("maintainer", _maintainer_channel(config), None,
                                                   renderer.maintainer(notices)))
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT" if send else "ROLLBACK")
    if not send:
        return report
    attempts = config.maintainer.delivery_attempts
    for subscription in config.subscriptions:
        try:
            channel = open_channel(subscription.target, subscription.id, config, renderer)
        except ChannelSetupError as exc:
            LOGGER.error("%s: %s", subscription.id, exc)
            report.problems.append(f"{subscription.id}: {exc}")
            continue
        deliver_subscription(db_path, subscription, channel, renderer, now=now, max_attempts=attempts, report=report)
    target = config.maintainer.target
    try:
        maintainer_channel = open_channel(target, "maintainer", config, renderer) if target else None
    except ChannelSetupError as exc:
        LOGGER.error("maintainer: %s", exc)
        report.problems.append(f"maintainer: {exc}")
        return report
    deliver_notices(db_path, maintainer_channel, renderer, now=now, max_attempts=attempts, report=report)
    return report


def _prepare(con: duckdb.DuckDBPyConnection, config: AlertConfig, now: datetime, report: AlertReport, *,
             backfills: bool, backfill_run: str | None) -> None:
    """Settle interrupted sends, record subscriptions, queue new items and update maintainer conditions."""
    replayable = [s.id for s in config.subscriptions if s.channel in REPLAYABLE_CHANNELS]
    report.interrupted = recover_interrupted(con, replayable)
    for subscription_id, count in report.interrupted.items():
        add_notice(con, "delivery_unknown", subscription_id, "opened", f"{count} item(s) were being sent when a "
                   "run stopped; they may or may not have arrived and will not be resent", now)
    if recover_interrupted_notices(con):
        LOGGER.warning("maintainer notices interrupted while sending were not resent")
    for subscription in config.subscriptions:
        register_subscription(con, subscription.id, subscription.channel, subscription.mode, now)
        window_start = now - timedelta(days=subscription.since_days) if subscription.since_days else None
        queued, skipped = enqueue(con, subscription.id, topics=subscription.topics, sources=subscription.sources,
                                  window_start=window_start, now=now, backfills=backfills, backfill_run=backfill_run,
                                  include_related=subscription.include_related)
        report.queued += queued
        report.skipped += skipped
    update_conditions(con, config.maintainer, now)


def _maintainer_channel(config: AlertConfig) -> str:
    """The maintainer channel's name, "log" when none is configured."""
    return config.maintainer.target.channel if config.maintainer.target else "log"
