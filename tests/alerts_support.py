"""Support for the alerts tests (no tests here): real SMTP and HTTP receivers on 127.0.0.1, TLS certificates,
a small warehouse loaded through the real loader, and config files."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from demo.content import ACTIVE_BLOG_ID, MOTIONS, SS, BlogPost, Motion
from records import Document, Extraction, FetchFailure, SourceConfig
from transforms.classify import load_rules, rules_fingerprint
from transforms.pipeline import refine
from warehouse.load import finish_run, load_source, record_source_failure, start_run

LOOPBACK = "127.0.0.1"
SHARED_HTML = "<p>The council has agreed to move payroll and HR into a shared service centre with two neighbours.</p>"
FLAGGED_BODY = "The council has approved a plan to move payroll and HR into a shared service centre next year."
PLAIN_BODY = "The branch meeting is on Tuesday in the usual room; everyone is welcome."
SOURCES_TOML = """[[sources]]
id = "blog-a"
kind = "blogger"
name = "Blog A"
url = "http://127.0.0.1:9/"

[[sources]]
id = "blog-b"
kind = "blogger"
name = "Blog B"
url = "http://127.0.0.1:9/"
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (aiosmtpd needs one chosen in advance)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage
    login: str | None


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) that keeps what it accepts; `refuse` holds replies for the next messages."""

    def __init__(self, *, tls: ssl.SSLContext | None = None, implicit_tls: bool = False,
                 users: dict[str, str] | None = None) -> None:
        self.mails: list[ReceivedMail] = []
        self.refuse: list[str] = []
        self.users = users or {}
        options: dict = {}
        if tls is not None and not implicit_tls:
            options.update(tls_context=tls, require_starttls=True)
        if users:
            # aiosmtpd only counts STARTTLS as encryption; an implicit-TLS socket is encrypted too.
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=not implicit_tls)
        self.port = free_port()
        self.controller = Controller(self, hostname=LOOPBACK, port=self.port,
                                     ssl_context=tls if implicit_tls else None, **options)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Keep the message, or give the next prepared refusal."""
        if self.refuse:
            return self.refuse.pop(0)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, session.auth_data))
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """Accept exactly the configured user and password."""
        login, password = auth_data.login.decode(), auth_data.password.decode()
        return AuthResult(success=self.users.get(login) == password, handled=False, auth_data=login)

    def env(self, security: str = "none") -> dict[str, str]:
        """UNIONWATCH_SMTP_* variables pointing at this server."""
        return {"UNIONWATCH_SMTP_HOST": LOOPBACK, "UNIONWATCH_SMTP_PORT": str(self.port),
                "UNIONWATCH_SMTP_SECURITY": security, "UNIONWATCH_SMTP_FROM": "unionwatch@example.org"}

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class ReceivedPost:
    """One POST as the webhook receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def json(self) -> dict:
        """The body parsed as JSON."""
        return json.loads(self.body)


class WebhookReceiver:
    """A real HTTP server that records every POST; `statuses` holds the answers to the next ones (else 200)."""

    def __init__(self) -> None:
        self.posts: list[ReceivedPost] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.posts.append(ReceivedPost(self.path, dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                """Stay quiet."""

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def accepted(self, path: str = "/hook") -> list[ReceivedPost]:
        """The POSTs to `path` that were answered with success."""
        return [p for p in self.posts if p.path == path and p.status < 300]

    def url(self, path: str = "/hook") -> str:
        """The URL of `path` on this receiver."""
        return f"http://{LOOPBACK}:{self._server.server_address[1]}{path}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def tls_files(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A private CA and a certificate for 127.0.0.1 signed by it: (CA file, server context)."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unionwatch test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


def post(source_id: str, key: str, title: str, *, published: dt.datetime | None, body: str = FLAGGED_BODY,
         author: str | None = "A. Writer") -> Document:
    """A blog post as an extractor would return it."""
    return Document(source_id=source_id, kind="blog_post", key=key, url=f"https://{source_id}.example.org/{key}.html",
                    title=title, body=body, author=author, published_at=published)


def load(db_path: Path, documents: Sequence[Document], *, failed: Sequence[str] = (),
         failures: dict[str, int] | None = None, command: str = "run", sources: Sequence[str] = ()) -> str:
    """One run through the real loader: `documents` by source, `failed` sources recorded as failed.

    `command` is what the run counts as ("run" watches, "backfill" walks history); `sources` adds sources
    that loaded nothing.
    """
    rules = load_rules()
    source_ids = sorted({doc.source_id for doc in documents} | set(failed) | set(failures or {}) | set(sources))
    run_id = start_run(db_path, command, [SourceConfig(s, "blogger", "http://127.0.0.1:9/") for s in source_ids])
    for source_id in source_ids:
        if source_id in failed:
            record_source_failure(db_path, run_id, source_id, "FetchError: connection failed")
            continue
        docs = [doc for doc in documents if doc.source_id == source_id]
        extraction = Extraction(source_id, documents=docs, requests=len(docs))
        extraction.failures = [_failure(source_id, n) for n in range((failures or {}).get(source_id, 0))]
        load_source(db_path, run_id, extraction, refine(docs, rules), rules_fingerprint(rules))
    finish_run(db_path, run_id, "failed" if failed else "succeeded")
    return run_id


def baseline(db_path: Path, sources: Sequence[str] = ("blog-a", "blog-b")) -> str:
    """A first complete run of `sources` that found nothing, so what later runs load is news."""
    return load(db_path, [], sources=sources)


def _failure(source_id: str, number: int) -> FetchFailure:
    """A page that could not be parsed."""
    return FetchFailure(f"https://{source_id}.example.org/p{number}.html", "no .post-body (template changed?)")


def write_config(folder: Path, tables: str, sources: str = SOURCES_TOML) -> Path:
    """A sources file with the sample [[sources]] and the given alerting tables."""
    path = folder / "sources.toml"
    path.write_text(sources + "\n" + tables, encoding="utf-8")
    return path


def sample_post(post_id: str, slug: str, title: str, published: dt.datetime, body_html: str,
                updated: dt.datetime | None = None) -> BlogPost:
    """A new post for the sample UNISONActive blog (demo site "active")."""
    return BlogPost(post_id, ACTIVE_BLOG_ID, slug, title, published, "Kath Mills", ["news"], body_html,
                    updated=updated)


def sample_motion(slug: str, title: str, year: int, date: dt.date) -> Motion:
    """A new motion mentioning shared services for the sample motions database, for the conference of `year`."""
    return replace(next(m for m in MOTIONS if m.expected_topics == SS), slug=slug, title=title, year=year, date=date,
                   conference=f"{year} Local Government Service Group Conference",
                   body=[f"Conference notes the plan for a shared service centre ({slug})."])
