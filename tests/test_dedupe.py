"""Tests for transforms.dedupe (version fingerprints, one record per document) and its caller refine()."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from records import BLOG_POST, MOTION, Document
from transforms.classify import load_rules
from transforms.dedupe import content_hash, dedupe
from transforms.pipeline import refine


def motion(**changes: Any) -> Document:
    """A realistic motion record; keyword arguments override fields."""
    doc = Document(
        source_id="unison_motions",
        kind=MOTION,
        key="shared-services",
        url="https://www.unison.org.uk/motions/2008/local-government/shared-services/",
        title="Shared Services",
        body="Conference notes:\n\n1. that current government policies envisage shared services.",
        author=None,
        published_at=datetime(2008, 6, 12, tzinfo=UTC),
        conference="2008 Local Government Service Group Conference",
        decision="Carried",
        year=2008,
        group="local-government",
        labels=[],
        raw_sha256="a" * 64,
    )
    return dataclasses.replace(doc, **changes)


def test_content_hash_is_a_sha256_hex_digest() -> None:
    digest = content_hash(motion())
    assert len(digest) == 64 and int(digest, 16) >= 0


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "https://www.unison.org.uk/motions/2008/local-government/shared-services/?m=1"},
        {"raw_sha256": "b" * 64},
        {"raw_sha256": None},
        {"published_at": datetime(2008, 6, 12, 1, tzinfo=timezone(timedelta(hours=1)))},
    ],
)
def test_content_hash_ignores_where_and_how_the_version_was_fetched(changes: dict[str, Any]) -> None:
    assert content_hash(motion(**changes)) == content_hash(motion())


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Shared Services (amended)"},
        {"body": "Conference notes: shared services are expanding."},
        {"author": "Local Government SGE"},
        {"published_at": datetime(2008, 6, 13, tzinfo=UTC)},
        {"published_at": None},
        {"conference": "2009 Local Government Service Group Conference"},
        {"decision": "Carried as Amended"},
        {"labels": ["shared services"]},
    ],
)
def test_content_hash_changes_with_each_version_field(changes: dict[str, Any]) -> None:
    assert content_hash(motion(**changes)) != content_hash(motion())


def test_content_hash_ignores_label_order() -> None:
    assert content_hash(motion(labels=["cuts", "scotland"])) == content_hash(
        motion(labels=["scotland", "cuts"])
    )


def test_content_hash_does_not_confuse_field_boundaries() -> None:
    assert content_hash(motion(title="Shared", body="Services")) != content_hash(
        motion(title="Shared Services", body="")
    )


def test_dedupe_keeps_the_last_version_in_first_seen_order() -> None:
    first = motion(key="a", title="A v1")
    other = motion(key="b", title="B")
    newer = motion(key="a", title="A v2")
    elsewhere = motion(source_id="another_source", key="a", title="A elsewhere")
    assert dedupe([first, other, newer, elsewhere]) == [newer, other, elsewhere]


def test_dedupe_accepts_any_iterable_and_empty_input() -> None:
    assert dedupe(iter([])) == []
    assert dedupe(motion(key=k) for k in "abc") == [motion(key="a"), motion(key="b"), motion(key="c")]


# refine() is dedupe's one caller: it dedupes, then cleans, fingerprints and classifies.


def test_refine_dedupes_cleans_fingerprints_and_classifies() -> None:
    post = Document(
        source_id="unisonactive",
        kind=BLOG_POST,
        key="123",
        url="http://unisonactive.blogspot.it/2009/12/drive.html?m=1#comments",
        title="  Drive for shared services and\n'back office' staffing\u00a0reducations  ",
        body="Key to government promises:\r\n\r\n\r\n1)Reduce back office costs&nbsp;by 20%",
        labels=["cuts"],
    )
    old_motion = motion(title="Old title")
    unrelated = motion(key="pay", title="Pay", body="Conference notes that pay has fallen behind inflation.")
    refined = refine([old_motion, post, unrelated, motion()], load_rules())

    assert [r.document.document_id for r in refined] == [
        "unison_motions:shared-services",
        "unisonactive:123",
        "unison_motions:pay",
    ]
    cleaned = refined[1].document
    assert cleaned.url == "http://unisonactive.blogspot.com/2009/12/drive.html"
    assert cleaned.title == "Drive for shared services and 'back office' staffing reducations"
    assert cleaned.body == "Key to government promises:\n\n1) Reduce back office costs by 20%"
    assert refined[1].content_hash == content_hash(cleaned)
    assert refined[1].classification is not None
    assert refined[1].classification.topics == ("back_office_cuts", "shared_services")
    assert refined[0].document.title == "Shared Services"
    assert refined[2].classification is None
    assert post.title.startswith("  Drive")  # the input records are left untouched


def test_refine_gives_cosmetic_variants_the_same_hash() -> None:
    rules = load_rules()
    tidy = refine([motion()], rules)[0]
    messy_doc = motion(title=" Shared\u00a0Services ", body=motion().body.replace("\n", "\r\n"))
    messy = refine([messy_doc], rules)[0]
    assert messy.content_hash == tidy.content_hash
