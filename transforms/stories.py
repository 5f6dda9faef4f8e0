"""Story clusters: near-duplicate documents (reposts, lightly edited copies) grouped under their first document.

A document's text is reduced to word shingles (runs of `SHINGLE_WORDS` lower-cased words of its body; the
title is left out, as reposts retitle freely) and a MinHash signature of them (datasketch's affine32 MinHash,
computed here with numpy). Documents are taken in the order they were first seen; each one looks up earlier
documents sharing a band of its signature (LSH: bands of the signature as datasketch's MinHashLSH chooses them
for `CANDIDATE_JACCARD`, stored as hashes so the warehouse finds candidates with a join) and joins the story
of the earliest one it copies. A copy is judged by containment, the share of the shorter text's shingles found
in the longer one, estimated from the signatures and the shingle counts: an intro line, page furniture or a
dropped paragraph leave it high, while two press releases that only share a union's boilerplate stay low.
Texts with fewer than `MIN_SHINGLES` shingles are too short to judge and keep a story of their own.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
MIN_SHINGLES = 20
CANDIDATE_JACCARD = 0.4  # LSH threshold: pairs below it are rarely looked at
COPY_CONTAINMENT = 0.8  # a document joins a story when this share of the shorter text is in the other
COPY_JACCARD = 0.45  # and overlap this much overall: a short release inside shared boilerplate is no copy
WORD = re.compile(r"[^\W_]+")


# LSH bands and rows per band of the signature, as datasketch's MinHashLSH chooses them for CANDIDATE_JACCARD
# and NUM_PERM (a test holds them to its choice; computing it imports scipy.integrate).
LSH_BANDS = (32, 4)
MAX_HASH = np.uint32((1 << 32) - 1)  # the value of an empty signature
# MurmurHash3's 32-bit finalizer: shifts and multipliers.
FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The multipliers and offsets of datasketch's affine32 permutations for SEED (its MinHash draws the same)."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def lsh_bands() -> tuple[int, int]:
    """Bands and rows per band of the signature (32 of 4)."""
    return LSH_BANDS


@dataclass(frozen=True)
class Signature:
    """A text's MinHash values and how many distinct shingles it has."""

    hashvalues: np.ndarray  # uint32, NUM_PERM values
    shingles: int

    def to_bytes(self) -> bytes:
        """The hash values as little-endian bytes, for storage."""
        return self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingles: int) -> Signature:
        """The inverse of `to_bytes`."""
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), shingles)


@dataclass(frozen=True)
class Similarity:
    """How much two texts overlap: Jaccard of their shingle sets and containment of the shorter one."""

    jaccard: float
    containment: float

    @property
    def is_copy(self) -> bool:
        """True when one text is a copy of the other, give or take an intro, furniture or a paragraph."""
        return self.containment >= COPY_CONTAINMENT and self.jaccard >= COPY_JACCARD


@dataclass(frozen=True)
class Member:
    """A document's place in its story; `matched` is the earlier document it copies (None for a first one)."""

    document_id: str
    story_id: str
    position: int  # in first-seen order over all documents
    matched: str | None = None
    similarity: Similarity | None = None


def words(text: str) -> list[str]:
    """Lower-cased words of `text`: runs of letters and digits."""
    return WORD.findall(text.casefold())


def shingles(text: str) -> set[str]:
    """Every run of SHINGLE_WORDS consecutive words (a shorter text is one shingle)."""
    tokens = words(text)
    if len(tokens) <= SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    return set(map(" ".join, zip(*(tokens[i:] for i in range(SHINGLE_WORDS)), strict=False)))


def signature(text: str) -> Signature:
    """The MinHash signature of `text`'s shingles: datasketch's MinHash(num_perm=NUM_PERM, seed=SEED,
    scheme=SCHEME, hashfunc=zlib.crc32) of them, bit for bit, without its per-object overhead or its import.

    CRC-32 of each shingle's UTF-8 bytes as the base hash (one C call per shingle), mixed by MurmurHash3's
    finalizer, then each permutation a * h + b modulo 2**32 and the minimum per permutation.
    """
    found = shingles(text)
    if not found:
        return Signature(np.full(NUM_PERM, MAX_HASH, dtype=np.uint32), 0)
    hashed = np.fromiter(map(zlib.crc32, map(str.encode, found)), dtype=np.uint32, count=len(found))
    shift1, multiply1, shift2, multiply2, shift3 = FMIX32
    hashed ^= hashed >> shift1
    hashed *= multiply1
    hashed ^= hashed >> shift2
    hashed *= multiply2
    hashed ^= hashed >> shift3
    a, b = _permutations()
    return Signature((hashed[:, None] * a + b).min(axis=0), len(found))


def similarity(a: Signature, b: Signature) -> Similarity:
    """Estimated Jaccard and containment; the intersection follows from Jaccard and the two set sizes."""
    if not a.shingles or not b.shingles:
        return Similarity(0.0, 0.0)
    jaccard = float(np.count_nonzero(a.hashvalues == b.hashvalues)) / NUM_PERM
    shared = jaccard / (1 + jaccard) * (a.shingles + b.shingles)
    return Similarity(jaccard, min(1.0, shared / min(a.shingles, b.shingles)))


