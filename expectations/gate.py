"""The publish gate: validates one source's staged batch with its kind's suite and with the run suite.

Row-level expectations (the kind's suite) decide which documents are quarantined and why; batch-level
expectations (the run suite) decide whether the source publishes anything this run. GX decides every
success; this module names the failing documents (from GX's unexpected_index_list) and words the reasons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from expectations import article, blog_post, context, motion, run_suite
from records import ARTICLE, BLOG_POST, MOTION, Document

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

SUITES: dict[str, ModuleType] = {MOTION: motion, BLOG_POST: blog_post, ARTICLE: article}
ROW, BATCH = "row", "batch"
LATEST_SLACK = timedelta(days=1)  # a post dated "tomorrow" in a time zone ahead of ours is still fine
ROW_RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["document_id"]}
BATCH_RESULT_FORMAT = {"result_format": "SUMMARY"}
VALIDATED_COLUMNS = ("document_id", "kind", "url", "title", "body", "published_at", "conference", "decision")
BATCH_LABELS = {"items": "volume", "parse_failure_rate": "parse failures", "empty_body_share": "empty bodies"}
SAMPLE_VALUES = 3  # unexpected values quoted in an observed text
QUOTE_CHARS = 100
REPORT_VALUE_CHARS = 200  # scraped values kept in a stored report are cut to this
# Per-row detail that would put every failing body into the warehouse and the Data Docs.
REPORT_DROPPED_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query",
                       "partial_unexpected_index_list", "unexpected_index_column_names")


class GateError(RuntimeError):
    """An expectation raised instead of answering: a bug or an unexpected column type, never bad data."""


class RefinedLike(Protocol):
    """What the gate needs of a refined record (transforms.pipeline.Refined)."""

    document: Document


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict on one batch, as stored in validation_results."""

    suite: str
    expectation: str  # GX type, e.g. expect_column_values_to_not_be_null
    column: str | None
    success: bool
    observed: str
    unexpected_count: int
    level: str  # ROW or BATCH
    description: str = ""


@dataclass(frozen=True)
class BatchStats:
    """One source's run figures, for the batch-level checks."""

    source_id: str
    kind: str  # record kind: motion, blog_post or article
    items: int
    failures: int
    requests: int
    history: list[int]  # items per previous successful run of this kind of this source, newest first
    empty_bodies: int = 0  # items without body text (set by the gate from the batch)
    published: bool | None = None  # the source published in an earlier run of any kind; None: has a history


@dataclass
class GateResult:
    """The gate's verdict on one source's batch."""

    source_id: str
    suite: str
    batch_ok: bool  # False: publish nothing from this source this run
    reasons: dict[str, list[str]]  # document_id -> failed row-level expectations, worded for people
    outcomes: list[ExpectationOutcome]
    stats: BatchStats | None = None
    reports: list[dict[str, Any]] = field(default_factory=list, repr=False)  # trimmed GX results, for Data Docs

    def passed(self, document_id: str) -> bool:
        """True when the document may be published now."""
        return self.batch_ok and document_id not in self.reasons

    @property
    def batch_reasons(self) -> list[str]:
        """Failed batch-level expectations, worded for the maintainer alert."""
        return [f"{BATCH_LABELS.get(o.column or '', o.column)}: {o.observed}"
                for o in self.outcomes if o.level == BATCH and not o.success]

    def quarantine_reasons(self, document_id: str) -> list[str]:
        """Why a document is held back: its own failures, then the batch's."""
        return [*self.reasons.get(document_id, []), *([] if self.batch_ok else self.batch_reasons)]


def suite_for(kind: str) -> ModuleType:
    """The suite module that validates records of `kind`."""
    try:
        return SUITES[kind]
    except KeyError:
        raise ValueError(f"no quality suite for record kind {kind!r}; known: {', '.join(SUITES)}") from None


def nothing_to_check(stats: BatchStats) -> bool:
    """True for an empty batch no expectation can fail: no rows, no failures, no lower volume bound.

    A scheduled run that found nothing new is the common case; validating its empty batch would cost a GX
    validation per source and decide nothing. A source that usually yields items still gets the run suite,
    so a scraper gone quiet is caught.
    """
    return stats.items == 0 and stats.failures == 0 and run_suite.volume_bounds(stats.history).low == 0


