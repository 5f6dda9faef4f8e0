"""Flag documents that mention a topic, using the editable rules in topics.toml.

The rule format and how phrases match are documented at the top of topics.toml. Title and body are
cleaned with `clean_text` and tokenised with `match_words`, and each is matched on its own (a phrase or a
near rule never spans the two). Every phrase is indexed by its head word, so a field is read once whatever
the number of phrases, and `classify` skips a field outright when no phrase or near term can occur in it.

A hit is one occurrence of a phrase, or one occurrence of a near-rule term with a context phrase in range.
Overlapping hits of the same topic count once. `Classification.score` is the sum over all hits of
TITLE_WEIGHT (2.0) for a hit in the title and BODY_WEIGHT (1.0) for a hit in the body.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from transforms.normalize import Words, clean_text, match_tokens, match_words

RULES_PATH = Path(__file__).with_name("topics.toml")

# Part of the fingerprint: bump when matching semantics change, so stored fingerprints stop matching.
MATCHER_VERSION = 1

TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0
DEFAULT_WITHIN = 12
MAX_WITHIN = 100
MIN_PREFIX_LETTERS = 3  # "c*" would match most of the dictionary
SNIPPET_CHARS = 300
SNIPPET_LEAD = 100  # characters of context shown before the hit when there is room

_FIELDS = ("title", "body")
_TOPIC_ID = re.compile(r"[a-z][a-z0-9_]*")
_TOPIC_KEYS = frozenset({"label", "phrases", "exclude", "near"})
_NEAR_KEYS = frozenset({"terms", "context", "within"})

# What may separate two words of one phrase in a document (at most one line break besides). A full stop,
# comma or blank line between them means they belong to different sentences or paragraphs.
_PHRASE_GAP = re.compile(r"[\s\-\u2010-\u2015\u2212'\"`´‘’‚‛“”„/]*")
_WHITESPACE = re.compile(r"\s+")

# str.lower() maps every character on its own except capital sigma, which becomes σ or ς depending on its
# neighbours: a phrase word holding either may be spelt differently in the lower-cased text than in its token.
_SIGMAS = frozenset("σς")


@dataclass(frozen=True)
class Phrase:
    """Words that must appear next to each other and in order; a prefix word ends in `*` in the rules."""

    words: tuple[str, ...]
    prefix: tuple[bool, ...]

    @property
    def pattern(self) -> str:
        """The phrase as written in normalised rules, e.g. "back office*"."""
        return " ".join(
            word + "*" if prefix else word for word, prefix in zip(self.words, self.prefix, strict=True)
        )


@dataclass(frozen=True)
class NearRule:
    """A term counts only with a context phrase at most `within` words before or after it."""

    terms: tuple[Phrase, ...]
    context: tuple[Phrase, ...]
    within: int


@dataclass(frozen=True)
class Topic:
    """One table of topics.toml."""

    id: str
    label: str
    phrases: tuple[Phrase, ...]
    near: tuple[NearRule, ...]
    exclude: tuple[Phrase, ...]


@dataclass(frozen=True)
class Rules:
    """All topics of one rules file; `source` names the file in messages."""

    topics: tuple[Topic, ...]
    source: str

    @cached_property
    def _index(self) -> _Index:
        """Every phrase of every topic by head word, built on first use (not a field: not compared)."""
        return _build_index(self.topics)


@dataclass(frozen=True)
class Classification:
    """Why a document was flagged: topic ids, matched wording, a ranking score and a highlighted snippet."""

    topics: tuple[str, ...]
    matched_terms: tuple[str, ...]
    score: float
    snippet: str


class _Match(NamedTuple):
    """One phrase occurrence: token range [first, last) and character range [start, end)."""

    phrase: Phrase
    first: int
    last: int
    start: int
    end: int


@dataclass(frozen=True)
class _Hit:
    """One reason a topic matched a field; the first span is the phrase or term, the second its context."""

    topic: str
    field: str
    spans: tuple[tuple[int, int], ...]
    note: str


class _Index(NamedTuple):
    """The phrases of a rules file arranged so that a document is searched once, whatever the number of phrases."""

    # Head word, or its first MIN_PREFIX_LETTERS letters when it ends in *, to every phrase starting so.
    by_head: dict[str, tuple[Phrase, ...]]
    # Per phrase and near term (what can make a hit), its words that must be substrings of the lower-cased text.
    clues: tuple[tuple[str, ...], ...]


# Per topic id: its hits, and notes on near misses for explain().
_Results = dict[str, tuple[list[_Hit], list[str]]]

# Per phrase, its occurrences in one field in text order.
_Found = dict[Phrase, list[_Match]]


# ---------------------------------------------------------------------------------------------- rules


def _bad(source: str, topic: str, problem: str) -> ValueError:
    """The error for a mistake in one topic of a rules file."""
    return ValueError(f"{source}: topic '{topic}': {problem}")


def _parse_phrase(raw: str) -> Phrase:
    """Turn one phrase as written in the rules into words and prefix flags; ValueError if malformed."""
    text = clean_text(raw)
    tokens = match_tokens(text)
    if not tokens:
        raise ValueError("has no words")
    prefix = tuple(text[token.end : token.end + 1] == "*" for token in tokens)
    ends = [token.start for token in tokens[1:]] + [len(text)]
    for token, is_prefix, gap_end in zip(tokens, prefix, ends, strict=True):
        gap = text[token.end + is_prefix : gap_end]
        # Two words with nothing between them were split by a `*` inside a word, as in "ser*vice".
        well_formed = gap == "" if gap_end == len(text) else gap != "" and _PHRASE_GAP.fullmatch(gap)
        if not well_formed:
            raise ValueError("may only hold words, spaces, hyphens, quotes, slashes and a final * per word")
        if is_prefix and len(token.text) < MIN_PREFIX_LETTERS:
            raise ValueError(f"needs at least {MIN_PREFIX_LETTERS} letters before *")
    if text[: tokens[0].start]:
        raise ValueError("must start with a word")
    return Phrase(tuple(token.text for token in tokens), prefix)


def _phrases(source: str, topic: str, key: str, value: Any, *, required: bool) -> tuple[Phrase, ...]:
    """Validate a list of phrases from the rules, dropping duplicates."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _bad(source, topic, f"{key} must be a list of strings, got {value!r}")
    if required and not value:
        raise _bad(source, topic, f"{key} must not be empty")
    parsed: list[Phrase] = []
    for raw in value:
        try:
            parsed.append(_parse_phrase(raw))
        except ValueError as exc:
            raise _bad(source, topic, f"{key}: phrase {raw!r} {exc}") from None
    return tuple(dict.fromkeys(parsed))


