"""Story clusters: the labelled evaluation, stories kept in a real warehouse, and one alert per story."""

from __future__ import annotations

import random
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from html import escape as escaped
from pathlib import Path

import feedparser
import numpy as np
import pytest
from alerts_support import SmtpReceiver, baseline, load, post, write_config

from alerts import run_alerts
from alerts.render import AGAIN_SECTION
from benchmarks.stories_data import BOILERPLATE, FURNITURE_BOTTOM, INTROS, RELEASES, body
from benchmarks.stories_eval import TARGET, evaluate
from flows.cli import main
from transforms import stories
from transforms.stories import Member, Signature, cluster, exact_similarity, signature, similarity
from warehouse.db import connect, transaction
from warehouse.migrate import migrate
from warehouse.outbox import COPY_OF_STORY, due_items, enqueue, register_subscription
from warehouse.stories import refresh_stories

PAYROLL = body(RELEASES["payroll"][1])
REPOST = f"{INTROS['payroll']}\n\n{PAYROLL}\n\n{FURNITURE_BOTTOM}"
PROCUREMENT = body(RELEASES["procurement"][1])
NOW = datetime.now(UTC)


def stories_of(db_path: Path) -> dict[str, str]:
    with connect(db_path) as con:
        return dict(con.execute("SELECT document_id, story_id FROM documents").fetchall())


def test_the_labelled_set_is_clustered_above_target() -> None:
    scores, _ = evaluate()
    assert scores.precision >= TARGET, f"pairwise precision {scores.precision:.3f}"
    assert scores.recall >= TARGET, f"pairwise recall {scores.recall:.3f}"


def test_a_repost_behind_an_intro_is_a_copy_and_shared_boilerplate_is_not() -> None:
    assert similarity(signature(PAYROLL), signature(REPOST)).is_copy
    assert not similarity(signature(PAYROLL), signature(PROCUREMENT)).is_copy
    exact, shared = exact_similarity(PAYROLL, PROCUREMENT)
    assert exact.containment < 0.3 and any("largest union" in phrase for phrase in shared)
    assert BOILERPLATE in PAYROLL and BOILERPLATE in PROCUREMENT


def test_each_document_joins_the_earliest_candidate_it_copies_by_the_pairwise_measure() -> None:
    # Candidates are judged all at once; the decision must be the pairwise `similarity(...).is_copy`, right at
    # the thresholds too: signatures agreeing on k of 128 values, with set sizes around the containment bound.
    base = signature(PAYROLL).hashvalues
    first = Signature(base, 100)
    others = []
    for agreeing in range(40, 129, 4):
        for size in (20, 64, 80, 100, 125, 126, 400):
            values = base.copy()
            values[agreeing:] ^= 1
            others.append((f"o{agreeing}-{size}", Signature(values, size)))
    earlier = [(Member(document_id, document_id, position), sig) for position, (document_id, sig)
               in enumerate(others)]
    expected = next(((document_id, similarity(first, sig)) for document_id, sig in others
                     if similarity(first, sig).is_copy), None)
    assert expected is not None and any(not similarity(first, sig).is_copy for _, sig in others)
    [member] = cluster([("new", first)], {"new": [document_id for document_id, _ in reversed(others)]}, earlier,
                       len(others))
    assert (member.matched, member.similarity) == expected and member.story_id == expected[0]


def test_copies_join_the_first_documents_story_and_later_ones_never_move_it(db_path: Path) -> None:
    load(db_path, [post("news", "payroll", "Union warns merged payroll plan", published=NOW - timedelta(days=2),
                        body=PAYROLL),
                   post("news", "procurement", "Procurement hub", published=NOW - timedelta(days=1),
                        body=PROCUREMENT)])
    refresh_stories(db_path)
    load(db_path, [post("blog", "repost", "No to this plan", published=NOW, body=REPOST)])
    refresh_stories(db_path)
    assert stories_of(db_path) == {"news:payroll": "news:payroll", "news:procurement": "news:procurement",
                                   "blog:repost": "news:payroll"}
    with connect(db_path) as con:
        rows = con.execute("SELECT story_id, documents, copy_count, sources, copies FROM stories "
                           "ORDER BY story_id").fetchall()
    assert [row[:4] for row in rows] == [("news:payroll", 2, 1, 2), ("news:procurement", 1, 0, 1)]
    copy = rows[0][4][0]
    assert (copy["document_id"], copy["source_id"], copy["url"]) == (
        "blog:repost", "blog", "https://blog.example.org/repost.html")


