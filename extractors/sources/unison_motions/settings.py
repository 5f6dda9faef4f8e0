"""The UNISON motions database: its paths, page patterns, labels and selectors.

Data only: the extractor in this package reads these; change a selector or limit here."""

from __future__ import annotations

import re

from extractors.html.css import Selector

LISTING_PATH = "policy-motions/"
MOTION_PATH = re.compile(r"^/motions/(?P<year>\d{4})/(?P<group>[a-z0-9-]+)/(?P<slug>[^/]+)/?$")
BACK_LINK = re.compile(r"^\s*back to all motions\s*$", re.IGNORECASE)
CONFERENCE_LINE = re.compile(r"^\d{4}\s.*conference$", re.IGNORECASE)
LABELS = {"conference": "conference", "date": "date", "decision": "decision"}
DECISIONS = ("Carried as Amended", "Carried", "Referred", "Remitted", "Withdrawn", "Lost", "Fell", "Not Reached")
LABEL_DECORATION = re.compile(r"^[\s\-–•*]+|[\s:]+$")
TITLE_SUFFIX = re.compile(r"\s*[|–-]\s*UNISON[^|]*$", re.IGNORECASE)
FIRST_YEAR = 2006  # the motions database starts here
ROLE_LISTING, ROLE_MOTION = "listing", "motion"
MAX_LISTING_PAGES = 2000  # thousands of motions at 10-20 a page; a loop guard, not a limit in practice
ARTICLE_OR_MAIN = Selector("article, main")
# A selector group matches in document order, so this is the page's first h1 wherever it is.
HEADING = Selector("article h1, main h1, h1")