def _near_rule(source: str, topic: str, table: Any) -> NearRule:
    """Validate one [[topic.near]] table."""
    if not isinstance(table, dict):
        raise _bad(source, topic, f"near must be an array of tables ([[{topic}.near]]), got {table!r}")
    unknown = sorted(set(table) - _NEAR_KEYS)
    if unknown:
        raise _bad(source, topic, f"near: unknown key(s) {unknown}; allowed: {sorted(_NEAR_KEYS)}")
    for key in ("terms", "context"):
        if key not in table:
            raise _bad(source, topic, f"near: {key} is required")
    within = table.get("within", DEFAULT_WITHIN)
    if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= MAX_WITHIN:
        raise _bad(
            source, topic, f"near: within must be a whole number from 0 to {MAX_WITHIN}, got {within!r}"
        )
    return NearRule(
        terms=_phrases(source, topic, "near.terms", table["terms"], required=True),
        context=_phrases(source, topic, "near.context", table["context"], required=True),
        within=within,
    )


def _topic(source: str, topic: str, table: Any) -> Topic:
    """Validate one topic table."""
    if not isinstance(table, dict):
        raise _bad(source, topic, f"must be a table ([{topic}]), got {table!r}")
    if not _TOPIC_ID.fullmatch(topic):
        raise _bad(source, topic, "id must be lower-case letters, digits and _, starting with a letter")
    unknown = sorted(set(table) - _TOPIC_KEYS)
    if unknown:
        raise _bad(source, topic, f"unknown key(s) {unknown}; allowed: {sorted(_TOPIC_KEYS)}")
    label = table.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _bad(source, topic, "label is required and must be a non-empty string")
    near = table.get("near", [])
    if not isinstance(near, list):
        raise _bad(source, topic, f"near must be an array of tables ([[{topic}.near]]), got {near!r}")
    parsed = Topic(
        id=topic,
        label=label.strip(),
        phrases=_phrases(source, topic, "phrases", table.get("phrases", []), required=False),
        near=tuple(_near_rule(source, topic, item) for item in near),
        exclude=_phrases(source, topic, "exclude", table.get("exclude", []), required=False),
    )
    if not parsed.phrases and not parsed.near:
        raise _bad(source, topic, "needs phrases, a [[near]] rule, or both")
    return parsed


