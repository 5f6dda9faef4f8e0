"""Parse the date strings found in feeds and page headers into timezone-aware datetimes.

Only the explicit formats below are accepted, so a footer "© 2024" or a bare year is never mistaken for
a publication date. `parse_date` never raises: anything it cannot read comes back as None.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

MIN_YEAR = 1990
MAX_YEAR = 2100

# Longer inputs are not a date header, and refusing them keeps parsing cheap.
_MAX_LENGTH = 80

# ISO 8601 / RFC 3339 as used by Atom, WordPress and itemprop=datePublished; datetime.fromisoformat
# reads what this admits (fractional seconds of any length, "Z", "+01", "+0100", "+01:00").
_ISO_8601 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.IGNORECASE,
)

# RFC 822/1123 feed pubDates, after a named zone has been replaced by its offset (see _ZONE_OFFSETS).
_RFC_822_FORMATS = (
    "%a, %d %b %Y %H:%M:%S %z",  # Wed, 21 Mar 2012 10:15:00 +0000
    "%a, %d %b %Y %H:%M %z",  # Wed, 21 Mar 2012 10:15 +0000
    "%d %b %Y %H:%M:%S %z",  # 21 Mar 2012 10:15:00 +0000
)

# Named zones that RFC 822 allows, plus BST because UK feeds use it.
_ZONE_OFFSETS = {
    "UT": "+0000",
    "UTC": "+0000",
    "GMT": "+0000",
    "Z": "+0000",
    "BST": "+0100",
    "EST": "-0500",
    "EDT": "-0400",
    "CST": "-0600",
    "CDT": "-0500",
    "MST": "-0700",
    "MDT": "-0600",
    "PST": "-0800",
    "PDT": "-0700",
}
_TRAILING_ZONE = re.compile(r"\s(" + "|".join(_ZONE_OFFSETS) + r")$", re.IGNORECASE)

# Date headers and motion date lines, which carry no time and so are taken as midnight in `default_tz`.
_TEXT_FORMATS = (
    "%A, %d %B %Y",  # Thursday, 10 December 2009 (Blogger en-GB)
    "%A %d %B %Y",  # Saturday 23 October 2010 (Blogger en-GB, no comma)
    "%A, %B %d, %Y",  # Wednesday, March 21, 2012 (Blogger en-US)
    "%A %B %d, %Y",  # Wednesday March 21, 2012
    "%d %B %Y",  # 12 June 2008 (UNISON motions)
    "%B %d, %Y",  # March 21, 2012
    "%a, %d %b %Y",  # Thu, 10 Dec 2009
    "%a %d %b %Y",  # Thu 10 Dec 2009
    "%d %b %Y",  # 10 Dec 2009
    "%b %d, %Y",  # Dec 10, 2009
    "%d.%m.%y",  # 9.10.13 (pcs-fylde.blogspot.com)
    "%d.%m.%Y",  # 9.10.2013
)

_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _parse(text: str) -> datetime | None:
    """Try each known format in turn; the result may be naive."""
    if _ISO_8601.fullmatch(text):
        return datetime.fromisoformat(text.upper())
    rfc_822 = _TRAILING_ZONE.sub(lambda m: " " + _ZONE_OFFSETS[m.group(1).upper()], text)
    # Each RFC 822 format ends in %z, an offset with a sign or "Z". Not trying them on other text keeps the
    # formats tried few: strptime keeps only five compiled formats, and compiles any other on every call.
    for fmt in _RFC_822_FORMATS if "+" in rfc_822 or "-" in rfc_822 or rfc_822.endswith("Z") else ():
        try:
            return datetime.strptime(rfc_822, fmt)
        except ValueError:
            continue
    text = _ORDINAL.sub(r"\1", text).rstrip(".")
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_date(text: str, *, default_tz: tzinfo = UTC) -> datetime | None:
    """Parse a feed or page date into an aware datetime (naive ones get `default_tz`); None if unreadable."""
    text = _SPACES.sub(" ", text or "").strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    try:
        parsed = _parse(text)
    except (ValueError, OverflowError):
        return None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)
