"""Fetching over real HTTP from a misbehaving local site: retries, Retry-After, caps, redirects, delays."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from demo.server import Request, Response, SiteServer
from extractors.crawl.fetch import Fetcher, FetchError
from extractors.crawl.retry import RetryPolicy
from extractors.crawl.throttle import HostThrottle

PAGE = "<html><head><title>ok</title></head><body><p>fine</p></body></html>"
BOMB = gzip.compress(b"\0" * (20 * 1024 * 1024))  # ~20 KB on the wire, 20 MB inflated


class FaultySite:
    """Answers each path with one kind of trouble; counts hits per path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()

    def handle(self, request: Request) -> Response:
        """Serve the behaviour named by the path."""
        self.hits[request.path] += 1
        hits = self.hits[request.path]
        routes = {
            "/ok": lambda: Response.text(PAGE),
            "/flaky": lambda: Response.text("busy", 503) if hits <= 2 else Response.text(PAGE),
            "/busy": lambda: Response(429, b"slow down", {"Retry-After": "1"}) if hits == 1 else Response.text(PAGE),
            "/down": lambda: Response.text("error", 500),
            "/gone": lambda: Response.text("not here", 404),
            "/loop-a": lambda: Response.redirect("/loop-b"),
            "/loop-b": lambda: Response.redirect("/loop-a"),
            "/to-ftp": lambda: Response.redirect("ftp://127.0.0.1/secret"),
            "/to-ok": lambda: Response.redirect("/ok", 302),
            "/big": lambda: Response.text("x" * (2 * 1024 * 1024)),
            "/bomb": lambda: Response(200, BOMB, {"Content-Type": "text/html", "Content-Encoding": "gzip"}),
            "/robots.txt": lambda: Response.text("User-agent: *\nDisallow: /private\n", content_type="text/plain"),
            "/private/minutes": lambda: Response.text(PAGE),
            "/report.pdf": lambda: Response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}),
            "/slow": lambda: time.sleep(0.3) or Response.text(PAGE),
        }
        return routes.get(request.path, lambda: Response.text("no route", 404))()


@pytest.fixture
def site() -> Iterator[tuple[SiteServer, FaultySite]]:
    """A faulty site on 127.0.0.1."""
    faulty = FaultySite()
    with SiteServer(faulty) as server:
        yield server, faulty


def fetcher(**options: object) -> Fetcher:
    """A fetcher with quick backoff and its own throttle, so tests don't wait on each other."""
    defaults: dict[str, object] = {"delay": 0, "retry": RetryPolicy(attempts=3, base=0.01), "throttle": HostThrottle()}
    return Fetcher(**(defaults | options))  # type: ignore[arg-type]


def test_ok_page_is_kept_verbatim_with_headers(site) -> None:
    server, _ = site
    raw = fetcher().get(server.url + "ok")
    assert (raw.status, raw.body.decode()) == (200, PAGE)
    assert raw.headers["content-type"].startswith("text/html")
    assert len(raw.sha256) == 64


def test_user_agent_names_the_project(site) -> None:
    server, _ = site
    fetcher().get(server.url + "ok")
    assert server.requests[-1].headers["User-Agent"].startswith("unionwatch/")


def test_503_is_retried_until_it_succeeds(site) -> None:
    server, faulty = site
    raw = fetcher().get(server.url + "flaky")
    assert raw.status == 200 and faulty.hits["/flaky"] == 3


def test_429_waits_as_long_as_retry_after_says(site) -> None:
    server, _ = site
    assert fetcher().get(server.url + "busy").status == 200
    first, second = (r.at for r in server.requests if r.path == "/busy")
    assert second - first >= 0.95


def test_persistent_500_fails_after_bounded_attempts(site) -> None:
    server, faulty = site
    with pytest.raises(FetchError) as caught:
        fetcher().get(server.url + "down")
    assert (caught.value.status, caught.value.attempts, faulty.hits["/down"]) == (500, 3, 3)
    assert "HTTP 500 after 3 attempts" in caught.value.reason


