"""Sample content for the demo sites: conference motions and two blogs, each item labelled with its topics.

All prose is original sample text written in the style of UNISON conference motions and branch blogs.

`expected_topics` is what a correct classifier must flag from the item's title and body ONLY (never
comments, sidebars, navigation or footers). The labelling rules:

- "shared_services": the noun phrase "shared service(s)" in any surface form ("Shared Services",
  "shared-services", "shared service centre", "shared-service company", the words split by an inline tag
  or a line break). "services shared with" and "shared the view that services" do not count.
- "back_office_cuts": "back office" / "back-office" / ‘back office’ within a few words of cuts, savings,
  reductions (also the misspelling "reducations"), consolidation or staffing reductions. A back office
  mentioned in any other sense, or cuts that only touch the front line, do not count.

`expected_related` marks the items a careful reader calls related to the campaign although the topic rules
cannot flag them (no topic words: integrating or pooling support functions to save money, described without
the campaign's name). Flagged items are related anyway. Near misses that share the vocabulary ("shared care
records", a "shared service user forum", a branch office moving, a pay claim about savings)
are left unmarked.

Motion bodies are lists of plain-text blocks rendered by the motions site: a block starting with
LIST_ITEM becomes an `<li>` of an `<ol>` (consecutive items share one list), any other block a `<p>`;
inside a block, `*word*` becomes `<em>word</em>` and a newline becomes `<br>`. Blog bodies are HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from typing import Any

SHARED_SERVICES = "shared_services"
BACK_OFFICE_CUTS = "back_office_cuts"
TOPICS = frozenset({SHARED_SERVICES, BACK_OFFICE_CUTS})
SS = frozenset({SHARED_SERVICES})
BOC = frozenset({BACK_OFFICE_CUTS})
BOTH = TOPICS
NONE: frozenset[str] = frozenset()

LIST_ITEM = "- "
EMPHASIS = re.compile(r"\*([^*\n]+)\*")
BREAK_TAG = re.compile(r"<br\s*/?>|</p>|</li>|</div>|</blockquote>", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]+>")

GMT = dt.timezone(dt.timedelta(0))
BST = dt.timezone(dt.timedelta(hours=1))
PST = dt.timezone(dt.timedelta(hours=-8))
PDT = dt.timezone(dt.timedelta(hours=-7))

LG_CONF = "Local Government Service Group Conference"
HEALTH_CONF = "Health Care Service Group Conference"
NDC = "National Delegate Conference"

ACTIVE_BLOG_ID = "4428917562398714520"
ACTIVE_BLOG_DESCRIPTION = (
    "An unofficial sample blog written by UNISON activists for UNISON activists: news, briefings and events "
    "from the left of the union."
)
BRANCH_BLOG_ID = "8120334471926650193"
BRANCH_BLOG_DESCRIPTION = "News and views from a (sample) UNISON Scotland local government branch."


# A union press release the news site carries (demo/news_content.py) and two branch sites repost: the branch
# blog verbatim behind an intro line, the WordPress site lightly edited under its own title. One story.
PRESS_RELEASE_TITLE = "Union warns shared service centre plan puts 150 council jobs at risk"
PRESS_RELEASE = [
    "UNISON has warned that plans to move payroll, HR and finance staff from three Marsh Valley councils into a "
    "single shared service centre at Northvale House put more than 150 jobs at risk and will not deliver the "
    "savings councillors have been promised.",
    "The business case, published last week, assumes that a third of the posts in the three back-office teams "
    "can go within two years of the centre opening, while the new software the plan depends on has not yet been "
    "bought.",
    "UNISON Marsh Valley branch secretary Alison Kerr said: \u201cStaff have seen this film before. Every shared "
    "service scheme in this region has cost more than it was meant to and taken longer to set up, and it is the "
    "people who process the pay and pay the bills who end up paying the price.\u201d",
    "The union is asking all three councils to publish the full options appraisal, including the option of "
    "improving the existing teams in house, before any decision is taken at the joint committee on 28 March.",
    "UNISON is the UK\u2019s largest union, with more than 1.3 million members providing public services. "
    "For further information contact the UNISON press office.",
]


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, block ends and <br> as newlines, entities decoded."""
    return html.unescape(ANY_TAG.sub("", BREAK_TAG.sub("\n", fragment))).strip()


@dataclass
class Motion:
    """One conference motion as published in the motions database."""

    slug: str
    year: int
    group: str
    title: str
    conference: str
    date: dt.date
    decision: str | None
    layout: str
    body: list[str]
    expected_topics: frozenset[str]
    expected_related: bool = False

    @property
    def path(self) -> str:
        """Site-relative URL of the motion page."""
        return f"/motions/{self.year}/{self.group}/{self.slug}/"

    @property
    def body_text(self) -> str:
        """The body as plain text, one block per paragraph."""
        blocks = (b.removeprefix(LIST_ITEM) for b in self.body)
        return "\n\n".join(EMPHASIS.sub(r"\1", b) for b in blocks)

    @property
    def text(self) -> str:
        """Title plus body: exactly the text `expected_topics` is judged on."""
        return f"{self.title}\n\n{self.body_text}"


@dataclass
class Comment:
    """One reader comment under a blog post (plain text)."""

    author: str
    text: str


