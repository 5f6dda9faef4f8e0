"""The publish gate judges what is wrong with a page, not the words on it: real articles with a copyright
line, a post about cookies, photo and video posts and two items sharing a URL are published; a footer posing
as a body, a batch gone mostly empty and a source whose pages suddenly stop parsing are held back, saying why."""

from __future__ import annotations

import pytest
from quality_support import NOW, article, post, refined, stats

from expectations import gate, run_suite
from records import ARTICLE, BLOG_POST

ESSAY = "\n\n".join(
    f"Paragraph {n}: the council's plan to merge payroll, HR and finance into one centre raises questions "
    "about accountability, about jobs in the towns that lose their offices, and about whether the savings "
    "promised in the business case were ever tested against what similar schemes delivered elsewhere."
    for n in range(100))


def verdict(docs, kind: str = BLOG_POST, **figures):
    """The gate's result on `docs` with a steady history unless `figures` say otherwise."""
    batch = refined(docs)
    return gate.check(batch, stats(batch, kind, **figures), now=NOW)


@pytest.mark.parametrize("body", [
    ESSAY + "\n\n© 2019 The Author. Reproduced with permission.",
    ESSAY + "\n\nCopyright 2019 Branch Secretary. All rights reserved.",
    "Cookies are small text files a website leaves in your browser so that it recognises you next time.\n\n"
    "This site uses cookies only to count visits.\n\nYou can refuse them in your browser's settings, and "
    "the branch never shares what they record with anyone, employer or otherwise.",
])
def test_a_real_article_with_a_copyright_line_or_cookie_words_is_published(body: str) -> None:
    docs = [post(i) for i in range(8)]
    docs[2] = post(2, title="Cookies", body=body)
    result = verdict(docs)
    assert result.reasons == {} and result.passed("branchblog:post-2")


def test_a_body_that_is_mostly_a_site_notice_is_held_back_for_it() -> None:
    docs = [post(i) for i in range(8)]
    docs[5] = post(5, body="Read the post.\n\n© 2019 Branch Secretary. All rights reserved. This site uses "
                           "cookies to count visits; by continuing you agree.")
    result = verdict(docs)
    assert list(result.reasons) == ["branchblog:post-5"]
    assert result.reasons["branchblog:post-5"] == ["body: 89% of it is copyright or cookie notices"]
    assert result.batch_ok and result.passed("branchblog:post-4")


def test_template_text_still_holds_a_body_back_however_long() -> None:
    docs = [post(i) for i in range(8)]
    docs[1] = post(1, body=ESSAY + "\n\nPopular Posts\n\nBranch AGM – Thursday")
    result = verdict(docs)
    assert result.reasons == {"branchblog:post-1": ["body: boilerplate 'Popular Posts'"]}


def test_photo_video_and_title_only_posts_are_published_with_an_empty_body() -> None:
    docs = [post(i) for i in range(10)]
    docs[3] = post(3, title="Video: the march on the City Chambers", body="")
    docs[7] = post(7, title="Picket line at dawn", body="Members with branch banners outside the depot gates")
    result = verdict(docs)
    assert result.reasons == {} and result.batch_ok and result.passed("branchblog:post-3")
    empty = next(o for o in result.outcomes if o.column == "empty_body_share")
    assert empty.success and empty.observed.startswith("1 of 10 bodies empty (10%)")


def test_a_batch_gone_mostly_empty_is_held_back_as_a_template_change() -> None:
    docs = [post(i, body="" if i < 7 else post(i).body) for i in range(10)]
    result = verdict(docs)
    assert not result.batch_ok and not result.passed("branchblog:post-9")
    assert result.batch_reasons == [
        "empty bodies: 7 of 10 bodies empty (70%); allowed ≤ 50%: the site's template seems to have changed"]


def test_two_items_sharing_a_url_are_both_published() -> None:
    docs = [article(i) for i in range(6)]
    docs[4] = article(4, url=docs[3].url)  # a link post and the page it links to, or two captures of one page
    result = verdict(docs, ARTICLE)
    assert result.reasons == {} and result.passed(docs[3].document_id) and result.passed(docs[4].document_id)


def test_parse_failures_hold_back_nothing_until_the_source_has_published() -> None:
    docs = [post(i) for i in range(5)]
    first = verdict(docs, failures=30, requests=40, history=())
    assert first.batch_ok and all(first.passed(f"branchblog:post-{i}") for i in range(5))
    rate = next(o for o in first.outcomes if o.column == "parse_failure_rate")
    assert rate.success and rate.observed == "30 of 40 requests failed (not checked: the source has not published yet)"


def test_parse_failures_after_good_runs_hold_the_batch_back_as_a_template_change() -> None:
    later = verdict([post(i) for i in range(5)], failures=30, requests=40, history=(5, 6, 5))
    assert not later.batch_ok
    assert later.batch_reasons == [
        "parse failures: 30 of 40 requests failed (75%); allowed ≤ 50%: the site's template seems to have changed"]


def test_a_few_failures_never_hold_back_their_neighbours() -> None:
    result = verdict([post(i) for i in range(12)], failures=3, requests=15, history=(12, 12, 12))
    assert result.batch_ok and run_suite.MAX_FAILURE_RATE > 3 / 15
