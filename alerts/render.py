"""Renders alerts and maintainer notices: subject, plain text, HTML, and JSON, Slack and Teams payloads.

Everything scraped (titles, snippets, URLs, authors, error messages) is untrusted. HTML escapes it; links
are only made from http(s) URLs; the `**term**` marks of a snippet are split out first and each piece is
escaped on its own, so a mark can never open a tag. Slack and Teams get structured rich-text elements
whose text they never parse as markup, so nothing scraped can format, link or mention anything there.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alerts.config import AlertConfig, Subscription
from warehouse.outbox import AlertItem, Appearance, Notice, StoryAgain

MARK = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in XML, useless in mail
SUBJECT_TITLE_CHARS = 120
CHAT_ITEMS = 20  # Slack allows 50 blocks a message, Teams about 28 KB: longer digests are summarised
SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SUBJECT_PREFIX = "[unionwatch]"
UPDATED_MARK = "Updated: "  # an edit made a known item newly flagged
CONDITIONS = {
    "source_failing": "Source failing",
    "source_silent": "Source yields nothing",
    "parse_failures": "Pages failing to parse",
    "quality_gate": "Batch held back by quality checks",
    "delivery_failed": "Alerts not delivered",
    "delivery_unknown": "Alert delivery interrupted",
}
RELATED_LABEL = "Related, not flagged by the topic rules"  # marks an item only the relatedness score found
RELATED_SECTION = "Related items, not flagged by the topic rules"  # their own section of a digest or feed
FOOTER = ("unionwatch subscription {id!r}: each item is sent to it at most once. "
          "Why and how to change it: docs/alerts.md.")
HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.4; max-width: 46em">
{body}
<p style="color: #666; font-size: small">{footer}</p>
</body></html>
"""
HTML_ITEM = """<div style="margin: 0 0 1.5em 0">
<h3 style="margin: 0">{title}</h3>
<p style="color: #555; margin: 0.2em 0">{meta}</p>
<blockquote style="margin: 0.5em 0; padding-left: 0.8em; border-left: 3px solid #ccc">{snippet}</blockquote>
{also}</div>"""
ALSO_AT = "Also appeared at"
AGAIN_SECTION = "Already sent, now also appeared at"  # stories alerted earlier, with the places found since
AGAIN_PLACES = "Now also at"


