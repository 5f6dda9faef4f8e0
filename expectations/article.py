"""The generic article suite: what every record must look like, whatever kind of source it came from.

The blog_post and motion suites start from these expectations and add their own. Bounds and patterns are
data here so a maintainer can loosen one and re-release quarantined rows (`unionwatch quality recheck`).

A row is held back for what is wrong with it. An empty body is allowed (a photo, video or title-only post);
the run suite stops a batch where most bodies are empty. Template text (widget headings, post footers,
"Skip to content") holds a row back wherever it appears, as it never stands on a line of its own in prose.
Notices that also occur in articles (a copyright line, "we use cookies") hold a row back only when they make
up most of a body: a long essay that ends "© 2019" is an essay. Two items may share a URL (a link post and
the page it links to, two captures of one page): both are kept, as their document ids differ.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from records import ARTICLE

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

NAME = "article"

TITLE_CHARS = (1, 300)  # sidebar or page text glued onto a title makes it long
BODY_CHARS = (0, 200_000)  # empty: a photo or video post with no caption or alt text
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)  # before union web publishing; a footer year misread
LATEST_PUBLISHED = "latest_published"  # suite parameter: the run's clock plus a day of time-zone slack

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
URL_HOST = rf"^https?://(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::\d{{1,5}})?"
URL_PATTERN = URL_HOST + r"(?:[/?#]\S*)?$"

# Text a template change lets into a title or body: sidebar widgets, post footers, navigation.
# Label -> regex over the folded text (see prepare), where "\n" marks a line's start or end. Each starts with a
# literal so a 10,000-row batch is scanned in milliseconds; line-anchored where the words occur in prose.
BOILERPLATE_MARKERS: dict[str, str] = {
    "Back to all Motions": r"back to all motions",
    "Popular Posts": r"\npopular posts\n",
    "Recent Posts": r"\nrecent posts\n",
    "Blog Archive": r"\nblog archive\n",
    "Newer Post / Older Post": r"\n(?:newer|older) posts?\n",
    "Subscribe to: Post Comments": r"subscribe to: ?posts?\b",
    "Posted by … at hh:mm": r"\nposted by .{0,80} at \d{1,2}:\d{2}",
    "Labels:": r"\nlabels: \S",
    "Powered by Blogger/WordPress": r"powered by (?:blogger|wordpress)",
    "Skip to content": r"skip to (?:main )?content",
    "Share this": r"\nshare this:?\n",
    "Leave a comment": r"\nleave a (?:comment|reply)\n",
}
# Site notices whose words also occur in articles: they count against a body by the share of it they fill.
NOTICE_MARKERS: dict[str, str] = {
    "© year": r"© ?(?:19|20)\d{2}",
    "Copyright year": r"\bcopyright\b.{0,20}\b(?:19|20)\d{2}",
    "All rights reserved": r"all rights reserved",
    "cookie banner": r"we use cookies",
    "cookie notice": r"(?:site|website) uses cookies",
}
MAX_NOTICE_SHARE = 0.5  # a body more than half made of lines holding notices is a footer or a banner
NOTICES = re.compile("|".join(NOTICE_MARKERS.values()))


def expectations(kind: str = ARTICLE, *, body_chars: tuple[int, int] = BODY_CHARS,
                 url_pattern: str = URL_PATTERN, url_shape: str = "an http(s) URL") -> list[Expectation]:
    """Title, body, URL, date and boilerplate checks shared by every record kind."""
    import great_expectations.expectations as gxe

    markers = list(BOILERPLATE_MARKERS.values())
    return [
        gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=[kind], description=f"every row is a {kind}"),
        gxe.ExpectColumnValuesToNotBeNull(column="title", description="title is present"),
        gxe.ExpectColumnValueLengthsToBeBetween(
            column="title", min_value=TITLE_CHARS[0], max_value=TITLE_CHARS[1],
            description=f"title is {TITLE_CHARS[0]}–{TITLE_CHARS[1]} characters"),
        gxe.ExpectColumnValuesToNotMatchRegexList(
            column="title_folded", regex_list=markers, meta={"column": "title"},
            description="no boilerplate in the title"),
        gxe.ExpectColumnValuesToNotBeNull(column="body", description="body is present"),
        gxe.ExpectColumnValueLengthsToBeBetween(
            column="body", min_value=body_chars[0], max_value=body_chars[1],
            description=f"body is {body_chars[0]:,}–{body_chars[1]:,} characters"),
        gxe.ExpectColumnValuesToNotMatchRegexList(
            column="body_folded", regex_list=markers, meta={"column": "body"},
            description="no sidebar, post-footer or navigation text in the body"),
        gxe.ExpectColumnValuesToBeBetween(
            column="body_notice_share", min_value=0, max_value=MAX_NOTICE_SHARE,
            meta={"column": "body", "reason": "{column}: {share:.0%} of it is copyright or cookie notices"},
            description=f"copyright and cookie notices fill at most {MAX_NOTICE_SHARE:.0%} of the body"),
        gxe.ExpectColumnValuesToNotBeNull(column="url", description="URL is present"),
        gxe.ExpectColumnValuesToMatchRegex(column="url", regex=url_pattern, meta={"shape": url_shape},
                                           description=f"URL is {url_shape}"),
        gxe.ExpectColumnValuesToBeBetween(
            column="published_at", min_value=EARLIEST_PUBLISHED, max_value={"$PARAMETER": LATEST_PUBLISHED},
            description=f"published between {EARLIEST_PUBLISHED:%Y} and tomorrow"),
    ]


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The batch plus title and body lower-cased between newlines ("\n" marks both ends of every line), and the
    share of each body that lines holding a notice fill."""
    import pandas as pd

    # The pipeline has already trimmed every line (transforms.normalize.clean_text).
    folded = {f"{column}_folded": "\n" + frame[column].astype("string").str.lower() + "\n"
              for column in ("title", "body")}
    shares = [notice_share(body) for body in folded["body_folded"]]
    return frame.assign(**folded, body_notice_share=pd.array(shares, dtype="Float64"))


def notice_share(folded: object) -> float | None:
    """The share of a folded body's characters on lines that hold a notice; None for a missing or empty body."""
    if not isinstance(folded, str) or not folded.strip():
        return None
    if NOTICES.search(folded) is None:  # the common case, at regex speed
        return 0.0
    lines = [line for line in folded.split("\n") if line]
    return sum(len(line) for line in lines if NOTICES.search(line)) / sum(len(line) for line in lines)