@dataclass
class BlogPost:
    """One Blogger post; `published` is in the blog's own time zone."""

    post_id: str
    blog_id: str
    slug: str
    title: str
    published: dt.datetime
    author: str
    labels: list[str]
    body_html: str
    comments: list[Comment] = field(default_factory=list)
    expected_topics: frozenset[str] = NONE
    updated: dt.datetime | None = None
    popular: bool = False  # listed in the "Popular Posts" sidebar widget on every page
    expected_related: bool = False

    @property
    def path(self) -> str:
        """Site-relative permalink, /YYYY/MM/slug.html in the blog's time zone."""
        return f"/{self.published:%Y/%m}/{self.slug}.html"

    @property
    def last_updated(self) -> dt.datetime:
        """When the post was last edited (its publication time if never)."""
        return self.updated or self.published

    @property
    def body_text(self) -> str:
        """The body as plain text."""
        return html_to_text(self.body_html)

    @property
    def text(self) -> str:
        """Title plus body: exactly the text `expected_topics` is judged on."""
        return f"{self.title}\n\n{self.body_text}"


MOTIONS: list[Motion] = [
    Motion(
        slug="shared-service-centres-and-offshoring-a-threat-to-local-jobs",
        year=2006, group="local-government",
        title="Shared Service Centres and Offshoring – A Threat to Local Jobs",
        conference=f"2006 {LG_CONF}", date=dt.date(2006, 2, 24), decision="Carried as Amended", layout="b",
        body=[
            "Conference is concerned that councils are being encouraged to move benefits, payroll and "
            "revenues work into shared service centres, often run by a private contractor or by another "
            "authority many miles away.",
            "Modern IT means a housing benefit claim can be assessed in any office in the country, or "
            "overseas. Work that once kept money circulating in the local high street is being moved to "
            "wherever labour is cheapest, and the two-tier workforce code offers little protection to those "
            "who move with it.",
            "Staff who have built up years of knowledge of local claimants are told to relocate or reapply "
            "for their own jobs, and service users lose the chance to speak to someone who knows their area.",
            "Conference therefore instructs the Service Group Executive to:",
            "- map where shared service centres, offshoring and remote processing are proposed or operating;",
            "- assess the effect on jobs, pay, conditions and pensions;",
            "- publish bargaining advice for branches facing these proposals;",
            "- press the Minister to extend the two-tier workforce code to work moved between public bodies;",
            "- provide training for branch activists on TUPE and procurement.",
        ],
        expected_topics=SS,
    ),
    Motion(
        slug="fair-pay-for-public-service-workers",
        year=2006, group="national-delegate-conference",
        title="Fair Pay for Public Service Workers",
        conference=f"2006 {NDC}", date=dt.date(2006, 2, 14), decision="Carried", layout="c",
        body=[
            "Conference notes that for the third year running pay settlements in local government, the "
            "health service and police staff have fallen behind inflation as measured by RPI.",
            "Low pay remains concentrated among women, part-time and black workers, many of whom rely on "
            "in-work benefits to make ends meet.",
            "Conference calls on the National Executive Council to:",
            "1)Coordinate pay claims across service groups so that settlements are pursued on a common "
            "timetable;",
            "2)Campaign for a minimum rate in the public services of at least £6 an hour;",
            "3)Resist any attempt to introduce regional or local pay bargaining.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="shared-services",
        year=2008, group="local-government",
        title="Shared Services",
        conference=f"2008 {LG_CONF}", date=dt.date(2008, 6, 12), decision=None, layout="a",
        body=[
            "Conference notes:",
            "1.that ministers expect councils to deliver efficiency gains of three per cent year on year, "
            "and that sharing functions between authorities is being promoted as the main way to find them;",
            "2.that many of the proposals now reaching branches involve a private sector partner from the "
            "outset.",
            "Conference accepts that genuine co-operation between public bodies can improve services and "
            "make better use of public money. However, shared services are too often a first step towards "
            "outsourcing, and the staff affected face transfer, relocation or redundancy with little say in "
            "the process.",
            "Therefore Conference calls on the Service Group Executive to:",
            "1)Work with regions and branches on a campaign strategy for responding to shared services, "
            "which should:",
            "a)Identify every authority where a shared services scheme is being planned;",
            "b)Involve the devolved administrations and the other service groups;",
            "c)Set out the case for in-house collaboration as an alternative to outsourcing;",
            "2)Publish branch guidance on bargaining over secondment and transfer;",
            "3)Hold a national seminar for branches already dealing with these schemes.",
        ],
        expected_topics=SS,
    ),
    Motion(
        slug="shared-services-2",
        year=2009, group="national-delegate-conference",
        title="Shared Services",
        conference=f"2009 {NDC}", date=dt.date(2009, 5, 29), decision=None, layout="a",
        body=[
            "Conference believes that the recession is being used as an excuse to restructure public "
            "services at the expense of the people who deliver them.",
            "Across local government, health and the civil service, employers are drawing up plans for "
            "*shared* services in finance, human resources, payroll and procurement. These plans are rarely "
            "about better services; they are ‘back office’ cuts dressed up as modernisation.",
            "Experience in the civil service shows that promised efficiencies are slow to appear, while the "
            "upfront costs of new IT systems and relocation run far over budget.",
            "Conference instructs the National Executive Council to:",
            "- coordinate the work of service groups on these proposals so that branches are not picked off "
            "one at a time;",
            "- collect evidence on the real costs of completed schemes;",
            "- campaign for public services to stay in-house and under democratic control.",
        ],
        expected_topics=BOTH,
    ),
    Motion(
        slug="shared-services-3",
        year=2010, group="local-government",
        title="Shared Services",
        conference=f"2010 {LG_CONF}", date=dt.date(2010, 5, 25), decision="Carried", layout="b",
        body=[
            "Conference notes that Shared Services are spreading quickly across local government, with "
            "neighbouring councils merging whole departments under a single management team.",
            "In many areas the shared-services agenda has moved on from payroll and finance to frontline "
            "functions such as environmental health, trading standards and legal services.",
            "Conference is aware of branches where:",
            "1)Two neighbouring boroughs have agreed a joint chief executive and plan to merge every "
            "department by 2012;",
            "2)A county and its districts have set up a joint company to run revenues and benefits.",
            "Conference calls on the Service Group Executive to work with regions to:",
            "a)Identify those instances where councils are merging services and the terms on which staff "
            "are being moved;",
            "b)Produce model agreements that protect pay, pensions and facility time when staff transfer;",
            "c)Ensure branches in each authority negotiate jointly rather than separately.",
        ],
        expected_topics=SS,
    ),
    Motion(
        slug="valuing-administrative-and-clerical-staff",
        year=2011, group="health",
        title="Valuing Administrative and Clerical Staff",
        conference=f"2011 {HEALTH_CONF}", date=dt.date(2010, 11, 19), decision=None, layout="b",
        body=[
            "Conference recognises the skill and commitment of administrative and clerical staff, who keep "
            "the health service running but are too often forgotten when its achievements are celebrated.",
            "Medical secretaries, ward clerks, receptionists and finance staff are the first point of "
            "contact for many patients. In one trust the back office team processed claims for travel "
            "expenses within five working days, well ahead of the national target, and patients noticed the "
            "difference.",
            "Despite this, many of these members remain in lower bands than their responsibilities justify, "
            "and few have access to training or a route into clinical or management roles.",
            "Conference calls on the Service Group Executive to:",
            "- campaign for a fair review of banding for administrative and clerical posts;",
            "- negotiate protected time for training and development;",
            "- promote the contribution of these staff in UNISON health publications.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="defending-back-office-jobs",
        year=2011, group="local-government",
        title="Defending Back-Office Jobs",
        conference=f"2011 {LG_CONF}", date=dt.date(2011, 2, 17), decision="Carried as Amended", layout="c",
        body=[
            "Conference notes that councils across the UK are planning deep back-office staffing "
            "reducations to balance their budgets after the Comprehensive Spending Review.",
            "Ministers claim the front line can be protected by squeezing administration, but support staff "
            "in HR, finance, IT and customer services are what allow frontline workers to do their jobs. "
            "The back-office savings promised by ministers usually come back as extra paperwork for social "
            "workers and teachers, which is a false economy.",
            "Conference calls on the Service Group Executive to:",
            "- gather evidence from branches on the effect of losing administrative support;",
            "- publish a briefing challenging the idea that posts away from the front line are expendable;",
            "- support branches balloting for action against compulsory redundancies.",
        ],
        expected_topics=BOC,
    ),
    Motion(
        slug="shared-services-integration",
        year=2012, group="health",
        title="Shared Services Integration",
        conference=f"2012 {HEALTH_CONF}", date=dt.date(2011, 11, 24), decision="Carried as Amended",
        layout="b",
        body=[
            "Conference notes the growing number of NHS trusts and primary care organisations being pressed "
            "to pool finance, payroll, procurement and IT into a single shared\nservice centre for their "
            "area.",
            "Conference believes that back office consolidation on this scale puts thousands of "
            "administrative jobs at risk, moves work away from the communities it serves and weakens the "
            "links between support staff and clinical teams.",
            "Conference further notes that the efficiencies promised by earlier national schemes took years "
            "longer than planned to materialise.",
            "Conference calls on the Service Group Executive to:",
            "- insist that any integration proposal is subject to full consultation and an equality impact "
            "assessment;",
            "- seek agreement that staff remain NHS employees on Agenda for Change terms;",
            "- exchange information with other service groups facing similar proposals.",
        ],
        expected_topics=BOTH,
    ),
    Motion(
        slug="defending-frontline-services",
        year=2013, group="national-delegate-conference",
        title="Defending Frontline Services",
        conference=f"2013 {NDC}", date=dt.date(2013, 2, 4), decision="Carried", layout="c",
        body=[
            "Conference condemns the government’s programme of cuts, which has now reached the services "
            "that people rely on every day.",
            "Libraries are closing, youth services have been cut by more than a third in some areas, and "
            "care visits have been reduced to fifteen minutes. Front-line staff are asked to do more with "
            "less, and service users are paying the price.",
            "Conference believes there is an alternative: closing the tax gap, investing in jobs and "
            "building homes would do more to reduce the deficit than cutting the services that hold "
            "communities together.",
            "Conference instructs the National Executive Council to:",
            "1)Support local campaigns against library, care and youth service closures;",
            "2)Work with the TUC and community groups on a national demonstration;",
            "3)Publish evidence of the impact of the cuts on women and disabled people.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="libraries-and-community-hubs",
        year=2014, group="local-government",
        title="Libraries and Community Hubs",
        conference=f"2014 {LG_CONF}", date=dt.date(2014, 2, 20), decision=None, layout="a",
        body=[
            "Conference notes the spread of community hubs, where libraries, advice desks and council "
            "offices operate from a single building, often with services shared with the local health board "
            "and the police.",
            "Branches consulted on this motion shared the view that services in hubs can work well for "
            "residents when they are properly staffed by trained council employees.",
            "However, Conference is concerned that some councils are using hubs to replace professional "
            "library staff with volunteers and to shorten opening hours.",
            "Conference calls on the Service Group Executive to:",
            "- produce guidance for branches negotiating over the staffing of community hubs;",
            "- work with the professional body for librarians to defend qualified posts;",
            "- oppose the replacement of paid staff by volunteers.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="supporting-members-through-service-transformation",
        year=2016, group="health",
        title="Supporting Members Through Service Transformation",
        conference=f"2016 {HEALTH_CONF}", date=dt.date(2015, 12, 2), decision="Referred", layout="b",
        body=[
            "Conference notes that health bodies are being reorganised yet again, this time under plans "
            "drawn up with almost no involvement from staff or their unions.",
            "Many of these plans assume back-office reductions of up to a third in administration, estates "
            "and clinical support, on top of the cuts to ‘back office’ functions already made since 2010.",
            "Members facing another restructure report high levels of stress, and some are being downbanded "
            "when they apply for posts in the new structures.",
            "Conference calls on the Service Group Executive to:",
            "- produce a toolkit for branches negotiating over organisational change;",
            "- press for pay protection for anyone downbanded through restructuring;",
            "- monitor the effect of the plans on administrative and support staff.",
        ],
        expected_topics=BOC,
    ),
    Motion(
        slug="supporting-members-through-service-transformation-2",
        year=2017, group="health",
        title="Supporting Members Through Service Transformation",
        conference=f"2017 {HEALTH_CONF}", date=dt.date(2016, 12, 16), decision="Carried as Amended",
        layout="c",
        body=[
            "Conference welcomes the work done since last year’s conference to support branches through "
            "organisational change, including the new guide to restructuring.",
            "The pace of change has not slowed. Trusts in several regions are moving payroll, recruitment "
            "and occupational health into shared-service providers, some of them owned jointly with private "
            "companies.",
            "Conference is concerned that staff transferred into these bodies can lose access to the NHS "
            "pension scheme and to national pay bargaining.",
            "Conference calls on the Service Group Executive to:",
            "- negotiate a national framework covering staff moved into joint ventures;",
            "- ensure branches are told at the earliest stage when a transfer is proposed;",
            "- work with UNISON’s legal team to test the protections available under TUPE.",
        ],
        expected_topics=SS,
    ),
    Motion(
        slug="rule-d-3-4-composition-of-the-national-executive-council",
        year=2017, group="national-delegate-conference",
        title="Rule D.3.4 – Composition of the National Executive Council",
        conference=f"2017 {NDC}", date=dt.date(2017, 1, 17), decision="Carried", layout="c",
        body=[
            "Rule D.3.4",
            "Delete the second sentence and insert:",
            "“Each region shall elect two members of the National Executive Council, at least one of whom "
            "shall be a woman. A region with more than 100,000 members shall elect one further member to a "
            "seat reserved for a low-paid woman member.”",
            "Renumber the following sub-clauses accordingly.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="closing-the-disability-pay-gap",
        year=2019, group="national-delegate-conference",
        title="Closing the Disability Pay Gap",
        conference=f"2019 {NDC}", date=dt.date(2019, 1, 21), decision="Remitted", layout="b",
        body=[
            "Conference notes that disabled workers in the UK earn on average around 15 per cent less than "
            "non-disabled workers, and that the gap is wider still for disabled women.",
            "Unlike gender pay gap reporting, there is no legal duty on employers to publish figures for "
            "disabled staff, and many employers do not collect the information at all.",
            "Conference calls on the National Executive Council to:",
            "- campaign for mandatory disability pay gap reporting by employers with 250 or more staff;",
            "- produce bargaining advice on collecting workforce data sensitively;",
            "- support branches negotiating reasonable adjustments policies.",
        ],
        expected_topics=NONE,
    ),
    Motion(
        slug="funding-councils-after-the-pandemic",
        year=2021, group="local-government",
        title="Funding Councils After the Pandemic",
        conference=f"2021 {LG_CONF}", date=dt.date(2021, 2, 12), decision="Carried", layout="c",
        body=[
            "Conference pays tribute to local government workers who kept services running throughout the "
            "Covid-19 pandemic, often at risk to their own health.",
            "Councils spent hundreds of millions of pounds responding to the crisis and have been only "
            "partly reimbursed. Many are now consulting on budgets that rely on back-office cuts, shorter "
            "opening hours and higher charges to close the gap.",
            "Conference believes that the workers who delivered during the pandemic should not be asked to "
            "pay for it.",
            "Conference calls on the Service Group Executive to:",
            "- campaign for full reimbursement of councils’ pandemic costs;",
            "- support branches resisting job losses in council budgets for 2021/22;",
            "- make the case for a multi-year funding settlement for local government.",
        ],
        expected_topics=BOC,
    ),
    Motion(
        slug="supporting-reps-to-challenge-outsourcing",
        year=2023, group="local-government",
        title="Supporting Reps to Challenge Outsourcing",
        conference=f"2023 National {LG_CONF}", date=dt.date(2023, 2, 17), decision=None, layout="a",
        body=[
            "Conference notes that outsourcing remains a serious threat to members’ jobs and conditions, "
            "even though many councils have brought services back in-house over the last decade.",
            "Procurement rules are changing, and new models such as wholly owned companies and shared "
            "service companies run jointly by several councils are promoted as alternatives to traditional "
            "contracts.",
            "Branch reps are often given only a few weeks to respond to complex business cases, and few "
            "have had training in reading financial information.",
            "Conference calls on the Service Group Executive to:",
            "- develop training for reps on challenging business cases and options appraisals;",
            "- publish a model insourcing toolkit;",
            "- circulate examples of successful campaigns to bring services back in-house.",
        ],
        expected_topics=SS,
    ),
    Motion(
        slug="place-based-budgets-jobs-pay-and-democratic-control",
        year=2011, group="local-government",
        title="Place-Based Budgets: Jobs, Pay and Democratic Control",
        conference=f"2011 {LG_CONF}", date=dt.date(2011, 2, 18), decision="Carried as Amended", layout="b",
        body=[
            "This Conference notes the growth of ‘place-based budget’ pilots, in which councils, health "
            "bodies, the police and other agencies pool their budgets for an area and integrate their "
            "services across organisational boundaries.",
            "While we support initiatives that genuinely improve local services, the pilots have become the "
            "main vehicle for proposals to integrate services to achieve savings. Their business cases centre "
            "on ‘efficiencies’ (ie. cuts) from combining the finance, HR and administrative teams of the "
            "partner bodies, and there has been no meaningful consultation with trade unions.",
            "Conference believes that integration must be under local democratic control and must protect "
            "members’ jobs, pay and conditions.",
            "Conference therefore calls on the Service Group Executive to:",
            "- campaign for full UNISON involvement in every pilot from the earliest stage;",
            "- seek agreements on no compulsory redundancies wherever services are integrated;",
            "- promote public-public co-operation as an alternative to outsourcing.",
        ],
        expected_topics=NONE, expected_related=True,
    ),
    Motion(
        slug="shared-care-records-and-patient-confidentiality",
        year=2014, group="health",
        title="Shared Care Records and Patient Confidentiality",
        conference=f"2014 {HEALTH_CONF}", date=dt.date(2014, 2, 7), decision="Carried", layout="c",
        body=[
            "Conference welcomes the introduction of shared care records, which let GPs, hospital staff, "
            "community nurses and social care workers see the same information about a patient’s medicines "
            "and treatment.",
            "Conference is concerned that staff have had little training in the new systems and that patients "
            "are not always told how to opt out.",
            "Conference calls on the Service Group Executive to:",
            "- press employers to give every member who uses the records paid training time;",
            "- produce guidance for members on patient confidentiality and information governance.",
        ],
        expected_topics=NONE,
    ),
]


def _active(post_id: str, slug: str, title: str, published: dt.datetime, **rest: Any) -> BlogPost:
    """A post on the UNISONActive-style blog."""
    return BlogPost(post_id, ACTIVE_BLOG_ID, slug, title, published, **rest)


def _branch(post_id: str, slug: str, title: str, published: dt.datetime, **rest: Any) -> BlogPost:
    """A post on the branch blog."""
    return BlogPost(post_id, BRANCH_BLOG_ID, slug, title, published, **rest)


ACTIVE_BLOG_POSTS: list[BlogPost] = [
    _active(
        "3190672845513307781", "pre-budget-report-back-office-staffing",
        "Pre-Budget Report: 'back office' staffing reducations and a push for shared services",
        dt.datetime(2009, 12, 10, 9, 12, tzinfo=GMT),
        updated=dt.datetime(2009, 12, 10, 11, 40, 27, tzinfo=GMT),
        author="Kath Mills", labels=["shared services", "back office", "cuts", "Pre-Budget Report"],
        body_html=(
            "Ministers say the spending squeeze will &quot;protect the frontline&quot;. The small print "
            "published by the Cabinet Office alongside this week&#39;s Pre-Budget Report shows how: by "
            "going after what it calls &#39;back office&#39; costs in every council, hospital, school and "
            "police force.<br /><br />The documents set out three steps:<ul><li>league tables comparing "
            "what HR, finance and procurement cost across the public sector;</li><li>back office "
            "consolidation plans from every arm&#39;s-length body in time for Budget "
            "2010;</li><li>expansion of the biggest <i>shared service</i> centres, possibly into a single "
            "company selling support to the whole public sector.</li></ul>None of this is about better "
            "support for frontline staff. These are headcount targets, and the job losses will fall hardest "
            "on low-paid admin workers, most of them women.<br /><br />Branches should ask their employer "
            "now whether it has been approached about shared services &amp; demand to see any business case."
        ),
        comments=[
            Comment("Anonymous", "Same thing at our trust. Payroll is moving to a hub two hours away."),
            Comment("Dave R", "Good summary. Can we use this in the branch newsletter?"),
        ],
        expected_topics=BOTH, popular=True,
    ),
    _active(
        "7743021958836402117", "conference-deadlines-get-your-branch",
        "Conference deadlines: get your branch motions in",
        dt.datetime(2010, 2, 14, 11, 30, tzinfo=GMT),
        author="Tom Ridley", labels=["branches", "conference"],
        body_html=(
            "A reminder that motions for National Delegate Conference must reach the Centre by the end of "
            "the month. If your branch AGM has not met yet, check with your branch secretary whether the "
            "committee can submit on the AGM&#39;s behalf.<br /><br />Tips from last year&#39;s Standing "
            "Orders report:<ol><li>keep it short &#8211; one issue per motion;</li><li>say what you want "
            "the NEC to <b>do</b>, not just what you think;</li><li>check the motion is within the remit of "
            "the conference you are sending it to.</li></ol>"
        ),
    ),
    _active(
        "5520981137460228893", "emergency-budget-frontline-takes-hit",
        "Emergency budget: the frontline takes the hit",
        dt.datetime(2010, 6, 22, 20, 5, tzinfo=BST),
        author="Kath Mills", labels=["cuts", "budget"],
        body_html=(
            "Today&#39;s emergency budget confirms what we feared. Departments outside health and overseas "
            "aid face cuts averaging 25 per cent over four years, VAT goes up to 20 per cent and public "
            "sector pay is frozen for two years.<br /><br />The Chancellor claimed ordinary families would "
            "be protected, but it is frontline services &#8211; libraries, Sure Start centres, home care "
            "&#8211; that will close when council grants are slashed. Housing benefit changes will push "
            "families out of whole areas of London.<br /><br />We need a united response: join the lobby of "
            "Parliament on 7 July and get your branch affiliated to the local anti-cuts alliance."
        ),
    ),
    _active(
        "1068453319927715046", "county-council-plans-shared-service",
        "County council plans shared-service centre for HR and payroll",
        dt.datetime(2010, 10, 23, 10, 20, tzinfo=BST),
        author="Tom Ridley", labels=["shared services", "local government"],
        body_html=(
            "Members at the county have been told that HR, payroll and pensions administration will move to "
            "a new shared-service centre, run jointly with two district councils and the fire authority, "
            "from April.<br /><br />The branch has asked for:<ul><li>the full business case, including the "
            "cost of the new IT system;</li><li>a guarantee of no compulsory redundancies;</li><li>an "
            "equality impact assessment covering part-time staff who cannot travel to the new "
            "site.</li></ul>A members&#39; meeting is booked for Thursday lunchtime in the Shire Hall "
            "canteen. Please come along and bring a colleague."
        ),
        comments=[Comment("Sue", "Will the meeting be repeated for evening shift staff?")],
        expected_topics=SS, popular=True,
    ),
    _active(
        "6612093387145520034", "hutton-interim-report-what-it-means",
        "Hutton interim report: what it means for your pension",
        dt.datetime(2011, 1, 16, 14, 2, tzinfo=GMT),
        author="Kath Mills", labels=["pensions"],
        body_html=(
            "Lord Hutton&#39;s interim report on public service pensions is out, and it is no surprise that "
            "it recommends higher contributions and a later retirement age. What the headlines leave out is "
            "that the average local government pension is under £4,000 a year, and for women it is nearer "
            "£2,800.<br /><br />We will run a briefing for stewards on the detail next month. In the "
            "meantime, <a href=\"http://www.unison.org.uk/pensions/\">UNISON&#39;s pensions pages</a> have "
            "a useful summary."
        ),
        comments=[
            Comment(
                "Anonymous",
                "Meanwhile our council is pushing ahead with shared services for payroll, so there may be "
                "nobody left to pay the pensions!",
            ),
            Comment("Red Admin", "Back office cuts first, pensions second. It's all part of the same plan."),
        ],
    ),
    _active(
        "2984410076539187712", "coaches-to-london-for-march-for",
        "Coaches to London for the March for the Alternative",
        dt.datetime(2011, 3, 26, 6, 10, tzinfo=GMT),
        author="Tom Ridley", labels=["demonstrations"],
        body_html=(
            "Coaches leave the bus station at 7.30am sharp. Bring your branch banner, a packed lunch and "
            "waterproofs.<br /><br />The meeting point in London is on the Embankment near Temple tube, "
            "from 11am. Stewards will be wearing orange bibs."
        ),
    ),
    _active(
        "8839201745561093358", "after-march-back-office-cuts-are",
        "After the march: back-office cuts are frontline cuts",
        dt.datetime(2011, 3, 26, 21, 15, tzinfo=GMT),
        author="Kath Mills", labels=["cuts", "back office", "demonstrations"],
        body_html=(
            "What a day. Half a million people marched through London against the government&#39;s cuts, "
            "and our branch banner was there from start to finish.<br /><br />One message came up again and "
            "again on the coaches home. Ministers keep telling us that back-office cuts will spare the "
            "services people see. Members know better: when the finance officer or the admin assistant "
            "goes, social workers end up typing their own reports and chasing their own invoices, and that "
            "is time taken away from service users.<br /><br />Write to your councillor this week and ask "
            "how many support posts are going in the new budget."
        ),
        expected_topics=BOC, popular=True,
    ),
    _active(
        "4471182093365528810", "picket-line-photos-from-across-region",
        "Picket line photos from across the region",
        dt.datetime(2011, 11, 30, 16, 45, tzinfo=GMT),
        author="Tom Ridley", labels=["N30", "pensions"],
        body_html=(
            "<div class=\"separator\" style=\"clear: both; text-align: center;\"><a "
            "href=\"https://blogger.googleusercontent.com/img/b/sample/s1600/picket-line.jpg\"><img "
            "border=\"0\" height=\"300\" "
            "src=\"https://blogger.googleusercontent.com/img/b/sample/s400/picket-line.jpg\" width=\"400\" "
            "/></a></div>Thanks to everyone who sent in photos from this morning&#39;s picket lines. More "
            "to follow."
        ),
    ),
    _active(
        "9015537720184463529", "three-council-it-partnership-falls",
        "Three-council IT partnership falls apart",
        dt.datetime(2012, 9, 8, 11, 40, tzinfo=BST),
        author="Kath Mills", labels=["local government", "ICT"],
        body_html=(
            "The joint ICT partnership between the three councils is being wound up after less than two "
            "years, with each authority taking its own systems back in-house.<br /><br />The partnership "
            "was launched as the flagship for shared\nservices in the region, with promises of £2 million a "
            "year in efficiencies. The auditor&#39;s report published this week found it never came close, "
            "and that the councils spent more on consultants than they got back.<br /><br />Staff who "
            "transferred into the partnership will return to their original employers on their existing "
            "terms. The branch will be checking that every member is covered."
        ),
        expected_topics=SS,
    ),
    # A post without prose, as Blogger's editor makes it: a video only.
    _active(
        "5518260377519203381", "march-on-city-chambers-video",
        "Video: the march on the City Chambers",
        dt.datetime(2011, 6, 15, 20, 5, tzinfo=BST),
        author="Tom Ridley", labels=["video", "cuts"],
        body_html=(
            '<div class="separator" style="clear: both; text-align: center;"><iframe allowfullscreen="" '
            'class="BLOG_video_class" height="266" src="https://www.youtube.com/embed/sample-march" width="320" '
            'youtube-src-id="sample-march"></iframe></div>'
        ),
    ),
    _active(
        "5817264930021874416", "hr-and-payroll-one-team-for-two-councils",
        "HR and payroll: one team for two councils",
        dt.datetime(2011, 6, 14, 18, 30, tzinfo=BST),
        author="Kath Mills", labels=["local government", "HR", "payroll"],
        body_html=(
            "Members in HR and payroll at the district council were told this afternoon that both functions "
            "will move to a joint team serving both councils from next April, based at the neighbouring "
            "council&#39;s offices.<br /><br />Managers expect &quot;some reduction in headcount&quot; once "
            "the two teams are combined. We have asked for the business case and for a meeting with both "
            "chief executives before any consultation starts."
        ),
        expected_related=True,
    ),
    _active(
        "6029381745520918837", "what-shared-service-user-forum-told-us",
        "What the shared service user forum told us",
        dt.datetime(2010, 8, 5, 19, 0, tzinfo=BST),
        author="Tom Ridley", labels=["social care", "day services"],
        body_html=(
            "The shared service user forum for the council&#39;s three day centres met on Tuesday. People "
            "who use the centres told councillors how much they value familiar staff and reliable transport."
            "<br /><br />Stewards from the branch went along to listen. The forum meets every two months "
            "and carers are welcome too."
        ),
    ),
]

BRANCH_BLOG_POSTS: list[BlogPost] = [
    _branch(
        "2250917734816690457", "november-30-thank-you-to-every-member",
        "November 30: thank you to every member who stood firm",
        dt.datetime(2011, 11, 30, 10, 25, tzinfo=PST),
        author="Morag Fyfe", labels=["pensions", "strike"],
        body_html=(
            "Thousands of our members were on picket lines today in the biggest strike in a generation. "
            "Schools were closed, council offices were shut and the message to the government on pensions "
            "could not have been clearer.<br /><br />Thank you to every steward, every picket and every "
            "member who gave up a day&#39;s pay. We will report back on next steps as soon as national "
            "talks resume."
        ),
        comments=[
            Comment("Depot steward", "Proud of everyone at our depot. Next fight is the shared services plan "
                    "the council wants to bring in next year."),
            Comment("Anonymous", "Don't forget the back office cuts in the budget, they'll be worse than "
                    "anything on pensions."),
        ],
    ),
    _branch(
        "6608124451903378826", "branch-agm-thursday-february-9",
        "Branch AGM – Thursday, February 9",
        dt.datetime(2012, 1, 18, 9, 10, tzinfo=PST),
        author="Morag Fyfe", labels=["branch news"],
        body_html=(
            "The branch annual general meeting will be held on Thursday, February 9 at 6pm in the City "
            "Chambers. Nominations for branch officers close on January 31.<br /><br />Refreshments are "
            "provided and childcare costs can be met &#8211; please let the office know in advance if you "
            "need either."
        ),
    ),
    _branch(
        "1137740029654117503", "council-budget-agreed-where-savings",
        "Council budget agreed: where the savings fall",
        dt.datetime(2012, 2, 29, 13, 45, tzinfo=PST),
        author="Alan Baird", labels=["budget", "back office", "cuts"],
        body_html=(
            "The council set its budget this afternoon. Council tax stays frozen for another year, which "
            "means £14 million has to come out of services.<br /><br />The biggest single item is £3.1 "
            "million from what officers call <em>back office consolidation</em>: merging the admin teams in "
            "education, social work and housing into one corporate support service. That means around 90 "
            "fewer posts over two years.<br /><br />The branch will meet the Director of Corporate Services "
            "next week. Any member offered voluntary severance should speak to a steward before signing "
            "anything."
        ),
        expected_topics=BOC, popular=True,
    ),
    _branch(
        "5094471862230915548", "branch-says-no-to-shared-services",
        "Branch says no to shared services",
        dt.datetime(2012, 3, 21, 17, 40, tzinfo=PDT),  # 00:40 UTC on Thursday 22 March
        author="Alan Baird", labels=["shared services", "back office", "reports"],
        body_html=(
            "UNISON Scotland has published a report arguing that public bodies should rethink services "
            "around the people who use them, rather than chasing back office cuts through &#39;shared "
            "service&#39; projects.<br /><br />Its survey of frontline workers in social work, "
            "environmental health and other services found that nine out of ten believed losing local admin "
            "support had made their own jobs harder. Support staff who sit next to the people they support "
            "are simply more effective than a remote processing centre.<br /><br />The report also points "
            "to the National Audit Office&#39;s findings on Whitehall, where departments spent far more "
            "setting up joint schemes than they ever got back.<br /><br />We will put these arguments to "
            "the council when its shared services board meets next month. Copies of the report are "
            "available from the branch office &amp; on the UNISON Scotland website."
        ),
        comments=[Comment("Grace", "Excellent. Can we get copies for the social work office?")],
        expected_topics=BOTH, popular=True,
    ),
    _branch(
        "7361905528874410932", "joint-equipment-store-update-for",
        "Joint equipment store: update for members",
        dt.datetime(2012, 5, 9, 11, 0, tzinfo=PDT),
        author="Morag Fyfe", labels=["health and social care", "branch news"],
        body_html=(
            "Staff at the joint equipment store moved into the new building at the business park this week. "
            "The store supplies hoists, beds and walking aids to people leaving hospital, one of several "
            "services shared with the health board under the joint working agreement.<br /><br />Members "
            "tell us the move went smoothly. The back office team processed over 400 orders in the first "
            "three days, and drivers are covering fewer miles thanks to the better location.<br /><br />Any "
            "member with concerns about parking or shift patterns at the new site should contact the branch "
            "office."
        ),
    ),
    _branch(
        "3382957110468923675", "what-clyde-valley-review-means-for-us",
        "What the Clyde Valley review means for us",
        dt.datetime(2012, 6, 13, 14, 30, tzinfo=PDT),
        author="Alan Baird", labels=["shared services", "local government"],
        body_html=(
            "Councils in the west of Scotland are still working through the recommendations of the Clyde "
            "Valley review, and the shared-services agenda is back on the table.<br /><br />The latest "
            "proposals from the joint board cover:<ol><li>a single roads and transport service for three "
            "councils;</li><li>joint procurement of social care;</li><li>a common payroll "
            "system.</li></ol>The branch position has not changed. We support councils working together "
            "where it improves services, but we will oppose any Shared Service scheme that is used as a "
            "route to outsourcing or that puts members on different terms and conditions."
        ),
        expected_topics=SS,
    ),
    _branch(
        "8801243369017552290", "pay-offer-ballot-result",
        "Pay offer: ballot result",
        dt.datetime(2012, 10, 3, 8, 50, tzinfo=PDT),
        author="Morag Fyfe", labels=["pay"],
        body_html=(
            "Members have voted by 62% to 38% to accept the pay offer of a 1% increase and a £250 payment "
            "for those earning under £21,000. Turnout was 34%.<br /><br />The branch committee thanks "
            "everyone who took part. We will keep campaigning for a living wage for all council employees "
            "and contractors."
        ),
    ),
    _branch(
        "4926618830057741219", "admin-staff-face-another-round-of-cuts",
        "Admin staff face another round of cuts",
        dt.datetime(2013, 1, 23, 10, 15, tzinfo=PST),
        author="Alan Baird", labels=["back office", "cuts"],
        body_html=(
            "Heads of department have been asked to find a further 10% from administration budgets next "
            "year. Coming on top of last year&#39;s restructure, this would mean back office reductions of "
            "around 120 posts across the council.<br /><br />We have told management that the branch will "
            "not agree to compulsory redundancies, and that the workload of the remaining admin staff must "
            "be assessed before any more posts go. Please fill in the branch workload survey by Friday, "
            "February 1."
        ),
        expected_topics=BOC,
    ),
    # A post without prose, as Blogger's editor makes it: a photo with its caption and alt text.
    _branch(
        "2093318474620513996", "picket-line-photo",
        "Picket line at dawn",
        dt.datetime(2013, 2, 7, 7, 40, tzinfo=PST),
        author="Alan Baird", labels=["photos"],
        body_html=(
            '<table align="center" cellpadding="0" cellspacing="0" class="tr-caption-container" '
            'style="margin-left: auto; margin-right: auto;"><tbody><tr><td style="text-align: center;">'
            '<a href="https://blogger.googleusercontent.com/img/b/sample/picket.jpg" style="margin-left: auto; '
            'margin-right: auto;"><img alt="Members with branch banners outside the depot gates" border="0" '
            'height="240" src="https://blogger.googleusercontent.com/img/b/sample/s320/picket.jpg" width="320" />'
            '</a></td></tr><tr><td class="tr-caption" style="text-align: center;">The early shift at the '
            'cleansing depot, 7 February</td></tr></tbody></table>'
        ),
    ),
    _branch(
        "3340918274456610021", "branch-office-on-the-move",
        "Branch office on the move",
        dt.datetime(2012, 8, 15, 9, 30, tzinfo=PDT),
        author="Morag Fyfe", labels=["branch news"],
        body_html=(
            "The branch office is moving. From Monday 3 September we will be on the second floor of the "
            "civic centre, next to the staff canteen.<br /><br />The move gives us a private room for "
            "casework. Our phone numbers and email address stay the same."
        ),
    ),
    _branch(
        "2209817345567731180", "pay-claim-savings-belong-to-members",
        "Our pay claim: the savings belong to members",
        dt.datetime(2012, 11, 7, 12, 5, tzinfo=PST),
        author="Alan Baird", labels=["pay"],
        body_html=(
            "The branch has submitted its local pay claim. The council made savings of £3 million last year, "
            "mostly from posts left vacant and overtime not worked, and we say that money belongs to the "
            "members who covered the gaps.<br /><br />We are claiming an extra day of annual leave and the "
            "living wage for every grade."
        ),
    ),
]


# The press release reposted behind an intro line on the branch blog (demo_sites(reposts=True)).
REPOST_POST = _branch(
    "7301588260417729034", "no-to-the-shared-service-centre",
    "No to the shared service centre",
    dt.datetime(2024, 3, 14, 8, 30, tzinfo=PDT),
    author="Morag Fyfe", labels=["shared services", "press releases"],
    body_html="The following was received today from UNISON Marsh Valley.<br /><br />"
              + "<br /><br />".join(PRESS_RELEASE),
    expected_topics=SS,
)
