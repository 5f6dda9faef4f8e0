"""Score how related a document is to the campaign, learned from the labelled examples in related_examples.toml.

The score complements the exact topic rules (transforms/classify.py) for documents that describe the campaign
without its name ("HR and payroll will move to a joint team serving both councils"). It never replaces them:
a flagged document is related whatever its score (the `documents` view says so).

The model is a logistic regression over hashed features: word unigrams and bigrams, and the character 3- to
5-grams of each word (so "centralise", "centralised" and "centralisation" share most features). Features are
hashed with CRC-32 into 2**18 slots, so no vocabulary is stored and the result is the same on every machine. The
model is trained from the examples file when first needed (well under a second, deterministic: L-BFGS from zero
weights), so editing the file is all it takes to change it. The bundled examples' fitted weights are kept in a
cache folder (`cache_folder`) under the examples' fingerprint and the numpy and scipy versions, so later processes
read them instead of training again; changed examples get a new file. Why this model and not scikit-learn or an
embedding model is measured in benchmarks/RESULTS.md.

A document's score is the model's probability for its title and body read as one text. A related document's
reason is its best passage: of its title and every window of up to PASSAGE_SENTENCES consecutive sentences
of its body, the one the model scores highest (`explain` lists the top passages and the labelled examples
nearest to the best one).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import tomllib
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from transforms.normalize import clean_text

EXAMPLES_PATH = Path(__file__).with_name("related_examples.toml")
CACHE_ENV = "UNIONWATCH_CACHE"

# Part of the fingerprint: bump when features, training or scoring change, so stored scores are refreshed.
MODEL_VERSION = 1

THRESHOLD = 0.5  # a document scoring this or more is related
PASSAGE_SENTENCES = 3
PASSAGE_CHARS = 300  # the reason stored with a score, cut at a word boundary
DIMENSIONS = 1 << 18
CHAR_NGRAMS = (3, 4, 5)
REGULARISATION = 0.1  # L2 penalty on the weights (the bias is not penalised); chosen by cross-validation
MAX_SENTENCES = 400  # of a very long body only the first ones are scored: bounded cost per document
WORD_CACHE = 1 << 14  # words and word pairs whose hashed slots are kept: about 5 MB when full

_LABELS = {"related": True, "not_related": False}
_EXAMPLE_KEYS = frozenset({"text", "note"})
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]")


@dataclass(frozen=True)
class Example:
    """One labelled text of the examples file; `line` is where its table starts."""

    text: str
    related: bool
    line: int


@dataclass(frozen=True)
class Examples:
    """Every labelled example of one file; `source` names the file in messages."""

    items: tuple[Example, ...]
    source: str


@dataclass(frozen=True)
class Relatedness:
    """A document's score (0-1), whether it reaches THRESHOLD, its best passage when it does, and the examples used."""

    score: float
    related: bool
    passage: str
    fingerprint: str


@dataclass(frozen=True)
class _Passage:
    """A scored passage of a document."""

    text: str
    probability: float
    vector: tuple[np.ndarray, np.ndarray]  # (feature indices, values), L2-normalised


# ---------------------------------------------------------------------------------------------- examples


