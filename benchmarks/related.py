"""Relatedness quality and speed: `python -m benchmarks.related` prints precision, recall and documents/s.

The evaluation set is benchmarks/related_eval.toml (written for it; none of its items is a training example).
A document counts as related when the topic rules flag it or its score reaches the threshold, as in the
`documents` view. The suite requires precision >= 0.9 and recall >= 0.8 on it (tests/test_related.py).

`--compare` also runs the alternatives the method was chosen against (benchmarks/RESULTS.md): the same
features scored on whole documents instead of passages, nearest labelled example, the topic rules alone, and,
when scikit-learn is installed (it is not a dependency), TF-IDF word and character n-grams with scikit-learn's
logistic regression.
"""

from __future__ import annotations

import argparse
import html
import re
import resource
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transforms.classify import Rules, classify, load_rules
from transforms.related import THRESHOLD, RelatednessModel, load_examples, passages, vectorise

EVAL_PATH = Path(__file__).with_name("related_eval.toml")
LABELS = ("related", "near_miss", "unrelated")
SPEED_DOCS = 1000
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Item:
    """One labelled document of the evaluation set."""

    id: str
    label: str
    title: str
    body: str

    @property
    def related(self) -> bool:
        """True when a careful reader would call it related."""
        return self.label == "related"


@dataclass(frozen=True)
class Figures:
    """Precision and recall of one method on the evaluation set, and what it got wrong."""

    method: str
    precision: float
    recall: float
    false_positives: tuple[str, ...]
    false_negatives: tuple[str, ...]

    def line(self) -> str:
        """The figures on one line."""
        return (f"{self.method}: precision {self.precision:.3f}, recall {self.recall:.3f}"
                f"{'; false positives: ' + ', '.join(self.false_positives) if self.false_positives else ''}"
                f"{'; missed: ' + ', '.join(self.false_negatives) if self.false_negatives else ''}")


def load_eval(path: Path = EVAL_PATH) -> list[Item]:
    """The labelled evaluation documents."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    items = [Item(entry["id"], entry["label"], entry["title"], entry["body"].strip()) for entry in data["item"]]
    bad = [item.id for item in items if item.label not in LABELS]
    if bad:
        raise ValueError(f"{path.name}: unknown label in {bad}; use one of {LABELS}")
    return items


def evaluate(method: str, items: list[Item], decide: Callable[[Item], bool]) -> Figures:
    """Precision and recall of `decide` over `items` (related is the positive class)."""
    decided = {item.id: decide(item) for item in items}
    true_positives = sum(1 for item in items if item.related and decided[item.id])
    predicted = sum(decided.values())
    actual = sum(1 for item in items if item.related)
    return Figures(method, true_positives / predicted if predicted else 0.0, true_positives / actual,
                   tuple(item.id for item in items if decided[item.id] and not item.related),
                   tuple(item.id for item in items if item.related and not decided[item.id]))


def flagged(rules: Rules) -> Callable[[Item], bool]:
    """Whether the topic rules flag an item."""
    return lambda item: classify(item.title, item.body, rules) is not None


def chosen(model: RelatednessModel, rules: Rules) -> Callable[[Item], bool]:
    """unionwatch's decision: flagged, or the model's score for the whole document reaches the threshold."""
    is_flagged = flagged(rules)
    return lambda item: is_flagged(item) or model.score(item.title, item.body).related


def best_passage(model: RelatednessModel, rules: Rules) -> Callable[[Item], bool]:
    """The same model, scoring a document by its best passage (title, or three consecutive sentences)."""
    is_flagged = flagged(rules)
    return lambda item: is_flagged(item) or max(
        (passage.probability for passage in model.score_passages(item.title, item.body)), default=0.0) >= THRESHOLD


def nearest_example(model: RelatednessModel, rules: Rules) -> Callable[[Item], bool]:
    """Related when the labelled example nearest to any passage is a related one."""
    is_flagged = flagged(rules)

    def decide(item: Item) -> bool:
        """The label of the most similar example over all passages."""
        best = max((pair for text in passages(item.title, item.body)
                    for pair in model.nearest(vectorise(text), 1)), key=lambda pair: pair[0])
        return is_flagged(item) or best[1].related
    return decide


def sklearn_tfidf(rules: Rules) -> Callable[[Item], bool] | None:
    """TF-IDF word 1-2-grams and character 3-5-grams, scikit-learn logistic regression, scored by passage."""
    try:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None
    examples = load_examples().items
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    texts = [example.text for example in examples]
    classifier = LogisticRegression(C=10.0, max_iter=1000)
    classifier.fit(hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr(),
                   [example.related for example in examples])
    is_flagged = flagged(rules)

    def decide(item: Item) -> bool:
        """The best passage's probability against the threshold."""
        parts = passages(item.title, item.body)
        features = hstack([words.transform(parts), chars.transform(parts)]).tocsr()
        return is_flagged(item) or classifier.predict_proba(features)[:, 1].max() >= THRESHOLD
    return decide


