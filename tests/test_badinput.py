"""Bad input never crashes a run or half-writes the warehouse: each case gives a correct record or a clear failure.

The cases live in tests/badinput/cases.py. Each is served over real HTTP and read twice: by the extractor
alone (what comes out), and all together by the real ingest flow into one DuckDB file (what is stored).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from badinput.cases import CASES, FETCH_PATH, HOST, INGESTED, Case, Failure, Record

from config.sources import load_sources
from demo.server import Request, Response, SiteServer
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.registry import run_extractor
from flows.ingest import ingest
from records import CrawlerSettings, Document, Known, SourceConfig
from transforms.classify import load_rules
from transforms.pipeline import refine

INGESTED_CASES = [case for case in CASES if case.name in INGESTED]
# What a consistent warehouse never holds, whatever a source did (each query counts offending rows).
ORPHANS = {
    "versions without a key": """SELECT count(*) FROM document_versions v WHERE NOT EXISTS
                                 (SELECT 1 FROM document_keys k WHERE k.document_id = v.document_id)""",
    "keys without their current version": """SELECT count(*) FROM document_keys k WHERE NOT EXISTS (
                                 SELECT 1 FROM document_versions v
                                 WHERE v.document_id = k.document_id AND v.version = k.current_version)""",
    "flags without a document": """SELECT count(*) FROM flags f
                                   WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.document_id = f.document_id)""",
    "responses without a body": """SELECT count(*) FROM responses r
                                   WHERE NOT EXISTS (SELECT 1 FROM raw_bodies b WHERE b.sha256 = r.sha256)""",
    "versions without their raw body": """SELECT count(*) FROM document_versions v WHERE raw_sha256 IS NOT NULL
                                          AND NOT EXISTS (SELECT 1 FROM raw_bodies b WHERE b.sha256 = v.raw_sha256)""",
    "documents of failed sources": """SELECT count(*) FROM document_keys k JOIN source_runs s USING (source_id)
                                      WHERE s.status = 'failed'""",
}


class CaseSite:
    """Serves one case's table of paths; `@HOST@` becomes the address the client used."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def handle(self, request: Request) -> Response:
        """The bytes the case serves at this path, or 404."""
        served = self.case.routes.get(request.path)
        if served is None:
            return Response.text("<h1>Not found</h1>", 404)
        response = served() if callable(served) else served
        host = request.host_url.removeprefix("http://")
        headers = {name: value.replace(HOST, host) for name, value in response.headers.items()}
        body = response.body.replace(HOST.encode(), host.encode()) if HOST.encode() in response.body else response.body
        return dataclasses.replace(response, body=body, headers=headers)


@dataclasses.dataclass
class Outcome:
    """What reading one case produced."""

    documents: list[Document]
    failures: list[str]  # per-URL reasons
    error: str | None  # the whole source's error
    requests: int
    fields: dict[str, object] | None = None  # the response, for the fetcher's cases


def read(case: Case, server: SiteServer) -> Outcome:
    """Read the case as its kind does: one fetch, or a whole extraction plus refining."""
    if case.kind == "fetch":
        fetcher = Fetcher(delay=0)
        try:
            raw = fetcher.get(server.url + FETCH_PATH.lstrip("/"), expect="html")
        except FetchError as exc:
            return Outcome([], [exc.reason], None, fetcher.requests_made)
        finally:
            fetcher.close()
        return Outcome([], [], None, fetcher.requests_made, dataclasses.asdict(raw))
    source = SourceConfig(case.name, case.kind, server.url, delay=0)
    try:
        extraction = run_extractor(source, Known(), CrawlerSettings())
    except (FetchError, ValueError) as exc:
        return Outcome([], [], str(exc), len(server.requests))
    refined = [item.document for item in refine(extraction.documents, load_rules())]
    return Outcome(refined, [failure.reason for failure in extraction.failures], None, extraction.requests)


def localised(value: object, host: str) -> object:
    """An expected value with `@HOST@` filled in."""
    return value.replace(HOST, host) if isinstance(value, str) else value


def check(case: Case, outcome: Outcome, host: str) -> None:
    """Assert the case's expected outcome."""
    for reason in [*outcome.failures, *([outcome.error] if outcome.error else [])]:
        assert reason.strip() and "\n" not in reason and "Traceback" not in reason, f"unreadable reason {reason!r}"
    expect = case.expect
    if isinstance(expect, Failure):
        if expect.whole_source:
            assert outcome.error and expect.phrase in outcome.error, outcome
        else:
            assert outcome.error is None, outcome.error
            assert any(expect.phrase in reason for reason in outcome.failures), outcome.failures
        return
    assert outcome.error is None, outcome.error
    if expect.failure:
        assert any(expect.failure in reason for reason in outcome.failures), outcome.failures
    else:
        assert not outcome.failures, outcome.failures
    if expect.max_requests is not None:
        assert outcome.requests <= expect.max_requests, f"{outcome.requests} requests"
    if case.kind == "fetch":
        assert outcome.fields is not None
        expected = {name: localised(value, host) for name, value in expect.fields.items()}
        assert {name: outcome.fields[name] for name in expect.fields} == expected
        return
    if expect.documents is not None:
        assert len(outcome.documents) == expect.documents, [doc.url for doc in outcome.documents]
    document = matching(outcome.documents, expect, host)
    for text in expect.body_has:
        assert text in document.body, document.body[:500]
    for text in expect.body_lacks:
        assert text not in document.body, document.body[:500]