def exact_similarity(a: str, b: str) -> tuple[Similarity, list[str]]:
    """Exact overlap of two texts and the shingles they share, in `b`'s order (for `explain`)."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return Similarity(0.0, 0.0), []
    shared = first & second
    tokens = words(b)
    ordered = list(dict.fromkeys(" ".join(tokens[i:i + SHINGLE_WORDS]) for i in range(len(tokens))))
    return (Similarity(len(shared) / len(first | second), len(shared) / min(len(first), len(second))),
            [shingle for shingle in ordered if shingle in shared])


def explain(document_id: str, body: str, story_id: str, first_body: str, members: int, matched: str | None,
            estimate: Similarity | None) -> list[str]:
    """Why a document is in its story, in words: its estimate against the document it copies, and its exact
    overlap with the story's first document with some of the phrases they share."""
    if story_id == document_id:
        others = members - 1
        return [f"story: its own, as its first document; {others} cop{'y' if others == 1 else 'ies'} elsewhere"]
    lines = [f"story: {story_id} ({members} documents)"]
    if matched and estimate:
        lines.append(f"  joined as a copy of {matched}: estimated containment {estimate.containment:.2f}, "
                     f"Jaccard {estimate.jaccard:.2f} (a copy needs {COPY_CONTAINMENT} and {COPY_JACCARD})")
    exact, shared = exact_similarity(first_body, body)
    lines.append(f"  with the first document: {len(shared)} shared {SHINGLE_WORDS}-word phrases, containment "
                 f"{exact.containment:.2f}, Jaccard {exact.jaccard:.2f}")
    lines += [f'    "{phrase}"' for phrase in shared[:: max(1, len(shared) // 3)][:3]]
    return lines


def band_hashes(sig: Signature) -> list[int]:
    """One signed 64-bit hash per LSH band; two documents sharing one are candidates (none for short texts)."""
    if sig.shingles < MIN_SHINGLES:
        return []
    data = sig.to_bytes()
    bands, rows = lsh_bands()
    width = rows * 4
    return [int.from_bytes(hashlib.blake2b(data[band * width:(band + 1) * width], digest_size=8).digest(),
                           "little", signed=True) for band in range(bands)]


def cluster(ordered: Iterable[tuple[str, Signature]], candidates: Mapping[str, Iterable[str]],
            earlier: Iterable[tuple[Member, Signature]] = (), start: int = 0) -> list[Member]:
    """Assign stories to documents given in first-seen order; each joins the story of the earliest it copies.

    `candidates` maps a document to the documents sharing a band with it; `earlier` are documents placed
    before (the candidates among them suffice), and the new ones follow them from position `start`. The result
    for a document depends only on the documents before it, so later documents never move an earlier one, and
    recomputing from the same signatures gives the same stories.
    """
    ordered, earlier = list(ordered), list(earlier)
    placed = _Placed(len(ordered) + len(earlier))
    for member, sig in earlier:
        placed.add(member, sig)
    members: list[Member] = []
    for position, (document_id, sig) in enumerate(ordered, start):
        member = Member(document_id, document_id, position)
        if sig.shingles >= MIN_SHINGLES:
            member = _join(member, sig, candidates.get(document_id, ()), placed)
            placed.add(member, sig)
        members.append(member)
    return members


class _Placed:
    """Documents placed so far that later ones may copy, their signatures stacked in one array."""

    def __init__(self, capacity: int) -> None:
        self.rows: dict[str, int] = {}
        self.members: list[Member] = []
        self.signatures: list[Signature] = []
        self.hashvalues = np.empty((capacity, NUM_PERM), dtype=np.uint32)
        self.shingles = np.empty(capacity, dtype=np.float64)
        self.positions = np.empty(capacity, dtype=np.int64)

    def add(self, member: Member, sig: Signature) -> None:
        """Place one more document."""
        row = len(self.members)
        self.rows[member.document_id] = row
        self.members.append(member)
        self.signatures.append(sig)
        self.hashvalues[row], self.shingles[row], self.positions[row] = sig.hashvalues, sig.shingles, member.position


def _join(member: Member, sig: Signature, candidates: Iterable[str], placed: _Placed) -> Member:
    """`member` in the story of the earliest placed candidate it copies, or unchanged.

    Every candidate is judged at once (`_copies`); the one joined is then measured as `similarity` does.
    """
    rows = np.fromiter((placed.rows[c] for c in candidates if c in placed.rows), dtype=np.int64)
    if not len(rows):
        return member
    rows = rows[np.argsort(placed.positions[rows])]
    found = np.flatnonzero(_copies(sig, placed.hashvalues[rows], placed.shingles[rows]))
    if not len(found):
        return member
    row = int(rows[found[0]])
    earliest = placed.members[row]
    return Member(member.document_id, earliest.story_id, member.position, earliest.document_id,
                  similarity(sig, placed.signatures[row]))


def _copies(sig: Signature, hashvalues: np.ndarray, shingles: np.ndarray) -> np.ndarray:
    """For each row of other signatures (`hashvalues`, `shingles`), whether `similarity(sig, other).is_copy`:
    the same arithmetic, over arrays."""
    if not sig.shingles:
        return np.zeros(len(shingles), dtype=bool)
    jaccard = np.count_nonzero(hashvalues == sig.hashvalues, axis=1) / NUM_PERM
    shared = jaccard / (1 + jaccard) * (sig.shingles + shingles)
    with np.errstate(divide="ignore", invalid="ignore"):
        containment = np.minimum(1.0, shared / np.minimum(sig.shingles, shingles))
    return (shingles > 0) & (containment >= COPY_CONTAINMENT) & (jaccard >= COPY_JACCARD)


def candidate_pairs(ordered: Iterable[tuple[str, Signature]]) -> dict[str, set[str]]:
    """Documents sharing a band, in memory (the warehouse finds the same pairs with a join)."""
    buckets: dict[tuple[int, int], list[str]] = {}
    for document_id, sig in ordered:
        for band, value in enumerate(band_hashes(sig)):
            buckets.setdefault((band, value), []).append(document_id)
    found: dict[str, set[str]] = {}
    for bucket in buckets.values():
        for a in bucket:
            found.setdefault(a, set()).update(b for b in bucket if b != a)
    return found
