"""Sample content for the demo WordPress branch sites: twelve and seven posts, each labelled with its topics.

All prose is original sample text in the style of a UNISON Scotland local government branch website.
`expected_topics` follows the labelling rules in demo/content.py and is judged on the title and body only
(never comments, related posts, share buttons, sidebars or menus, which carry topic words on purpose).

Titles are stored as an editor types them (straight quotes, "&", "--"); `texturize` renders them the way
WordPress does (curly quotes and dashes as numeric entities, "&" as "&#038;"), and `display_title` is what a
reader sees. Bodies are block-editor HTML as saved; the site appends Jetpack's share, like and related-posts
blocks when it renders them. Times are Scottish local time (GMT in winter, BST in summer).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field

from demo.content import BOC, BOTH, BST, GMT, NONE, PRESS_RELEASE, SS, html_to_text

WP_SITE_NAME = "Strathmore Council UNISON (sample)"
WP_SITE_TAGLINE = "News from a sample UNISON Scotland local government branch"
# A second branch site, in a magazine theme (demo/sites/wordpress_press.py, PRESS_POSTS below).
PRESS_SITE_NAME = "Glenmuir College UNISON (sample)"
PRESS_SITE_TAGLINE = "Support staff news from a sample further education branch"

# (user id, display name) by author slug, as WordPress users.
WP_AUTHORS: dict[str, tuple[int, str]] = {
    "eilidh-ross": (2, "Eilidh Ross"),
    "branch-secretary": (3, "Branch Secretary"),
    "tam-mcgregor": (7, "Tam McGregor"),
}

# What wptexturize does to a title, in the order it matters: "&" first, then dashes, ellipses and quotes.
_BARE_AMPERSAND = re.compile(r"&(?!#?\w+;)")
_TEXTURIZE = (
    (re.compile(r" -- | - "), " &#8211; "),
    (re.compile(r"\.\.\."), "&#8230;"),
    (re.compile(r'(^|[\s(\[])"'), r"\1&#8220;"),
    (re.compile(r'"'), "&#8221;"),
    (re.compile(r"(^|[\s(\[])'"), r"\1&#8216;"),
    (re.compile(r"'"), "&#8217;"),
)


def texturize(text: str) -> str:
    """A title as WordPress renders it: typographic quotes and dashes as numeric entities, "&" as &#038;."""
    text = _BARE_AMPERSAND.sub("&#038;", text)
    for pattern, replacement in _TEXTURIZE:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class WPComment:
    """One approved reader comment (plain text)."""

    author: str
    text: str


@dataclass
class WPPost:
    """One WordPress post; `published` and `modified` are site-local times with their UTC offset."""

    post_id: int
    slug: str
    title: str
    published: dt.datetime
    author: str  # a key of WP_AUTHORS
    categories: list[str]
    tags: list[str]
    body_html: str
    expected_topics: frozenset[str] = NONE
    comments: list[WPComment] = field(default_factory=list)
    modified: dt.datetime | None = None
    sticky: bool = False
    password: str = ""  # a password-protected post shows only its title to the public
    status: str = "publish"

    @property
    def path(self) -> str:
        """Site-relative permalink, /YYYY/MM/DD/slug/ in site-local time."""
        return f"/{self.published:%Y/%m/%d}/{self.slug}/"

    @property
    def last_modified(self) -> dt.datetime:
        """When the post was last saved (its publication time if never edited)."""
        return self.modified or self.published

    @property
    def display_title(self) -> str:
        """The title a reader sees: texturized, entities decoded, surrounding whitespace dropped."""
        return html.unescape(texturize(self.title)).strip()

    @property
    def body_text(self) -> str:
        """The body as plain text; empty for the public when the post is password-protected."""
        return "" if self.password else html_to_text(self.body_html)

    @property
    def text(self) -> str:
        """Title plus body: exactly the text `expected_topics` is judged on."""
        return f"{self.display_title}\n\n{self.body_text}"


