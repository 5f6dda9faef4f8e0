"""Refine extracted documents: dedupe, clean, canonicalise, fingerprint, classify and score their relatedness."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from records import MOTION, Document
from records.urls import canonical_url
from transforms.classify import Classification, Rules, classify
from transforms.dedupe import content_hash, dedupe
from transforms.normalize import clean_text, title_from_text
from transforms.related import Relatedness, RelatednessModel, default_model

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Refined:
    """A cleaned document with its version fingerprint, classification (None when not flagged) and relatedness."""

    document: Document
    content_hash: str
    classification: Classification | None
    relatedness: Relatedness | None = None


def _clean(doc: Document) -> Document:
    """A copy of `doc` with display-ready title and body and a canonical URL; an untitled post or article is
    titled by its first words (a motion always has a title: without one its page was misread)."""
    body = clean_text(doc.body)
    title = " ".join(clean_text(doc.title).split())
    return dataclasses.replace(
        doc,
        url=canonical_url(doc.url),
        title=title or (title_from_text(body) if doc.kind != MOTION else ""),
        body=body,
        labels=list(doc.labels),
    )


def refine(docs: list[Document], rules: Rules, model: RelatednessModel | None = None) -> list[Refined]:
    """Dedupe `docs` by document id, then clean, fingerprint, classify and score each one.

    `model` scores relatedness; by default the one trained from the bundled examples (built once per process).
    """
    return refine_each(dedupe(docs), rules, model)


def refine_each(docs: list[Document], rules: Rules, model: RelatednessModel | None = None,
                scored: Mapping[str, str] | None = None) -> list[Refined]:
    """Clean, fingerprint, classify and score every one of `docs`, duplicates included (see `deduped`).

    `scored` maps document ids to the content hash whose relatedness the warehouse holds under this model's
    examples: a document refined to that same content is not scored again (its relatedness stays None, which
    the loader leaves as stored).
    """
    cleaned = [_clean(doc) for doc in docs]
    hashes = [content_hash(doc) for doc in cleaned]
    scored = scored or {}
    if any(scored.get(doc.document_id) != digest for doc, digest in zip(cleaned, hashes, strict=True)):
        model = model or default_model()
    # Title and body are clean_text output already (a title's lines joined with spaces stays so).
    return [Refined(doc, digest, classify(doc.title, doc.body, rules, cleaned=True),
                    None if scored.get(doc.document_id) == digest else model.score(doc.title, doc.body))
            for doc, digest in zip(cleaned, hashes, strict=True)]


def deduped(refined: Iterable[Refined]) -> list[Refined]:
    """One record per document id, as `dedupe` picks them: the last one wins, in the order ids were first seen.

    So `deduped(refine_each(docs))` is `refine(docs)`, and parts of a batch can be refined apart.
    """
    latest: dict[str, Refined] = {}
    for item in refined:
        latest[item.document.document_id] = item
    return list(latest.values())


def reclassify(rows: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A copy of staged rows (title, body, flag columns) with flags from `rules`, for rows held under older rules."""
    rows = rows.copy()
    for index, row in rows.iterrows():
        result = classify(row["title"], row["body"], rules)
        rows.at[index, "topics"] = list(result.topics) if result else None
        rows.at[index, "matched_terms"] = list(result.matched_terms) if result else None
        rows.at[index, "score"] = result.score if result else None
        rows.at[index, "snippet"] = result.snippet if result else None
    return rows
