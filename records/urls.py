"""Canonicalise and resolve URLs so one page has one address, and key hosts for politeness.

`canonical_url` never raises: a string that is not an absolute http(s) URL with a valid host and port
comes back unchanged apart from surrounding whitespace, so one bad link cannot stop a run. It is
idempotent. The scheme is kept as given (http and https stay distinct), because some union sites
still serve different content, or nothing, on one of them.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Blogger serves every blog on country domains too (unisonactive.blogspot.it, ….blogspot.co.uk,
# ….blogspot.com.au); they are the same blog, so they collapse onto .blogspot.com.
_BLOGSPOT_CCTLD = re.compile(r"^(?P<blog>.+)\.blogspot\.(?:(?:co|com)\.[a-z]{2}|[a-z]{2})$")

# Query parameters that only track the click or pick a Blogger layout; `m` is dropped only as 0/1 because
# WordPress uses ?m=YYYYMM for monthly archives.
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})
_TRACKING_PREFIXES = ("utm_",)
_LAYOUT_PARAMS = {"m": frozenset({"0", "1"})}

# RFC 3986 §2.3: these never need escaping, so %41 and A are the same URL.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@!$&'()*+,;="
_QUERY_SAFE = "/?:@!$'()*+,;="


def _normalise_escape(match: re.Match[str]) -> str:
    """Decode an escaped unreserved character; upper-case the hex of any other escape."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _normalise_percent(component: str, safe: str) -> str:
    """Give `component` one spelling: minimal, upper-case percent-escapes, UTF-8 for non-ASCII."""
    component = _PCT_ESCAPE.sub(_normalise_escape, _STRAY_PERCENT.sub("%25", component))
    return quote(component, safe=safe + "%", errors="surrogatepass")


def _remove_dot_segments(path: str) -> str:
    """Resolve "." and ".." segments in an absolute path (RFC 3986 §5.2.4)."""
    segments = path.split("/")
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if len(kept) > 1:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/".join(kept) or "/"


def _keep_param(param: str) -> bool:
    """Whether one normalised `key=value` query item carries meaning rather than tracking or layout."""
    key, _, value = param.partition("=")
    key = key.lower()
    if not param or key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES):
        return False
    return value not in _LAYOUT_PARAMS.get(key, ())


class _Parts(NamedTuple):
    """An absolute http(s) URL taken apart, with scheme and host lower-cased."""

    scheme: str
    userinfo: str
    host: str
    port: int | None
    path: str
    query: str


def _split(url: str) -> _Parts | None:
    """Take apart an absolute http(s) URL with a host and a valid port; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not parts.hostname:
        return None
    userinfo = parts.netloc.rpartition("@")[0]
    return _Parts(scheme, userinfo, parts.hostname.lower(), port, parts.path, parts.query)


def _authority(host: str, port: int | None) -> str:
    """Join host and port, bracketing IPv6 literals."""
    host = f"[{host}]" if ":" in host else host
    return host if port is None else f"{host}:{port}"


def canonical_url(url: str) -> str:
    """Return the canonical spelling of an http(s) URL, or `url` stripped if it is not one."""
    url = url.strip()
    parts = _split(url)
    if parts is None:
        return url
    port = None if parts.port == _DEFAULT_PORTS[parts.scheme] else parts.port
    host = _BLOGSPOT_CCTLD.sub(r"\g<blog>.blogspot.com", parts.host)
    netloc = _authority(host, port)
    if parts.userinfo:
        netloc = f"{parts.userinfo}@{netloc}"
    path = _remove_dot_segments(_normalise_percent(parts.path, _PATH_SAFE) or "/")
    params = (_normalise_percent(p, _QUERY_SAFE) for p in parts.query.split("&"))
    query = "&".join(p for p in params if _keep_param(p))
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def resolve(base: str, href: str) -> str | None:
    """Join a link found on page `base` into a canonical absolute URL; None unless it is http(s)."""
    try:
        joined = urljoin(base.strip(), href.strip())
    except ValueError:
        return None
    return None if _split(joined) is None else canonical_url(joined)


def host_key(url: str) -> str:
    """Return "host:port" (lower-case, default port filled in) for per-host politeness delays."""
    parts = _split(url.strip())
    if parts is None:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return _authority(parts.host, _DEFAULT_PORTS[parts.scheme] if parts.port is None else parts.port)
