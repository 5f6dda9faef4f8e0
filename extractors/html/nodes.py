"""The two elements of our own that parsed pages are built from: DOCUMENT and TEXT_HOLDER."""

from __future__ import annotations

# Two elements of our own; the HTML parser lowercases tag names, so no page can hold one. DOCUMENT holds a
# whole parsed page or fragment. TEXT_HOLDER is empty and only carries the text
# after it (its tail): what remove() leaves of an element, and how the event parse stores text lxml takes only
# from its parser. Nothing matches or reads a TEXT_HOLDER but its tail.
DOCUMENT = "DOCUMENT"
TEXT_HOLDER = "TEXT"
