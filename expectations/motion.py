"""The conference motion suite: article checks plus conference, decision, date and URL year.

A motion page says its conference ("2012 Health Care Service Group Conference") and sits at
/motions/{YEAR}/{GROUP}/{SLUG}/; the two years must agree. The date line is the submission date, so it is
only checked for presence and range, never against the conference year (a 2012 motion may be dated 2011).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import article
from records import MOTION

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

NAME = "motion"

# Decisions the motions database shows; a new one is quarantined until it is added here.
DECISIONS = ("Carried", "Carried as Amended", "Referred", "Remitted", "Withdrawn", "Lost", "Fell", "Not Reached")
CONFERENCE_PATTERN = r"^(?:19|20)\d{2} [A-Z][A-Za-z0-9&',()+ -]* [Cc]onference$"
BODY_CHARS = (50, article.BODY_CHARS[1])  # a motion always has at least a sentence
URL_PATTERN = article.URL_HOST + r"/motions/(?:19|20)\d{2}/[a-z0-9-]+/[^/\s?#]+/?$"
URL_YEAR = r"/motions/(\d{4})/"
CONFERENCE_YEAR = r"^(\d{4}) "


def expectations() -> list[Expectation]:
    """Article checks for kind motion, plus conference, decision, date and year agreement."""
    import great_expectations.expectations as gxe

    return [
        *article.expectations(MOTION, body_chars=BODY_CHARS, url_pattern=URL_PATTERN,
                              url_shape="a /motions/YEAR/GROUP/SLUG/ URL"),
        gxe.ExpectColumnValuesToNotBeNull(column="published_at", description="the motion has a date line"),
        gxe.ExpectColumnValuesToNotBeNull(column="conference", description="the conference is named"),
        gxe.ExpectColumnValuesToMatchRegex(
            column="conference", regex=CONFERENCE_PATTERN, meta={"shape": "like '2012 … Conference'"},
            description="conference reads 'YYYY … Conference'"),
        gxe.ExpectColumnValuesToBeInSet(column="decision", value_set=list(DECISIONS),
                                        description="decision, when shown, is a known one"),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="url_year", column_B="conference_year", ignore_row_if="either_value_is_missing",
            meta={"reason": "year: {first} in the URL, {second} in the conference name"},
            description="the year in the URL is the conference's year"),
    ]


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The article suite's batch plus the year read from the URL and the year that starts the conference name."""
    return article.prepare(frame).assign(
        url_year=frame["url"].astype("string").str.extract(URL_YEAR, expand=False).astype("Int64"),
        conference_year=frame["conference"].astype("string").str.extract(CONFERENCE_YEAR, expand=False)
        .astype("Int64"),
    )