def matching(documents: list[Document], expect: Record, host: str) -> Document:
    """The document with the expected URL (or the only one), its fields as expected."""
    url = localised(expect.fields.get("url"), host)
    candidates = [doc for doc in documents if url is None or doc.url == url]
    assert candidates, f"no document at {url}: {[doc.url for doc in documents]}"
    document = candidates[0]
    actual = {name: getattr(document, name) for name in expect.fields}
    assert actual == {name: localised(value, host) for name, value in expect.fields.items()}
    return document


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, SiteServer]]:
    """Every case on its own port for the whole module."""
    started = {case.name: SiteServer(CaseSite(case)).start() for case in CASES}
    yield started
    for server in started.values():
        server.stop()


def test_the_corpus_is_big_and_named_uniquely() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert {case.kind for case in CASES} == {"blogger", "unison_motions", "fetch"}
    assert set(names) >= INGESTED and all(case.kind != "fetch" for case in INGESTED_CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_case_gives_a_correct_record_or_a_clear_failure(case: Case, servers) -> None:
    server = servers[case.name]
    server.reset_log()
    check(case, read(case, server), server.netloc)


@pytest.mark.usefixtures("prefect_server")
def test_one_run_over_many_cases_stores_what_is_good_and_nothing_partial(servers, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(f'[[sources]]\nid = "{case.name}"\nkind = "{case.kind}"\n'
                               f'url = "{servers[case.name].url}"\ndelay = 0\n\n' for case in INGESTED_CASES))
    db = tmp_path / "badinput.duckdb"
    summary = ingest(load_sources(sources), str(db), extract_retry_delay=0)
    failed = {outcome.source_id for outcome in summary.outcomes if not outcome.ok}
    assert failed == {case.name for case in INGESTED_CASES
                      if isinstance(case.expect, Failure) and case.expect.whole_source}
    with duckdb.connect(str(db), read_only=True) as con:
        assert {name: con.execute(sql).fetchone()[0] for name, sql in ORPHANS.items()} == dict.fromkeys(ORPHANS, 0)
        assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
        for case in INGESTED_CASES:
            stored(con, case, servers[case.name].netloc)


def stored(con: duckdb.DuckDBPyConnection, case: Case, host: str) -> None:
    """Assert what the warehouse holds for one case."""
    status, error = con.execute("SELECT status, error FROM source_runs WHERE source_id = ?", [case.name]).fetchone()
    reasons = [row[0] for row in con.execute("SELECT reason FROM fetch_failures WHERE source_id = ?", [case.name])
               .fetchall()]
    expect = case.expect
    if isinstance(expect, Failure):
        if expect.whole_source:
            assert status == "failed" and expect.phrase in error, (case.name, error)
            kept = con.execute("SELECT count(*) FROM responses WHERE source_id = ?", [case.name]).fetchone()[0]
            assert kept == 0, f"{case.name}: a failed source archived {kept} responses"
        else:
            assert status == "succeeded" and any(expect.phrase in reason for reason in reasons), (case.name, reasons)
        return
    assert status == "succeeded", (case.name, error)
    assert any(expect.failure in reason for reason in reasons) if expect.failure else not reasons, (case.name, reasons)
    # A record is published, or held by the quality gate with its reasons; never both, never neither.
    names = [name for name in expect.fields if name in ("url", "title", "published_at", "decision")]
    columns = ", ".join(["url", *names])
    published = con.execute(f"SELECT {columns} FROM documents WHERE source_id = ?", [case.name]).fetchall()  # noqa: S608
    held = con.execute(f"SELECT {columns}, reasons FROM quarantine WHERE source_id = ? AND resolution IS NULL",  # noqa: S608
                       [case.name]).fetchall()
    if expect.documents is not None:
        assert len(published) + len(held) == expect.documents, (case.name, published, held)
    url = localised(expect.fields.get("url"), host)
    row = next(row for row in published + held if url is None or row[0] == url)
    assert dict(zip(names, row[1:1 + len(names)], strict=True)) == {
        name: localised(expect.fields[name], host) for name in names}
    if expect.held:
        assert row in held and any(expect.held in reason for reason in row[-1]), (case.name, held)
    else:
        assert row in published, (case.name, held)
