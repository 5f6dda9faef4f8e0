"""The alert outbox and maintainer alert state: every statement alerting runs against the warehouse.

Callers pass an open connection and own the transaction (see `transaction`), so a preview can run the same
statements and roll them back. Status values and what moves a row between them are explained in
alerts/deliver.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo

import duckdb

OUTSIDE_WINDOW = "published before the subscription's since_days window"
COPY_OF_STORY = "copy of an alerted story"

# Runs that watch the sources (scheduled or one-off) and runs that walk their history. Items a watch run
# sees first are news; items a backfill sees first are history unless the user asks to hear about them.
# Other runs (reparse, quality recheck) read no new pages, so their documents are never news.
WATCH_COMMANDS = ("run", "schedule", "distributed", "demo")
BACKFILL_COMMANDS = ("backfill", "distributed-backfill")

# THE NEWNESS RULE (docs/alerts.md, "Which items are sent"). An item is news for a subscription when the
# version of it that made it flagged -- its first version, or an edit of a known item that was not flagged
# -- was loaded by a watch run that started after its source's first complete run (the baseline), and not
# before unionwatch first read the subscription. Its date plays no part. A page that failed to fetch during
# the baseline belonged to the history that run could not read: found later, it is still history. With
# $backfills, versions loaded by a backfill ($backfill_run, or any backfill when NULL) are news too. One row
# per document: its latest news. `news` says which: 'new', 'updated' (an edit newly flagged a known item)
# or 'backfill'. With $include_related, a document's first version is a candidate too: ENQUEUE_SELECT keeps it
# only while it is scored related.
NEWS_SQL = """
WITH baselines AS (
    SELECT sr.source_id, min(r.started_at) AS baseline_at
    FROM source_runs sr JOIN runs r USING (run_id)
    WHERE sr.status = 'succeeded'
    GROUP BY sr.source_id
),
news_versions AS (
    SELECT v.document_id, v.version, v.seen_at,
           CASE WHEN list_contains(CAST($backfill_commands AS VARCHAR[]), r.command) THEN 'backfill'
                WHEN v.version = 1 THEN 'new' ELSE 'updated' END AS news
    FROM document_versions v
    JOIN runs r ON r.run_id = v.run_id
    JOIN document_keys k ON k.document_id = v.document_id
    JOIN baselines b ON b.source_id = k.source_id
    JOIN alert_subscriptions s ON s.subscription_id = $subscription
    WHERE (v.became_flagged OR ($include_related AND v.version = 1))
      AND ((list_contains(CAST($watch_commands AS VARCHAR[]), r.command)
            AND r.started_at > b.baseline_at AND v.seen_at >= s.first_seen_at
            AND NOT EXISTS (SELECT 1 FROM fetch_failures ff
                            JOIN runs fr ON fr.run_id = ff.run_id
                            JOIN responses rs ON rs.url = ff.url AND rs.sha256 = v.raw_sha256
                            WHERE ff.source_id = k.source_id AND fr.started_at <= b.baseline_at))
           OR ($backfills AND list_contains(CAST($backfill_commands AS VARCHAR[]), r.command)
               AND ($backfill_run IS NULL OR r.run_id = $backfill_run)))
),
news AS (
    SELECT document_id, arg_max(news, version) AS news FROM news_versions GROUP BY document_id
)
"""

ENQUEUE_INSERT = """
INSERT INTO alert_outbox (document_id, subscription_id, status, reason, attempts, dedupe_key, created_at, news)
"""
ENQUEUE_SELECT = """
SELECT n.document_id, $subscription, CASE WHEN outside THEN 'skipped' ELSE 'pending' END,
       CASE WHEN outside THEN $outside_window END, 0,
       substr(sha256($subscription || chr(0) || n.document_id), 1, 32), $now, n.news