WP_POSTS: list[WPPost] = [
    WPPost(
        1187, "branch-agm-and-nominations",
        "Branch AGM - nominations now open",
        dt.datetime(2023, 9, 4, 9, 0, tzinfo=BST), "branch-secretary", ["Branch news"], ["AGM"],
        "<p>The branch annual general meeting takes place on Wednesday 4 October at 5.30pm in the Burgh "
        "Halls, with a hybrid link for members working in outlying offices.</p>\n"
        "<p>Nominations are open for chair, secretary, treasurer, equalities, education and welfare "
        "officers. Forms are available from the branch office and must be returned by 22 September.</p>\n"
        "<p>Members who need help with childcare or carer costs to attend should contact the office in "
        "advance &#8211; every member is welcome.</p>",
        expected_topics=NONE, sticky=True,
    ),
    WPPost(
        1203, "ten-years-of-the-joint-ict-service",
        "Ten years of the joint ICT service",
        dt.datetime(2023, 10, 12, 14, 20, tzinfo=BST), "tam-mcgregor", ["News"], ["ICT", "partnership"],
        "<p>It is ten years since the council&#8217;s ICT team began supporting the local schools as well as "
        "council offices. The servers and the help desk are services shared with the education department, "
        "not with any other council, and staff stayed on council terms throughout.</p>\n"
        "<p>At the anniversary event the head of service and our stewards shared the view that services "
        "are only as good as the people who run them, and that the team&#8217;s vacancies need filling.</p>",
        expected_topics=NONE,
        comments=[WPComment("Kirsty", "Good to read something positive. Let's hope nobody gets ideas about "
                                      "a shared services company for ICT next.")],
    ),
    WPPost(
        1219, "members-health-and-wellbeing-survey",
        "Members' health & wellbeing survey: the results",
        dt.datetime(2023, 11, 20, 11, 5, tzinfo=GMT), "eilidh-ross", ["Health and safety"], ["survey", "stress"],
        "<p>Over 600 members took part in the branch health and wellbeing survey this autumn. Thank you to "
        "everyone who responded.</p>\n"
        "<h2 class=\"wp-block-heading\">What you told us</h2>\n"
        "<ul class=\"wp-block-list\">\n<li>Two in three members say their workload has grown in the last "
        "year.</li>\n<li>Almost half have worked while unwell because cover was not available.</li>\n"
        "<li>Lone working in housing and social care remains the top safety concern.</li>\n</ul>\n"
        "<p>The branch will take the results to the joint health and safety committee in January.</p>",
        expected_topics=NONE,
        comments=[
            WPComment("Revenues steward", "Workload is worst where the back office cuts have already landed: "
                                          "three people doing the work of five."),
            WPComment("Anonymous", "Ask management about the shared services review while you're at it."),
        ],
    ),
    WPPost(
        1236, "councils-shared-services-plan",
        "Council's \"shared services\" plan: what it means for you",
        dt.datetime(2024, 1, 15, 10, 30, tzinfo=GMT), "eilidh-ross", ["Campaigns", "News"],
        ["consultation", "shared services"],
        "<p>Council officers have published an options paper proposing a shared service centre for payroll, "
        "HR administration and creditor payments, run jointly with the neighbouring authority.</p>\n"
        "<p>The paper promises &#8220;efficiencies&#8221; of £2.4 million over three years. It does not say "
        "where the new centre would be, how many posts would move or what would happen to staff who cannot "
        "travel.</p>\n<p><span id=\"more-1236\"></span></p>\n"
        "<p>The branch has asked for the full business case and for a guarantee that no member will be "
        "compulsorily transferred. Members in the affected teams are invited to a meeting on 24 January.</p>",
        expected_topics=SS, modified=dt.datetime(2024, 1, 16, 8, 45, tzinfo=GMT),
    ),
    WPPost(
        1244, "joint-committee-date",
        "   ",
        dt.datetime(2024, 1, 22, 17, 10, tzinfo=GMT), "branch-secretary", ["Branch news"], [],
        "<p>Quick update: the joint committee considering the shared services proposal now meets on "
        "Thursday 1 February, not 25 January. Stewards&#8217; briefing moves to the Tuesday before.</p>",
        expected_topics=SS,
    ),
    WPPost(
        1251, "stewards-briefing-pack",
        "Shared services: stewards' briefing pack",
        dt.datetime(2024, 1, 29, 9, 15, tzinfo=GMT), "eilidh-ross", ["Stewards"], ["shared services"],
        "<p>This briefing is for branch stewards only. It sets out our bargaining position on the proposed "
        "payroll and HR shared service centre and the questions to raise at team meetings.</p>",
        expected_topics=SS, password="stewards2024",
    ),
    WPPost(
        1262, "back-office-cuts-and-the-budget",
        "Back office cuts & the 2024/25 budget: branch response",
        dt.datetime(2024, 2, 21, 16, 0, tzinfo=GMT), "branch-secretary", ["Budget", "Campaigns"],
        ["back office", "budget"],
        "<p>The council&#8217;s draft budget for 2024/25 includes £3.1 million of so-called back office "
        "savings. In practice that means cutting 70 posts across finance, HR, customer services and "
        "administration.</p>\n"
        "<p>Every one of those jobs supports a frontline service. When the admin support goes, social "
        "workers and teachers end up doing it themselves.</p>\n"
        "<blockquote class=\"wp-block-quote\"><p>&#8220;There is no such thing as a back office job that "
        "nobody needs,&#8221; said the branch secretary.</p></blockquote>\n"
        "<p>We are asking every councillor to vote against the cuts and to use reserves while the "
        "funding settlement is challenged.</p>",
        expected_topics=BOC,
    ),
    WPPost(
        1270, "scottish-budget-local-government-settlement",
        "Scottish budget: the local government settlement explained",
        dt.datetime(2024, 3, 6, 12, 40, tzinfo=GMT), "tam-mcgregor", ["Budget", "News"], ["budget", "Scotland"],
        "<p>The Scottish Government&#8217;s budget leaves councils with a real-terms cut once the council "
        "tax freeze and pay awards are paid for.</p>\n"
        "<p>Ministers say councils should look to shared services and &#8220;digital transformation&#8221; "
        "to close the gap. Our members know what that means: back-office savings that fall on the lowest "
        "paid, and centres that take work away from local communities.</p>\n"
        "<p>UNISON Scotland is calling for a fair funding formula and an end to ring-fencing that leaves "
        "councils no room to protect jobs.</p>",
        expected_topics=BOTH,
    ),
    WPPost(
        1288, "pay-claim-submitted",
        "Pay claim 2024/25 submitted",
        dt.datetime(2024, 4, 2, 10, 0, tzinfo=BST), "branch-secretary", ["Pay & conditions"], ["pay"],
        "<p>The local government trade unions have submitted this year&#8217;s pay claim to COSLA: a "
        "flat-rate increase that protects the lowest paid, a minimum hourly rate of £15, and a shorter "
        "working week with no loss of pay.</p>\n"
        "<p>Watch your inbox for the consultation ballot once an offer is made.</p>",
        expected_topics=NONE,
    ),
    WPPost(
        1295, "a-day-in-revenues-and-benefits",
        "Back office, front line: a day in revenues and benefits",
        dt.datetime(2024, 4, 25, 13, 30, tzinfo=BST), "eilidh-ross", ["Members"], ["member profile"],
        "<p>Jenna has worked in the revenues and benefits back office for twelve years. Her day starts "
        "with the overnight claims queue and ends with calls from tenants worried about arrears.</p>\n"
        "<p>&#8220;People think of us as paper-pushers, but every claim is someone&#8217;s rent,&#8221; "
        "she says. &#8220;Getting it right first time keeps families in their homes.&#8221;</p>",
        expected_topics=NONE,
        comments=[WPComment("Former colleague", "And still they want back office cuts. Shameful.")],
    ),
    WPPost(
        1304, "payroll-efficiency-review",
        "Why \"efficiency\" shouldn't mean fewer staff in payroll",
        dt.datetime(2024, 5, 14, 15, 45, tzinfo=BST), "tam-mcgregor", ["Campaigns"], ["payroll", "back office"],
        "<p>The efficiency review of payroll and pensions administration recommends back-office staffing "
        "reductions of a fifth by 2026, relying on a new self-service system that is still being "
        "tested.</p>\n"
        "<p>Members have seen this before. When the last system went live, overtime and agency spending "
        "went up for two years to fix the errors. The branch will oppose any reduction until the system is "
        "proven.</p>",
        expected_topics=BOC,
    ),
    WPPost(
        1312, "libraries-consultation",
        "Libraries consultation -- have your say...",
        dt.datetime(2024, 6, 3, 9, 30, tzinfo=BST), "eilidh-ross", ["Campaigns"], ["libraries"],
        "<p>The council has opened a consultation on reducing opening hours at six community libraries. "
        "Library staff are our members too, and many of them also run the local council advice desks.</p>\n"
        "<p>Please respond before 30 June and tell the council what your local library means to you.</p>",
        expected_topics=NONE,
    ),
]