def test_404_is_returned_not_retried(site) -> None:
    server, faulty = site
    assert fetcher().get(server.url + "gone").status == 404
    assert faulty.hits["/gone"] == 1


def test_redirect_is_followed_and_final_url_kept(site) -> None:
    server, _ = site
    raw = fetcher().get(server.url + "to-ok")
    assert raw.final_url == server.url + "ok" and raw.url == server.url + "to-ok"


def test_redirect_loop_is_refused_clearly(site) -> None:
    server, _ = site
    with pytest.raises(FetchError, match="a loop"):
        fetcher().get(server.url + "loop-a")


def test_redirect_to_another_scheme_is_refused(site) -> None:
    server, _ = site
    with pytest.raises(FetchError, match="non-http"):
        fetcher().get(server.url + "to-ftp")


def test_non_http_url_is_never_requested() -> None:
    with pytest.raises(FetchError, match="scheme 'file'"):
        fetcher().get("file:///etc/passwd")


def test_oversize_body_is_refused_with_the_cap_named(site) -> None:
    server, _ = site
    with pytest.raises(FetchError, match=r"too large: 2,097,152 bytes declared \(cap 1,048,576\)"):
        fetcher(max_bytes=1024 * 1024).get(server.url + "big")


def test_gzip_bomb_stops_at_the_cap_after_decompression(site) -> None:
    server, _ = site
    with pytest.raises(FetchError, match="over 1,048,576 bytes after decompression"):
        fetcher(max_bytes=1024 * 1024).get(server.url + "bomb")


def test_connection_refused_is_retried_then_reported() -> None:
    with SiteServer(FaultySite()) as server:
        url = server.url + "ok"
    with pytest.raises(FetchError, match="connection failed") as caught:
        fetcher().get(url)
    assert caught.value.attempts == 3


def test_per_host_delay_spaces_requests(site) -> None:
    server, _ = site
    polite = fetcher(delay=0.3)
    for _ in range(3):
        polite.get(server.url + "ok")
    times = [r.at for r in server.requests]
    # The throttle spaces the starts of requests as the client sees them; when a busy machine delays the
    # earlier request on its way to the server, the gap the server sees is a little shorter (once under 0.29 s).
    assert all(later - earlier >= 0.25 for earlier, later in zip(times, times[1:], strict=False))
    assert [r.path for r in server.requests] == ["/robots.txt", "/ok", "/ok", "/ok"]
    assert polite.requests_made == 4


def test_robots_txt_is_fetched_once_and_obeyed(site) -> None:
    server, faulty = site
    polite = fetcher()
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        polite.get(server.url + "private/minutes")
    polite.get(server.url + "ok")
    assert faulty.hits["/robots.txt"] == 1 and faulty.hits["/private/minutes"] == 0


def test_conditional_get_sends_stored_validators_and_returns_304(site) -> None:
    server, _ = site
    first = fetcher().get(server.url + "ok")
    again = fetcher(validators={server.url + "ok": (first.headers["etag"], None)})
    raw = again.get(server.url + "ok")
    assert (raw.status, raw.body, again.not_modified) == (304, b"", 1)
    assert server.requests[-1].headers["If-None-Match"] == first.headers["etag"]


def test_unexpected_content_type_is_skipped_with_a_reason(site) -> None:
    server, _ = site
    with pytest.raises(FetchError, match="skipped: content type 'application/pdf' is not html"):
        fetcher().get(server.url + "report.pdf", expect="html")


def test_one_request_at_a_time_per_host_but_hosts_in_parallel(site) -> None:
    server, _ = site
    shared = fetcher()
    with SiteServer(FaultySite()) as other:
        urls = [server.url + "slow", server.url + "slow", other.url + "slow"]
        threads = [threading.Thread(target=shared.get, args=(url,)) for url in urls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        same_host = sorted(r.at for r in server.requests if r.path == "/slow")
        other_host = [r.at for r in other.requests if r.path == "/slow"]
    assert same_host[1] - same_host[0] >= 0.29, "the second request to a host waits for the first to finish"
    assert abs(other_host[0] - same_host[0]) < 0.29, "another host is not held up"