def parse_examples(text: str, *, source: str = "<string>") -> Examples:
    """Parse and validate examples in the related_examples.toml format; ValueError naming file, line and fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(_LABELS))
    if unknown:
        raise ValueError(f"{source}: unknown table {unknown[0]!r}; write examples as [[related]] or [[not_related]]")
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            lines.setdefault(header.group(1), []).append(number)
    items = []
    for label, related in _LABELS.items():
        tables = data.get(label, [])
        if not isinstance(tables, list):
            raise ValueError(f"{source}: `{label}` must be an array of tables: write [[{label}]] before each example")
        for index, table in enumerate(tables):
            line = lines.get(label, [])[index] if index < len(lines.get(label, [])) else 0
            items.append(Example(_example_text(source, label, line, table), related, line))
    for related in (True, False):
        if not any(item.related == related for item in items):
            label = "related" if related else "not_related"
            raise ValueError(f"{source}: needs at least one [[{label}]] example (the model learns from both kinds)")
    return Examples(tuple(items), source)


def _example_text(source: str, label: str, line: int, table: object) -> str:
    """The cleaned `text` of one example table; ValueError at its line when it is missing or malformed."""
    where = f"{source}, line {line}: [[{label}]]"
    if not isinstance(table, dict):
        raise ValueError(f"{where} must be a table with text = \"…\"")
    unknown = sorted(set(table) - _EXAMPLE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; use only: {', '.join(sorted(_EXAMPLE_KEYS))}")
    value = table.get("text")
    if not isinstance(value, str) or not _WORD.search(value):
        raise ValueError(f'{where}: `text` is required and must hold words, e.g. text = "Payroll will move to …"')
    return " ".join(clean_text(value).split())


def load_examples(path: Path | None = None) -> Examples:
    """Load labelled examples from `path`, by default the related_examples.toml bundled with this package."""
    path = EXAMPLES_PATH if path is None else Path(path)
    return parse_examples(path.read_text(encoding="utf-8"), source=path.name)


def examples_fingerprint(examples: Examples) -> str:
    """sha256 of the model version and the examples' texts and labels: unchanged by comments, notes and order."""
    normalised = {"model": MODEL_VERSION, "threshold": THRESHOLD,
                  "examples": sorted([item.text, item.related] for item in examples.items)}
    encoded = json.dumps(normalised, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- features


@lru_cache(maxsize=WORD_CACHE)
def _bigram_slot(first: str, second: str) -> int:
    """The hashed slot of a word bigram (bounded cache: common pairs repeat)."""
    return _slot(f"b:{first} {second}")


@lru_cache(maxsize=WORD_CACHE)
def _word_slots(word: str) -> np.ndarray:
    """Hashed slots of a word: the word itself and its character n-grams (bounded cache: vocabularies repeat)."""
    padded = f"<{word}>"
    grams = [f"w:{word}"] + [f"c:{padded[i:i + n]}" for n in CHAR_NGRAMS for i in range(len(padded) - n + 1)]
    return np.array([_slot(gram) for gram in grams], dtype=np.int64)


def _slot(feature: str) -> int:
    """The hashed slot of one feature string."""
    return zlib.crc32(feature.encode("utf-8")) % DIMENSIONS


def _slots(text: str) -> np.ndarray:
    """Every feature occurrence of a text as hashed slots: its words' features and its word bigrams."""
    words = _WORD.findall(text.lower())
    bigrams = np.fromiter((_bigram_slot(a, b) for a, b in zip(words, words[1:], strict=False)), dtype=np.int64)
    return np.concatenate([*map(_word_slots, words), bigrams])


def _vector(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted slot indices, values) from feature occurrences: sublinear counts, L2-normalised."""
    if not len(slots):
        return slots, np.zeros(0)
    indices, counts = np.unique(slots, return_counts=True)
    values = 1.0 + np.log(counts)
    return indices, values / np.linalg.norm(values)


def vectorise(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Sparse features of a text: (sorted slot indices, values)."""
    return _vector(_slots(text))


def _sentences(body: str) -> list[str]:
    """The body's sentences (or lines) that hold words, at most MAX_SENTENCES of them."""
    sentences = (" ".join(part.split()) for part in _SENTENCE_END.split(body))
    return [sentence for sentence in sentences if _WORD.search(sentence)][:MAX_SENTENCES]


def _windows(count: int) -> list[tuple[int, int]]:
    """[start, end) of every run of PASSAGE_SENTENCES consecutive sentences (one run when there are fewer)."""
    width = min(PASSAGE_SENTENCES, count)
    return [(start, start + width) for start in range(count - width + 1)] if width else []


def passages(title: str, body: str) -> list[str]:
    """The title, then every window of up to PASSAGE_SENTENCES consecutive sentences of the body."""
    sentences = _sentences(body)
    heading = " ".join(title.split())
    return ([heading] if _WORD.search(heading) else []) + [
        " ".join(sentences[start:end]) for start, end in _windows(len(sentences))]


# ---------------------------------------------------------------------------------------------- model


class RelatednessModel:
    """A logistic regression trained on labelled examples; score() and explain() read documents with it."""

    def __init__(self, examples: Examples, cache: Path | None = None) -> None:
        """Train on `examples`; with a `cache` folder, fitted weights stored there for the same examples,
        numpy and scipy are read instead of training again (and stored after training)."""
        self.examples = examples
        self.fingerprint = examples_fingerprint(examples)
        self._vectors = [vectorise(item.text) for item in examples.items]
        cached = _cached_weights(cache, self.fingerprint) if cache else None
        if cached is None:
            labels = np.array([item.related for item in examples.items], dtype=float)
            cached = _train(self._vectors, labels)
            if cache:
                _store_weights(cache, self.fingerprint, *cached)
        self.weights, self.bias = cached

    def probability(self, vector: tuple[np.ndarray, np.ndarray]) -> float:
        """The model's probability that a passage with these features is related."""
        indices, values = vector
        margin = float(self.weights[indices] @ values) + self.bias
        return 1.0 / (1.0 + math.exp(-margin))

    def score_passages(self, title: str, body: str) -> list[_Passage]:
        """Every passage of a document with its probability, in document order."""
        sentences = _sentences(body)
        slots = [_slots(sentence) for sentence in sentences]  # each sentence is read once, whatever its windows
        texts = [" ".join(sentences[start:end]) for start, end in _windows(len(sentences))]
        vectors = [_vector(np.concatenate(slots[start:end])) for start, end in _windows(len(sentences))]
        heading = " ".join(title.split())
        if _WORD.search(heading):
            texts.insert(0, heading)
            vectors.insert(0, vectorise(heading))
        return [_Passage(text, self.probability(vector), vector) for text, vector in zip(texts, vectors, strict=True)]

    def score(self, title: str, body: str) -> Relatedness:
        """A document's relatedness: the probability of its title and body read as one text.

        A related document also gets its reason: the passage (title, or window of sentences) that scores highest.
        """
        score = round(self.probability(vectorise(f"{title}\n{body}")), 4)
        related = score >= THRESHOLD
        return Relatedness(score, related, self.best_passage(title, body) if related else "", self.fingerprint)

    def best_passage(self, title: str, body: str) -> str:
        """The passage that scores highest, shortened to PASSAGE_CHARS; every window is scored in a few array
        operations (the same figures as score_passages)."""
        sentences = _sentences(body)
        windows = _windows(len(sentences))
        texts = [" ".join(sentences[start:end]) for start, end in windows]
        probabilities = list(self._window_probabilities([_slots(sentence) for sentence in sentences], windows))
        heading = " ".join(title.split())
        if _WORD.search(heading):
            texts.insert(0, heading)
            probabilities.insert(0, self.probability(vectorise(heading)))
        return _shorten(texts[int(np.argmax(probabilities))], PASSAGE_CHARS) if texts else ""

    def _window_probabilities(self, slots: list[np.ndarray], windows: list[tuple[int, int]]) -> np.ndarray:
        """The probability of each window of sentences, from each sentence's feature occurrences."""
        from scipy.sparse import csr_matrix

        if not windows:
            return np.zeros(0)
        lengths = [len(sentence) for sentence in slots]
        columns, inverse = np.unique(np.concatenate(slots), return_inverse=True)
        rows = np.repeat(np.arange(len(slots)), lengths)
        counts = csr_matrix((np.ones(len(rows)), (rows, inverse)), shape=(len(slots), len(columns)))
        starts = np.array([start for start, _ in windows])
        width = windows[0][1] - windows[0][0]
        spans = csr_matrix((np.ones(len(windows) * width), (np.repeat(np.arange(len(windows)), width),
                                                              (starts[:, None] + np.arange(width)).ravel())),
                           shape=(len(windows), len(slots)))
        values = (spans @ counts).tocsr()
        values.data = 1.0 + np.log(values.data)
        norms = np.sqrt(np.asarray(values.multiply(values).sum(axis=1)).ravel())
        margins = (values @ self.weights[columns]) / np.where(norms > 0, norms, 1.0) + self.bias
        return 1.0 / (1.0 + np.exp(-margins))

    def nearest(self, vector: tuple[np.ndarray, np.ndarray], count: int) -> list[tuple[float, Example]]:
        """The `count` labelled examples most similar (cosine) to a passage, most similar first."""
        indices, values = vector
        similarities = []
        for (other_indices, other_values), example in zip(self._vectors, self.examples.items, strict=True):
            _, mine, theirs = np.intersect1d(indices, other_indices, assume_unique=True, return_indices=True)
            similarities.append((float(values[mine] @ other_values[theirs]), example))
        similarities.sort(key=lambda pair: -pair[0])
        return similarities[:count]

    def explain(self, title: str, body: str, *, passages_shown: int = 3, examples_shown: int = 3) -> list[str]:
        """Lines saying what the score is, which passages carried it and which labelled examples they resemble."""
        scored = self.score_passages(title, body)
        result = self.score(title, body)
        lines = [f"examples: {self.examples.source} ({len(self.examples.items)} labelled, fingerprint "
                 f"{self.fingerprint[:12]})",
                 f"related score: {result.score:.2f} (threshold {THRESHOLD}): "
                 + ("related" if result.related else "not related")]
        if not scored:
            return [*lines, "  the document has no words to score"]
        ranked = sorted(scored, key=lambda passage: -passage.probability)
        lines.append("passages that carried the score (highest first):")
        lines += [f"  {passage.probability:.2f}  {_shorten(passage.text, PASSAGE_CHARS)}"
                  for passage in ranked[:passages_shown]]
        lines.append("closest labelled examples to the best passage:")
        for similarity, example in self.nearest(ranked[0].vector, examples_shown):
            label = "related" if example.related else "not_related"
            lines.append(f"  {similarity:.2f}  [[{label}]] line {example.line}: {_shorten(example.text, 160)}")
        return lines


def _train(vectors: list[tuple[np.ndarray, np.ndarray]], labels: np.ndarray,
           penalty: float = REGULARISATION) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression fitted by L-BFGS from zero weights (deterministic)."""
    from scipy.optimize import minimize  # loaded when a model is first trained, not on import
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(vectors)), [len(indices) for indices, _ in vectors])
    columns = np.concatenate([indices for indices, _ in vectors])
    data = np.concatenate([values for _, values in vectors])
    matrix = csr_matrix((data, (rows, columns)), shape=(len(vectors), DIMENSIONS))
    used = np.unique(columns)  # only slots some example has can get a weight: optimise those alone
    compact = matrix[:, used]

    def loss(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        """Negative log-likelihood plus the L2 penalty, and its gradient."""
        weights, bias = parameters[:-1], parameters[-1]
        margins = compact @ weights + bias
        probabilities = 1.0 / (1.0 + np.exp(-margins))
        value = np.sum(np.logaddexp(0.0, margins) - labels * margins) + penalty / 2 * weights @ weights
        error = probabilities - labels
        gradient = np.append(compact.T @ error + penalty * weights, error.sum())
        return float(value), gradient

    fitted = minimize(loss, np.zeros(len(used) + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    weights = np.zeros(DIMENSIONS)
    weights[used] = fitted.x[:-1]
    return weights, float(fitted.x[-1])


def _shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@cache
def default_model() -> RelatednessModel:
    """The model trained from the bundled examples file, built once per process (its weights cached on disk)."""
    return RelatednessModel(load_examples(), cache=cache_folder())


def cache_folder() -> Path:
    """Where fitted weights are kept: $UNIONWATCH_CACHE, else $XDG_CACHE_HOME/unionwatch (~/.cache/unionwatch)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "unionwatch"


def _weights_path(folder: Path, fingerprint: str) -> Path:
    """The cache file of one examples fingerprint, under this training's settings and this numpy and scipy
    (L-BFGS may differ across them)."""
    settings = f"{fingerprint}:{REGULARISATION}:{DIMENSIONS}:{CHAR_NGRAMS}:{np.__version__}:{version('scipy')}"
    key = hashlib.sha256(settings.encode()).hexdigest()[:32]
    return folder / f"related-weights-{key}.npz"


def _cached_weights(folder: Path, fingerprint: str) -> tuple[np.ndarray, float] | None:
    """Weights stored for `fingerprint`, or None when there are none or they cannot be read."""
    try:
        with np.load(_weights_path(folder, fingerprint)) as stored:
            weights = np.zeros(DIMENSIONS)
            weights[stored["slots"]] = stored["weights"]
            return weights, float(stored["bias"])
    except (OSError, ValueError, KeyError, IndexError):
        return None


def _store_weights(folder: Path, fingerprint: str, weights: np.ndarray, bias: float) -> None:
    """Keep fitted weights for later processes; a folder that cannot be written only costs the next a training."""
    slots = np.flatnonzero(weights)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as handle:
            np.savez(handle, slots=slots, weights=weights[slots], bias=np.float64(bias))
    except OSError:
        return
    os.replace(handle.name, _weights_path(folder, fingerprint))  # whole or not at all, whoever writes last


def load_model(path: Path | None = None) -> RelatednessModel:
    """The model of an examples file; the bundled one is trained once per process."""
    return default_model() if path is None or Path(path).resolve() == EXAMPLES_PATH.resolve() else (
        RelatednessModel(load_examples(path)))
