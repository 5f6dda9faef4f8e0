"""Properties of the transforms that example tests cannot pin down: round trips, invariances, compositions.

Complements the hypothesis tests beside each module (idempotence and never-raising of clean_text,
canonical_url, parse_date and classify): these say what the output must mean, not only that it exists.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from records.dates import MAX_YEAR, MIN_YEAR, parse_date
from records.urls import canonical_url, resolve
from transforms.classify import classify, load_rules
from transforms.normalize import clean_text, match_tokens

RULES = load_rules()
EXAMPLES = settings(max_examples=150, deadline=None)

# Text a scraper meets: words (topic words among them), punctuation, odd spaces and breaks, entities.
WORDS = ["shared", "service", "services", "Back", "office", "cuts", "savings", "council", "jobs", "the", "of",
         "1)", "-", "‘", "’", ".", ",", "&amp;", "&#8217;", "\u00a0", "\t", " ", "\n", "\n\n", "\r\n", "é", "e\u0301"]
documents = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
# Plain prose: no entities or invisible characters, which cleaning decodes or removes on purpose.
prose = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"], exclude_characters="&")
                | st.sampled_from("\n\t"))

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)
paths = st.lists(st.from_regex(r"[A-Za-z0-9._~-]{1,8}", fullmatch=True), max_size=4).map(lambda p: "/" + "/".join(p))
queries = st.lists(st.tuples(st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(
    lambda k: not k.startswith("utm_") and k not in ("fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "m")),
    st.from_regex(r"[A-Za-z0-9]{0,6}", fullmatch=True)), max_size=3)
tracking = st.lists(st.tuples(st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "mc_eid"]),
                              st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)), min_size=1, max_size=3)
moments = st.datetimes(min_value=datetime(MIN_YEAR, 1, 2), max_value=datetime(MAX_YEAR, 12, 30),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-8)),
                                                  timezone(timedelta(hours=5, minutes=30))])).map(
    lambda moment: moment.replace(microsecond=0))


def _query(pairs: list[tuple[str, str]]) -> str:
    """A query string from pairs (empty when there are none)."""
    return "?" + "&".join(f"{key}={value}" for key, value in pairs) if pairs else ""


def _topics(title: str, body: str) -> set[str]:
    """The topics a document is flagged for."""
    result = classify(title, body, RULES)
    return set(result.topics) if result else set()


# clean_text


@EXAMPLES
@given(st.text())
def test_clean_text_leaves_no_control_characters_but_newlines(text: str) -> None:
    assert all(char == "\n" or unicodedata.category(char) != "Cc" for char in clean_text(text))


@EXAMPLES
@given(documents, documents)
def test_clean_text_treats_paragraphs_independently(first: str, second: str) -> None:
    joined = clean_text(f"{first}\n\n{second}")
    assert joined == "\n\n".join(part for part in (clean_text(first), clean_text(second)) if part)


@EXAMPLES
@given(prose)
def test_cleaning_plain_prose_keeps_every_word(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    assert [token.text for token in match_tokens(clean_text(text))] == [token.text for token in match_tokens(text)]


# canonical_url


@EXAMPLES
@given(hosts, paths, queries)
def test_canonical_url_ignores_case_of_scheme_and_host_and_the_default_port(host: str, path: str, query) -> None:
    plain = f"http://{host}{path}{_query(query)}"
    assert canonical_url(f"HTTP://{host.upper()}:80{path}{_query(query)}") == canonical_url(plain)


@EXAMPLES
@given(hosts, paths, queries, tracking, st.randoms(use_true_random=False), st.text(max_size=8))
def test_canonical_url_drops_tracking_parameters_and_fragments(host: str, path: str, query, junk, order,
                                                               fragment: str) -> None:
    mixed = list(query) + list(junk)
    order.shuffle(mixed)
    kept = [pair for pair in mixed if pair in query]
    assert canonical_url(f"https://{host}{path}{_query(mixed)}#{fragment}") == canonical_url(
        f"https://{host}{path}{_query(kept)}")


@EXAMPLES
@given(st.sampled_from(["http", "https"]), hosts, paths, st.one_of(paths, hosts.map(lambda h: f"//{h}/x"),
                                                                   st.text(max_size=12)))
def test_resolve_gives_an_absolute_canonical_url_with_the_page_scheme_or_nothing(scheme: str, host: str,
                                                                                 path: str, href: str) -> None:
    resolved = resolve(f"{scheme}://{host}{path}", href)
    assert resolved is None or (resolved.startswith(f"{scheme}://") and canonical_url(resolved) == resolved)


# parse_date


@EXAMPLES
@given(moments)
def test_parse_date_reads_back_what_feeds_write(moment: datetime) -> None:
    assert parse_date(moment.isoformat()) == moment
    assert parse_date(moment.isoformat(timespec="milliseconds")) == moment
    assert parse_date(format_datetime(moment)) == moment


@EXAMPLES
@given(moments, st.sampled_from(["{d.day} {d:%B %Y}", "{d:%A}, {d.day} {d:%B %Y}", "{d:%B} {d.day}, {d.year}",
                                 "{d:%A}, {d:%B} {d.day}, {d.year}", "{d.day} {d:%b %Y}"]),
       st.sampled_from(["", " ", "\n", "\u00a0\t"]))
def test_parse_date_reads_page_dates_as_midnight_utc_whatever_the_spacing(moment: datetime, form: str,
                                                                          pad: str) -> None:
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    assert parse_date(f"{pad}{form.format(d=moment)}{pad}") == day


# classify


@EXAMPLES
@given(documents, documents, documents)
def test_another_paragraph_never_takes_a_topic_away(title: str, body: str, more: str) -> None:
    assert _topics(title, body) <= _topics(title, f"{body}\n\n{more}")


@EXAMPLES
@given(documents, documents)
def test_topics_ignore_letter_case(title: str, body: str) -> None:
    assert _topics(title, body) == _topics(title.upper(), body.upper()) == _topics(title.lower(), body.lower())


@EXAMPLES
@given(documents, documents)
def test_matched_terms_and_snippet_marks_come_from_the_document(title: str, body: str) -> None:
    result = classify(title, body, RULES)
    if result is None:
        return
    words = {token.text for token in match_tokens(f"{title}\n{body}")}
    for term in result.matched_terms:
        assert {token.text for token in match_tokens(term)} <= words, term
    marked = result.snippet.split("**")[1::2]
    assert marked and all({token.text for token in match_tokens(mark)} <= words for mark in marked)
