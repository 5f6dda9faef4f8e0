"""The publish gate: good batches pass, and each expectation catches the breakage it exists for, naming the
documents and saying why in words a maintainer can act on."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from quality_support import NOW, article, motion, post, refined, stats

from expectations import gate
from extractors.sources.unison_motions import DECISIONS as EXTRACTOR_DECISIONS
from records import ARTICLE, BLOG_POST, MOTION


def test_good_batches_of_every_kind_pass() -> None:
    for kind, docs in ((MOTION, [motion(i) for i in range(12)]), (BLOG_POST, [post(i) for i in range(12)]),
                       (ARTICLE, [article(i) for i in range(12)])):
        batch = refined(docs)
        result = gate.check(batch, stats(batch, kind), now=NOW)
        assert result.suite == kind and result.batch_ok and result.reasons == {}
        assert all(outcome.success for outcome in result.outcomes), [o for o in result.outcomes if not o.success]
        assert all(result.passed(item.document.document_id) for item in batch)
        assert {outcome.level for outcome in result.outcomes} == {"row", "batch"}


SIDEBAR = "\n\nPopular Posts\n\nBranch AGM – Thursday\n\nPay offer: ballot result"


@pytest.mark.parametrize(("change", "reason"), [
    ({"title": ""}, "title: empty"),
    ({"title": "Shared Services " + "Recent news from the branch and the region " * 8},
     "title: 359 characters, more than 300"),
    ({"body": "Back to all Motions\n\n" + "Conference notes the cuts. " * 3},
     "body: boilerplate 'Back to all Motions'"),
    ({"body": "Conference notes the cuts.\n\n© 2024 UNISON. All rights reserved. We use cookies on this site "
              "to remember your settings."}, "body: 78% of it is copyright or cookie notices"),
    ({"body": "Short."}, "body: 6 characters, fewer than 50"),
    ({"published_at": datetime(1985, 6, 1, tzinfo=UTC)}, "published_at: 1985-06-01 is before 1990-01-01"),
    ({"published_at": datetime(2027, 3, 1, tzinfo=UTC)}, "published_at: 2027-03-01 is after 2026-11-24"),
    ({"published_at": None}, "published_at: missing"),
    ({"url": "https://www.unison.org.uk/policy-motions/page/2/"},
     "url: 'https://www.unison.org.uk/policy-motions/page/2/' is not a /motions/YEAR/GROUP/SLUG/ URL"),
    ({"decision": "Approved"}, "decision: 'Approved' is not one of Carried, Carried as Amended"),
    ({"conference": "Annual Meeting"}, "conference: 'Annual Meeting' is not like '2012 … Conference'"),
    ({"conference": None}, "conference: missing"),
    ({"conference": "2011 Health Care Service Group Conference"},
     "year: 2012 in the URL, 2011 in the conference name"),
    ({"kind": BLOG_POST}, "kind: 'blog_post' is not one of motion"),
])
def test_each_motion_expectation_names_the_bad_document(change: dict, reason: str) -> None:
    docs = [motion(i) for i in range(10)]
    docs[6] = motion(6, **change)  # motion 6 is a 2012 health motion
    batch = refined(docs)
    result = gate.check(batch, stats(batch, MOTION), now=NOW)
    assert list(result.reasons) == ["motions:motion-6"]
    assert any(text.startswith(reason) for text in result.reasons["motions:motion-6"]), result.reasons
    assert result.batch_ok and not result.passed("motions:motion-6") and result.passed("motions:motion-5")
    failed = [o for o in result.outcomes if not o.success]
    assert failed and all(o.level == "row" and o.unexpected_count == 1 and "1 of 10 rows" in o.observed
                          for o in failed)


@pytest.mark.parametrize(("change", "reason"), [
    ({"body": "Our branch met the council today." + SIDEBAR}, "body: boilerplate 'Popular Posts'"),
    ({"body": "Pay talks resume on Monday.\n\nPosted by Branch Secretary at 10:15\n\n2 comments"},
     "body: boilerplate 'Posted by … at hh:mm'"),
    ({"title": "Popular Posts"}, "title: boilerplate 'Popular Posts'"),
    ({"url": "htp:/branch.blogspot.com/2012/01/x.html"}, "url: 'htp:/branch.blogspot.com/2012/01/x.html' is not an"),
    ({"published_at": None}, "published_at: missing"),
])
def test_each_blog_post_expectation_names_the_bad_document(change: dict, reason: str) -> None:
    docs = [post(i) for i in range(8)]
    docs[3] = post(3, **change)
    result = gate.check(refined(docs), stats(refined(docs), BLOG_POST), now=NOW)
    assert list(result.reasons) == ["branchblog:post-3"]
    assert any(text.startswith(reason) for text in result.reasons["branchblog:post-3"]), result.reasons


def test_articles_may_be_undated_but_not_from_the_future() -> None:
    docs = [article(0), article(1, published_at=datetime(2026, 11, 24, 11, tzinfo=UTC)),
            article(2, published_at=datetime(2026, 11, 25, 12, 30, tzinfo=UTC))]
    result = gate.check(refined(docs), stats(refined(docs), ARTICLE), now=NOW)
    assert result.reasons == {"newsfeed:a-2": ["published_at: 2026-11-25 is after 2026-11-24"]}


def test_two_documents_sharing_a_url_are_both_published() -> None:
    docs = [motion(i) for i in range(6)]
    docs[4] = motion(4, url=docs[2].url, year=docs[2].year, conference=docs[2].conference)
    result = gate.check(refined(docs), stats(refined(docs), MOTION), now=NOW)
    assert result.reasons == {} and result.passed("motions:motion-2") and result.passed("motions:motion-4")


def test_several_failures_of_one_document_are_all_reported_in_suite_order() -> None:
    docs = [motion(i) for i in range(5)]
    docs[1] = motion(1, title="", decision="Approved", published_at=datetime(1985, 1, 1, tzinfo=UTC))
    result = gate.check(refined(docs), stats(refined(docs), MOTION), now=NOW)
    assert [reason.split(":")[0] for reason in result.reasons["motions:motion-1"]] == [
        "title", "published_at", "decision"]


def test_every_decision_the_motions_extractor_names_is_known() -> None:
    docs = [motion(i, decision=decision) for i, decision in enumerate(EXTRACTOR_DECISIONS)]
    result = gate.check(refined(docs), stats(refined(docs), MOTION), now=NOW)
    assert result.reasons == {}


@pytest.mark.parametrize(("items", "history", "ok", "observed"), [
    (25, [25, 24, 26, 25, 25, 25], True, "25 items; allowed 5–260 (median 25, max 26 over 6 runs)"),
    (0, [25, 24, 26, 25, 25, 25], False, "0 items; allowed 5–260 (median 25, max 26 over 6 runs)"),
    (4, [25, 24, 26, 25, 25, 25], False, "4 items; allowed 5–260"),
    (500, [25, 24, 26, 25, 25, 25], False, "500 items; allowed 5–260"),
    (0, [2, 0, 3, 1], True, "0 items; allowed 0–50 (median 1.5, max 3 over 4 runs)"),
    (40, [2, 0, 3, 1], True, "40 items; allowed 0–50"),
    (0, [25, 25], True, "0 items; not checked: 2 earlier runs, 3 needed"),
    (2000, [], True, "2000 items; not checked: 0 earlier runs, 3 needed"),
])
def test_volume_is_judged_against_the_source_s_own_history(items: int, history: list[int], ok: bool,
                                                            observed: str) -> None:
    batch = refined([post(i) for i in range(min(items, 30))])
    result = gate.check(batch, stats(batch, BLOG_POST, items=items, history=history), now=NOW)
    volume = next(o for o in result.outcomes if o.column == "items")
    assert (result.batch_ok, volume.success, volume.level) == (ok, ok, "batch")
    assert volume.observed.startswith(observed)
    if not ok:
        assert result.batch_reasons == [f"volume: {volume.observed}"]
        for item in batch:
            assert not result.passed(item.document.document_id)
            assert result.quarantine_reasons(item.document.document_id) == result.batch_reasons


def test_an_empty_batch_is_a_batch_failure_not_a_crash() -> None:
    result = gate.check([], stats([], MOTION, history=[25, 25, 25]), now=NOW)
    assert not result.batch_ok and result.reasons == {}
    assert result.batch_reasons == ["volume: 0 items; allowed 5–250 (median 25, max 25 over 3 runs)"]


@pytest.mark.parametrize(("failures", "requests", "ok", "observed"), [
    (12, 20, False, "12 of 20 requests failed (60%); allowed ≤ 50%: the site's template seems to have changed"),
    (10, 20, True, "10 of 20 requests failed (50%); allowed ≤ 50%"),
    (6, 8, True, "6 of 8 requests failed (not checked: below 10 requests)"),
])
def test_parse_failure_rate_stops_a_source_that_mostly_fails(failures: int, requests: int, ok: bool,
                                                             observed: str) -> None:
    batch = refined([post(i) for i in range(20)])
    result = gate.check(batch, stats(batch, BLOG_POST, failures=failures, requests=requests), now=NOW)
    rate = next(o for o in result.outcomes if o.column == "parse_failure_rate")
    assert (result.batch_ok, rate.observed) == (ok, observed)
    assert result.reasons == {}  # the rows themselves are fine; the batch is what is held


def test_a_record_kind_without_a_suite_is_refused() -> None:
    with pytest.raises(ValueError, match="no quality suite for record kind 'blogger'"):
        gate.check([], gate.BatchStats("b", "blogger", 0, 0, 0, []), now=NOW)


def test_gx_runs_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    batch = refined([post(i) for i in range(5)])
    gate.check(batch, stats(batch, BLOG_POST), now=NOW)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_stored_reports_hold_no_full_bodies() -> None:
    docs = [post(i) for i in range(3)] + [post(3, body="x" * 5000 + "\nPopular Posts\n")]
    result = gate.check(refined(docs), stats(refined(docs), BLOG_POST), now=NOW)
    text = str(result.reports)
    assert "Popular Posts" not in text and "x" * 300 not in text and "unexpected_index_list" not in text
    assert [report["suite_name"] for report in result.reports] == [BLOG_POST, "run"]


def test_an_expectation_that_cannot_be_evaluated_stops_the_gate_instead_of_passing_or_quarantining() -> None:
    batch = refined([post(i) for i in range(3)])
    frame = gate.rows(batch).assign(published_at=["yesterday", "today", "tomorrow"])
    with pytest.raises(gate.GateError, match="published_at raised: Column values, min_value, and max_value"):
        gate.check_frame(frame, stats(batch, BLOG_POST), now=NOW)


@pytest.mark.parametrize(("failures", "history", "skipped"), [
    (0, [], True),  # no history: nothing can be too few
    (0, [2, 0, 3, 1], True),  # a quiet source: 0 items is within its bounds
    (0, [25, 24, 26, 25, 25, 25], False),  # a source that yields items: 0 must be judged (scraper gone quiet?)
    (3, [2, 0, 3, 1], False),  # failures: the failure rate is GX's to judge
])
def test_an_empty_batch_skips_gx_only_when_no_expectation_could_fail(failures: int, history: list[int],
                                                                     skipped: bool) -> None:
    figures = stats([], BLOG_POST, items=0, failures=failures, history=history)
    assert gate.nothing_to_check(figures) is skipped
    if skipped:  # what GX would have said: the skip never hides a failure
        assert gate.check([], figures, now=NOW).batch_ok


def test_building_a_gx_context_says_nothing_in_a_runs_progress_lines() -> None:
    script = ("from prefect.logging.configuration import setup_logging\n"
              "from flows.commands.common import configure_logging\n"
              "from expectations import context\n"
              "setup_logging()\n"  # Prefect's handlers on the root logger, as in every flow run
              "configure_logging(quiet=False)\n"  # the CLI's own, as every command sets it up
              "context.new_context()\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert "Created temporary directory" not in run.stderr
    assert "great_expectations" not in run.stderr
