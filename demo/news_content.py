"""Sample content for the demo news site: local-government news items, each labelled with its topics.

All prose is original sample text in the style of a UK local-news site's council coverage. `expected_topics`
follows the labelling rules in demo/content.py and is judged on the title and paragraphs ONLY (never the
comments, the "Related" and "Most read" lists, the cookie banner, navigation or footer, which carry decoy words).

Most items are article pages. Two are not: a budget consultation published as a PDF, and a story the site
withdrew (its page answers 404, so only its feed summary is left), as real news feeds list them. One item
has no title (a short note), as microblogs and WordPress "aside" posts publish them. Two articles are served
the way old CMS templates serve them: Windows-1252 bytes with the charset declared only in `<meta>`, or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from demo.content import BOC, BOTH, BST, GMT, NONE, PRESS_RELEASE, PRESS_RELEASE_TITLE, SS, Comment

SITE_NAME = "Eastbridge Chronicle"
SITE_TAGLINE = "Council, health and public-service news for Eastbridge and the Marsh Valley"

ARTICLE = "article"  # an HTML article page
PDF = "pdf"  # the entry links to a PDF document
GONE = "gone"  # the entry's page was taken down and answers 404
KINDS = (ARTICLE, PDF, GONE)

# How an article page declares its encoding: UTF-8 in the Content-Type header, or Windows-1252 bytes
# declared only in <meta charset>, or Windows-1252 bytes declared nowhere.
CHARSET_HEADER = "header"
CHARSET_META = "meta"
CHARSET_NONE = "none"

# How an article page states its date: <time datetime> plus article:published_time, or JSON-LD only.
DATES_MARKUP = "markup"
DATES_JSON_LD = "json-ld"

SUMMARY_WORDS = 40
# Jetpack-style "Related" block that the plugin injects inside the article's content <div>.
RELATED = (
    "Shared services review: councils to decide by spring",
    "Back-office cuts to save \u00a33m, says finance chief",
)
MOST_READ = (
    "Shared services shake-up: what the merger means for council jobs",
    "Back-office cuts: the full list of posts at risk at County Hall",
    "Hospital car park charges to rise again",
    "Pictures: Eastbridge carnival returns after five years",
    "Back office jobs to go in shared service review, union claims",
)


@dataclass
class NewsItem:
    """One entry of the news site's feeds: an article page, a PDF or a withdrawn story."""

    post_id: int
    slug: str
    title: str
    published: dt.datetime  # aware, in UK local time
    author: str
    categories: list[str]
    paragraphs: list[str]  # plain text; the site escapes it
    expected_topics: frozenset[str] = NONE
    kind: str = ARTICLE
    role: str = "Local Democracy Reporter"
    updated: dt.datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    charset: str = CHARSET_HEADER
    dates: str = DATES_MARKUP

    @property
    def path(self) -> str:
        """Site-relative URL the entry links to."""
        if self.kind == PDF:
            return f"/wp-content/uploads/{self.published:%Y/%m}/{self.slug}.pdf"
        return f"/news/{self.published:%Y/%m}/{self.slug}/"

    @property
    def last_updated(self) -> dt.datetime:
        """When the item was last edited (its publication time if never)."""
        return self.updated or self.published

    @property
    def summary(self) -> str:
        """The feed description: the opening words, cut WordPress-style."""
        words = " ".join(self.paragraphs).split()
        return " ".join(words[:SUMMARY_WORDS]) + (" [\u2026]" if len(words) > SUMMARY_WORDS else "")

    @property
    def body_text(self) -> str:
        """The article text a reader sees: one paragraph per line."""
        return "\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        """Title plus body: exactly the text `expected_topics` is judged on."""
        return f"{self.title}\n\n{self.body_text}"


NEWS_ITEMS: list[NewsItem] = [
    NewsItem(
        post_id=4127, slug="eastbridge-and-northvale-agree-shared-services-deal",
        title="Eastbridge and Northvale agree shared services deal for revenues and benefits",
        published=dt.datetime(2024, 3, 12, 9, 15, tzinfo=GMT), author="Priya Natarajan",
        categories=["Council", "Jobs"],
        paragraphs=[
            "Eastbridge Borough Council and Northvale District Council will run their revenues and benefits "
            "teams as a single shared service from October, after both cabinets approved the plan on Monday "
            "evening.",
            "The joint team will be managed from Northvale House in Marshford. Council tax billing, business "
            "rates and housing benefit claims for both areas will be processed there, although Eastbridge "
            "residents will still be able to visit the customer centre on Bridge Street.",
            "A report to cabinet says merging the two back-office teams should deliver savings of "
            "\u00a31.2m a year by 2026, most of it from 31 posts that will not be filled when staff leave.",
            "Councillor Helen Marsh, Eastbridge\u2019s cabinet member for resources, said the councils had "
            "\u201cno realistic alternative\u201d if they were to protect frontline services.",
            "The local UNISON branch said it would be seeking guarantees that no one would be made "
            "compulsorily redundant and that staff asked to travel to Marshford would have their costs met.",
        ],
        expected_topics=BOTH,
        comments=[
            Comment("Marshford Mike", "Another shared services fiasco in the making. Remember the payroll one?"),
            Comment("B. Clarke", "Fewer staff, longer queues. Back office cuts always end up at the counter."),
        ],
    ),
    NewsItem(
        post_id=4119, slug="library-hours-protected-as-county-budget-approved",
        title="Library hours protected as county budget is approved",
        published=dt.datetime(2024, 3, 7, 17, 40, tzinfo=GMT), author="Tom Hadley", role="Chief Reporter",
        categories=["Council", "Libraries"],
        paragraphs=[
            "Opening hours at all eleven Marsh County libraries will stay the same next year after councillors "
            "voted through the county\u2019s budget at a meeting that ran late into Thursday evening.",
            "An earlier proposal to close five smaller branches on Mondays was dropped after more than 4,000 "
            "people responded to the consultation, most of them opposed.",
            "The mobile library, a service shared with Northvale since 2019, will also keep its fortnightly "
            "route around the villages.",
            "The county\u2019s finance director told the meeting that the decision would be paid for from "
            "reserves this year and would have to be looked at again next spring.",
        ],
        expected_topics=NONE,
        comments=[
            Comment("Reader in Wexcombe", "Good news, but watch for shared services and back-office cuts next "
                                          "year instead."),
        ],
    ),
    NewsItem(
        post_id=4102, slug="council-tax-to-rise-as-leader-warns-of-impossible-choices",
        title="Council tax to rise 4.99% as leader warns of \u201cimpossible choices\u201d",
        published=dt.datetime(2024, 2, 27, 10, 0, tzinfo=GMT), author="Priya Natarajan",
        categories=["Council", "Budget"],
        paragraphs=[
            "Band D households in Eastbridge will pay \u00a32,148.36 in council tax from April, a rise of "
            "\u00a3102.09, after the borough agreed the largest increase it is allowed without a referendum.",
            "Council leader Sam Okafor told the budget meeting the authority faced \u201cimpossible choices\u201d "
            "and that \u2018every line\u2019 of spending had been examined.",
            "The budget relies on \u00a32.4m of savings. About \u00a3800,000 is to come from back-office "
            "savings, including closing the print room and cutting the number of managers in finance and HR.",
            "Opposition councillors said the rise would hit families already struggling with energy bills "
            "and called for the council to draw more heavily on its reserves.",
        ],
        expected_topics=BOC, charset=CHARSET_META,
        comments=[Comment("Taxpayer", "\u00a3102 more for the same bin collections.")],
    ),
    NewsItem(
        post_id=4096, slug="budget-consultation-2024-25", kind=PDF,
        title="Budget consultation 2024/25: the full document",
        published=dt.datetime(2024, 2, 20, 12, 0, tzinfo=GMT), author="Eastbridge Chronicle",
        categories=["Budget"],
        paragraphs=["The council\u2019s consultation document on next year\u2019s budget, as published."],
    ),
    NewsItem(
        post_id=4088, slug="unions-warn-back-office-cuts-will-hit-frontline",
        title="Unions warn back-office cuts will leave frontline staff doing the admin",
        published=dt.datetime(2024, 2, 14, 12, 30, tzinfo=GMT), author="Megan Price",
        role="Health and Social Care Reporter",
        categories=["Jobs", "Unions"],
        paragraphs=[
            "Social workers and housing officers will spend more of their week on paperwork if Marsh County "
            "presses ahead with back-office cuts, three unions have warned.",
            "The county plans to remove 58 administrative posts over two years. A joint letter from UNISON, "
            "GMB and Unite says the work those staff do will not disappear but will land on professionals "
            "whose time is already stretched.",
            "\u201cWhen you take away the person who books the interpreter and chases the invoice, the social "
            "worker does it instead,\u201d said branch secretary Dawn Ellis.",
            "The council said it was investing in new case-management software that would reduce the need "
            "for manual data entry.",
        ],
        expected_topics=BOC,
    ),
    NewsItem(
        post_id=4075, slug="leisure-operator-named-for-marshford-pool", kind=GONE,
        title="Leisure operator named for Marshford pool",
        published=dt.datetime(2024, 2, 1, 16, 0, tzinfo=GMT), author="Tom Hadley",
        categories=["Council"],
        paragraphs=["A new operator has been chosen to run Marshford swimming pool from the summer."],
    ),
    NewsItem(
        post_id=4061, slug="bin-collection-rounds-to-change-from-april",
        title="Bin collection rounds to change from April",
        published=dt.datetime(2024, 1, 25, 8, 0, tzinfo=GMT), author="Tom Hadley", role="Chief Reporter",
        categories=["Council", "Environment"],
        paragraphs=[
            "Around 9,000 households in Eastbridge will have their bins emptied on a different day from the "
            "first week of April as the council redraws its collection rounds.",
            "The changes follow the opening of the new depot at Fenside, which means lorries no longer have to "
            "cross the town centre at the start of each shift.",
            "Residents affected will receive a letter and a new calendar in March. Garden waste collections "
            "are not changing.",
        ],
        expected_topics=NONE,
        comments=[
            Comment("Fenside resident", "Is this the start of the back office cuts they were talking about?"),
            Comment("Eastbridge Chronicle", "No: the council says the change is about the new depot."),
        ],
    ),
    NewsItem(
        post_id=4050, slug="parish-precept-what-the-rise-pays-for",
        title="Parish precept: what the \u00a31.50 rise pays for",
        published=dt.datetime(2024, 1, 18, 19, 5, tzinfo=GMT), author="Megan Price", role="Reporter",
        categories=["Parish councils"],
        paragraphs=[
            "Wexcombe Parish Council has set its precept at \u00a348,200 for next year, adding about "
            "\u00a31.50 to a Band D bill.",
            "The chair, Ruth Adeyemi, said the money would keep the village hall open and pay for a new "
            "defibrillator outside the shop. \u201cIt\u2019s not glamorous, but it\u2019s what people "
            "asked for,\u201d she said.",
            "One resident at the meeting called the rise \u2018a tax on goodwill\u2019, but the vote was "
            "unanimous.",
        ],
        expected_topics=NONE, charset=CHARSET_NONE,
    ),
    NewsItem(  # an untitled note, as WordPress's "aside" format and microblogs publish them
        post_id=4041, slug="4041", title="",
        published=dt.datetime(2024, 1, 10, 13, 30, tzinfo=GMT), author="Megan Price", role="Reporter",
        categories=["Council"],
        paragraphs=[
            "Quick note from the council chamber: the vote on the Marshford library opening hours has been "
            "put back to the February meeting after councillors asked for the footfall figures.",
        ],
    ),
    NewsItem(
        post_id=4032, slug="payroll-shared-service-centre-to-close-eastbridge-office",
        title="Payroll shared service centre to close its Eastbridge office",
        published=dt.datetime(2023, 12, 6, 11, 20, tzinfo=GMT), author="Priya Natarajan",
        categories=["Jobs"],
        paragraphs=[
            "The shared service centre that pays staff at four councils and two fire services is to close its "
            "Eastbridge office next summer and move the work to its main site in Castleford.",
            "Twenty-two people work in the Eastbridge office. The company that runs the centre says all of "
            "them will be offered jobs in Castleford or the option of working from home.",
            "The centre was set up in 2015 and has been criticised by councillors after a run of late and "
            "incorrect payments in 2022.",
        ],
        expected_topics=SS, dates=DATES_JSON_LD,
    ),
    NewsItem(
        post_id=4019, slug="audit-committee-told-savings-plan-relies-on-untested-it",
        title="Audit committee told savings plan relies on untested IT",
        published=dt.datetime(2023, 10, 19, 15, 45, tzinfo=BST), author="Tom Hadley", role="Chief Reporter",
        categories=["Council", "Audit"],
        updated=dt.datetime(2023, 10, 20, 9, 0, tzinfo=BST),
        paragraphs=[
            "Marsh County\u2019s external auditors have told councillors they cannot yet say whether the "
            "authority\u2019s three-year savings plan is realistic.",
            "Much of the plan depends on a new finance system that has not been tested. The auditors noted "
            "that the servers are still housed in the back office behind the old council chamber, which "
            "flooded in 2021.",
            "The committee asked officers to return in January with a timetable for moving the equipment and "
            "a fallback plan if the system is late.",
        ],
        expected_topics=NONE,
    ),
]

# Published after the first crawl in tests and the demo, to show incremental runs.
# The union press release that branch sites repost (demo_sites(reposts=True)).
PRESS_RELEASE_ITEM = NewsItem(
    post_id=4131, slug="union-warns-shared-service-centre-plan-puts-jobs-at-risk", title=PRESS_RELEASE_TITLE,
    published=dt.datetime(2024, 3, 13, 11, 0, tzinfo=GMT), author="Eastbridge Chronicle", role="Press release",
    categories=["Council", "Jobs"], paragraphs=list(PRESS_RELEASE), expected_topics=SS,
)


LATE_ITEM = NewsItem(
    post_id=4133, slug="cabinet-backs-review-of-shared-services-with-county",
    title="Cabinet backs review of shared services with the county",
    published=dt.datetime(2024, 3, 15, 14, 0, tzinfo=GMT), author="Priya Natarajan",
    categories=["Council"],
    paragraphs=[
        "Eastbridge\u2019s cabinet has agreed to look at sharing legal, procurement and IT services with "
        "Marsh County, a week after approving a joint revenues and benefits team with Northvale.",
        "A report will come back in the summer. Officers said no decisions about staff had been made.",
    ],
    expected_topics=SS,
)