FROM (
    SELECT n.*, coalesce(coalesce(d.published_at, d.first_seen_at) < $window_start, false) AS outside
    FROM news n
    JOIN alert_documents($include_related, false) f USING (document_id)
    JOIN documents d USING (document_id)
    WHERE (CAST($topics AS VARCHAR[]) IS NULL OR f.related_only OR list_has_any(f.topics, CAST($topics AS VARCHAR[])))
      AND (CAST($sources AS VARCHAR[]) IS NULL OR list_contains(CAST($sources AS VARCHAR[]), d.source_id))
      AND NOT EXISTS (SELECT 1 FROM alert_outbox o
                      WHERE o.document_id = n.document_id AND o.subscription_id = $subscription)
) n
RETURNING status
"""
ENQUEUE_SQL = "".join((ENQUEUE_INSERT, NEWS_SQL, ENQUEUE_SELECT))  # constant fragments; values are bound

# One alert per story: a pending row is skipped when another document of its story already has a row for the
# subscription that is not skipped, queued earlier, or in the same batch and first seen earlier.
COPIES_SQL = """
UPDATE alert_outbox SET status = 'skipped', reason = $copy
FROM story_members mine
WHERE mine.document_id = alert_outbox.document_id
  AND alert_outbox.subscription_id = $subscription AND alert_outbox.status = 'pending'
  AND EXISTS (SELECT 1 FROM alert_outbox o JOIN story_members m ON m.document_id = o.document_id
              WHERE o.subscription_id = $subscription AND o.document_id <> alert_outbox.document_id
                AND m.story_id = mine.story_id AND o.status <> 'skipped'
                AND (o.created_at < alert_outbox.created_at
                     OR (o.created_at = alert_outbox.created_at AND m.position < mine.position)))
RETURNING 1
"""

# The other documents of each item's story, where else it appeared, in first-seen order.
ALSO_AT_SQL = """
SELECT mine.document_id, d.document_id, d.source_id, d.url, d.first_seen_at
FROM story_members mine
JOIN story_members m ON m.story_id = mine.story_id AND m.document_id <> mine.document_id
JOIN documents d ON d.document_id = m.document_id
WHERE mine.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY m.position
"""

# Copies a subscription has not been told about: rows skipped as copies, never listed (no batch_key), of a story
# whose alert was sent to it, queued after that alert was rendered (so its "Also appeared at" lacked them).
# One row per copy, with the story's sent document (the earliest sent, should stories have merged).
LATER_COPIES_SQL = """
SELECT a.document_id, ad.source_id, ad.title, ad.url, c.document_id, cd.source_id, cd.url, cd.first_seen_at
FROM alert_outbox c
JOIN story_members cm ON cm.document_id = c.document_id
JOIN story_members am ON am.story_id = cm.story_id AND am.document_id <> c.document_id
JOIN alert_outbox a ON a.document_id = am.document_id AND a.subscription_id = c.subscription_id
JOIN documents ad ON ad.document_id = a.document_id
JOIN documents cd ON cd.document_id = c.document_id
WHERE c.subscription_id = $subscription AND c.status = 'skipped' AND c.reason = $copy AND c.batch_key IS NULL
  AND a.status = 'sent' AND c.created_at > a.claimed_at
QUALIFY row_number() OVER (PARTITION BY c.document_id ORDER BY a.sent_at, a.document_id) = 1
ORDER BY a.sent_at, a.document_id, cd.first_seen_at, c.document_id
"""

# Both select the AlertItem columns, in order. Due rows: 'retry' first, so a failed item is not overtaken.
DUE_SQL = """
SELECT o.document_id, o.subscription_id, o.dedupe_key, d.source_id, d.kind, d.title, d.url, d.author,
       d.published_at, f.topics, f.matched_terms, f.snippet, f.flagged_at, o.attempts, f.related_only,
       coalesce(o.news, 'new')
FROM alert_outbox o
JOIN alert_documents($include_related, false) f USING (document_id)
JOIN documents d USING (document_id)
WHERE o.subscription_id = $subscription AND o.status IN ('retry', 'pending')
ORDER BY o.status = 'retry' DESC, d.published_at NULLS LAST, o.document_id
LIMIT $limit
"""

SENT_SQL = """
SELECT o.document_id, o.subscription_id, o.dedupe_key, d.source_id, d.kind, d.title, d.url, d.author,
       d.published_at, f.topics, f.matched_terms, f.snippet, f.flagged_at, o.attempts, f.related_only,
       coalesce(o.news, 'new')
