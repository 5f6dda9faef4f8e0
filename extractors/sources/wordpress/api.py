"""WordPress REST API (`/wp-json/wp/v2/posts`): request URLs, paging headers, and post objects as Documents."""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode, urljoin

from extractors.sources.wordpress.settings import (
    EMBED,
    LABEL_TAXONOMIES,
    ORDER,
    PER_PAGE,
    POSTS_PATH,
)
from extractors.sources.wordpress.theme_html import fragment_body, stamp, title_text, utc
from records import BLOG_POST, Document, RawResponse


def posts_url(root: str, page: int, since_year: int | None = None, *, route: bool = False) -> str:
    """One page of the posts collection, newest edits first, with authors and terms embedded.

    With `route`, the plain-permalink form `/?rest_route=/wp/v2/posts`, which still answers when the server
    blocks `/wp-json/` or the site has no pretty permalinks.
    """
    query = {"per_page": PER_PAGE, "page": page, **ORDER, "_embed": EMBED}
    if since_year:
        query["after"] = f"{since_year - 1}-12-31T23:59:59"
    if route:
        return urljoin(root, "./") + "?" + urlencode({"rest_route": "/" + POSTS_PATH.removeprefix("wp-json/"),
                                                      **query}, safe=",:/")
    return urljoin(root, POSTS_PATH) + "?" + urlencode(query, safe=",:")


def total_pages(raw: RawResponse) -> int | None:
    """X-WP-TotalPages, when the site sends it."""
    value = raw.headers.get("x-wp-totalpages", "").strip()
    return int(value) if value.isdigit() else None


def error_code(raw: RawResponse) -> str:
    """The WP_Error code of an error answer (e.g. rest_login_required), or "" when there is none."""
    try:
        data = json.loads(raw.body)
    except ValueError:
        return ""
    return str(data.get("code", "")) if isinstance(data, dict) else ""


def parse_api_page(source_id: str, raw: RawResponse) -> list[Document]:
    """Every usable post of one posts-collection response (or of a single-post response)."""
    return api_documents(source_id, raw)[0]


def api_documents(source_id: str, raw: RawResponse) -> tuple[list[Document], list[str]]:
    """Posts of one response as Documents, and a reason for each post that could not be used.

    Raises ValueError when the body is not a JSON post list or post object at all.
    """
    try:
        data = json.loads(raw.body)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if isinstance(data, dict) and "id" in data:
        data = [data]
    if not isinstance(data, list):
        raise ValueError("JSON that is not a list of posts")
    documents, problems = [], []
    for post in data:
        try:
            documents.append(parse_api_post(source_id, post, raw))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            post_id = post.get("id") if isinstance(post, dict) else None
            problems.append(f"post {post_id}: {exc}")
    return documents, problems


def parse_api_post(source_id: str, post: dict, raw: RawResponse) -> Document:
    """One REST post object as a Document; raises ValueError when it has no id, link or readable content."""
    post_id, link = post.get("id"), post.get("link")
    if not isinstance(post_id, int) or not isinstance(link, str) or not link:
        raise ValueError("no numeric id or no link")
    content = post.get("content") or {}
    body = fragment_body(content.get("rendered") or "")
    title = title_text((post.get("title") or {}).get("rendered") or "")
    if not title and not body:
        raise ValueError("neither a title nor any text")
    embedded = post.get("_embedded") or {}
    return Document(
        source_id=source_id, kind=BLOG_POST, key=str(post_id), url=link, title=title, body=body,
        author=_author(embedded), published_at=utc(post.get("date_gmt") or post.get("date")),
        labels=_labels(embedded), raw_sha256=raw.sha256, marker=stamp(post.get("modified_gmt")),
    )


def _author(embedded: dict) -> str | None:
    """The embedded author's display name; None when the site refuses user lookups (an error object)."""
    authors = embedded.get("author") or []
    first = authors[0] if authors and isinstance(authors[0], dict) else {}
    name = first.get("name") if "code" not in first else None
    if not isinstance(name, str):
        return None
    return " ".join(html.unescape(name).split()) or None


def _labels(embedded: dict) -> list[str]:
    """Category names, then tag names, decoded (WordPress stores term names HTML-escaped)."""
    groups = embedded.get("wp:term") or []
    terms = [term for group in groups if isinstance(group, list) for term in group if isinstance(term, dict)]
    names = [html.unescape(str(term.get("name", ""))).strip()
             for taxonomy in LABEL_TAXONOMIES for term in terms if term.get("taxonomy") == taxonomy]
    return list(dict.fromkeys(name for name in names if name))