def test_recomputing_from_scratch_gives_the_same_stories(db_path: Path) -> None:
    load(db_path, [post("news", "payroll", "Payroll", published=NOW - timedelta(days=1), body=PAYROLL)])
    refresh_stories(db_path)
    load(db_path, [post("blog", "repost", "Repost", published=NOW, body=REPOST),
                   post("blog", "other", "Other", published=NOW, body=PROCUREMENT)])
    assert refresh_stories(db_path).signed == 2, "only the new documents are signed"
    with connect(db_path) as con:
        before = con.execute("SELECT * FROM story_members ORDER BY document_id").fetchall()
        con.execute("DELETE FROM story_members; DELETE FROM story_signatures; DELETE FROM story_bands")
    assert refresh_stories(db_path).signed == 3
    with connect(db_path) as con:
        assert con.execute("SELECT * FROM story_members ORDER BY document_id").fetchall() == before
    assert refresh_stories(db_path).signed == 0, "a quiet refresh signs nothing"


def test_an_edit_that_rewrites_a_copy_takes_it_out_of_the_story(db_path: Path) -> None:
    load(db_path, [post("news", "payroll", "Payroll", published=NOW - timedelta(days=1), body=PAYROLL)])
    load(db_path, [post("blog", "repost", "Repost", published=NOW, body=REPOST)])
    refresh_stories(db_path)
    assert stories_of(db_path)["blog:repost"] == "news:payroll"
    load(db_path, [post("blog", "repost", "Repost", published=NOW, body=PROCUREMENT)])
    assert refresh_stories(db_path).signed == 1
    assert stories_of(db_path)["blog:repost"] == "blog:repost"


def queue(db_path: Path, now: datetime) -> tuple[int, int]:
    with connect(db_path) as con, transaction(con):
        register_subscription(con, "s", "email", "immediate", now)
        return enqueue(con, "s", topics=None, sources=None, window_start=now - timedelta(days=90), now=now)


def outbox(db_path: Path) -> dict[str, tuple[str, str | None]]:
    with connect(db_path) as con:
        return {doc: (status, reason) for doc, status, reason in con.execute(
            "SELECT document_id, status, reason FROM alert_outbox").fetchall()}


def test_one_alert_per_story_names_its_copies_and_later_copies_join_silently(db_path: Path) -> None:
    with connect(db_path) as con:
        migrate(con)
    queue(db_path, NOW - timedelta(days=1))
    baseline(db_path, ("news", "blog", "wp"))  # what later runs find is news
    load(db_path, [post("news", "payroll", "Union warns merged payroll plan", published=NOW - timedelta(hours=2),
                        body=PAYROLL),
                   post("blog", "repost", "No to this plan", published=NOW - timedelta(hours=1), body=REPOST)])
    refresh_stories(db_path)
    assert queue(db_path, NOW) == (1, 1)
    assert outbox(db_path) == {"news:payroll": ("pending", None), "blog:repost": ("skipped", COPY_OF_STORY)}
    with connect(db_path) as con:
        [item] = due_items(con, "s")
    assert [(a.document_id, a.url) for a in item.also_at] == [("blog:repost", "https://blog.example.org/repost.html")]
    load(db_path, [post("wp", "edited", "Branch news", published=NOW, body=PAYROLL.replace("Dundee", "the city"))])
    refresh_stories(db_path)
    assert queue(db_path, NOW + timedelta(minutes=5)) == (0, 1)
    assert outbox(db_path)["wp:edited"] == ("skipped", COPY_OF_STORY)