def warm_up() -> None:
    """Import GX and register every suite now, so the first gate of a run does not pay for it."""
    context.warm_up([*SUITES.values(), run_suite])


def rows(refined: Sequence[RefinedLike]) -> pd.DataFrame:
    """The columns the suites read, one row per refined record."""
    docs = [item.document for item in refined]
    return pd.DataFrame({
        "document_id": [doc.document_id for doc in docs], "kind": [doc.kind for doc in docs],
        "url": [doc.url for doc in docs], "title": [doc.title for doc in docs], "body": [doc.body for doc in docs],
        "published_at": pd.to_datetime([doc.published_at for doc in docs], utc=True),
        "conference": [doc.conference for doc in docs], "decision": [doc.decision for doc in docs],
    }, columns=list(VALIDATED_COLUMNS))


def check(refined: Sequence[RefinedLike], stats: BatchStats, *, now: datetime) -> GateResult:
    """Validate one source's refined batch before it is published."""
    return check_frame(rows(refined), stats, now=now)


def check_frame(frame: pd.DataFrame, stats: BatchStats, *, now: datetime, accept_batch: bool = False) -> GateResult:
    """Validate rows holding at least VALIDATED_COLUMNS; `accept_batch` overrides a failed batch check."""
    module = suite_for(stats.kind)
    # Of a recheck's held rows, only the empty ones count: against the batch's item count they never overstate.
    stats = replace(stats, empty_bodies=int((frame["body"].fillna("").astype(str).str.strip() == "").sum()))
    batch = module.prepare(frame.loc[:, list(VALIDATED_COLUMNS)].reset_index(drop=True))
    row_result = context.validate(module, batch, {article.LATEST_PUBLISHED: now + LATEST_SLACK}, ROW_RESULT_FORMAT)
    run_result = context.validate(run_suite, run_suite.frame(stats), run_suite.parameters(stats), BATCH_RESULT_FORMAT)
    reasons: dict[str, list[str]] = {}
    outcomes = []
    for result in row_result.results:
        config, column = _checked(module.NAME, result)
        entries = result.result.get("unexpected_index_list") or []
        if not result.success and not entries:
            raise GateError(f"{module.NAME}: {config.type} on {column} failed without naming rows")
        for entry in entries:
            reasons.setdefault(entry["document_id"], []).append(_reason(config, column, entry))
        outcomes.append(_outcome(module.NAME, result, column, _row_observed(result), ROW))
    for result in run_result.results:
        _, column = _checked(run_suite.NAME, result)
        outcomes.append(_outcome(run_suite.NAME, result, column, run_suite.observed(column, stats), BATCH))
    batch_ok = accept_batch or all(o.success for o in outcomes if o.level == BATCH)
    return GateResult(stats.source_id, module.NAME, batch_ok, reasons, outcomes, stats,
                      [_trimmed(row_result), _trimmed(run_result)])


def _checked(suite: str, result: ExpectationValidationResult) -> tuple[ExpectationConfiguration, str]:
    """The expectation's configuration and the column it is about; raises when GX failed to evaluate it."""
    config = result.expectation_config
    kwargs = config.kwargs
    # A check on a derived column (body_folded) names the column people know (body) in its meta.
    column = config.meta.get("column") or kwargs.get("column") or f"{kwargs.get('column_A')}, {kwargs.get('column_B')}"
    # GX reports an exception as success=False; without this check it would pass for a data failure.
    message = _exception_message(result.exception_info or {})
    if message is not None:
        raise GateError(f"{suite}: {config.type} on {column} raised: {message}")
    return config, column


def _exception_message(info: dict[str, Any]) -> str | None:
    """The message of an exception GX caught, whether reported flat or per failed metric."""
    for entry in (info, *info.values()):
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None


def _outcome(suite: str, result: ExpectationValidationResult, column: str, observed: str,
             level: str) -> ExpectationOutcome:
    """The stored form of one expectation's result."""
    config = result.expectation_config
    return ExpectationOutcome(suite, config.type, column, bool(result.success), observed,
                              int(result.result.get("unexpected_count") or 0), level, config.description or "")


