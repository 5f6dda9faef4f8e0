"""Tests for records.urls: canonical URLs, link resolution and host keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records.urls import canonical_url, host_key, resolve

# URL-shaped strings that exercise every branch: odd schemes, hosts, ports, escapes, dots and params.
url_like = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "HTTPS", "https", "ftp", "javascript", ""]),
    st.sampled_from(["Example.COM", "x.blogspot.it", "x.blogspot.co.uk", "[::1]", "127.0.0.1", "u@h", ""]),
    st.sampled_from(["", ":80", ":443", ":8801", ":0080", ":", ":99999", ":x"]),
    st.lists(
        st.sampled_from(["/", "a", ".", "..", "%2e", "%2F", "%7e", "%zz", "%", " ", "é", "?"]), max_size=8
    ).map("".join),
    st.lists(
        st.sampled_from(["?", "&", "=", "m", "1", "0", "utm_source", "fbclid", "q", "%41", "+", "#", "é"]),
        max_size=8,
    ).map("".join),
    st.sampled_from(["", "#frag", "#!/x"]),
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/Path", "http://example.com/Path"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://127.0.0.1:8801/motions/", "http://127.0.0.1:8801/motions/"),
        ("http://[::1]:8801/x", "http://[::1]:8801/x"),
        ("http://unisonactive.blogspot.com/", "http://unisonactive.blogspot.com/"),
        (
            "https://unisonactive.blogspot.com/2010/10/x.html",
            "https://unisonactive.blogspot.com/2010/10/x.html",
        ),
        ("http://unisonactive.blogspot.it/2010/10/x.html", "http://unisonactive.blogspot.com/2010/10/x.html"),
        ("http://unisondave.blogspot.co.uk/", "http://unisondave.blogspot.com/"),
        ("http://pcs-fylde.blogspot.no/", "http://pcs-fylde.blogspot.com/"),
        ("http://blog.blogspot.tw/", "http://blog.blogspot.com/"),
        ("http://blog.blogspot.com.au/", "http://blog.blogspot.com/"),
        ("http://www.unison.org.uk/", "http://www.unison.org.uk/"),
        ("http://x.blogspot.com/2012/03/post.html?m=1", "http://x.blogspot.com/2012/03/post.html"),
        ("http://x.blogspot.com/?m=0", "http://x.blogspot.com/"),
        ("https://branch.org.uk/?m=201203", "https://branch.org.uk/?m=201203"),
        (
            "https://branch.org.uk/news?utm_source=twitter&p=12&UTM_Medium=social&fbclid=abc&gclid=x&a=1",
            "https://branch.org.uk/news?p=12&a=1",
        ),
        ("https://branch.org.uk/?b=2&a=1", "https://branch.org.uk/?b=2&a=1"),
        ("https://branch.org.uk/post#comments", "https://branch.org.uk/post"),
        ("https://branch.org.uk/a/./b/../c/", "https://branch.org.uk/a/c/"),
        ("https://branch.org.uk/../../x", "https://branch.org.uk/x"),
        ("https://branch.org.uk/a/%2e%2e/b", "https://branch.org.uk/b"),
        ("https://branch.org.uk/%7euser/%41", "https://branch.org.uk/~user/A"),
        ("https://branch.org.uk/a%2fb", "https://branch.org.uk/a%2Fb"),
        ("https://branch.org.uk/no to cuts", "https://branch.org.uk/no%20to%20cuts"),
        ("https://branch.org.uk/café", "https://branch.org.uk/caf%C3%A9"),
        ("https://branch.org.uk/100%", "https://branch.org.uk/100%25"),
        ("https://branch.org.uk/?q=a+b&q2=%e2%80%99", "https://branch.org.uk/?q=a+b&q2=%E2%80%99"),
        ("https://branch.org.uk/?&&a=1&", "https://branch.org.uk/?a=1"),
        ("  https://branch.org.uk/x  ", "https://branch.org.uk/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mailto:branch@example.org",
        "javascript:void(0)",
        "not a url",
        "",
        "http://",
        "http://x:99999/",
        "http://[::1",
    ],
)
def test_canonical_url_returns_anything_else_stripped(url: str) -> None:
    assert canonical_url(f" {url} ") == url


def test_canonical_url_keeps_the_scheme() -> None:
    assert canonical_url("http://branch.org.uk/").startswith("http://")
    assert canonical_url("https://branch.org.uk/").startswith("https://")


@settings(max_examples=300, deadline=None)
@given(st.text() | url_like)
def test_canonical_url_is_idempotent_and_never_raises(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("base", "href", "expected"),
    [
        ("https://branch.org.uk/news/post.html", "other.html", "https://branch.org.uk/news/other.html"),
        ("https://branch.org.uk/news/post.html", "../about/", "https://branch.org.uk/about/"),
        ("https://branch.org.uk/news/post.html", "/motions/2010/", "https://branch.org.uk/motions/2010/"),
        ("https://branch.org.uk/news/", "//x.blogspot.it/p?m=1", "https://x.blogspot.com/p"),
        ("http://127.0.0.1:8801/policy-motions/", "?page=2", "http://127.0.0.1:8801/policy-motions/?page=2"),
        ("https://branch.org.uk/a", "  http://Other.org/b#c \n", "http://other.org/b"),
        ("https://branch.org.uk/a", "#comments", "https://branch.org.uk/a"),
        ("https://branch.org.uk/a", "javascript:void(0)", None),
        ("https://branch.org.uk/a", " JavaScript:alert(1)", None),
        ("https://branch.org.uk/a", "mailto:secretary@branch.org.uk", None),
        ("https://branch.org.uk/a", "data:text/html;base64,PGI+", None),
        ("https://branch.org.uk/a", "file:///etc/passwd", None),
        ("https://branch.org.uk/a", "tel:+441234", None),
        ("https://branch.org.uk/a", "http://[::1", None),
        ("mailto:x@y", "page.html", None),
    ],
)
def test_resolve(base: str, href: str, expected: str | None) -> None:
    assert resolve(base, href) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8801/motions/", "127.0.0.1:8801"),
        ("HTTP://Branch.ORG.uk/x", "branch.org.uk:80"),
        ("https://branch.org.uk/x", "branch.org.uk:443"),
        ("https://[::1]:8443/", "[::1]:8443"),
    ],
)
def test_host_key(url: str, expected: str) -> None:
    assert host_key(url) == expected


@pytest.mark.parametrize("url", ["mailto:x@y", "/relative/path", "http://"])
def test_host_key_rejects_non_http_urls(url: str) -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        host_key(url)
