"""Maintainer alerts: failing, silent and unparseable sources, reported once to their own channel."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alerts_support import WebhookReceiver, load, post, write_config

from alerts import run_alerts
from alerts.config import Maintainer
from alerts.maintainer import PARSE_FAILURES, QUALITY_GATE, SOURCE_FAILING, SOURCE_SILENT, Finding, assess
from warehouse.outbox import SourceRunRow

SETTINGS = Maintainer(failing_runs=3, failure_rate=0.5, min_items=4)
START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def runs(*rows: tuple[str, int, int, int, int]) -> list[SourceRunRow]:
    """(status, seen, unchanged, not_modified, failures) per run, newest first, all of source "s"."""
    return [SourceRunRow("s", status, seen, unchanged, not_modified, failures, "boom" if status == "failed" else None,
                         START - timedelta(hours=n)) for n, (status, seen, unchanged, not_modified, failures)
            in enumerate(rows)]


def active(findings: list[Finding]) -> set[str]:
    return {finding.condition for finding in findings if finding.active}


def healthy(findings: list[Finding]) -> set[str]:
    return {finding.condition for finding in findings if not finding.active}


def test_a_source_failing_n_runs_in_a_row() -> None:
    three = assess(runs(("failed", 0, 0, 0, 0),) * 3, {"s"}, SETTINGS)
    assert active(three) == {SOURCE_FAILING}
    assert three[0].detail == "failed 3 runs in a row; latest error: boom"
    two = assess(runs(("failed", 0, 0, 0, 0), ("failed", 0, 0, 0, 0), ("succeeded", 5, 0, 0, 0)), {"s"}, SETTINGS)
    assert two == [], "two failures are not yet a condition, and a failed run cannot show the source healthy"


def test_a_source_that_yielded_before_and_now_yields_nothing() -> None:
    assert active(assess(runs(("succeeded", 0, 0, 0, 0), ("succeeded", 4, 0, 0, 0)), {"s"}, SETTINGS)) == {
        SOURCE_SILENT}
    assert active(assess(runs(("succeeded", 0, 0, 0, 0),), set(), SETTINGS)) == set(), "never yielded: new source"
    quiet = assess(runs(("succeeded", 0, 7, 0, 0),), {"s"}, SETTINGS)
    assert SOURCE_SILENT in healthy(quiet), "items confirmed unchanged are a quiet site, not a silent one"
    assert SOURCE_SILENT in healthy(assess(runs(("succeeded", 0, 0, 1, 0),), {"s"}, SETTINGS)), "a 304 is quiet too"
    assert assess(runs(("blocked", 0, 0, 0, 0),), {"s"}, SETTINGS) == [
        Finding(SOURCE_FAILING, "s", False, "the latest run succeeded"),
        Finding(QUALITY_GATE, "s", True, "batch checks failed")], "a gated run says only that it was gated"
    passed = assess(runs(("succeeded", 3, 0, 0, 0),), {"s"}, SETTINGS)
    assert QUALITY_GATE in healthy(passed), "a batch that passes clears the condition"


def test_a_parse_failure_rate_above_the_threshold() -> None:
    broken = assess(runs(("succeeded", 2, 0, 0, 3),), {"s"}, SETTINGS)
    assert active(broken) == {PARSE_FAILURES}
    assert broken[-1].detail == ("3 of 5 pages could not be fetched or parsed in the latest run (60%; alert above "
                                 "50%): has the page layout changed?")
    assert PARSE_FAILURES in healthy(assess(runs(("succeeded", 4, 0, 0, 1),), {"s"}, SETTINGS))
    assert PARSE_FAILURES not in {f.condition for f in assess(runs(("succeeded", 1, 0, 0, 2),), {"s"}, SETTINGS)}, \
        "three pages are too few to judge"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch):
    with WebhookReceiver() as server:
        monkeypatch.setenv("HOOK_URL", server.url("/hook"))
        monkeypatch.setenv("OPS_URL", server.url("/ops"))
        yield server


MAINTAINED = ('[[subscriptions]]\nid = "staff"\nchannel = "webhook"\nurl_env = "HOOK_URL"\n\n'
              '[maintainer]\nchannel = "webhook"\nurl_env = "OPS_URL"\nfailing_runs = 3\n')


def notices(receiver: WebhookReceiver) -> list[tuple[str, str, str]]:
    """(event, condition, subject) of every notice maintainers received, in order."""
    return [(n["event"], n["condition"], n["subject"]) for post_ in receiver.accepted("/ops")
            for n in post_.json["notices"]]


def test_a_failing_source_is_reported_once_to_maintainers_and_again_when_it_recovers(
        db_path: Path, receiver: WebhookReceiver, tmp_path: Path) -> None:
    config = write_config(tmp_path, MAINTAINED)
    load(db_path, [post("blog-a", "1", "Shared services", published=START)])
    for _ in range(4):
        load(db_path, [], failed=["blog-a"])
        run_alerts(db_path, config, now=datetime.now(UTC))
    assert notices(receiver) == [("opened", SOURCE_FAILING, "blog-a")]
    (ops,) = receiver.accepted("/ops")
    assert ops.json["subject"] == "[unionwatch] maintainer: 1 problem, 0 resolved"
    assert ops.json["notices"][0]["detail"] == "failed 3 runs in a row; latest error: FetchError: connection failed"
    load(db_path, [post("blog-a", "1", "Shared services", published=START)])
    run_alerts(db_path, config, now=datetime.now(UTC))
    run_alerts(db_path, config, now=datetime.now(UTC))
    assert notices(receiver) == [("opened", SOURCE_FAILING, "blog-a"), ("resolved", SOURCE_FAILING, "blog-a")]
    assert receiver.accepted("/hook") == [], "maintainer alerts never reach the staff's channel"


def test_silent_and_unparseable_sources_are_reported(db_path: Path, receiver: WebhookReceiver,
                                                     tmp_path: Path) -> None:
    config = write_config(tmp_path, MAINTAINED)
    load(db_path, [post("blog-a", str(n), f"Post {n}", published=START) for n in range(3)]
         + [post("blog-b", "1", "Post", published=START)])
    run_alerts(db_path, config, now=datetime.now(UTC))
    load(db_path, [post("blog-a", "4", "Post 4", published=START)], failures={"blog-a": 4, "blog-b": 0})
    run_alerts(db_path, config, now=datetime.now(UTC))
    assert sorted(notices(receiver)) == [("opened", PARSE_FAILURES, "blog-a"), ("opened", SOURCE_SILENT, "blog-b")]
    run_alerts(db_path, config, now=datetime.now(UTC))
    assert len(receiver.accepted("/ops")) == 1, "an open condition is not repeated on every run"


class Recorder(logging.Handler):
    """Keeps the messages logged to it (the CLI may have stopped "alerts" propagating to the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_without_a_maintainer_channel_notices_go_to_the_log(db_path: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, "")
    load(db_path, [post("blog-a", "1", "Shared services", published=START)])
    for _ in range(3):
        load(db_path, [], failed=["blog-a"])
    recorder, logger = Recorder(), logging.getLogger("alerts")
    logger.addHandler(recorder)
    try:
        report = run_alerts(db_path, config, now=datetime.now(UTC))
    finally:
        logger.removeHandler(recorder)
    line = "PROBLEM: Source failing: blog-a: failed 3 runs in a row; latest error: FetchError: connection failed"
    assert report.maintainer == [line]
    assert recorder.lines == [f"maintainer: {line}"]
