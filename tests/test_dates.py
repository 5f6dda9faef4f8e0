"""Tests for records.dates: feed and page date strings to aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records.dates import parse_date

PACIFIC = timezone(timedelta(hours=-7))
LONDON = ZoneInfo("Europe/London")

date_like = st.lists(
    st.sampled_from(
        [
            *["Thursday", "December", "Mar", "st", "T", "Z", "+01:00", "GMT", "BST", "©"],
            *["10", "9", "31", "13", "00", "2009", "2024", "0001", "9999", "٣"],
            *[",", " ", ".", "-", ":"],
        ]
    ),
    max_size=12,
).map("".join)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Atom / WordPress / itemprop=datePublished
        ("2012-03-21T10:15:00Z", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        ("2012-03-21T10:15:00z", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        ("2012-03-21T10:15:00.000-07:00", datetime(2012, 3, 21, 10, 15, tzinfo=PACIFIC)),
        ("2012-03-21T10:15:00.123456789+00:00", datetime(2012, 3, 21, 10, 15, 0, 123456, tzinfo=UTC)),
        ("2012-03-21T10:15:00+0100", datetime(2012, 3, 21, 10, 15, tzinfo=timezone(timedelta(hours=1)))),
        ("2012-03-21 10:15", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        ("2012-03-21", datetime(2012, 3, 21, tzinfo=UTC)),
        # RSS pubDate (RFC 822 / 1123)
        ("Wed, 21 Mar 2012 10:15:00 +0000", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        ("Wed, 21 Mar 2012 10:15:00 GMT", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        ("Wed, 21 Mar 2012 10:15:00 PDT", datetime(2012, 3, 21, 10, 15, tzinfo=PACIFIC)),
        ("Wed, 21 Mar 2012 10:15:00 -0700", datetime(2012, 3, 21, 10, 15, tzinfo=PACIFIC)),
        ("Wed, 21 Mar 2012 10:15 BST", datetime(2012, 3, 21, 10, 15, tzinfo=timezone(timedelta(hours=1)))),
        ("21 Mar 2012 10:15:00 UT", datetime(2012, 3, 21, 10, 15, tzinfo=UTC)),
        # Blogger date headers and motion date lines
        ("Thursday, 10 December 2009", datetime(2009, 12, 10, tzinfo=UTC)),
        ("Saturday, 8 September 2012", datetime(2012, 9, 8, tzinfo=UTC)),
        ("Saturday 23 October 2010", datetime(2010, 10, 23, tzinfo=UTC)),
        ("Monday 24 September 2018", datetime(2018, 9, 24, tzinfo=UTC)),
        ("Wednesday, March 21, 2012", datetime(2012, 3, 21, tzinfo=UTC)),
        ("Sunday, May 8, 2016", datetime(2016, 5, 8, tzinfo=UTC)),
        ("12 June 2008", datetime(2008, 6, 12, tzinfo=UTC)),
        ("  24 February\n2006 ", datetime(2006, 2, 24, tzinfo=UTC)),
        ("21st March 2012", datetime(2012, 3, 21, tzinfo=UTC)),
        ("March 21, 2012", datetime(2012, 3, 21, tzinfo=UTC)),
        ("THURSDAY, 10 DECEMBER 2009", datetime(2009, 12, 10, tzinfo=UTC)),
        ("9.10.13", datetime(2013, 10, 9, tzinfo=UTC)),
        ("30.10.13", datetime(2013, 10, 30, tzinfo=UTC)),
        ("30.10.2013", datetime(2013, 10, 30, tzinfo=UTC)),
    ],
)
def test_parse_date(text: str, expected: datetime) -> None:
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


def test_naive_dates_take_the_default_zone() -> None:
    parsed = parse_date("Thursday, 10 December 2009", default_tz=LONDON)
    assert parsed == datetime(2009, 12, 10, tzinfo=LONDON)
    assert parse_date("2012-03-21T10:15:00+00:00", default_tz=LONDON) == datetime(
        2012, 3, 21, 10, 15, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "© 2024",
        "Copyright © 2024 UNISON",
        "2024",
        "Posted by Dave at 10:15",
        "10-july-tories-plan-cuts",
        "31.02.13",
        "1 January 1980",
        "9.10.89",
        "1 January 2101",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2012-13-45",
        "2012-03-21T25:00:00Z",
        "Wednesday, March 21, 2012 " + "x" * 100,
    ],
)
def test_unreadable_or_out_of_range_dates_give_none(text: str) -> None:
    assert parse_date(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text() | date_like)
def test_parse_date_never_raises_and_is_aware(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is None or (parsed.tzinfo is not None and parsed.utcoffset() is not None)
    assert parsed is None or 1990 <= parsed.year <= 2100


def _every_format(text: str) -> datetime | None:
    """What records.dates gave when it tried every format on every text (before RFC 822 was pre-checked)."""
    from records import dates

    try:
        return datetime.fromisoformat(text.upper()) if dates._ISO_8601.fullmatch(text) else next(
            (parsed for candidate, formats in (
                (dates._TRAILING_ZONE.sub(lambda m: " " + dates._ZONE_OFFSETS[m.group(1).upper()], text),
                 dates._RFC_822_FORMATS),
                (dates._ORDINAL.sub(r"\1", text).rstrip("."), dates._TEXT_FORMATS))
             for fmt in formats for parsed in [_strptime_or_none(candidate, fmt)] if parsed), None)
    except (ValueError, OverflowError):
        return None


def _strptime_or_none(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 12, 31)),
       st.sampled_from(["%a, %d %b %Y %H:%M:%S", "%a, %d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%A, %d %B %Y",
                        "%A %d %B %Y", "%A, %B %d, %Y", "%d %B %Y", "%B %d, %Y", "%a %d %b %Y", "%d.%m.%y"]),
       st.sampled_from(["", " +0000", " -0500", " GMT", " BST", " Z", " +01:00", "Z", " -"]), date_like)
def test_skipping_formats_that_cannot_match_changes_no_result(moment, fmt, zone, noise) -> None:
    from records import dates

    for text in (moment.strftime(fmt) + zone, moment.strftime(fmt) + zone + noise, noise):
        normalised = dates._SPACES.sub(" ", text).strip()
        expected = _every_format(normalised) if normalised and len(normalised) <= dates._MAX_LENGTH else None
        if expected is not None and not dates.MIN_YEAR <= expected.year <= dates.MAX_YEAR:
            expected = None
        assert parse_date(text) == (expected if expected is None or expected.tzinfo
                                    else expected.replace(tzinfo=UTC)), text
