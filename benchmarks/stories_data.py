"""A labelled set for story clusters: original sample press releases and the copies branch sites make of them.

All prose is original sample text. Every release ends with the same union boilerplate, so two different
releases are hard negatives for each other; the short ones are mostly boilerplate. Each copy is built from its
release the way reposts happen: verbatim inside blog furniture, behind an intro line, lightly edited under a
new title, with a paragraph dropped. `LABELLED` lists (document id, story label, title, body) in the order a
crawler would first see them.
"""

from __future__ import annotations

BOILERPLATE = (
    "Notes to editors: UNISON is the UK's largest union, with more than a million members delivering public "
    "services in councils, schools, the NHS, police staff and the voluntary sector. Media contact: the UNISON "
    "Scotland press office, telephone number on our website, out of hours line available for journalists."
)

RELEASES: dict[str, tuple[str, list[str]]] = {
    "payroll": ("Union warns merged payroll plan will cost more than it saves", [
        "UNISON Scotland today warned that the plan to merge payroll and HR teams across four councils into a shared "
        "service centre in Dundee would cost more than it saves, after the business case was published.",
        "The union's analysis of the figures shows set-up costs of nine million pounds against savings that "
        "depend on removing a hundred and twenty posts which the councils have not yet identified.",
        "Branch secretary Morag Lindsay said staff had been told nothing about where the jobs would go and that "
        "previous mergers of this kind had overrun their budgets within the first two years of operation.",
        "The union is asking councillors to delay the vote until an independent review of the business case has "
        "been carried out and until staff representatives have seen the full consultation documents.",
    ]),
    "procurement": ("Procurement hub contract handed to private firm, union says", [
        "Councillors in the Marsh Valley have agreed to hand the running of their joint procurement hub to a "
        "private contractor for ten years, despite objections from the workforce and the trade unions.",
        "The contract covers purchasing, invoice processing and supplier payments for three councils and two "
        "health boards, and transfers ninety staff to the company under the usual employment protections.",
        "UNISON regional organiser Peter Okafor said the decision had been rushed through a committee meeting "
        "held in private, and that the public had a right to know what the contract would really cost.",
        "The union will ask the auditor to examine the tender process and has written to every councillor "
        "asking them to publish the evaluation scores and the comparison with keeping the service in house.",
    ]),
    "cleaners": ("Hospital cleaners win living wage after long campaign", [
        "Cleaners and porters at Eastbridge General Hospital will be paid the real living wage from April, "
        "after a two year campaign by UNISON members that included petitions, lobbies and a ballot.",
        "The agreement covers more than three hundred staff employed by the facilities contractor and brings "
        "their hourly pay into line with colleagues employed directly by the health board on the same wards.",
        "Ward cleaner Janet Moss said the win showed what could be achieved when members stuck together, and "
        "thanked patients and visitors who had signed the petition in the hospital foyer over the winter.",
        "The union will now press for sick pay and holiday entitlements to be brought into line as well, and "
        "has asked the health board to bring the contract back in house when it ends in two years.",
    ]),
    "libraries": ("Library opening hours cut across the county", [
        "Opening hours at nineteen county libraries will be cut by a third from the summer under budget plans "
        "approved this week, with six branches opening only two days a week and losing their Saturday service.",
        "The council says the change will save eight hundred thousand pounds a year and that no library will "
        "close, but the union says the reduced hours will be followed by closures once visitor numbers fall.",
        "Library assistant Tom Reid said children's reading groups, job clubs and computer classes would all "
        "be affected, and that many of the people who rely on them have nowhere else in town to go.",
        "UNISON is calling on residents to respond to the consultation on the detailed timetables before the "
        "end of the month and to attend the public meetings planned in each of the affected branches.",
    ]),
    "careers": ("Care workers ballot over night shift rota", [
        "Home care workers employed by the council will be balloted for industrial action over a new night "
        "shift rota that they say leaves single workers covering calls across the whole of the rural north.",
        "The union says the rota was introduced without agreement and that lone working at night on country "
        "roads puts both staff and the people they care for at risk when visits overrun or cars break down.",
        "Shop steward Aileen Grant said members had raised their concerns at every meeting since the spring and "
        "had been ignored, and that a ballot was the last thing any of them wanted to have to do.",
    ]),
    "short_pay": ("Pay offer rejected", [
        "Members in local government have voted to reject the employers' pay offer of two per cent, which falls "
        "well short of inflation. Branches will now be consulted on the next steps in the campaign.",
    ]),
    "short_ballot": ("Ballot result announced", [
        "School support staff have voted in favour of action short of a strike over workload this term. Members "
        "will refuse unpaid overtime and cover duties from the start of next month.",
    ]),
}

FURNITURE_TOP = "Home | About us | Contact the branch | Join UNISON\nShare this post: Facebook Twitter Email"
FURNITURE_BOTTOM = ("Posted by Branch Office at 10:41 3 comments\nLabels: news, press releases\n"
                    "Newer Post Older Post Home\nSubscribe to: Post Comments (Atom)")
INTROS = {
    "payroll": "The following was received today from UNISON Scotland.",
    "procurement": "We have been sent this by the regional office and are posting it in full for members.",
    "cleaners": "Great news from our friends at the hospital branch, reproduced below.",
}
EDITS = {  # light edits a branch site makes when it retitles a release
    "payroll": [("UNISON Scotland today warned", "Our union has warned"), ("Dundee", "the city"),
                ("Branch secretary Morag Lindsay", "Morag Lindsay, our branch secretary,")],
    "libraries": [("this week", "on Tuesday"), ("Library assistant Tom Reid", "Tom Reid, a library assistant,"),
                  ("UNISON is calling on", "We are calling on")],
    "careers": [("the council", "Highland Council"), ("Shop steward Aileen Grant", "Aileen Grant, our steward,")],
}


def body(paragraphs: list[str]) -> str:
    """A release's text: its paragraphs and the boilerplate."""
    return "\n\n".join([*paragraphs, BOILERPLATE])


def _edited(paragraphs: list[str], edits: list[tuple[str, str]]) -> list[str]:
    """Paragraphs with each (old, new) replacement made."""
    for old, new in edits:
        paragraphs = [p.replace(old, new) for p in paragraphs]
    return paragraphs


def labelled() -> list[tuple[str, str, str, str]]:
    """(document id, story label, title, body): every original first, then every copy."""
    rows = [(f"news:{label}", label, title, body(paras)) for label, (title, paras) in RELEASES.items()]
    for label, (title, paras) in RELEASES.items():
        text = body(paras)
        rows.append((f"blog:{label}:verbatim", label, title, f"{FURNITURE_TOP}\n\n{text}\n\n{FURNITURE_BOTTOM}"))
        if len(paras) >= 3:
            rows.append((f"blog:{label}:dropped", label, title, body(paras[:1] + paras[2:])))
        if label in INTROS:
            rows.append((f"blog:{label}:intro", label, f"Re: {title}", f"{INTROS[label]}\n\n{text}"))
            rows.append((f"branch:{label}:intro-furniture", label, title,
                         f"{FURNITURE_TOP}\n\n{INTROS[label]}\n\n{text}\n\n{FURNITURE_BOTTOM}"))
        if label in EDITS:
            rows.append((f"wp:{label}:edited", label, f"Branch news: {title.lower()}",
                         body(_edited(paras, EDITS[label]))))
            rows.append((f"wp:{label}:edited-dropped", label, "Latest from the union",
                         body(_edited(paras[:-1], EDITS[label]))))
    return rows


LABELLED = labelled()