def parse_rules(text: str, *, source: str = "<string>") -> Rules:
    """Parse and validate rules written in the topics.toml format; ValueError naming source and topic."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    if not data:
        raise ValueError(f"{source}: defines no topics")
    return Rules(tuple(_topic(source, topic, table) for topic, table in data.items()), source)


def load_rules(path: Path | None = None) -> Rules:
    """Load topic rules from `path`, by default the topics.toml bundled with this package."""
    path = RULES_PATH if path is None else Path(path)
    return parse_rules(path.read_text(encoding="utf-8"), source=path.name)


def rules_fingerprint(rules: Rules) -> str:
    """sha256 of the normalised rules: unchanged by comments, ordering and spelling variants."""

    def patterns(phrases: Iterable[Phrase]) -> list[str]:
        """Normalised phrases, sorted and without duplicates."""
        return sorted({phrase.pattern for phrase in phrases})

    normalised = {
        "matcher": MATCHER_VERSION,
        "topics": sorted(
            (
                {
                    "id": topic.id,
                    "label": topic.label,
                    "phrases": patterns(topic.phrases),
                    "exclude": patterns(topic.exclude),
                    "near": sorted(
                        (
                            {"terms": patterns(n.terms), "context": patterns(n.context), "within": n.within}
                            for n in topic.near
                        ),
                        key=lambda near: json.dumps(near, sort_keys=True),
                    ),
                }
                for topic in rules.topics
            ),
            key=lambda topic: topic["id"],
        ),
    }
    encoded = json.dumps(normalised, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# -------------------------------------------------------------------------------------------- matching


def _surface(text: str, start: int, end: int) -> str:
    """The matched wording as reported: lower-cased, whitespace collapsed to single spaces."""
    return _WHITESPACE.sub(" ", text[start:end]).lower()


def _joinable(gap: str) -> bool:
    """Whether the text between two adjacent tokens lets them be two words of one phrase."""
    return gap.count("\n") <= 1 and _PHRASE_GAP.fullmatch(gap) is not None


def _matches_at(phrase: Phrase, words: Words, first: int, text: str) -> bool:
    """Whether `phrase` occurs starting at token `first`."""
    if first + len(phrase.words) > len(words.texts):
        return False
    for at, (word, prefix) in enumerate(zip(phrase.words, phrase.prefix, strict=True), start=first):
        token = words.texts[at]
        if not (token.startswith(word) if prefix else token == word):
            return False
        if at > first and not _joinable(text[words.ends[at - 1] : words.starts[at]]):
            return False
    return True


def _build_index(topics: Iterable[Topic]) -> _Index:
    """Index every phrase, exclude, near term and context of `topics` by its head word."""
    by_head: dict[str, list[Phrase]] = {}
    clues: list[tuple[str, ...]] = []
    for topic in topics:
        hitting = [*topic.phrases, *(term for rule in topic.near for term in rule.terms)]
        context = [*topic.exclude, *(phrase for rule in topic.near for phrase in rule.context)]
        for phrase in dict.fromkeys([*hitting, *context]):
            # A prefix head (`cut*`) has at least MIN_PREFIX_LETTERS, so every word it begins shares the key.
            by_head.setdefault(phrase.words[0][:MIN_PREFIX_LETTERS], []).append(phrase)
        clues += (tuple(word for word in phrase.words if _SIGMAS.isdisjoint(word)) for phrase in hitting)
    return _Index({key: tuple(phrases) for key, phrases in by_head.items()}, tuple(dict.fromkeys(clues)))


def _may_hit(index: _Index, text: str) -> bool:
    """False when no phrase or near term can occur in `text`: a test much cheaper than tokenising it."""
    # A phrase word equals a token lower-cased, or begins one, so it is a substring of the lower-cased text.
    lowered = text.lower()
    return any(all(word in lowered for word in words) for words in index.clues)


def _find_all(index: _Index, words: Words, text: str) -> _Found:
    """Every occurrence of every indexed phrase, overlapping ones included: one dict lookup per token."""
    found: _Found = {}
    for first, token in enumerate(words.texts):
        for phrase in index.by_head.get(token[:MIN_PREFIX_LETTERS], ()):
            if _matches_at(phrase, words, first, text):
                last = first + len(phrase.words)
                match = _Match(phrase, first, last, words.starts[first], words.ends[last - 1])
                found.setdefault(phrase, []).append(match)
    return found


def _find(phrases: Iterable[Phrase], found: _Found) -> list[_Match]:
    """The occurrences of `phrases` in text order, and in the order of `phrases` at one position."""
    return sorted((match for phrase in phrases for match in found.get(phrase, ())), key=lambda m: m.first)


def _overlaps(a: _Match, b: _Match) -> bool:
    """Whether two matches share a token."""
    return a.first < b.last and b.first < a.last


def _longest(matches: Iterable[_Match]) -> list[_Match]:
    """Non-overlapping matches, left to right, preferring the longest at each position."""
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m.first, m.first - m.last)):
        if not kept or match.first >= kept[-1].last:
            kept.append(match)
    return kept


def _words_between(a: _Match, b: _Match) -> int:
    """How many words separate two non-overlapping matches."""
    return b.first - a.last if a.last <= b.first else a.first - b.last


def _match_topic(topic: Topic, field: str, text: str, found: _Found) -> tuple[list[_Hit], list[str]]:
    """The hits of one topic in one field, and notes on near misses for `explain`."""
    if not found:
        return [], []  # nothing of any topic occurs in this field (or classify skipped it)
    notes: list[str] = []
    excludes = _find(topic.exclude, found)

    def where(m: _Match) -> str:
        """Field, offsets and wording of a match, for notes."""
        return f"{field} {m.start}-{m.end} '{_surface(text, m.start, m.end)}'"

    def allowed(matches: list[_Match], role: str) -> list[_Match]:
        """The longest matches not cancelled by an exclude phrase; cancellations become notes."""
        kept = []
        for match in matches:
            blocker = next((x for x in excludes if _overlaps(match, x)), None)
            if blocker is None:
                kept.append(match)
            else:
                notes.append(
                    f"{where(match)} ({role} '{match.phrase.pattern}') cancelled by exclude "
                    f"'{blocker.phrase.pattern}' ('{_surface(text, blocker.start, blocker.end)}')"
                )
        return _longest(kept)

    hits = [
        _Hit(topic.id, field, ((m.start, m.end),), f"{where(m)} matches phrase '{m.phrase.pattern}'")
        for m in allowed(_find(topic.phrases, found), "phrase")
    ]
    for rule in topic.near:
        terms = allowed(_find(rule.terms, found), "term")
        contexts = [
            c
            for c in allowed(_find(rule.context, found), "context")
            if not any(_overlaps(c, t) for t in terms)
        ]
        for term in terms:
            nearest = min(contexts, key=lambda c: _words_between(term, c), default=None)
            if nearest is None:
                notes.append(
                    f"{where(term)} (term '{term.phrase.pattern}') has no context word in the {field}"
                )
                continue
            distance = _words_between(term, nearest)
            detail = (
                f"{where(term)} (term '{term.phrase.pattern}') is {distance} words from "
                f"'{_surface(text, nearest.start, nearest.end)}' (context '{nearest.phrase.pattern}')"
            )
            if distance > rule.within:
                notes.append(f"{detail}, more than {rule.within}")
            else:
                spans = ((term.start, term.end), (nearest.start, nearest.end))
                hits.append(_Hit(topic.id, field, spans, f"{detail}, within {rule.within}"))
    return _distinct(hits), list(dict.fromkeys(notes))


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    """Drop hits whose phrase or term overlaps an earlier one, so one mention counts once."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: h.spans[0]):
        if not kept or hit.spans[0][0] >= kept[-1].spans[0][1]:
            kept.append(hit)
    return kept


