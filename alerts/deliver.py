"""Sends due outbox rows and records each outcome, so an item reaches a subscription at most once.

How a row of alert_outbox moves:

    pending --claim--> sending --the receiver accepted it--------------------------> sent
                          |----the receiver refused it or could not be reached-----> retry --claim--> sending ...
                          |                  (after N attempts: failed, reported to maintainers)
                          '----it may have arrived (timeout, connection lost after sending, crash)--> unknown
    skipped: news, but published outside the subscription's since_days window, or a copy of a story that has
             its own row; never sent as an item. A copy found after its story was sent is listed once in the
             next digest: batch_key names that digest when claimed, sent_at is set when it is accepted, and
             both are cleared again when it certainly did not arrive
Only items that are news for the subscription get a row (warehouse/outbox.py NEWS_SQL).

Why no item is sent twice. The claim (status 'sending', attempts + 1) is committed before the message
leaves, and the outcome is committed after it. A process that stops:
  - before the claim commits leaves the row 'pending' or 'retry': nothing was sent, the next run sends it;
  - after the claim and before the outcome commits -- whether before, during or after the send -- leaves
    the row 'sending'. The next run holds the run lock, so no one else is sending; it cannot know whether
    the message left, so it marks the row 'unknown' and reports it to maintainers. It is never resent;
  - after the outcome commits: a 'sent' row is never claimed again.
Rows are claimed only from 'pending' and 'retry', and 'retry' is set only when the message certainly did
not arrive (an SMTP error reply, a non-2xx HTTP answer, a connection that was never made). So no path sends
a row twice. The price is that a crash in the moments between claim and outcome can lose one alert -- and
that loss is reported, with the row left for a person to requeue (docs/alerts.md). We chose at-most-once
over at-least-once because Slack, Teams and most Apprise services cannot drop duplicates, and staff who
get repeats learn to skim alerts. Apprise is the one compromise: it reports only success or failure, so its
failures are retried, and a service that timed out after accepting could show a message twice.

Every message still carries a stable dedupe key (email Message-ID and X-Unionwatch-Dedupe-Key, the
webhooks' Idempotency-Key header and `dedupe_key` field, the Atom entry id), so a copy made by hand can
be recognised.

The Atom feed file is rewritten whole from the warehouse on every send: writing the same entries again
changes nothing, so its interrupted rows are simply retried.

Each claim and each outcome is its own short transaction; the warehouse is not held open while a message
is on the wire. An immediate subscription gets one message per item; after a failure it waits for the next
run, so a receiver that is down is not sent every item in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from alerts.channels import Channel, DeliveryError
from alerts.channels.atom import AtomChannel
from alerts.config import Subscription
from alerts.render import Message, Renderer, notice_line
from warehouse.db import connect, transaction
from warehouse.outbox import (
    AlertItem,
    add_notice,
    claim,
    digest_due,
    digest_slot,
    due_items,
    due_notices,
    handle_digest_slot,
    later_copies,
    list_copies,
    mark_failed,
    mark_sent,
    sent_items,
    set_notices,
)

LOGGER = logging.getLogger(__name__)

REPLAYABLE_CHANNELS = ("atom",)
FEED_HISTORY = 100


@dataclass(frozen=True)
class Delivery:
    """One message's fate: sent, retry (refused, tried again next run), failed (given up) or unknown."""

    subscription_id: str
    kind: str
    document_ids: tuple[str, ...]
    status: str
    error: str | None = None


@dataclass(frozen=True)
class Preview:
    """A message that would be sent, and when (None: on this run)."""

    subscription_id: str
    channel: str
    due_at: datetime | None
    message: Message


@dataclass
class AlertReport:
    """What one alerts pass did, for the CLI, the flow's summary and the tests."""

    queued: int = 0
    skipped: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    interrupted: dict[str, int] = field(default_factory=dict)  # rows a stopped run left mid-send, now 'unknown'
    problems: list[str] = field(default_factory=list)
    maintainer: list[str] = field(default_factory=list)  # maintainer notice lines sent
    previews: list[Preview] = field(default_factory=list)

    @property
    def sent(self) -> list[Delivery]:
        """Messages the receivers accepted."""
        return [delivery for delivery in self.deliveries if delivery.status == "sent"]

    @property
    def ok(self) -> bool:
        """True when every message went out and nothing needs a person's attention."""
        return not self.problems and not self.interrupted and len(self.sent) == len(self.deliveries)


def deliver_subscription(db_path: Path | str, subscription: Subscription, channel: Channel, renderer: Renderer,
                         *, now: datetime, max_attempts: int, report: AlertReport) -> None:
    """Send everything due to one subscription: each item, one digest, or one rewrite of the feed."""
    while True:
        with connect(db_path) as con, transaction(con):
            batch = _claim_next(con, subscription, channel, renderer, now)
        if batch is None:
            return
        message, items = batch
        sent = _send(db_path, channel, message, items, now=now, max_attempts=max_attempts, report=report)
        if not sent or subscription.mode == "digest" or isinstance(channel, AtomChannel):
            return