# The magazine-theme college branch (demo/sites/wordpress_press.py): its own posts, same labelling rules.
PRESS_POSTS: list[WPPost] = [
    WPPost(
        412, "welcome-new-support-staff",
        "Welcome to new support staff",
        dt.datetime(2023, 8, 21, 8, 30, tzinfo=BST), "branch-secretary", ["Branch news"], ["recruitment"],
        "<p>A warm welcome to everyone starting at the college this term, in the library, the estates team, "
        "the finance office and student services.</p>\n"
        "<p>Your workplace rep will be in touch during induction week. Membership is free for the first "
        "three months for new starts.</p>",
        expected_topics=NONE,
    ),
    WPPost(
        430, "regional-college-merger-proposal",
        "Merger plan - one back office for three colleges?",
        dt.datetime(2023, 11, 8, 12, 15, tzinfo=GMT), "eilidh-ross", ["Campaigns"], ["merger", "shared services"],
        "<p>The regional board has asked the three colleges to consider a shared services model for finance, "
        "HR, payroll and IT from next August, with one team serving every campus.</p>\n"
        "<p>The branch will ask for an equality impact assessment and for the full staffing numbers before "
        "any consultation starts. Members in the affected teams should come to the meeting on 15 "
        "November.</p>",
        expected_topics=SS,
    ),
    WPPost(
        437, "canteen-hours",
        "   ",
        dt.datetime(2023, 11, 20, 16, 40, tzinfo=GMT), "branch-secretary", ["Branch news"], [],
        "<p>The staff canteen now closes at 3pm on Fridays. The branch has raised the change with "
        "facilities, who say it is a trial until Easter.</p>",
        expected_topics=NONE,
    ),
    WPPost(
        445, "budget-cuts-in-student-services",
        "Budget 2024: £1.2m of back office cuts | our response",
        dt.datetime(2024, 2, 2, 10, 0, tzinfo=GMT), "tam-mcgregor", ["Budget"], ["back office", "budget"],
        "<p>The college budget for next year removes £1.2 million from what management calls back office "
        "functions: the exams office, admissions, timetabling and the learning resource centre.</p>\n"
        "<p>These are the people who make sure students sit the right exams in the right rooms. The branch "
        "has written to every board member asking them to reject the cuts.</p>",
        expected_topics=BOC, modified=dt.datetime(2024, 2, 5, 9, 20, tzinfo=GMT),
    ),
    WPPost(
        452, "reps-only-negotiating-notes",
        "Reps only: negotiating notes",
        dt.datetime(2024, 3, 12, 18, 0, tzinfo=GMT), "eilidh-ross", ["Reps"], [],
        "<p>Notes from the last joint negotiating meeting, for workplace reps.</p>",
        expected_topics=NONE, password="reps2024",
    ),
    WPPost(
        460, "lecturers-dispute-support",
        "Support staff and the lecturers' dispute: what you need to know",
        dt.datetime(2024, 4, 30, 9, 45, tzinfo=BST), "branch-secretary", ["News"], ["industrial action"],
        "<p>Our sister union's members are taking action over pay. Support staff are not in dispute and "
        "should work normally, but nobody should be asked to cover a striking lecturer's classes.</p>\n"
        "<p>If a manager asks you to do so, say no politely and tell your rep the same day.</p>",
        expected_topics=NONE,
    ),
    WPPost(
        471, "summer-social",
        "Summer social... and a thank you",
        dt.datetime(2024, 6, 14, 17, 30, tzinfo=BST), "tam-mcgregor", ["Branch news"], ["social"],
        "<p>Thanks to everyone who came to the summer social and to the estates team for the barbecue. "
        "Photos are on the noticeboard outside the staff room.</p>",
        expected_topics=NONE,
    ),
]

# The press release lightly edited under the branch's own title (demo_sites(reposts=True)).
EDITED_RELEASE_POST = WPPost(
    1296, "shared-service-centre-what-it-means-for-us",
    "Shared service centre: what it means for us",
    dt.datetime(2024, 3, 18, 12, 0, tzinfo=GMT), "branch-secretary", ["Campaigns"], ["shared services"],
    "".join(f"<p>{paragraph}</p>\n" for paragraph in [
        PRESS_RELEASE[0].replace("UNISON has warned", "Our union has warned"),
        PRESS_RELEASE[1].replace("published last week", "published on 6 March"),
        *PRESS_RELEASE[2:4]]),
    expected_topics=SS,
)
