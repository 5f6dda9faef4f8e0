"""Tests for transforms.classify: the bundled topic rules, their file format, and the evaluation set."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.detection import BOC, EVAL_SET, SS, demo_cases, evaluate, format_report
from transforms.classify import (
    Classification,
    Rules,
    classify,
    explain,
    load_rules,
    parse_rules,
    rules_fingerprint,
)
from transforms.normalize import clean_text


@pytest.fixture(scope="module")
def rules() -> Rules:
    """The bundled topics.toml."""
    return load_rules()


def test_eval_set_is_big_and_balanced() -> None:
    assert len(EVAL_SET) >= 40
    assert len({item.name for item in EVAL_SET}) == len(EVAL_SET)
    for topic in (SS, BOC):
        assert sum(topic in item.topics for item in EVAL_SET) >= 12
    assert sum(not item.topics for item in EVAL_SET) >= 15


def test_eval_set_recall_and_precision(rules: Rules) -> None:
    scores, wrong = evaluate(rules, EVAL_SET + demo_cases())
    report = format_report(scores, wrong)
    for score in scores.values():
        assert score.recall == 1.0, report
        assert score.precision >= 0.95, report


def test_demo_content_is_part_of_the_gold_set() -> None:
    cases = demo_cases()
    assert len(cases) >= 40 and all(item.name.startswith(("motion:", "blog:", "wordpress:", "news:")) for item in cases)


def test_classification_fields(rules: Rules) -> None:
    result = classify(
        "Shared services",
        "UNISON Scotland argues that flawed ‘Shared Services’ models bring back-office CUTS,\n"
        "and that shared\nservice centres rarely save money.",
        rules,
    )
    assert result == Classification(
        topics=(BOC, SS),
        matched_terms=("shared services", "back-office", "cuts", "shared service centres"),
        score=2.0 + 1.0 + 1.0 + 1.0,
        snippet="UNISON Scotland argues that flawed ‘**Shared Services**’ models bring **back-office** "
        "**CUTS**, and that **shared service centres** rarely save money.",
    )


def test_no_topic_gives_none(rules: Rules) -> None:
    assert classify("Branch AGM", "Elections for secretary and treasurer.", rules) is None
    assert classify("", "", rules) is None


def test_overlapping_phrases_count_once(rules: Rules) -> None:
    result = classify("", "A shared service centre opens.", rules)
    assert result is not None
    assert result.score == 1.0 and result.matched_terms == ("shared service centre",)


def test_exclude_cancels_only_the_overlapping_match(rules: Rules) -> None:
    assert classify("", "Stewards shared service users' worries.", rules) is None
    result = classify("", "Stewards shared service users' worries about shared services.", rules)
    assert result is not None and result.score == 1.0


@pytest.mark.parametrize(("between", "flagged"), [(0, True), (12, True), (13, False)])
def test_near_counts_the_words_in_between_either_side(rules: Rules, between: int, flagged: bool) -> None:
    filler = " ".join(["word"] * between)
    after = classify("", f"The back office {filler} cuts.", rules)
    before = classify("", f"Cuts {filler} back office.", rules)
    assert (after is not None) is flagged
    assert (before is not None) is flagged


@pytest.mark.parametrize(
    "body",
    ["shared\n\nservices", "shared. Services", "shared, services", "shared (services)", "Shared; services"],
)
def test_phrases_do_not_span_sentences_or_paragraphs(rules: Rules, body: str) -> None:
    assert classify("", body, rules) is None


def test_phrases_do_not_span_title_and_body(rules: Rules) -> None:
    assert classify("What members shared", "Services are stretched.", rules) is None


def test_snippet_is_one_line_around_the_first_body_hit(rules: Rules) -> None:
    before = " ".join(f"word{i}" for i in range(80))
    after = " ".join(f"more{i}" for i in range(80))
    result = classify("Shared services", f"{before}\nthe shared\nservices plan\n{after}", rules)
    assert result is not None
    snippet = result.snippet
    assert snippet.startswith("… word") and snippet.endswith(" …")
    assert "the **shared services** plan" in snippet
    assert "\n" not in snippet and len(snippet) <= 310
    assert re.fullmatch(r"… (\S+ )+\S+ …", snippet)  # cut between words, never inside one


def test_snippet_falls_back_to_the_title(rules: Rules) -> None:
    result = classify("NO TO SHARED SERVICES", "Rally on Saturday.", rules)
    assert result is not None
    assert result.snippet == "NO TO **SHARED SERVICES**"
    assert result.score == 2.0


def test_classify_reads_raw_text_the_same_as_cleaned_text(rules: Rules) -> None:
    raw = "1)Oppose &lsquo;back\u00a0office&rsquo; job&nbsp;los\u00adses"
    assert classify("", raw, rules) == classify("", clean_text(raw), rules)
    assert classify("", raw, rules) is not None


def test_classify_of_cleaned_text_can_skip_cleaning(rules: Rules) -> None:
    raw_title, raw_body = "NO TO\u00a0SHARED SERVICES", "1)Oppose &lsquo;back\u00a0office&rsquo; cuts"
    expected = classify(raw_title, raw_body, rules)
    assert expected is not None
    assert classify(clean_text(raw_title), clean_text(raw_body), rules, cleaned=True) == expected


def test_lower_case_depends_on_the_neighbours_only_for_capital_sigma() -> None:
    # classify skips a field when a phrase word is not a substring of the lower-cased field, which holds
    # because every character but Σ lower-cases the same whatever surrounds it.
    contextual = [
        char
        for char in map(chr, range(sys.maxunicode + 1))
        if ("A" + char).lower() != "a" + char.lower() or ("A" + char + "A").lower() != "a" + char.lower() + "a"
    ]
    assert contextual == ["\u03a3"]


def test_a_phrase_with_a_final_sigma_is_found_whatever_follows_the_word() -> None:
    # "ΟΔΟΣ" lower-cases to "οδος" as a token but to "οδοσ'α" inside this text: the quick test must not skip it.
    rules = parse_rules('[greek]\nlabel = "Greek"\nphrases = ["οδος"]\n')
    result = classify("", "ΟΔΟΣ'Α", rules)
    assert result is not None and result.matched_terms == ("οδος",)


def test_explain_reports_a_cancelled_context_without_any_term() -> None:
    rules = parse_rules(
        '[t]\nlabel = "T"\nexclude = ["cuts to pay"]\n[[t.near]]\nterms = ["back office*"]\ncontext = ["cut*"]\n'
    )
    assert classify("", "No cuts to pay this year.", rules) is None
    text = "\n".join(explain("", "No cuts to pay this year.", rules))
    assert "body 3-7 'cuts' (context 'cut*') cancelled by exclude 'cuts to pay' ('cuts to pay')" in text


def test_explain_says_what_matched_and_where(rules: Rules) -> None:
    lines = explain("No to shared services", "Back office cuts are coming.", rules)
    text = "\n".join(lines)
    assert lines[0].startswith("rules: topics.toml (fingerprint ")
    assert lines[1] == "result: flagged as back_office_cuts, shared_services (score 3)"
    assert "title 6-21 'shared services' matches phrase 'shared service*'" in text
    assert "body 0-11 'back office' (term 'back office*') is 0 words from 'cuts' (context 'cut*')" in text


def test_explain_says_why_nothing_matched(rules: Rules) -> None:
    lines = explain(
        "Award",
        "Our back office team won an award. After a long year of work, councillors and unions finally "
        "agreed there would be no cuts at all. Stewards shared service users' concerns.",
        rules,
    )
    text = "\n".join(lines)
    assert lines[1] == "result: not flagged, no topic matched"
    assert "shared_services (Shared services): no match" in text
    assert "cancelled by exclude 'shared service user*'" in text
    assert (
        "'back office' (term 'back office*') is 19 words from 'cuts' (context 'cut*'), more than 12" in text
    )
    assert "title" not in text.split("back_office_cuts")[-1]  # nothing to report about the title


def test_explain_for_an_unrelated_document(rules: Rules) -> None:
    lines = explain("Branch AGM", "Elections.", rules)
    assert lines.count("  - none of its phrases or terms occur in the title or body") == 2


def test_bundled_rules(rules: Rules) -> None:
    assert [topic.id for topic in rules.topics] == [SS, BOC]
    assert rules.source == "topics.toml"


TOPIC_FILE = """
# A topic added by campaign staff, no code change needed.
[pay_freeze]
label = "Pay freeze"
phrases = ["pay freeze*", "pay-freeze*"]