FROM alert_outbox o
JOIN alert_documents(true, true) f USING (document_id)
JOIN documents d USING (document_id)
WHERE o.subscription_id = ? AND o.status = 'sent'
ORDER BY o.sent_at DESC, d.published_at DESC NULLS LAST, o.document_id
LIMIT ?
"""


@dataclass(frozen=True)
class Appearance:
    """Another document of an item's story: where else the story appeared."""

    document_id: str
    source_id: str
    url: str
    first_seen_at: datetime


@dataclass(frozen=True)
class StoryAgain:
    """A story already sent to a subscription that has since appeared in more places (`copies`)."""

    document_id: str  # the story's document that was sent
    source_id: str
    title: str
    url: str
    copies: tuple[Appearance, ...]


@dataclass(frozen=True)
class AlertItem:
    """One flagged document, or with include_related one scored related (`related_only`), as it goes to one
    subscription; a related-only item has no topics and its passage as snippet."""

    document_id: str
    subscription_id: str
    dedupe_key: str
    source_id: str
    kind: str
    title: str
    url: str
    author: str | None
    published_at: datetime | None
    topics: list[str]
    matched_terms: list[str]
    snippet: str
    flagged_at: datetime
    attempts: int
    related_only: bool = False
    news: str = "new"  # new | updated (an edit newly flagged a known item) | backfill
    also_at: tuple[Appearance, ...] = ()  # the story's other documents

    @property
    def updated(self) -> bool:
        """True when an edit made this known item newly flagged."""
        return self.news == "updated"


@dataclass(frozen=True)
class SourceRunRow:
    """One source's part in one run, newest first within a source."""

    source_id: str
    status: str  # succeeded | failed | blocked (by a quality gate)
    documents_seen: int  # parsed in this run
    documents_unchanged: int  # confirmed unchanged without parsing (incremental crawls)
    not_modified: int  # 304 answers
    failures: int
    error: str | None
    started_at: datetime


@dataclass(frozen=True)
class Notice:
    """One message for maintainers: a condition opened or resolved, or a delivery problem."""

    notice_id: str
    condition: str
    subject: str
    event: str
    detail: str
    created_at: datetime


def register_subscription(con: duckdb.DuckDBPyConnection, subscription_id: str, channel: str, mode: str,
                          now: datetime) -> datetime:
    """Record a configured subscription (its first sighting is kept) and return when it was first seen."""
    con.execute("""INSERT INTO alert_subscriptions VALUES (?, ?, ?, ?, ?, NULL)
                   ON CONFLICT (subscription_id) DO UPDATE SET channel = excluded.channel, mode = excluded.mode,
                   last_seen_at = excluded.last_seen_at""", [subscription_id, channel, mode, now, now])
    return _utc(con.execute("SELECT first_seen_at FROM alert_subscriptions WHERE subscription_id = ?",
                            [subscription_id]).fetchone()[0])


def enqueue(con: duckdb.DuckDBPyConnection, subscription_id: str, *, topics: Sequence[str] | None,
            sources: Sequence[str] | None, window_start: datetime | None, now: datetime,
            backfills: bool = False, backfill_run: str | None = None,
            include_related: bool = False) -> tuple[int, int]:
    """Add a row for every matching flagged item that is news for this subscription; (pending, skipped).

    News follows NEWS_SQL. An item published before `window_start` (None: no window) is recorded as
    'skipped' so it is never sent. `backfills` adds what backfills discovered: only `backfill_run`'s
    items when given, else every backfill's. Items with a row already are left alone, so nothing is
    queued twice. With `include_related`, documents scored related without a flag match too, whatever
    `topics` says. A copy of a story the subscription already has a row for is skipped (`COPY_OF_STORY`): one
    alert per story.
    """
    statuses = [row[0] for row in con.execute(ENQUEUE_SQL, {
        "subscription": subscription_id, "now": now, "backfills": backfills, "backfill_run": backfill_run,
        "watch_commands": list(WATCH_COMMANDS), "backfill_commands": list(BACKFILL_COMMANDS),
        "topics": list(topics) if topics is not None else None,
        "sources": list(sources) if sources is not None else None, "window_start": window_start,
        "outside_window": OUTSIDE_WINDOW, "include_related": include_related}).fetchall()]
    pending, skipped = statuses.count("pending"), statuses.count("skipped")
    copies = len(con.execute(COPIES_SQL, {"subscription": subscription_id, "copy": COPY_OF_STORY}).fetchall())
    return pending - copies, skipped + copies