def deliver_notices(db_path: Path | str, channel: Channel | None, renderer: Renderer, *, now: datetime,
                    max_attempts: int, report: AlertReport) -> None:
    """Send pending maintainer notices as one message; without a maintainer channel they go to the log."""
    with connect(db_path) as con, transaction(con):
        notices = due_notices(con)
        set_notices(con, notices, "sending", now=now)
    if not notices:
        return
    message = renderer.maintainer(notices)
    lines = [notice_line(notice) for notice in message.notices]
    error, maybe = None, False
    try:
        if channel is None:
            for line in lines:
                LOGGER.warning("maintainer: %s", line)
        else:
            channel.send(message)
    except DeliveryError as exc:
        error, maybe = exc.reason, exc.maybe_delivered
    except Exception as exc:  # unexpected: it may have failed after the message left
        LOGGER.exception("maintainer alert: unexpected error while sending")
        error, maybe = f"unexpected {type(exc).__name__}", True
    with connect(db_path) as con, transaction(con):
        status = "sent" if error is None else "unknown" if maybe else "retry"
        set_notices(con, notices, status, now=now, error=error, max_attempts=max_attempts)
    if error is None:
        report.maintainer += lines
    else:
        LOGGER.error("maintainer alert not delivered: %s", error)
        report.problems.append(f"maintainer alert not delivered: {error}")


def plan(con: duckdb.DuckDBPyConnection, subscription: Subscription, renderer: Renderer,
         now: datetime) -> list[Preview]:
    """The messages a send would produce for one subscription now, or at its next digest; nothing is claimed."""
    items = due_items(con, subscription.id, include_related=subscription.include_related)
    channel = subscription.channel
    if subscription.channel in REPLAYABLE_CHANNELS:
        return [Preview(subscription.id, channel, None, renderer.feed(subscription, items, []))] if items else []
    if subscription.mode == "immediate":
        return [Preview(subscription.id, channel, None, renderer.item(subscription, item)) for item in items]
    slot = _slot(subscription, now)
    due = digest_due(con, subscription.id, slot)
    next_slot = _slot(subscription, now + timedelta(days=7 if subscription.digest == "weekly" else 1))
    again = later_copies(con, subscription.id)
    if not items and not again:
        return []
    return [Preview(subscription.id, channel, None if due else next_slot,
                    renderer.digest(subscription, items, slot if due else next_slot, again))]


def _claim_next(con: duckdb.DuckDBPyConnection, subscription: Subscription, channel: Channel, renderer: Renderer,
                now: datetime) -> tuple[Message, list[AlertItem]] | None:
    """Render and claim the next message of a subscription, or None when nothing is due."""
    if isinstance(channel, AtomChannel):
        items = due_items(con, subscription.id, include_related=subscription.include_related)
        if not items and not channel.missing():
            return None
        message = renderer.feed(subscription, items, sent_items(con, subscription.id, FEED_HISTORY))
    elif subscription.mode == "digest":
        slot = _slot(subscription, now)
        if not digest_due(con, subscription.id, slot):
            return None
        items = due_items(con, subscription.id, include_related=subscription.include_related)
        again = later_copies(con, subscription.id)
        handle_digest_slot(con, subscription.id, slot)
        if not items and not again:
            return None
        message = renderer.digest(subscription, items, slot, again)
        list_copies(con, subscription.id, again, message.dedupe_key)
    else:
        items = due_items(con, subscription.id, limit=1, include_related=subscription.include_related)
        if not items:
            return None
        message = renderer.item(subscription, items[0])
    claim(con, items, message.dedupe_key, now)
    return message, items


def _send(db_path: Path | str, channel: Channel, message: Message, items: Sequence[AlertItem], *, now: datetime,
          max_attempts: int, report: AlertReport) -> bool:
    """Send one claimed message and commit its outcome; True when it was accepted."""
    document_ids = tuple(item.document_id for item in items)
    try:
        channel.send(message)
    except DeliveryError as exc:
        error, maybe = exc.reason, exc.maybe_delivered
    except Exception as exc:  # unexpected: it may have failed after the message left
        LOGGER.exception("%s: unexpected error while sending", message.subscription_id)
        error, maybe = f"unexpected {type(exc).__name__}", True
    else:
        with connect(db_path) as con, transaction(con):
            mark_sent(con, items, now)
            list_copies(con, message.subscription_id, message.again, message.dedupe_key, now)
        report.deliveries.append(Delivery(message.subscription_id, message.kind, document_ids, "sent"))
        LOGGER.info("%s: sent %s (%d item%s)", message.subscription_id, message.kind, len(items),
                    "s" if len(items) != 1 else "")
        return True
    with connect(db_path) as con, transaction(con):
        stopped = mark_failed(con, items, error, max_attempts, delivered_maybe=maybe)
        if not maybe:  # the digest certainly did not arrive: its later copies wait for the next one
            list_copies(con, message.subscription_id, message.again, None)
        if stopped:
            detail = (f"{len(stopped)} item(s) may or may not have arrived and will not be resent: {error}" if maybe
                      else f"{len(stopped)} item(s) given up after {max_attempts} attempts; last error: {error}")
            add_notice(con, "delivery_unknown" if maybe else "delivery_failed", message.subscription_id, "opened",
                       detail, now)
    status = "unknown" if maybe else "failed" if stopped else "retry"
    report.deliveries.append(Delivery(message.subscription_id, message.kind, document_ids, status, error))
    LOGGER.warning("%s: %s not delivered (%s): %s", message.subscription_id, message.kind, status, error)
    return False


def _slot(subscription: Subscription, now: datetime) -> datetime:
    """The subscription's latest digest time at or before `now`."""
    return digest_slot(now, subscription.digest, subscription.hour, subscription.weekday,
                       ZoneInfo(subscription.timezone))
