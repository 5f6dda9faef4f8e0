"""Text of posts made of images and video: captions and alt text stand in for a body without prose."""

from __future__ import annotations

from lxml import etree

from extractors.html.tree import block_text, text_of

_HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
# <figcaption>, Blogger's caption table cell and WordPress's classic caption paragraph.
CAPTIONS = etree.XPath("descendant::figcaption | descendant::*[" + " or ".join(
    _HAS_CLASS.format(name) for name in ("tr-caption", "wp-caption-text", "wp-element-caption")) + "]")
IMAGES = etree.XPath("descendant::img")


def post_text(element: etree._Element) -> str:
    """The element's text; for a post with no prose besides captions, its captions and image alt texts."""
    text = block_text(element)
    captions = [caption for caption in (text_of(node) for node in CAPTIONS(element)) if caption]
    prose = text
    for caption in captions:
        prose = prose.replace(caption, "")
    return text if prose.strip() else media_text(element)


def media_text(element: etree._Element) -> str:
    """Captions, then the alt (else title) text of each image, once each, one a line; "" when there are none."""
    parts = [text_of(node) for node in CAPTIONS(element)]
    parts += [" ".join((image.get("alt") or image.get("title") or "").split()) for image in IMAGES(element)]
    return "\n".join(dict.fromkeys(part for part in parts if part))
