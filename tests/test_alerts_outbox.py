"""The outbox SQL against a real warehouse: what gets queued, what is skipped, claims, recovery, digest times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alerts_support import PLAIN_BODY, load, post

from warehouse.db import connect, transaction
from warehouse.migrate import migrate
from warehouse.outbox import (
    KNOWN_BEFORE,
    OUTSIDE_WINDOW,
    claim,
    digest_slot,
    due_items,
    enqueue,
    mark_sent,
    recover_interrupted,
    register_subscription,
)

LONDON = ZoneInfo("Europe/London")


def statuses(db_path: Path, subscription_id: str = "s") -> dict[str, tuple[str, str | None]]:
    with connect(db_path) as con:
        rows = con.execute("SELECT document_id, status, reason FROM alert_outbox WHERE subscription_id = ?",
                           [subscription_id]).fetchall()
    return {document_id: (status, reason) for document_id, status, reason in rows}


def queue(db_path: Path, now: datetime, *, topics: list[str] | None = None,
          sources: list[str] | None = None, backfill: bool = False, subscription_id: str = "s") -> tuple[int, int]:
    with connect(db_path) as con:
        migrate(con)
    with connect(db_path) as con, transaction(con):
        register_subscription(con, subscription_id, "email", "immediate", now)
        return enqueue(con, subscription_id, topics=topics, sources=sources, window_start=now - timedelta(days=90),
                       now=now, notify_backfill=backfill)


def test_items_known_before_the_subscription_are_skipped_and_later_ones_queued(db_path: Path) -> None:
    load(db_path, [post("blog-a", "old", "Old shared services post", published=datetime(2026, 1, 5, tzinfo=UTC)),
                   post("blog-a", "quiet", "Branch meeting", published=datetime(2026, 1, 6, tzinfo=UTC),
                        body=PLAIN_BODY)])
    assert queue(db_path, datetime.now(UTC)) == (0, 1)
    load(db_path, [post("blog-a", "new", "New shared services post", published=datetime.now(UTC))])
    assert queue(db_path, datetime.now(UTC)) == (1, 0)
    assert statuses(db_path) == {"blog-a:old": ("skipped", KNOWN_BEFORE), "blog-a:new": ("pending", None)}
    assert queue(db_path, datetime.now(UTC)) == (0, 0), "a second pass adds no rows"


def test_a_backfill_of_old_posts_is_outside_the_window(db_path: Path) -> None:
    now = datetime.now(UTC)
    queue(db_path, now - timedelta(days=400))
    load(db_path, [post("blog-b", "history", "A shared services post from last year",
                        published=now - timedelta(days=200)),
                   post("blog-b", "recent", "A recent shared services post", published=now - timedelta(days=3))])
    assert queue(db_path, now) == (1, 1)
    assert statuses(db_path) == {"blog-b:history": ("skipped", OUTSIDE_WINDOW), "blog-b:recent": ("pending", None)}


def test_topics_and_sources_choose_what_a_subscription_gets(db_path: Path) -> None:
    now = datetime.now(UTC)
    queue(db_path, now - timedelta(days=1), subscription_id="only-b")
    queue(db_path, now - timedelta(days=1), subscription_id="only-cuts")
    load(db_path, [post("blog-a", "ss", "Shared services in blog A", published=now),
                   post("blog-b", "ss", "Shared services in blog B", published=now),
                   post("blog-b", "cuts", "Cuts", published=now,
                        body="The council will make back office cuts of two million pounds.")])
    queue(db_path, now, sources=["blog-b"], subscription_id="only-b")
    queue(db_path, now, topics=["back_office_cuts"], subscription_id="only-cuts")
    assert set(statuses(db_path, "only-b")) == {"blog-b:ss", "blog-b:cuts"}
    assert set(statuses(db_path, "only-cuts")) == {"blog-b:cuts"}


def test_notify_backfill_queues_skipped_items_but_never_sent_ones(db_path: Path) -> None:
    load(db_path, [post("blog-a", str(n), f"Shared services {n}", published=datetime(2026, 1, n, tzinfo=UTC))
                   for n in (1, 2)])
    queue(db_path, datetime.now(UTC), backfill=True)
    with connect(db_path) as con, transaction(con):
        sent = due_items(con, "s", limit=1)
        claim(con, sent, "k", datetime.now(UTC))
        mark_sent(con, sent, datetime.now(UTC))
    load(db_path, [post("blog-a", "3", "Shared services 3", published=datetime(2026, 1, 3, tzinfo=UTC))])
    assert queue(db_path, datetime.now(UTC)) == (0, 1)
    assert queue(db_path, datetime.now(UTC), backfill=True) == (1, 0)
    assert statuses(db_path) == {"blog-a:1": ("sent", None), "blog-a:2": ("pending", None),
                                 "blog-a:3": ("pending", None)}


def test_rows_left_sending_become_unknown_except_on_a_replayable_channel(db_path: Path) -> None:
    load(db_path, [post("blog-a", "1", "Shared services", published=datetime(2026, 1, 1, tzinfo=UTC))])
    for subscription_id in ("mail", "feed"):
        queue(db_path, datetime.now(UTC), backfill=True, subscription_id=subscription_id)
        with connect(db_path) as con, transaction(con):
            claim(con, due_items(con, subscription_id), "k", datetime.now(UTC))
    with connect(db_path) as con, transaction(con):
        assert recover_interrupted(con, ["feed"]) == {"mail": 1}
    assert statuses(db_path, "mail")["blog-a:1"][0] == "unknown"
    assert statuses(db_path, "feed")["blog-a:1"][0] == "retry"


@pytest.mark.parametrize(("now", "schedule", "expected"), [
    (datetime(2026, 1, 14, 7, 59, tzinfo=UTC), "daily", datetime(2026, 1, 13, 8, tzinfo=UTC)),
    (datetime(2026, 1, 14, 8, 0, tzinfo=UTC), "daily", datetime(2026, 1, 14, 8, tzinfo=UTC)),
    (datetime(2026, 7, 14, 7, 30, tzinfo=UTC), "daily", datetime(2026, 7, 14, 7, tzinfo=UTC)),  # 08:00 BST
    (datetime(2026, 1, 12, 12, tzinfo=UTC), "weekly", datetime(2026, 1, 9, 8, tzinfo=UTC)),  # Monday: last Friday
    (datetime(2026, 1, 16, 8, 30, tzinfo=UTC), "weekly", datetime(2026, 1, 16, 8, tzinfo=UTC)),  # Friday after 8
])
def test_digest_slots_follow_the_local_clock(now: datetime, schedule: str, expected: datetime) -> None:
    assert digest_slot(now, schedule, 8, 4, LONDON) == expected
