"""Serves a demo Site over real HTTP on 127.0.0.1 in a background thread, logging every request.

A Site is any object with `handle(request) -> Response`. The server calls it afresh for each request, so
a test can add or edit a site's content between crawls and the next request sees the change.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
LOOPBACK = "127.0.0.1"
IDLE_CONNECTION_TIMEOUT = 30.0  # seconds a keep-alive connection may sit idle before its thread gives up
SHUTDOWN_POLL = 0.02  # seconds between serve_forever's shutdown checks; keeps stop() fast

log = logging.getLogger(__name__)


@dataclass
class Request:
    """One incoming request as a Site sees it (the query string already parsed)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter `name`, or `default` when absent."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def host_url(self) -> str:
        """Scheme and authority the client addressed, e.g. "http://127.0.0.1:8123" (no trailing slash)."""
        host = next((value for key, value in self.headers.items() if key.lower() == "host"), LOOPBACK)
        return f"http://{host}"


@dataclass
class Response:
    """What a Site answers; the server adds Content-Length and a default HTML Content-Type.

    `fault` makes the server misbehave at the socket level, which a status or body cannot express:
    "reset" hangs up with a TCP reset instead of answering; "truncate" promises the whole body in
    Content-Length, sends half of it and hangs up.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: str = ""

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = HTML_TYPE) -> Response:
        """A UTF-8 text response."""
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Response:
        """An empty-bodied redirect to `location`."""
        return cls(status, b"", {"Location": location})


class Site(Protocol):
    """Anything that can answer a Request."""

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        ...


@dataclass(frozen=True)
class RequestRecord:
    """One request as it arrived (path without the query string; `at` is time.time())."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    at: float


class _Handler(BaseHTTPRequestHandler):
    """Turns each GET/HEAD into a Request for the owning SiteServer's site."""

    server: _HTTPServer
    disable_nagle_algorithm = True  # headers and body go out separately: Nagle + delayed ACK cost ~40 ms each
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD: the GET's status and headers, no body."""
        self._answer(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the SiteServer keeps its own request log."""

    def _answer(self, send_body: bool) -> None:
        """Record the request, ask the site, write its response."""
        owner = self.server.owner
        parts = urlsplit(self.path)
        headers = dict(self.headers.items())
        owner.record(RequestRecord(self.command, parts.path, parts.query, headers, time.time()))
        if not any(key.lower() == "host" for key in headers):
            headers["Host"] = owner.netloc
        request = Request(self.command, parts.path, parse_qs(parts.query, keep_blank_values=True), headers)
        try:
            response = owner.site.handle(request)
        except Exception:
            log.exception("demo site failed on %s %s", self.command, self.path)
            response = Response.text("<h1>500 Internal Server Error</h1>", 500)
        if response.fault == "reset":
            self._reset()
            return
        response = _conditional(response, headers) if owner.conditional and not response.fault else response
        self.send_response(response.status)
        headers = {"Content-Type": HTML_TYPE, **response.headers, "Content-Length": str(len(response.body))}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        body = response.body[: len(response.body) // 2] if response.fault == "truncate" else response.body
        if send_body:
            self.wfile.write(body)
        if response.fault == "truncate":
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP reset (SO_LINGER 0), as a crashing server or a middlebox does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # the descriptor closes, with the reset, once the handler's files close
        self.close_connection = True


def _conditional(response: Response, headers: dict[str, str]) -> Response:
    """Add an ETag to a 200 answer and turn it into 304 when the client already has it, as web servers do."""
    if response.status != 200 or "ETag" in response.headers:
        return response
    etag = f'"{hashlib.sha1(response.body).hexdigest()[:20]}"'
    sent = next((value for key, value in headers.items() if key.lower() == "if-none-match"), None)
    if sent == etag:
        return Response(304, b"", {"ETag": etag})
    return Response(response.status, response.body, {**response.headers, "ETag": etag})


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows which SiteServer it belongs to."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: SiteServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client hanging up mid-answer (a capped download, a timeout) is normal here, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """One Site on its own loopback port; a context manager that starts and stops a daemon thread."""

    def __init__(self, site: Site, port: int = 0, host: str = LOOPBACK, *, conditional: bool = True) -> None:
        self.site = site
        self.conditional = conditional  # ETag + 304 like a real web server; off to test sites without it
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def netloc(self) -> str:
        """The bound address as "host:port"."""
        host, port = self._httpd.server_address[:2]
        return f"{host}:{port}"

    @property
    def port(self) -> int:
        """The bound port (useful when constructed with port 0)."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Root URL of the site, with a trailing slash."""
        return f"http://{self.netloc}/"

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the requests received so far, in arrival order."""
        with self._lock:
            return list(self._log)

    def record(self, entry: RequestRecord) -> None:
        """Append one request to the log (called from handler threads)."""
        with self._lock:
            self._log.append(entry)

    def reset_log(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self._log.clear()

    def start(self) -> SiteServer:
        """Start serving in a daemon thread (no-op if already serving)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(SHUTDOWN_POLL,), name=f"demo-{self.port}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        """Start serving; the server itself is the context value."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop serving."""
        self.stop()


@contextmanager
def serve_sites(sites: Mapping[str, Site]) -> Iterator[dict[str, SiteServer]]:
    """Serve every site on its own port for the duration of the `with` block."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(SiteServer(site)) for name, site in sites.items()}