def _evaluate(texts: dict[str, str], rules: Rules, *, quick: bool) -> _Results:
    """(hits, notes) by topic id for cleaned texts by field; `quick` skips fields that cannot hit, notes and all."""
    index = rules._index
    found = {
        field: _find_all(index, match_words(text), text) if not quick or _may_hit(index, text) else {}
        for field, text in texts.items()
    }
    results: _Results = {}
    for topic in rules.topics:
        hits: list[_Hit] = []
        notes: list[str] = []
        for field in _FIELDS:
            field_hits, field_notes = _match_topic(topic, field, texts[field], found[field])
            hits += field_hits
            notes += field_notes
        results[topic.id] = (hits, notes)
    return results


# -------------------------------------------------------------------------------------------- reporting


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _snippet(text: str, anchor: _Hit, spans: list[tuple[int, int]]) -> str:
    """About SNIPPET_CHARS of `text` around `anchor`, on one line, matches in **bold**, … where cut."""
    low = min(start for start, _ in anchor.spans)
    high = max(end for _, end in anchor.spans)
    start = max(0, min(low - SNIPPET_LEAD, len(text) - SNIPPET_CHARS))
    start = min(low, max(start, high - SNIPPET_CHARS))
    end = max(high, min(len(text), start + SNIPPET_CHARS))
    # Cut at whitespace, not mid-word, unless a single long word leaves no choice.
    if start > 0 and not text[start - 1].isspace():
        space = _WHITESPACE.search(text, start, low)
        start = space.end() if space else start
    if end < len(text) and not text[end].isspace():
        spaces = list(_WHITESPACE.finditer(text, high, end))
        end = spaces[-1].start() if spaces else end
    # A match straddling a cut is shown whole rather than half-highlighted.
    for span_start, span_end in spans:
        if span_start < start < span_end:
            start = span_start
        if span_start < end < span_end:
            end = span_end
    pieces: list[str] = []
    position = start
    for span_start, span_end in _merge(s for s in spans if start <= s[0] and s[1] <= end):
        pieces += [text[position:span_start], "**", text[span_start:span_end], "**"]
        position = span_end
    pieces.append(text[position:end])
    snippet = _WHITESPACE.sub(" ", "".join(pieces)).strip()
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(text) else "")