[[pay_freeze.near]]
terms = ["pay"]
context = ["frozen"]
within = 3
"""


def test_a_new_topic_needs_only_a_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "my-topics.toml"
    path.write_text(TOPIC_FILE, encoding="utf-8")
    rules = load_rules(path)
    assert rules.source == "my-topics.toml"
    result = classify("Pay", "Members reject another PAY FREEZE.", rules)
    assert result is not None and result.topics == ("pay_freeze",)
    assert classify("", "Pay will be frozen again.", rules) is not None
    assert classify("", "Pay rises were agreed; pensions stay frozen.", rules) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[broken", "t.toml: not valid TOML"),
        ("", "t.toml: defines no topics"),
        ("topic = 1", "topic 'topic': must be a table"),
        ("[Bad-Id]\nlabel = 'x'\nphrases = ['a']", "topic 'Bad-Id': id must be lower-case"),
        ("[t]\nlabel = 'x'\nphrase = ['a']", "topic 't': unknown key(s) ['phrase']"),
        ("[t]\nphrases = ['a']", "topic 't': label is required"),
        ("[t]\nlabel = 'x'", "topic 't': needs phrases, a [[near]] rule, or both"),
        ("[t]\nlabel = 'x'\nphrases = 'shared services'", "topic 't': phrases must be a list of strings"),
        ("[t]\nlabel = 'x'\nphrases = ['sh*']", "phrase 'sh*' needs at least 3 letters before *"),
        ("[t]\nlabel = 'x'\nphrases = ['ser*vice']", "phrase 'ser*vice' may only hold words"),
        ("[t]\nlabel = 'x'\nphrases = ['*service']", "phrase '*service' must start with a word"),
        ("[t]\nlabel = 'x'\nphrases = ['cuts, savings']", "phrase 'cuts, savings' may only hold words"),
        ("[t]\nlabel = 'x'\nphrases = ['--']", "phrase '--' has no words"),
        ("[t]\nlabel = 'x'\nexclude = [1]\nphrases = ['a']", "topic 't': exclude must be a list of strings"),
        ("[t]\nlabel = 'x'\nnear = {terms = ['a'], context = ['b']}", "near must be an array of tables"),
        ("[t]\nlabel = 'x'\n[[t.near]]\nterms = ['a']", "topic 't': near: context is required"),
        ("[t]\nlabel = 'x'\n[[t.near]]\nterms = []\ncontext = ['b']", "near.terms must not be empty"),
        (
            "[t]\nlabel = 'x'\n[[t.near]]\nterms = ['a']\ncontext = ['b']\nwithin = -1",
            "within must be a whole",
        ),
        ("[t]\nlabel = 'x'\n[[t.near]]\nterms = ['a']\ncontext = ['b']\nwithin = '12'", "within must be"),
        ("[t]\nlabel = 'x'\n[[t.near]]\nterms = ['a']\ncontext = ['b']\nwithin = true", "within must be"),
        (
            "[t]\nlabel = 'x'\n[[t.near]]\nterms = ['a']\ncontext = ['b']\nwihtin = 3",
            "unknown key(s) ['wihtin']",
        ),
    ],
)
def test_bad_rules_name_the_file_and_topic(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_rules(path)


def test_rules_fingerprint_ignores_comments_order_and_spelling(rules: Rules) -> None:
    reordered = parse_rules(
        """
        [back_office_cuts]  # moved first
        label = "Back-office cuts"
        [[back_office_cuts.near]]
        within = 12
        context = ["shrink*", "downsis*", "downsiz*", "merg*", "streamlin*", "slash*", "lose jobs",
                   "job loss*", "redundanc*", "rationaliz*", "rationalis*", "efficienc*", "consolidat*",
                   "saving*", "reduc*", "cut*", "CUT*"]
        terms = ["backoffice*", "Back-Office*"]

        [shared_services]
        label = "Shared services"
        exclude = ["shared service user*"]
        phrases = ["shared service center*", "shared service centre*", "shared service*"]
        """
    )
    fingerprint = rules_fingerprint(rules)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert rules_fingerprint(reordered) == fingerprint
    changed = parse_rules(TOPIC_FILE)
    assert rules_fingerprint(changed) != fingerprint


def test_rules_fingerprint_changes_with_any_rule() -> None:
    base = "[t]\nlabel = 'T'\n[[t.near]]\nterms = ['back office*']\ncontext = ['cut*']\nwithin = {}\n"
    assert rules_fingerprint(parse_rules(base.format(12))) != rules_fingerprint(parse_rules(base.format(11)))


# Realistic fragments, so generated documents actually reach the matching and snippet code.
_WORDS = [
    *["shared", "service", "services", "Back", "office", "cuts", "users", "centres", "reduce", "word"],
    *["1)", "-", "‘", "’", '"', ".", ",", "&amp;", "\u00ad", " ", "\n", "\n\n"],
]
document_text = st.lists(st.sampled_from(_WORDS), max_size=60).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(title=st.text() | document_text, body=st.text() | document_text)
def test_classify_never_raises(title: str, body: str) -> None:
    rules = load_rules()
    result = classify(title, body, rules)
    assert result is None or (result.topics and result.score > 0 and "\n" not in result.snippet)
    assert explain(title, body, rules)


@settings(max_examples=300, deadline=None)
@given(title=st.text() | document_text, body=st.text() | document_text)
def test_classify_flags_what_explain_reports(title: str, body: str) -> None:
    # classify skips fields where nothing can hit; explain reads every field in full.
    rules = load_rules()
    result = classify(title, body, rules)
    flagged = f"result: flagged as {', '.join(result.topics)} (score {result.score:g})" if result else None
    assert explain(title, body, rules)[1] == (flagged or "result: not flagged, no topic matched")
