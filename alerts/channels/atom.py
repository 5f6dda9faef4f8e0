"""An Atom feed file of flagged items that staff can follow in any feed reader, replaced atomically."""

from __future__ import annotations

import html
import os
import tempfile
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from alerts.channels.base import DeliveryError
from alerts.render import RELATED_LABEL, Message, Renderer, html_snippet, item_title, one_line, safe_url

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100  # entries kept in the file; readers remember older ones themselves
RELATED_TERM = "related"  # the category of an entry only the relatedness score found
FILE_MODE = 0o644  # a feed is meant to be served and read

ET.register_namespace("", ATOM)


class AtomChannel:
    """Rewrites the whole feed on each send, so sending the same items again changes nothing."""

    def __init__(self, path: Path, subscription_id: str, renderer: Renderer) -> None:
        self.path, self.subscription_id, self.renderer = path, subscription_id, renderer

    def missing(self) -> bool:
        """True when the feed file does not exist yet."""
        return not self.path.exists()

    def send(self, message: Message) -> None:
        """Write the feed of `message.items` (newest first) in place of the old file."""
        try:
            write_atomically(self.path, self.document(message))
        except OSError as exc:
            raise DeliveryError(f"cannot write the Atom feed {self.path}: {exc.strerror or exc}") from None

    def document(self, message: Message) -> bytes:
        """The feed as UTF-8 XML; ElementTree escapes every text and attribute."""
        feed = ET.Element(f"{{{ATOM}}}feed")
        _add(feed, "id", _urn(f"unionwatch:feed:{self.subscription_id}"))
        _add(feed, "title", f"unionwatch: {self.subscription_id}")
        _add(feed, "subtitle", "New items that unionwatch flagged for this subscription")
        newest = max((item.flagged_at for item in message.items), default=datetime.now(UTC))
        _add(feed, "updated", _when(newest))
        ET.SubElement(_add(feed, "author"), f"{{{ATOM}}}name").text = "unionwatch"
        _add(feed, "generator", "unionwatch")
        for item in message.items[:FEED_ENTRIES]:
            entry = _add(feed, "entry")
            _add(entry, "id", _urn(item.dedupe_key))
            _add(entry, "title", item_title(item)).set("type", "text")
            url = safe_url(item.url)
            if url:
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url)
            if item.published_at:
                _add(entry, "published", _when(item.published_at))
            _add(entry, "updated", _when(item.flagged_at))
            author = one_line(item.author or "") or self.renderer.source(item.source_id)
            ET.SubElement(_add(entry, "author"), f"{{{ATOM}}}name").text = author
            for topic in item.topics:
                ET.SubElement(entry, f"{{{ATOM}}}category", term=topic,
                              label=self.renderer.config.topic_labels.get(topic, topic))
            mark = ""
            if item.related_only:
                ET.SubElement(entry, f"{{{ATOM}}}category", term=RELATED_TERM, label=RELATED_LABEL)
                mark = f"<p><strong>{html.escape(RELATED_LABEL)}</strong></p>"
            summary = _add(entry, "summary", f"{mark}<p>{html_snippet(one_line(item.snippet))}</p>"
                                             f"{self.renderer.html_also(item)}")
            summary.set("type", "html")  # escaped HTML inside XML: the reader unescapes it once, then renders
        return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)  # readers see the old feed or the new one, never half of one
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """A child element in the Atom namespace."""
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _urn(key: str) -> str:
    """A stable Atom id: the same key gives the same id, so readers never show an entry twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, key).urn


def _when(moment: datetime) -> str:
    """An RFC 3339 timestamp in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