def due_items(con: duckdb.DuckDBPyConnection, subscription_id: str, limit: int | None = None, *,
              include_related: bool = False) -> list[AlertItem]:
    """Rows waiting to be sent whose document is still flagged (or, with `include_related`, still related),
    retries first, then oldest publication first."""
    rows = con.execute(DUE_SQL, {"subscription": subscription_id, "limit": limit,
                                 "include_related": include_related}).fetchall()
    return _with_appearances(con, [_item(row) for row in rows])


def later_copies(con: duckdb.DuckDBPyConnection, subscription_id: str) -> list[StoryAgain]:
    """Stories sent to the subscription that gained copies it has not been told about, in the order they were sent."""
    stories: dict[str, StoryAgain] = {}
    for sent_id, source_id, title, url, *copy in con.execute(
            LATER_COPIES_SQL, {"subscription": subscription_id, "copy": COPY_OF_STORY}).fetchall():
        appearance = Appearance(*copy[:3], _utc(copy[3]))
        story = stories.get(sent_id) or StoryAgain(sent_id, source_id, title, url, ())
        stories[sent_id] = replace(story, copies=(*story.copies, appearance))
    return list(stories.values())


def list_copies(con: duckdb.DuckDBPyConnection, subscription_id: str, stories: Sequence[StoryAgain],
                batch_key: str | None, now: datetime | None = None) -> None:
    """Record the copies of `stories` as listed in the digest `batch_key` (claimed), as delivered (`now`),
    or, with `batch_key` None, as not listed after all (the digest certainly did not arrive)."""
    ids = [copy.document_id for story in stories for copy in story.copies]
    con.execute("""UPDATE alert_outbox SET batch_key = ?, sent_at = ?
                   WHERE subscription_id = ? AND status = 'skipped'
                     AND list_contains(CAST(? AS VARCHAR[]), document_id)""",
                [batch_key, now, subscription_id, ids])


def claim(con: duckdb.DuckDBPyConnection, items: Sequence[AlertItem], batch_key: str, now: datetime) -> None:
    """Mark rows 'sending' and count the attempt; committed before the message leaves (at most once)."""
    for item in items:
        con.execute("""UPDATE alert_outbox SET status = 'sending', attempts = attempts + 1, batch_key = ?,
                       claimed_at = ? WHERE document_id = ? AND subscription_id = ?""",
                    [batch_key, now, item.document_id, item.subscription_id])


def mark_sent(con: duckdb.DuckDBPyConnection, items: Sequence[AlertItem], now: datetime) -> None:
    """The receiver accepted the message."""
    for item in items:
        con.execute("""UPDATE alert_outbox SET status = 'sent', sent_at = ?
                       WHERE document_id = ? AND subscription_id = ?""", [now, item.document_id, item.subscription_id])


def mark_failed(con: duckdb.DuckDBPyConnection, items: Sequence[AlertItem], error: str, max_attempts: int,
                *, delivered_maybe: bool = False) -> list[AlertItem]:
    """Record a failed attempt; returns the items that now stop: given up, or possibly delivered.

    A refusal leaves the row for a retry until `max_attempts`; then it becomes 'failed'. When the message
    may have arrived (`delivered_maybe`), the row becomes 'unknown' and is never sent again.
    """
    stopped = []
    for item in items:
        status = con.execute(
            """UPDATE alert_outbox SET last_error = ?,
                   status = CASE WHEN ? THEN 'unknown' WHEN attempts >= ? THEN 'failed' ELSE 'retry' END
               WHERE document_id = ? AND subscription_id = ? RETURNING status""",
            [error, delivered_maybe, max_attempts, item.document_id, item.subscription_id]).fetchone()[0]
        if status != "retry":
            stopped.append(item)
    return stopped


