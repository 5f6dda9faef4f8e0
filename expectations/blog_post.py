"""The blog post suite: the generic article checks, plus a date, which every Blogger and WordPress post has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations import article
from records import BLOG_POST

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

NAME = "blog_post"


def expectations() -> list[Expectation]:
    """Article checks for kind blog_post, and published_at must be present."""
    import great_expectations.expectations as gxe

    return [
        *article.expectations(BLOG_POST),
        gxe.ExpectColumnValuesToNotBeNull(column="published_at", description="the post has a date"),
    ]


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The batch with the article suite's derived columns."""
    return article.prepare(frame)
