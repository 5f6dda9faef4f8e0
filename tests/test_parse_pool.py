"""Reparse in worker processes: the same documents, in archive order, with worker logs shown here."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import alive, ingest_sites

from config.sources import load_sources
from demo.content import MOTIONS
from extractors.registry import reparse_archive
from extractors.sources.unison_motions import ROLE_MOTION
from flows.parse_pool import parse_pool, rebuild
from records import RawResponse, SourceConfig
from transforms.classify import load_rules
from transforms.pipeline import deduped, refine
from transforms.related import default_model
from warehouse.archive import archived_responses
from warehouse.db import connect
from warehouse.state import scored_contents

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Two parsing processes, shared by this module's tests (each start costs a Python start-up)."""
    with parse_pool(workers=2) as workers:
        yield workers


def test_chunks_parsed_in_other_processes_give_the_archive_order(sites, db_path, tmp_path, pool) -> None:
    ingest_sites(sites, tmp_path, db_path)
    motions = next(s for s in load_sources(tmp_path / "sources.toml") if s.kind == "unison_motions")
    responses = list(archived_responses(db_path, motions.id))
    at = [index for index, raw in enumerate(responses) if raw.role == ROLE_MOTION][5]
    broken = replace(responses[at], url="http://127.0.0.1:9/motions/broken/", final_url="http://127.0.0.1:9/broken")
    responses.insert(at, broken)

    here = reparse_archive(motions, responses)
    there = rebuild(pool, motions, iter(responses), chunk=3)

    assert len(there.documents) == len(MOTIONS)
    assert there.documents == here.documents
    assert [f.url for f in there.failures] == [broken.url] == [f.url for f in here.failures]
    assert "not /motions/YEAR/GROUP/SLUG/" in there.failures[0].reason


def test_chunks_refined_in_the_workers_give_what_refining_the_whole_batch_here_gives(sites, db_path, tmp_path,
                                                                                       pool) -> None:
    ingest_sites(sites, tmp_path, db_path)
    motions = next(s for s in load_sources(tmp_path / "sources.toml") if s.kind == "unison_motions")
    responses = list(archived_responses(db_path, motions.id))
    first_motion = next(raw for raw in responses if raw.role == ROLE_MOTION)
    fetched_again = replace(first_motion, body=first_motion.body.replace(b"</h1>", b" (amended)</h1>", 1))
    responses.append(fetched_again)  # the same motion in the first and the last chunk: the later fetch wins
    rules = load_rules(None)

    there = rebuild(pool, motions, iter(responses), chunk=3, rules=rules)

    expected = refine(reparse_archive(motions, responses).documents, rules)
    assert len(there.refined) == len(there.documents) == len(expected) + 1
    assert deduped(there.refined) == expected
    assert any(item.document.title.endswith("(amended)") for item in expected)
    assert any(item.classification for item in expected) and all(item.relatedness for item in expected)


def test_documents_unchanged_since_their_stored_score_are_not_scored_again(sites, db_path, tmp_path, pool) -> None:
    ingest_sites(sites, tmp_path, db_path)
    motions = next(s for s in load_sources(tmp_path / "sources.toml") if s.kind == "unison_motions")
    responses = list(archived_responses(db_path, motions.id))
    first_motion = next(raw for raw in responses if raw.role == ROLE_MOTION)
    responses.append(replace(first_motion, body=first_motion.body.replace(b"</h1>", b" (amended)</h1>", 1)))
    with connect(db_path) as con:  # one score lost (as for rows published before scores were kept)
        con.execute("DELETE FROM relatedness WHERE document_id = (SELECT min(document_id) FROM relatedness "
                    "WHERE document_id LIKE ? )", [f"{motions.id}:%"])
    scored = scored_contents(db_path, motions.id, default_model().fingerprint)
    rules = load_rules(None)

    there = deduped(rebuild(pool, motions, iter(responses), chunk=3, rules=rules, scored=scored).refined)

    assert deduped(refine(reparse_archive(motions, responses).documents, rules)) == [
        item if item.relatedness is not None else replace(item, relatedness=default_model().score(
            item.document.title, item.document.body)) for item in there]
    rescored = {item.document.document_id for item in there if item.relatedness is not None}
    amended = {item.document.document_id for item in there if item.document.title.endswith("(amended)")}
    assert len(amended) == 1 and len(there) - len(scored) == 1 and len(rescored) == 2
    assert amended < rescored and not rescored - amended <= set(scored)  # the edited one and the lost one


def test_a_worker_warning_reaches_the_parent_logger(pool, caplog) -> None:
    source = SourceConfig(id="news", kind="feed", url="http://127.0.0.1:9/feed/")
    garbled = RawResponse(url=source.url, final_url=source.url, status=200, body=b"\x00 not a feed",
                          headers={"content-type": "application/rss+xml"}, fetched_at=datetime.now(UTC))
    with caplog.at_level(logging.WARNING, logger="extractors.sources.feed"):
        result = rebuild(pool, source, [garbled])
    assert result.documents == []
    deadline = time.monotonic() + 10  # records travel on their own queue, and may land just after the result
    while not [r for r in caplog.records if r.name == "extractors.sources.feed"] and time.monotonic() < deadline:
        time.sleep(0.05)
    [record] = [r for r in caplog.records if r.name == "extractors.sources.feed"]
    assert record.getMessage().startswith(
        f"news: archived feed {source.url} not rebuilt: not an RSS, Atom, RDF or JSON feed")
    assert record.process != os.getpid()  # logged in a worker, shown here


def test_workers_end_when_the_reparse_process_is_killed(tmp_path) -> None:
    script = tmp_path / "killed_reparse.py"
    script.write_text(
        "import os, time\n"
        "from flows.parse_pool import parse_pool\n\n"
        "if __name__ == '__main__':\n"
        "    with parse_pool(workers=2) as pool:\n"
        "        print(*{pool.submit(os.getpid).result() for _ in range(20)}, flush=True)\n"
        "        time.sleep(60)\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parent.parent)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers and parent.pid not in workers
    parent.kill()  # as SIGKILL or the OOM killer would: no clean-up runs in the parent
    parent.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