def _score(hits: Iterable[_Hit]) -> float:
    """Sum of hit weights: a title hit counts TITLE_WEIGHT, a body hit BODY_WEIGHT."""
    return sum(TITLE_WEIGHT if hit.field == "title" else BODY_WEIGHT for hit in hits)


def _cleaned(title: str, body: str) -> dict[str, str]:
    """Title and body by field name, through clean_text."""
    return {"title": clean_text(title), "body": clean_text(body)}


def classify(title: str, body: str, rules: Rules, *, cleaned: bool = False) -> Classification | None:
    """Match every topic of `rules` against a document (`cleaned`: already clean_text output); None if none."""
    # clean_text is idempotent, so `cleaned` only saves cleaning twice: the result is the same either way.
    texts = {"title": title, "body": body} if cleaned else _cleaned(title, body)
    results = _evaluate(texts, rules, quick=True)
    hits = [hit for topic_hits, _ in results.values() for hit in topic_hits]
    if not hits:
        return None
    located = sorted((_FIELDS.index(hit.field), span, hit.field) for hit in hits for span in hit.spans)
    terms = dict.fromkeys(_surface(texts[field], *span) for _, span, field in located)
    field = "body" if any(hit.field == "body" for hit in hits) else "title"
    in_field = [hit for hit in hits if hit.field == field]
    anchor = min(in_field, key=lambda hit: hit.spans[0])
    return Classification(
        topics=tuple(sorted({hit.topic for hit in hits})),
        matched_terms=tuple(terms),
        score=_score(hits),
        snippet=_snippet(texts[field], anchor, [span for hit in in_field for span in hit.spans]),
    )


def explain(title: str, body: str, rules: Rules) -> list[str]:
    """Human-readable lines saying which rule matched where, or why nothing matched."""
    # Not quick: a field without hits still has notes to give, on cancelled contexts for instance.
    results = _evaluate(_cleaned(title, body), rules, quick=False)
    matched = sorted(topic for topic, (hits, _) in results.items() if hits)
    score = _score(hit for hits, _ in results.values() for hit in hits)
    lines = [f"rules: {rules.source} (fingerprint {rules_fingerprint(rules)[:12]})"]
    if matched:
        lines.append(f"result: flagged as {', '.join(matched)} (score {score:g})")
    else:
        lines.append("result: not flagged, no topic matched")
    for topic in rules.topics:
        hits, notes = results[topic.id]
        status = f"MATCH, {len(hits)} hit(s)" if hits else "no match"
        lines.append(f"{topic.id} ({topic.label}): {status}")
        lines += [f"  + {hit.note}" for hit in hits]
        lines += [f"  - {note}" for note in notes]
        if not hits and not notes:
            lines.append("  - none of its phrases or terms occur in the title or body")
    return lines
