"""The outbox SQL against a real warehouse: the newness rule, what is skipped, claims, recovery, digest times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alerts_support import FLAGGED_BODY, PLAIN_BODY, baseline, load, post

from records import Document
from warehouse.db import connect, transaction
from warehouse.migrate import migrate
from warehouse.outbox import (
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
        rows = con.execute("SELECT document_id, status, coalesce(reason, news) FROM alert_outbox "
                           "WHERE subscription_id = ?", [subscription_id]).fetchall()
    return {document_id: (status, why) for document_id, status, why in rows}


def queue(db_path: Path, now: datetime | None = None, *, topics: list[str] | None = None,
          sources: list[str] | None = None, since_days: int | None = None, backfills: bool = False,
          backfill_run: str | None = None, subscription_id: str = "s") -> tuple[int, int]:
    """Record the subscription (first sighting kept) and queue what is news for it: (pending, skipped)."""
    now = now or datetime.now(UTC)
    with connect(db_path) as con:
        migrate(con)
    with connect(db_path) as con, transaction(con):
        register_subscription(con, subscription_id, "email", "immediate", now)
        return enqueue(con, subscription_id, topics=topics, sources=sources,
                       window_start=now - timedelta(days=since_days) if since_days else None, now=now,
                       backfills=backfills, backfill_run=backfill_run)


def flagged(source: str, key: str, published: datetime | None = None) -> Document:
    return post(source, key, f"Shared services {key}", published=published or datetime.now(UTC))


def test_a_sources_first_complete_run_is_history_and_later_discoveries_are_news_whatever_their_date(
        db_path: Path) -> None:
    queue(db_path)
    load(db_path, [flagged("blog-a", "2024-post", datetime(2024, 1, 5, tzinfo=UTC)),
                   post("blog-a", "quiet", "Branch meeting", published=datetime(2024, 1, 6, tzinfo=UTC),
                        body=PLAIN_BODY)])
    assert queue(db_path) == (0, 0), "the first complete run of a source is its baseline: nothing is news"
    load(db_path, [flagged("blog-a", "back-dated", datetime(2009, 3, 1, tzinfo=UTC)), flagged("blog-a", "today")])
    assert queue(db_path) == (2, 0)
    assert statuses(db_path) == {"blog-a:back-dated": ("pending", "new"), "blog-a:today": ("pending", "new")}
    assert queue(db_path) == (0, 0), "a second pass adds no rows"


def test_a_failed_or_held_back_first_run_is_not_the_baseline(db_path: Path) -> None:
    queue(db_path)
    load(db_path, [], failed=["blog-a"])
    load(db_path, [flagged("blog-a", "1")])
    assert queue(db_path) == (0, 0), "the first run that completed is the baseline, even after a failed one"
    load(db_path, [flagged("blog-a", "2")])
    assert queue(db_path) == (1, 0)


def test_an_edit_that_newly_flags_a_known_item_is_news_marked_updated(db_path: Path) -> None:
    load(db_path, [post("blog-a", "quiet", "Branch news", published=datetime(2019, 5, 1, tzinfo=UTC),
                        body=PLAIN_BODY), flagged("blog-a", "flagged", datetime(2019, 5, 2, tzinfo=UTC))])
    queue(db_path)
    load(db_path, [post("blog-a", "quiet", "Branch news", published=datetime(2019, 5, 1, tzinfo=UTC),
                        body=PLAIN_BODY + " " + FLAGGED_BODY),
                   post("blog-a", "flagged", "Shared services flagged", published=datetime(2019, 5, 2, tzinfo=UTC),
                        body=FLAGGED_BODY + " Edited to add a date.")])
    assert queue(db_path) == (1, 0), "an edit of an item that was already flagged is not news"
    assert statuses(db_path) == {"blog-a:quiet": ("pending", "updated")}
    with connect(db_path) as con:
        (item,) = due_items(con, "s")
    assert item.updated and item.news == "updated"


def test_what_a_run_loaded_before_the_subscription_existed_is_not_news_to_it(db_path: Path) -> None:
    baseline(db_path)
    load(db_path, [flagged("blog-a", "before")])
    assert queue(db_path) == (0, 0)
    load(db_path, [flagged("blog-a", "after")])
    assert queue(db_path) == (1, 0)
    assert set(statuses(db_path)) == {"blog-a:after"}


def test_backfill_discoveries_are_news_only_when_asked_and_only_that_backfills(db_path: Path) -> None:
    baseline(db_path)
    queue(db_path)
    earlier = load(db_path, [flagged("blog-a", "found-first", datetime(2012, 1, 1, tzinfo=UTC))], command="backfill")
    backfill = load(db_path, [flagged("blog-a", "found-later", datetime(2011, 1, 1, tzinfo=UTC))],
                    command="backfill")
    assert queue(db_path) == (0, 0), "nothing a backfill discovers is news"
    assert queue(db_path, backfills=True, backfill_run=backfill) == (1, 0)
    assert statuses(db_path) == {"blog-a:found-later": ("pending", "backfill")}
    assert queue(db_path, backfills=True) == (1, 0), "every backfill's, when no run is named"
    assert set(statuses(db_path)) == {"blog-a:found-later", "blog-a:found-first"} and earlier


def test_a_reparse_that_newly_flags_a_known_item_is_not_news(db_path: Path) -> None:
    load(db_path, [post("blog-a", "1", "Branch news", published=datetime.now(UTC), body=PLAIN_BODY)])
    queue(db_path)
    load(db_path, [post("blog-a", "1", "Branch news", published=datetime.now(UTC), body=FLAGGED_BODY)],
         command="reparse")
    assert queue(db_path) == (0, 0)


def test_since_days_is_off_unless_set_and_then_filters_on_the_published_date(db_path: Path) -> None:
    baseline(db_path)
    queue(db_path, subscription_id="any-date")
    queue(db_path, subscription_id="recent")
    now = datetime.now(UTC)
    load(db_path, [flagged("blog-b", "history", now - timedelta(days=200)),
                   flagged("blog-b", "recent", now - timedelta(days=3))])
    assert queue(db_path, subscription_id="any-date") == (2, 0)
    assert queue(db_path, since_days=90, subscription_id="recent") == (1, 1)
    assert statuses(db_path, "recent") == {"blog-b:history": ("skipped", OUTSIDE_WINDOW),
                                           "blog-b:recent": ("pending", "new")}


def test_topics_and_sources_choose_what_a_subscription_gets(db_path: Path) -> None:
    now = datetime.now(UTC)
    baseline(db_path)
    queue(db_path, subscription_id="only-b")
    queue(db_path, subscription_id="only-cuts")
    load(db_path, [post("blog-a", "ss", "Shared services in blog A", published=now),
                   post("blog-b", "ss", "Shared services in blog B", published=now),
                   post("blog-b", "cuts", "Cuts", published=now,
                        body="The council will make back office cuts of two million pounds.")])
    queue(db_path, sources=["blog-b"], subscription_id="only-b")
    queue(db_path, topics=["back_office_cuts"], subscription_id="only-cuts")
    assert set(statuses(db_path, "only-b")) == {"blog-b:ss", "blog-b:cuts"}
    assert set(statuses(db_path, "only-cuts")) == {"blog-b:cuts"}


def test_an_item_goes_to_a_subscription_once_even_when_flagged_again(db_path: Path) -> None:
    baseline(db_path)
    queue(db_path)
    load(db_path, [flagged("blog-a", "1")])
    assert queue(db_path) == (1, 0)
    with connect(db_path) as con, transaction(con):
        sent = due_items(con, "s")
        claim(con, sent, "k", datetime.now(UTC))
        mark_sent(con, sent, datetime.now(UTC))
    published = datetime.now(UTC)
    load(db_path, [post("blog-a", "1", "Shared services 1", published=published, body=PLAIN_BODY)])
    load(db_path, [post("blog-a", "1", "Shared services 1", published=published, body=FLAGGED_BODY + " Again.")])
    assert queue(db_path) == (0, 0), "cleared and flagged again by edits: already sent to this subscription"
    assert statuses(db_path) == {"blog-a:1": ("sent", "new")}


def test_rows_left_sending_become_unknown_except_on_a_replayable_channel(db_path: Path) -> None:
    baseline(db_path)
    for subscription_id in ("mail", "feed"):
        queue(db_path, subscription_id=subscription_id)
    load(db_path, [flagged("blog-a", "1")])
    for subscription_id in ("mail", "feed"):
        queue(db_path, subscription_id=subscription_id)
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