def recover_interrupted(con: duckdb.DuckDBPyConnection, replayable: Sequence[str]) -> dict[str, int]:
    """Settle rows a stopped process left 'sending'; returns how many became 'unknown', by subscription.

    The caller holds the run lock, so nothing else is sending. A replayable channel (the Atom file) may
    simply redo the work; for any other the message may already have arrived, so it is not resent.
    """
    con.execute("""UPDATE alert_outbox SET status = 'retry'
                   WHERE status = 'sending' AND list_contains(CAST(? AS VARCHAR[]), subscription_id)""",
                [list(replayable)])
    rows = con.execute("""UPDATE alert_outbox SET status = 'unknown',
                              last_error = 'interrupted while sending: it may or may not have arrived'
                          WHERE status = 'sending' RETURNING subscription_id""").fetchall()
    counts: dict[str, int] = {}
    for (subscription_id,) in rows:
        counts[subscription_id] = counts.get(subscription_id, 0) + 1
    return counts


def sent_items(con: duckdb.DuckDBPyConnection, subscription_id: str, limit: int) -> list[AlertItem]:
    """The most recently sent items of a subscription, newest first (what an Atom feed keeps)."""
    rows = con.execute(SENT_SQL, [subscription_id, limit]).fetchall()
    return _with_appearances(con, [_item(row) for row in rows])


def digest_slot(now: datetime, schedule: str, hour: int, weekday: int, zone: tzinfo) -> datetime:
    """The latest scheduled digest time at or before `now` (daily at `hour`, or weekly on `weekday`), in UTC."""
    local = now.astimezone(zone)
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    step = timedelta(days=1)
    if schedule == "weekly":
        slot -= timedelta(days=(local.weekday() - weekday) % 7)
        step = timedelta(days=7)
    if slot > local:
        slot -= step
    return slot.astimezone(UTC)


def digest_due(con: duckdb.DuckDBPyConnection, subscription_id: str, slot: datetime) -> bool:
    """True when `slot` is later than the last digest handled (or than the subscription's first sighting),
    or when an earlier digest failed and waits for a retry."""
    return con.execute("""SELECT $slot > coalesce(last_digest_at, first_seen_at)
                                 OR EXISTS (SELECT 1 FROM alert_outbox WHERE subscription_id = $id AND status = 'retry')
                          FROM alert_subscriptions WHERE subscription_id = $id""",
                       {"slot": slot, "id": subscription_id}).fetchone()[0]


def handle_digest_slot(con: duckdb.DuckDBPyConnection, subscription_id: str, slot: datetime) -> None:
    """Record that the digest of `slot` has been dealt with, sent or empty."""
    con.execute("UPDATE alert_subscriptions SET last_digest_at = greatest(coalesce(last_digest_at, ?), ?) "
                "WHERE subscription_id = ?", [slot, slot, subscription_id])


def source_history(con: duckdb.DuckDBPyConnection, runs_per_source: int) -> list[SourceRunRow]:
    """The latest `runs_per_source` runs of every source, newest first within each source."""
    rows = con.execute("""SELECT sr.source_id, sr.status, sr.documents_seen, coalesce(sr.documents_unchanged, 0),
                                 coalesce(sr.not_modified, 0), sr.failures, sr.error, r.started_at
                          FROM source_runs sr JOIN runs r USING (run_id)
                          QUALIFY row_number() OVER (PARTITION BY sr.source_id ORDER BY r.started_at DESC,
                                                     sr.finished_at DESC) <= ?
                          ORDER BY sr.source_id, r.started_at DESC, sr.finished_at DESC""",
                       [runs_per_source]).fetchall()
    return [SourceRunRow(*row[:7], _utc(row[7])) for row in rows]


