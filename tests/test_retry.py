"""Tests for extractors.crawl.retry: which answers are retried, and how long a Retry-After header makes us wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from extractors.crawl.retry import MAX_RETRY_AFTER, RetryPolicy, parse_retry_after


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert parse_retry_after(" 7 ") == 7.0
    assert 100 < parse_retry_after(soon) <= 120
    assert parse_retry_after(format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)) == 0.0


def test_an_unreadable_retry_after_is_ignored_not_raised() -> None:
    assert parse_retry_after("soon, please") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


def test_waits_honour_retry_after_up_to_the_cap_and_back_off_otherwise() -> None:
    policy = RetryPolicy(attempts=3, base=1.0, cap=30.0)
    assert policy.wait_seconds(1, "5") == 5.0
    assert policy.wait_seconds(1, "86400") == MAX_RETRY_AFTER
    assert 2.0 <= policy.wait_seconds(3, "not a number") <= 4.0
    assert policy.should_retry(1, 503) and not policy.should_retry(3, 503) and not policy.should_retry(1, 404)