def cross_validate(folds: int = 10) -> list[str]:
    """Precision and recall of each penalty and threshold in `folds`-fold cross-validation on the training
    examples alone: how REGULARISATION and THRESHOLD were chosen without looking at the evaluation set."""
    import numpy as np

    from transforms.related import _train

    examples = load_examples().items
    vectors = [vectorise(example.text) for example in examples]
    labels = np.array([example.related for example in examples], dtype=float)
    lines = []
    for penalty in (1.0, 0.3, 0.1, 0.03):
        probabilities = np.zeros(len(examples))
        for fold in range(folds):
            held = [k for k in range(len(examples)) if k % folds == fold]
            kept = [k for k in range(len(examples)) if k % folds != fold]
            weights, bias = _train([vectors[k] for k in kept], labels[kept], penalty)
            for k in held:
                indices, values = vectors[k]
                probabilities[k] = 1.0 / (1.0 + np.exp(-(weights[indices] @ values + bias)))
        for threshold in (0.4, 0.5, 0.6):
            chosen_ = probabilities >= threshold
            hits = float((chosen_ & (labels == 1)).sum())
            lines.append(f"  penalty {penalty:<4} threshold {threshold}: precision {hits / max(chosen_.sum(), 1):.2f}, "
                         f"recall {hits / labels.sum():.2f}")
    return lines


def speed_corpus(count: int = SPEED_DOCS) -> list[tuple[str, str]]:
    """(title, body) of the first `count` synthetic benchmark documents: 1-4 KB of union prose each."""
    from benchmarks.synthetic import build_corpus

    corpus = build_corpus(count)
    documents = []
    for item in corpus.items():
        body = "\n\n".join(item.body) if hasattr(item, "body") else html.unescape(_TAG.sub("\n", item.body_html))
        documents.append((item.title, body))
    return documents[:count]


def documents_per_second(model: RelatednessModel, documents: list[tuple[str, str]]) -> float:
    """How many documents one thread scores per second (after the model is built)."""
    started = time.process_time()
    for title, body in documents:
        model.score(title, body)
    return len(documents) / (time.process_time() - started)


def passages_per_second(model: RelatednessModel, documents: list[tuple[str, str]]) -> float:
    """How many documents one thread scores per second by their best passage."""
    started = time.process_time()
    for title, body in documents:
        model.score_passages(title, body)
    return len(documents) / (time.process_time() - started)


def main(argv: list[str] | None = None) -> int:
    """Print the evaluation figures (and, with --compare, the alternatives') and the scoring speed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.related", description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="also run the alternative methods")
    parser.add_argument("--cross-validate", action="store_true",
                        help="print 10-fold cross-validation on the training examples per penalty and threshold")
    parser.add_argument("--speed-docs", type=int, default=SPEED_DOCS, help="synthetic documents timed")
    args = parser.parse_args(argv)
    items, rules = load_eval(), load_rules()
    documents = speed_corpus(args.speed_docs)
    import scipy.optimize  # noqa: F401  loaded in every ingest by Great Expectations: not the model's cost
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = RelatednessModel(load_examples())
    trained = time.perf_counter() - started
    rate = documents_per_second(model, documents)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before) / 1024
    counts = {label: sum(1 for item in items if item.label == label) for label in LABELS}
    print(f"evaluation set: {len(items)} documents ({', '.join(f'{n} {label}' for label, n in counts.items())}); "
          f"{len(model.examples.items)} training examples; trained in {trained:.2f} s")
    print(evaluate("chosen: hashed word+char n-grams, logistic regression, whole document", items,
                   chosen(model, rules)).line())
    print(f"speed: {rate:.0f} documents/s on one core ({len(documents)} synthetic documents, "
          f"{sum(len(body) for _, body in documents) / len(documents):.0f} characters of body on average); "
          f"peak memory grew {grown:.0f} MB while training and scoring")
    if args.compare:
        print(evaluate("topic rules alone", items, flagged(rules)).line())
        print(evaluate("same model, best passage", items, best_passage(model, rules)).line())
        print(f"  best passage: {passages_per_second(model, documents):.0f} documents/s on one core")
        print(evaluate("nearest labelled example", items, nearest_example(model, rules)).line())
        alternative = sklearn_tfidf(rules)
        if alternative is None:
            print("scikit-learn TF-IDF + logistic regression: skipped (scikit-learn is not installed)")
        else:
            print(evaluate("scikit-learn TF-IDF word+char, logistic regression, best passage", items,
                           alternative).line())
    if args.cross_validate:
        print("cross-validation on the training examples (each example one passage):")
        print("\n".join(cross_validate()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