def ever_yielded(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Sources that have yielded documents in some run."""
    rows = con.execute("""SELECT DISTINCT source_id FROM source_runs
                          WHERE documents_seen + coalesce(documents_unchanged, 0) > 0""").fetchall()
    return {row[0] for row in rows}


def open_conditions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Maintainer conditions currently open, with their detail, by (condition, subject)."""
    rows = con.execute("SELECT condition, subject, detail FROM maintainer_conditions WHERE cleared_at IS NULL")
    return {(condition, subject): detail for condition, subject, detail in rows.fetchall()}


def open_condition(con: duckdb.DuckDBPyConnection, condition: str, subject: str, detail: str, now: datetime) -> None:
    """Record a condition that starts now, with a notice for maintainers."""
    con.execute("INSERT INTO maintainer_conditions VALUES (?, ?, ?, ?, NULL)", [condition, subject, now, detail])
    add_notice(con, condition, subject, "opened", detail, now)


def clear_condition(con: duckdb.DuckDBPyConnection, condition: str, subject: str, detail: str, now: datetime) -> None:
    """Close an open condition, with a notice for maintainers."""
    con.execute("UPDATE maintainer_conditions SET cleared_at = ? WHERE condition = ? AND subject = ? "
                "AND cleared_at IS NULL", [now, condition, subject])
    add_notice(con, condition, subject, "resolved", detail, now)


def add_notice(con: duckdb.DuckDBPyConnection, condition: str, subject: str, event: str, detail: str,
               now: datetime) -> None:
    """Queue one message for maintainers."""
    con.execute("""INSERT INTO maintainer_notices
                   VALUES (substr(sha256(concat_ws(chr(0), ?, ?, ?, ?, CAST(? AS VARCHAR))), 1, 32),
                           ?, ?, ?, ?, ?, 'pending', 0, NULL, NULL)
                   ON CONFLICT DO NOTHING""",
                [condition, subject, event, detail, now, condition, subject, event, detail, now])


def due_notices(con: duckdb.DuckDBPyConnection) -> list[Notice]:
    """Maintainer notices waiting to be sent, oldest first."""
    rows = con.execute("""SELECT notice_id, condition, subject, event, detail, created_at FROM maintainer_notices
                          WHERE status IN ('retry', 'pending') ORDER BY created_at, notice_id""").fetchall()
    return [Notice(*row[:5], _utc(row[5])) for row in rows]


def set_notices(con: duckdb.DuckDBPyConnection, notices: Sequence[Notice], status: str, *, now: datetime,
                error: str | None = None, max_attempts: int = 1) -> None:
    """Move notices through the same steps as outbox rows: 'sending' (an attempt), then 'sent' or a failure."""
    for notice in notices:
        con.execute("""UPDATE maintainer_notices SET
                           attempts = attempts + CASE WHEN $status = 'sending' THEN 1 ELSE 0 END,
                           status = CASE WHEN $status = 'retry' AND attempts >= $max THEN 'failed' ELSE $status END,
                           last_error = coalesce($error, last_error),
                           sent_at = CASE WHEN $status = 'sent' THEN $now ELSE sent_at END
                       WHERE notice_id = $id""",
                    {"status": status, "max": max_attempts, "error": error, "now": now, "id": notice.notice_id})


def recover_interrupted_notices(con: duckdb.DuckDBPyConnection) -> int:
    """Notices a stopped process left 'sending' become 'unknown' (never resent); returns how many."""
    return len(con.execute("""UPDATE maintainer_notices SET status = 'unknown',
                                  last_error = 'interrupted while sending: it may or may not have arrived'
                              WHERE status = 'sending' RETURNING 1""").fetchall())


def _item(row: tuple) -> AlertItem:
    """An AlertItem from a row of DUE_SQL or SENT_SQL."""
    values = list(row)
    values[8] = _utc(values[8]) if values[8] else None
    values[12] = _utc(values[12])
    return AlertItem(*values)


def _with_appearances(con: duckdb.DuckDBPyConnection, items: list[AlertItem]) -> list[AlertItem]:
    """`items`, each with the other documents of its story."""
    if not items:
        return items
    found: dict[str, list[Appearance]] = {}
    for document_id, *appearance in con.execute(ALSO_AT_SQL, {"ids": [i.document_id for i in items]}).fetchall():
        found.setdefault(document_id, []).append(Appearance(*appearance[:3], _utc(appearance[3])))
    return [replace(item, also_at=tuple(found.get(item.document_id, ()))) for item in items]


def _utc(moment: datetime) -> datetime:
    """A timestamp from DuckDB as a UTC datetime."""
    return moment.astimezone(UTC)