def _row_observed(result: ExpectationValidationResult) -> str:
    """E.g. "2 of 40 rows: '', 'Popular Posts …'"."""
    details = result.result
    text = f"{details.get('unexpected_count') or 0} of {details.get('element_count') or 0} rows"
    sample = [value for value in details.get("partial_unexpected_list") or [] if _present(value)]
    if sample:
        text += ": " + ", ".join(_quote(_show(value)) for value in sample[:SAMPLE_VALUES])
    return text


def _reason(config: ExpectationConfiguration, column: str, entry: dict[str, Any]) -> str:
    """Why one row failed one expectation, e.g. "title: empty"."""
    kind, kwargs = config.type, config.kwargs
    value = entry.get(kwargs.get("column", column))
    if kind == "expect_column_values_to_not_be_null":
        return f"{column}: missing"
    if kind == "expect_column_value_lengths_to_be_between":
        length = len(value)
        if length == 0:
            return f"{column}: empty"
        if length < kwargs["min_value"]:
            return f"{column}: {length:,} characters, fewer than {kwargs['min_value']:,}"
        return f"{column}: {length:,} characters, more than {kwargs['max_value']:,}"
    if kind == "expect_column_values_to_be_between" and "reason" in config.meta:
        return config.meta["reason"].format(column=column, share=value)
    if kind == "expect_column_values_to_be_between":
        low = kwargs.get("min_value")
        side = "before" if low is not None and value < pd.Timestamp(low) else "after"
        bound = low if side == "before" else kwargs.get("max_value")
        if not isinstance(value, datetime):
            side = side.replace("before", "below").replace("after", "above")
        return f"{column}: {_show(value)} is {side} {_show(bound)}"
    if kind == "expect_column_values_to_match_regex":
        return f"{column}: {_quote(value)} is not {config.meta.get('shape', 'in the expected form')}"
    if kind == "expect_column_values_to_be_in_set":
        return f"{column}: {_quote(value)} is not one of {', '.join(map(str, kwargs['value_set']))}"
    if kind == "expect_column_values_to_not_match_regex_list":
        return f"{column}: boilerplate {_marker(str(value))!r}"
    if kind == "expect_column_pair_values_to_be_equal":
        first, second = entry.get(kwargs["column_A"]), entry.get(kwargs["column_B"])
        template = config.meta.get("reason", "{column}: {first} ≠ {second}")
        return template.format(column=column, first=_show(first), second=_show(second))
    return f"{column}: fails {kind}"


def _present(value: Any) -> bool:
    """False for None and NaN-like missing values (pairs count as present)."""
    return isinstance(value, tuple | list) or not pd.isna(value)


def _marker(text: str) -> str:
    """The label of the first boilerplate marker found in `text`."""
    return next((label for label, pattern in article.BOILERPLATE_MARKERS.items() if re.search(pattern, text)),
                "marker")


def _show(value: Any) -> str:
    """A bound or value as a person reads it: dates as YYYY-MM-DD."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, tuple | list):
        return " ≠ ".join(_show(item) for item in value)
    return str(value)


def _quote(value: Any) -> str:
    """A scraped value on one line, cut to QUOTE_CHARS, in quotes."""
    text = " ".join(str(value).split())
    return "'" + (text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…") + "'"


def _clip(value: Any) -> Any:
    """A value cut to REPORT_VALUE_CHARS when it is text."""
    if isinstance(value, str) and len(value) > REPORT_VALUE_CHARS:
        return value[:REPORT_VALUE_CHARS - 1] + "…"
    return value


def _trimmed(result: ExpectationSuiteValidationResult) -> dict[str, Any]:
    """A GX result as JSON without per-row detail and with scraped values clipped, for storage and Data Docs."""
    for item in result.results:
        details = item.result
        for key in REPORT_DROPPED_KEYS:
            details.pop(key, None)
        if "partial_unexpected_list" in details:
            details["partial_unexpected_list"] = [_clip(v) for v in details["partial_unexpected_list"]]
        if "partial_unexpected_counts" in details:
            details["partial_unexpected_counts"] = [
                {**count, "value": _clip(count.get("value"))} for count in details["partial_unexpected_counts"]]
    return result.to_json_dict()