def test_explain_shows_the_story_and_why_a_copy_joined(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load(db_path, [post("news", "payroll", "Union warns merged payroll plan", published=NOW - timedelta(days=1),
                        body=PAYROLL)])
    load(db_path, [post("blog", "repost", "No to this plan", published=NOW, body=REPOST)])
    refresh_stories(db_path)
    capsys.readouterr()  # only what explain prints below
    assert main(["explain", "https://blog.example.org/repost.html", "--db", str(db_path)]) == 0
    copy = capsys.readouterr().out
    assert "story: news:payroll (2 documents)" in copy
    assert "joined as a copy of news:payroll: estimated containment" in copy
    assert "with the first document:" in copy and '"' in copy.split("with the first document:")[1]
    assert main(["explain", "news:payroll", "--db", str(db_path)]) == 0
    first = capsys.readouterr().out
    assert "story: its own, as its first document; 1 copy elsewhere" in first


THREE_BLOGS = "".join(f'[[sources]]\nid = "{id}"\nkind = "blogger"\nname = "{name}"\nurl = "http://127.0.0.1:9/"\n\n'
                      for id, name in (("news", "News"), ("blog", "Branch blog"), ("wp", "WP <b>branch</b>")))
DIGEST = '[[subscriptions]]\nid = "s"\nchannel = "email"\nto = "a@example.org"\nmode = "digest"\nhour = 8\n'
HOSTILE_TITLE = "<script>alert(1)</script> Union warns merged payroll plan"
HOSTILE_KEY = 'later"><img src=x onerror=alert(2)>'




def test_a_copy_found_after_its_story_was_sent_is_listed_once_in_the_next_digest_that_arrives(
        db_path: Path, tmp_path: Path, smtp: SmtpReceiver) -> None:
    config = write_config(tmp_path, DIGEST, sources=THREE_BLOGS)
    start = datetime.now(UTC) - timedelta(minutes=1)
    run_alerts(db_path, config, now=start)  # the subscription is first seen
    baseline(db_path, ("news", "blog", "wp"))
    load(db_path, [post("news", "payroll", HOSTILE_TITLE, published=start, body=PAYROLL)])
    load(db_path, [post("blog", "repost", "No to this plan", published=start, body=REPOST)])
    refresh_stories(db_path)
    [first] = run_alerts(db_path, config, now=start + timedelta(days=1)).deliveries
    assert (first.kind, first.document_ids) == ("digest", ("news:payroll",))
    first_text = smtp.mails[0].message.get_body(("plain",)).get_content()
    assert "Also appeared at:" in first_text and AGAIN_SECTION not in first_text

    load(db_path, [post("wp", HOSTILE_KEY, "Branch news", published=start + timedelta(days=1),
                        body=PAYROLL.replace("Dundee", "the city"))])
    refresh_stories(db_path)
    smtp.refuse.append("451 4.3.0 Try again later")
    [refused] = run_alerts(db_path, config, now=start + timedelta(days=2)).deliveries
    assert (refused.status, len(smtp.mails)) == ("retry", 1)
    [second] = run_alerts(db_path, config, now=start + timedelta(days=3)).deliveries
    assert (second.kind, second.status, second.document_ids) == ("digest", "sent", ())
    mail = smtp.mails[1].message
    assert mail["Subject"].endswith(": 0 new items, 1 sent earlier seen again")
    text = mail.get_body(("plain",)).get_content()
    section = text.split(f"== {AGAIN_SECTION} (1) ==")[1]
    assert HOSTILE_TITLE in section and "https://news.example.org/payroll.html" in section
    with connect(db_path) as con:
        [copy_url] = con.execute("SELECT url FROM documents WHERE source_id = 'wp'").fetchone()
    assert f"  - WP <b>branch</b>: {copy_url}" in section.splitlines()
    assert "repost" not in section, "a copy the first digest named is not listed again"
    html = mail.get_body(("html",)).get_content()
    assert "<script" not in html and "<img" not in html and "<b>branch" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Union warns" in html
    assert f'<a href="{escaped(copy_url)}">WP &lt;b&gt;branch&lt;/b&gt;</a>' in html

    assert run_alerts(db_path, config, now=start + timedelta(days=4)).deliveries == [], "nothing is listed twice"
    assert len(smtp.mails) == 2
    with connect(db_path) as con:
        status, reason, listed = con.execute("SELECT status, reason, sent_at IS NOT NULL FROM alert_outbox "
                                             "WHERE document_id LIKE 'wp:%'").fetchone()
    assert (status, reason, listed) == ("skipped", COPY_OF_STORY, True)


def test_an_atom_entry_names_the_places_its_story_appeared_as_of_the_last_rewrite(db_path: Path,
                                                                                  tmp_path: Path) -> None:
    config = write_config(tmp_path, '[[subscriptions]]\nid = "feed"\nchannel = "atom"\npath = "uw.atom"\n',
                          sources=THREE_BLOGS)
    start = datetime.now(UTC) - timedelta(minutes=1)
    run_alerts(db_path, config, now=start)
    baseline(db_path, ("news", "blog", "wp"))
    load(db_path, [post("news", "payroll", HOSTILE_TITLE, published=start, body=PAYROLL)])
    refresh_stories(db_path)
    run_alerts(db_path, config, now=start + timedelta(minutes=5))
    [entry] = feedparser.parse(str(tmp_path / "uw.atom")).entries
    assert "Also appeared at" not in entry.summary
    load(db_path, [post("wp", "later", "Branch news", published=start, body=PAYROLL.replace("Dundee", "the city")),
                   post("blog", "other", "Procurement hub", published=start)])
    refresh_stories(db_path)
    run_alerts(db_path, config, now=start + timedelta(minutes=10))
    entries = {e.title: e for e in feedparser.parse(str(tmp_path / "uw.atom")).entries}
    assert set(entries) == {HOSTILE_TITLE, "Procurement hub"}, "the later copy is no entry of its own"
    summary = entries[HOSTILE_TITLE].summary
    assert 'Also appeared at: <a href="https://wp.example.org/later.html">WP &lt;b&gt;branch&lt;/b&gt;</a>' in summary


def test_signatures_are_datasketch_minhashes_bit_for_bit() -> None:
    # transforms.stories computes datasketch's MinHash (affine32, CRC-32 base hash) itself; stored signatures and
    # band hashes of earlier runs must stay valid, so every value must match the library's.
    from datasketch import MinHash, MinHashLSH

    template = MinHash(num_perm=stories.NUM_PERM, seed=stories.SEED, scheme=stories.SCHEME, hashfunc=zlib.crc32)
    rng = random.Random(17)
    vocabulary = [*PAYROLL.split()[:60], "café", "naïve", "Straße", "東京", "back-office", "2024", "UNISON"]
    texts = ["", "one", "too short to shingle", PAYROLL, REPOST, PROCUREMENT] + [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 400))) for _ in range(300)]
    for text in texts:
        found = stories.shingles(text)
        expected = template.copy()
        expected.clear()
        if found:
            expected.update_batch([shingle.encode("utf-8") for shingle in found])
        ours = signature(text)
        assert ours.shingles == len(found)
        assert ours.hashvalues.dtype == np.uint32
        assert np.array_equal(ours.hashvalues, expected.hashvalues), text[:80]
    lsh = MinHashLSH(threshold=stories.CANDIDATE_JACCARD, num_perm=stories.NUM_PERM)
    assert stories.lsh_bands() == (lsh.b, lsh.r)


def test_signing_a_run_imports_neither_datasketch_nor_scipy() -> None:
    code = ("import sys; from transforms.stories import signature, band_hashes; "
            "band_hashes(signature(' '.join(str(i) for i in range(99)))); "
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