@dataclass(frozen=True)
class Message:
    """One message, rendered for every kind of channel."""

    kind: str  # item | digest | maintainer
    subscription_id: str
    dedupe_key: str
    heading: str
    subject: str
    text: str
    html: str
    items: tuple[AlertItem, ...] = ()
    notices: tuple[Notice, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)  # per document id: source, date and topics, as text
    again: tuple[StoryAgain, ...] = ()  # a digest's stories already sent that appeared in more places since
    sources: dict[str, str] = field(default_factory=dict)  # display names of the sources of other appearances


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as (text, marked) pieces, `**term**` marks removed."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in MARK.finditer(snippet):
        if match.start() > position:
            parts.append((snippet[position:match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    if position < len(snippet):
        parts.append((snippet[position:], False))
    return parts


def html_snippet(snippet: str) -> str:
    """The snippet as HTML, its marks as <mark>."""
    return "".join(f"<mark>{_h(text)}</mark>" if marked else _h(text) for text, marked in snippet_parts(snippet))


def safe_url(url: str) -> str | None:
    """The URL when it is an absolute http(s) URL, so it can be linked; None otherwise."""
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc and not CONTROL.search(url) else None


def item_title(item: AlertItem) -> str:
    """The title as every channel shows it: one line, and marked when an edit newly flagged a known item."""
    title = one_line(item.title) or "(untitled)"
    return f"{UPDATED_MARK}{title}" if item.updated else title


def one_line(text: str) -> str:
    """Text on one line, control characters dropped (safe in headers and titles)."""
    return " ".join(CONTROL.sub("", text).split())


class Renderer:
    """Renders messages with the config's topic labels and source names."""

    def __init__(self, config: AlertConfig) -> None:
        self.config = config

    def item(self, subscription: Subscription, item: AlertItem) -> Message:
        """The message for one item sent on its own."""
        title = item_title(item)
        topics = "Related" if item.related_only else self.topics(item.topics)
        if item.related_only:
            heading = f"Newly found: {RELATED_LABEL}"
        else:
            heading = f"{'Updated, newly flagged' if item.updated else 'Newly flagged'}: {topics}"
        subject = f"{SUBJECT_PREFIX} {topics}: {_shorten(title, SUBJECT_TITLE_CHARS)}"
        meta = self.meta(subscription, item)
        text = "\n".join([heading, "", *self._text_item(item, meta), "", "--", FOOTER.format(id=subscription.id), ""])
        body = f"<h2>{_h(heading)}</h2>\n{self._html_item(item, meta)}"
        return Message("item", subscription.id, item.dedupe_key, heading, subject, text,
                       HTML_PAGE.format(title=_h(subject), body=body, footer=_h(FOOTER.format(id=subscription.id))),
                       (item,), meta={item.document_id: meta}, sources=self._names([item], ()))

    def digest(self, subscription: Subscription, items: Sequence[AlertItem], slot: datetime,
               again: Sequence[StoryAgain] = ()) -> Message:
        """One message listing every item of a digest, grouped by source; then, in a section of their own, the
        stories sent earlier that have appeared in more places since (`again`)."""
        zone = ZoneInfo(subscription.timezone)
        count = f"{len(items)} new item{'s' if len(items) != 1 else ''}"
        if again:
            count += f", {len(again)} sent earlier seen again"
        heading = f"{subscription.digest.capitalize()} digest, {slot.astimezone(zone):%-d %b %Y}: {count}"
        groups: dict[str, list[AlertItem]] = {}
        for item in sorted(items, key=lambda i: (self.source(i.source_id).casefold(), _newest_first(i))):
            groups.setdefault(RELATED_SECTION if item.related_only else self.source(item.source_id), []).append(item)
        if RELATED_SECTION in groups:  # related-only items come last, in a section of their own
            groups[RELATED_SECTION] = groups.pop(RELATED_SECTION)
        meta = {item.document_id: self.meta(subscription, item) for item in items}
        text_lines, html_parts = [heading], [f"<h2>{_h(heading)}</h2>"]
        for section, group in groups.items():
            text_lines += ["", f"== {section} ({len(group)}) =="]
            html_parts.append(f"<h3 style=\"border-bottom: 1px solid #ccc\">{_h(section)} ({len(group)})</h3>")
            for item in group:
                text_lines += ["", *self._text_item(item, meta[item.document_id])]
                html_parts.append(self._html_item(item, meta[item.document_id]))
        if again:
            text_lines += ["", f"== {AGAIN_SECTION} ({len(again)}) =="]
            html_parts.append(f"<h3 style=\"border-bottom: 1px solid #ccc\">{_h(AGAIN_SECTION)} ({len(again)})</h3>")
            for story in again:
                text_lines += ["", *self._text_again(story)]
                html_parts.append(self._html_again(story))
        text_lines += ["", "--", FOOTER.format(id=subscription.id), ""]
        copies = [copy.document_id for story in again for copy in story.copies]
        key = hashlib.sha256("\0".join([subscription.id, *sorted(i.dedupe_key for i in items), *sorted(copies)])
                             .encode())
        return Message("digest", subscription.id, key.hexdigest()[:32], heading, f"{SUBJECT_PREFIX} {heading}",
                       "\n".join(text_lines),
                       HTML_PAGE.format(title=_h(heading), body="\n".join(html_parts),
                                        footer=_h(FOOTER.format(id=subscription.id))),
                       tuple(items), meta=meta, again=tuple(again), sources=self._names(items, again))

    def feed(self, subscription: Subscription, new: Sequence[AlertItem], earlier: Sequence[AlertItem]) -> Message:
        """A feed's whole content, new items first; its text and HTML describe the new items only."""
        heading = f"Atom feed {subscription.target.path}: {len(new)} new entr{'ies' if len(new) != 1 else 'y'}"
        new = sorted(new, key=_newest_first)
        everything = [*new, *earlier]
        meta = {item.document_id: self.meta(subscription, item) for item in everything}
        text, body_parts = [heading], [f"<h2>{_h(heading)}</h2>"]
        for related_only in (False, True):  # related-only entries after the flagged ones, under their own heading
            section = [item for item in new if item.related_only == related_only]
            if related_only and section:
                text += ["", f"== {RELATED_SECTION} ({len(section)}) =="]
                body_parts.append(f"<h3>{_h(RELATED_SECTION)} ({len(section)})</h3>")
            for item in section:
                text += ["", *self._text_item(item, meta[item.document_id])]
                body_parts.append(self._html_item(item, meta[item.document_id]))
        body = "\n".join(body_parts)
        key = hashlib.sha256("\0".join([subscription.id, *sorted(i.dedupe_key for i in new)]).encode())
        return Message("feed", subscription.id, key.hexdigest()[:32], heading, heading, "\n".join([*text, ""]),
                       HTML_PAGE.format(title=_h(heading), body=body, footer=_h(FOOTER.format(id=subscription.id))),
                       tuple(everything), meta=meta, sources=self._names(everything, ()))

    def maintainer(self, notices: Sequence[Notice]) -> Message:
        """One message for maintainers listing every notice, problems first."""
        ordered = sorted(notices, key=lambda n: (n.event != "opened", n.condition, n.subject))
        opened = sum(n.event == "opened" for n in notices)
        heading = f"{opened} problem{'s' if opened != 1 else ''}, {len(notices) - opened} resolved"
        lines = [notice_line(notice) for notice in ordered]
        html_lines = "".join(f"<li>{_h(line)}</li>\n" for line in lines)
        key = hashlib.sha256("\0".join(sorted(n.notice_id for n in notices)).encode()).hexdigest()[:32]
        footer = "unionwatch maintainer alerts: each condition is reported when it starts and when it clears."
        return Message("maintainer", "maintainer", key, heading, f"{SUBJECT_PREFIX} maintainer: {heading}",
                       "\n".join([heading, "", *lines, "", "--", footer, ""]),
                       HTML_PAGE.format(title=_h(heading), body=f"<h2>{_h(heading)}</h2>\n<ul>\n{html_lines}</ul>",
                                        footer=_h(footer)),
                       notices=tuple(ordered))

    def topics(self, topics: Sequence[str]) -> str:
        """Topic labels, e.g. "Shared services, Back-office cuts"."""
        return ", ".join(self.config.topic_labels.get(topic, topic) for topic in topics)

    def source(self, source_id: str) -> str:
        """The source's display name."""
        return self.config.source_names.get(source_id) or source_id

    def meta(self, subscription: Subscription, item: AlertItem) -> str:
        """Source, publication date and topics on one line."""
        zone = ZoneInfo(subscription.timezone)
        date = f"published {item.published_at.astimezone(zone):%-d %b %Y}" if item.published_at else "undated"
        author = f" by {one_line(item.author)}" if item.author else ""
        topics = RELATED_LABEL if item.related_only else self.topics(item.topics)
        return f"{self.source(item.source_id)}{author} · {date} · {topics}"

    def _text_item(self, item: AlertItem, meta: str) -> list[str]:
        """An item as plain-text lines; the other places its story appeared follow it."""
        snippet = one_line(item.snippet)
        also = [f"{ALSO_AT}:", *(f"  - {line}" for line in self.places(item.also_at))]
        return [item_title(item), meta, one_line(item.url), *([f"> {snippet}"] if snippet else []),
                *(also if item.also_at else [])]

    def _html_item(self, item: AlertItem, meta: str) -> str:
        """An item as an HTML block."""
        title = _h(item_title(item))
        url = safe_url(item.url)
        linked = f'<a href="{_h(url)}">{title}</a>' if url else title
        return HTML_ITEM.format(title=linked, meta=_h(meta), snippet=html_snippet(one_line(item.snippet)),
                                also=self.html_also(item))

    def html_also(self, item: AlertItem) -> str:
        """Where else the item's story appeared, as an HTML paragraph (empty when nowhere)."""
        return self._html_places(ALSO_AT, item.also_at) if item.also_at else ""

    def _html_places(self, label: str, places: Sequence[Appearance]) -> str:
        """Places a story appeared, as an HTML paragraph of links."""
        links = []
        for appearance in places:
            url = safe_url(appearance.url)
            source = _h(self.source(appearance.source_id))
            links.append(f'<a href="{_h(url)}">{source}</a>' if url else f"{source} ({_h(one_line(appearance.url))})")
        return f'<p style="color: #555; margin: 0.2em 0">{label}: {", ".join(links)}</p>\n'

    def _names(self, items: Sequence[AlertItem], again: Sequence[StoryAgain]) -> dict[str, str]:
        """Display names of the sources where the items' and stories' other appearances are."""
        places = [*(a for i in items for a in i.also_at), *(c for story in again for c in story.copies)]
        return {a.source_id: self.source(a.source_id) for a in places}

    def places(self, places: Sequence[Appearance]) -> list[str]:
        """Places a story appeared, one "source: URL" line each."""
        return [f"{self.source(a.source_id)}: {one_line(a.url)}" for a in places]

    def _text_again(self, story: StoryAgain) -> list[str]:
        """A story sent earlier, with the places it appeared since, as plain-text lines."""
        return [one_line(story.title) or "(untitled)", one_line(story.url), f"{AGAIN_PLACES}:",
                *(f"  - {line}" for line in self.places(story.copies))]

    def _html_again(self, story: StoryAgain) -> str:
        """A story sent earlier, with the places it appeared since, as an HTML block."""
        title = _h(one_line(story.title) or "(untitled)")
        url = safe_url(story.url)
        linked = f'<a href="{_h(url)}">{title}</a>' if url else title
        return (f'<div style="margin: 0 0 1.5em 0">\n<h3 style="margin: 0">{linked}</h3>\n'
                f"{self._html_places(AGAIN_PLACES, story.copies)}</div>")


def json_payload(message: Message, config: AlertConfig) -> dict:
    """The generic webhook body: every field as data, nothing pre-formatted."""
    base = {"type": f"unionwatch.{message.kind}", "dedupe_key": message.dedupe_key, "subject": message.subject}
    if message.kind == "maintainer":
        return base | {"notices": [
            {"condition": n.condition, "subject": n.subject, "event": n.event, "detail": n.detail,
             "created_at": n.created_at.isoformat()} for n in message.notices]}
    return base | {"subscription": message.subscription_id, "items": [
        {"document_id": i.document_id, "source_id": i.source_id,
         "source_name": config.source_names.get(i.source_id, i.source_id), "kind": i.kind, "title": i.title,
         "url": i.url, "author": i.author, "published_at": i.published_at.isoformat() if i.published_at else None,
         "topics": list(i.topics), "topic_labels": [config.topic_labels.get(t, t) for t in i.topics],
         "matched_terms": list(i.matched_terms), "snippet": i.snippet, "dedupe_key": i.dedupe_key,
         "related_only": i.related_only, "news": i.news,
         **({"also_at": [{"document_id": a.document_id, "source_id": a.source_id, "url": a.url,
                          "first_seen_at": a.first_seen_at.isoformat()} for a in i.also_at]} if i.also_at else {})}
        for i in message.items]} | ({"appeared_again": [
            {"document_id": story.document_id, "source_id": story.source_id,
             "source_name": config.source_names.get(story.source_id, story.source_id), "title": story.title,
             "url": story.url, "copies": [
                 {"document_id": c.document_id, "source_id": c.source_id,
                  "source_name": config.source_names.get(c.source_id, c.source_id), "url": c.url,
                  "first_seen_at": c.first_seen_at.isoformat()} for c in story.copies]}
            for story in message.again]} if message.again else {})


def slack_payload(message: Message) -> dict:
    """A Slack incoming-webhook body: a plain-text header and one rich_text block per item."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": message.heading[:150],
                                                      "emoji": False}}]
    if message.kind == "maintainer":
        blocks.append({"type": "rich_text", "elements": [{"type": "rich_text_list", "style": "bullet", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": notice_line(n)}]}
            for n in message.notices]}]})
    for item in message.items[:CHAT_ITEMS]:
        title = item_title(item)
        url = safe_url(item.url)
        heading = ({"type": "link", "url": url, "text": title, "style": {"bold": True}} if url
                   else {"type": "text", "text": title, "style": {"bold": True}})
        snippet = [{"type": "text", "text": text, **({"style": {"bold": True}} if marked else {})}
                   for text, marked in snippet_parts(one_line(item.snippet))]
        blocks.append({"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                heading, {"type": "text", "text": f"\n{message.meta[item.document_id]}", "style": {"italic": True}}]},
            *([{"type": "rich_text_quote", "elements": snippet}] if snippet else []),
            *_slack_places(message, ALSO_AT, item.also_at)]})
    if len(message.items) > CHAT_ITEMS:
        blocks.append({"type": "context", "elements": [{"type": "plain_text", "emoji": False,
                                                        "text": f"and {len(message.items) - CHAT_ITEMS} more"}]})
    if message.again:
        blocks.append({"type": "header", "text": {"type": "plain_text", "emoji": False,
                                                  "text": f"{AGAIN_SECTION} ({len(message.again)})"}})
    for story in message.again[:CHAT_ITEMS]:
        blocks.append({"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [_slack_link(story.url, one_line(story.title) or "(untitled)",
                                                                   {"bold": True})]},
            *_slack_places(message, AGAIN_PLACES, story.copies)]})
    return {"text": "".join(SLACK_ESCAPES.get(c, c) for c in message.subject), "blocks": blocks}


def _slack_link(url: str, text: str, style: dict | None = None) -> dict:
    """A Slack rich-text link when the URL is http(s), else plain text with the URL after it."""
    safe = safe_url(url)
    element = ({"type": "link", "url": safe, "text": text} if safe
               else {"type": "text", "text": f"{text} ({one_line(url)})"})
    return element | ({"style": style} if style else {})


def _slack_places(message: Message, label: str, places: Sequence[Appearance]) -> list[dict]:
    """Where a story appeared, as a Slack rich-text list under its label (nothing when nowhere)."""
    if not places:
        return []
    return [{"type": "rich_text_section", "elements": [{"type": "text", "text": f"{label}:",
                                                        "style": {"italic": True}}]},
            {"type": "rich_text_list", "style": "bullet", "elements": [
                {"type": "rich_text_section", "elements": [
                    _slack_link(a.url, message.sources.get(a.source_id, a.source_id))]} for a in places]}]


def _teams_places(message: Message, label: str, places: Sequence[Appearance]) -> list[dict]:
    """Where a story appeared, as Adaptive Card text runs under its label (nothing when nowhere)."""
    if not places:
        return []
    runs: list[dict] = [{"type": "TextRun", "text": f"{label}: ", "isSubtle": True}]
    for number, appearance in enumerate(places):
        run = {"type": "TextRun", "text": message.sources.get(appearance.source_id, appearance.source_id)}
        url = safe_url(appearance.url)
        if url:
            run["selectAction"] = {"type": "Action.OpenUrl", "url": url}
        else:
            run["text"] += f" ({one_line(appearance.url)})"
        runs += [*([{"type": "TextRun", "text": ", "}] if number else []), run]
    return [_rich(runs)]


def teams_payload(message: Message) -> dict:
    """A Teams webhook body: an Adaptive Card of RichTextBlocks, whose text runs are never parsed as markup."""
    body: list[dict] = [_rich([{"type": "TextRun", "text": message.heading, "weight": "Bolder", "size": "Large"}])]
    if message.kind == "maintainer":
        body += [_rich([{"type": "TextRun", "text": notice_line(n)}]) for n in message.notices]
    for item in message.items[:CHAT_ITEMS]:
        title = {"type": "TextRun", "text": item_title(item), "weight": "Bolder",
                 "size": "Medium"}
        url = safe_url(item.url)
        if url:
            title["selectAction"] = {"type": "Action.OpenUrl", "url": url}
        body += [_rich([title], separator=True),
                 _rich([{"type": "TextRun", "text": message.meta[item.document_id], "isSubtle": True,
                         "size": "Small"}]),
                 _rich([{"type": "TextRun", "text": text, **({"weight": "Bolder", "highlight": True} if marked else {})}
                        for text, marked in snippet_parts(one_line(item.snippet))]),
                 *_teams_places(message, ALSO_AT, item.also_at)]
    if len(message.items) > CHAT_ITEMS:
        body.append(_rich([{"type": "TextRun", "text": f"and {len(message.items) - CHAT_ITEMS} more",
                            "isSubtle": True}], separator=True))
    if message.again:
        body.append(_rich([{"type": "TextRun", "text": f"{AGAIN_SECTION} ({len(message.again)})", "weight": "Bolder",
                            "size": "Medium"}], separator=True))
    for story in message.again[:CHAT_ITEMS]:
        title = {"type": "TextRun", "text": one_line(story.title) or "(untitled)", "weight": "Bolder"}
        if safe_url(story.url):
            title["selectAction"] = {"type": "Action.OpenUrl", "url": safe_url(story.url)}
        body += [_rich([title]), *_teams_places(message, AGAIN_PLACES, story.copies)]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "msteams": {"width": "Full"}, "body": body}
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def _rich(inlines: list[dict], separator: bool = False) -> dict:
    """An Adaptive Card RichTextBlock."""
    return {"type": "RichTextBlock", "inlines": inlines, **({"separator": True} if separator else {})}


def notice_line(notice: Notice) -> str:
    """One maintainer notice as a line of text."""
    state = "PROBLEM" if notice.event == "opened" else "RESOLVED"
    return f"{state}: {CONDITIONS.get(notice.condition, notice.condition)}: {notice.subject}: {one_line(notice.detail)}"


def _newest_first(item: AlertItem) -> float:
    """Sort key putting the latest publication first, undated last."""
    return -item.published_at.timestamp() if item.published_at else float("inf")


def _shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _h(text: str) -> str:
    """HTML-escaped text, quotes included, control characters dropped."""
    return html.escape(CONTROL.sub("", text), quote=True)
