"""Tests for extractors.crawl.status: what each answer of a real local site means, and the failures recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.server import Request, Response, SiteServer
from extractors.crawl.fetch import Fetcher
from extractors.crawl.retry import RetryPolicy
from extractors.crawl.status import Answer, fetch_page, parse_page
from extractors.crawl.throttle import HostThrottle
from records import Extraction

PAGE = "<html><head><title>post</title></head><body><p>text</p></body></html>"


class StatusSite:
    """Each path answers with the status it names; /same is a page the server answers 304 once it is known."""

    def handle(self, request: Request) -> Response:
        """The status the path names (200 for /same)."""
        status = 200 if request.path == "/same" else int(request.path.strip("/"))
        return Response.text(PAGE if status == 200 else "no", status)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(StatusSite()) as server:
        yield server


def fetcher(server: SiteServer) -> Fetcher:
    """A fetcher holding the validators an earlier run stored for /same."""
    first = Fetcher(delay=0, throttle=HostThrottle(), obey_robots=False).get(server.url + "same")
    validators = {server.url + "same": (first.headers.get("etag"), first.headers.get("last-modified"))}
    return Fetcher(delay=0, retry=RetryPolicy(attempts=1), throttle=HostThrottle(), validators=validators,
                   obey_robots=False)


@pytest.mark.parametrize(("path", "expected"), [("200", Answer.FETCHED), ("same", Answer.NOT_MODIFIED),
                                                 ("404", Answer.GONE), ("410", Answer.GONE),
                                                 ("403", Answer.FAILED)])
def test_every_answer_has_one_meaning(site: SiteServer, path: str, expected: Answer) -> None:
    result = Extraction("s")
    got, raw = fetch_page(fetcher(site), site.url + path, result, what="post page", role="post")
    assert got is expected
    assert raw is not None and raw.role == "post"
    failures = [(f.url, f.reason, f.status) for f in result.failures]
    assert failures == ([(site.url + path, "post page answered HTTP 403", 403)] if expected is Answer.FAILED else [])


def test_an_answer_the_caller_cannot_use_is_a_failure(site: SiteServer) -> None:
    result = Extraction("s")
    got, _ = fetch_page(fetcher(site), site.url + "404", result, what="index page", accept=(Answer.FETCHED,))
    assert got is Answer.FAILED
    assert [f.reason for f in result.failures] == ["index page answered HTTP 404"]


def test_no_answer_at_all_is_a_failure_with_the_fetchers_reason(site: SiteServer) -> None:
    result = Extraction("s")
    got, raw = fetch_page(fetcher(site), "ftp://127.0.0.1/x", result, what="post page")
    assert (got, raw) == (Answer.FAILED, None)
    assert [f.reason for f in result.failures] == ["refused: scheme 'ftp' is not http(s)"]


def test_a_page_the_parser_refuses_is_recorded_not_raised(site: SiteServer) -> None:
    result = Extraction("s")
    _, raw = fetch_page(fetcher(site), site.url + "200", result, what="post page")

    def refuse(_raw: object) -> str:
        raise ValueError("no post on this page")

    assert parse_page(raw, refuse, result, "post page") is None
    assert parse_page(raw, lambda page: page.status, result) == 200
    assert [f.reason for f in result.failures] == ["unparseable post page: no post on this page"]
