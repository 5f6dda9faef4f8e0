"""Rendering alerts: scraped text stays text in HTML, Slack and Teams; snippets, links, digests and JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alerts_support import write_config

from alerts.config import AlertConfig, load_alert_config
from alerts.render import AGAIN_SECTION, Renderer, html_snippet, json_payload, slack_payload, teams_payload
from warehouse.outbox import AlertItem, Appearance, StoryAgain

SCRIPT_TITLE = "<script>alert(1)</script> shared services"
HOSTILE_SNIPPET = "… the **<b>shared</b> services** plan & <img src=x onerror=alert(2)> …"


@pytest.fixture
def config(tmp_path: Path) -> AlertConfig:
    return load_alert_config(write_config(tmp_path, '[[subscriptions]]\nid = "s"\nchannel = "email"\n'
                                                    'to = "a@example.org"\nmode = "digest"\n'))


def item(key: str, title: str = SCRIPT_TITLE, *, source: str = "blog-a", day: int = 1,
         url: str = "https://blog-a.example.org/p?a=1&b=2", snippet: str = HOSTILE_SNIPPET,
         news: str = "new") -> AlertItem:
    return AlertItem(f"{source}:{key}", "s", f"key-{key}", source, "blog_post", title, url, "<i>Ann</i>",
                     datetime(2026, 3, day, 12, tzinfo=UTC), ["shared_services"], ["shared service"], snippet,
                     datetime(2026, 3, day, 13, tzinfo=UTC), 0, news=news)


def strings(payload: object) -> list[str]:
    """Every string inside a JSON-like payload."""
    if isinstance(payload, dict):
        return [s for value in payload.values() for s in strings(value)]
    if isinstance(payload, list):
        return [s for value in payload for s in strings(value)]
    return [payload] if isinstance(payload, str) else []


def test_snippet_marks_become_mark_tags_and_everything_else_is_escaped() -> None:
    assert html_snippet(HOSTILE_SNIPPET) == (
        "… the <mark>&lt;b&gt;shared&lt;/b&gt; services</mark> plan &amp; &lt;img src=x onerror=alert(2)&gt; …")


def test_a_script_title_stays_text_in_html_and_plain_text(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], item("1"))
    assert "<script" not in message.html and "<img" not in message.html and "<i>" not in message.html
    assert '<a href="https://blog-a.example.org/p?a=1&amp;b=2">&lt;script&gt;alert(1)&lt;/script&gt; shared ' \
           'services</a>' in message.html
    assert "Blog A by &lt;i&gt;Ann&lt;/i&gt; · published 1 Mar 2026 · Shared services" in message.html
    assert message.subject == "[unionwatch] Shared services: <script>alert(1)</script> shared services"
    assert SCRIPT_TITLE in message.text.splitlines()


def test_slack_and_teams_get_text_that_is_never_parsed_as_markup(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], item("1"))
    slack = slack_payload(message)
    assert slack["text"] == "[unionwatch] Shared services: &lt;script&gt;alert(1)&lt;/script&gt; shared services"
    assert "mrkdwn" not in json.dumps(slack)
    section, quote = slack["blocks"][1]["elements"]
    assert section["elements"][0] == {"type": "link", "url": "https://blog-a.example.org/p?a=1&b=2",
                                      "text": SCRIPT_TITLE, "style": {"bold": True}}
    assert quote["elements"][1] == {"type": "text", "text": "<b>shared</b> services", "style": {"bold": True}}
    teams = teams_payload(message)
    card = teams["attachments"][0]["content"]
    assert {block["type"] for block in card["body"]} == {"RichTextBlock"}  # TextBlock would render Markdown
    title = card["body"][1]["inlines"][0]
    assert title["text"] == SCRIPT_TITLE
    assert title["selectAction"] == {"type": "Action.OpenUrl", "url": "https://blog-a.example.org/p?a=1&b=2"}
    marked = card["body"][3]["inlines"][1]
    assert marked == {"type": "TextRun", "text": "<b>shared</b> services", "weight": "Bolder", "highlight": True}


def test_only_web_addresses_become_links(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], item("1", url="javascript:alert(3)"))
    assert "href" not in message.html
    assert slack_payload(message)["blocks"][1]["elements"][0]["elements"][0]["type"] == "text"
    assert "selectAction" not in json.dumps(teams_payload(message))


def test_a_title_cannot_add_mail_headers(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], item("1", title="Payroll\r\nBcc: all@example.org"))
    assert message.subject == "[unionwatch] Shared services: Payroll Bcc: all@example.org"


def test_a_digest_groups_items_by_source_newest_first(config: AlertConfig) -> None:
    items = [item("old", "Older A post", day=1), item("b", "Only B post", source="blog-b", day=2),
             item("new", "Newer A post", day=3)]
    message = Renderer(config).digest(config.subscriptions[0], items, datetime(2026, 3, 4, 8, tzinfo=UTC))
    assert message.heading == "Daily digest, 4 Mar 2026: 3 new items"
    lines = message.text.splitlines()
    assert [line for line in lines if line.startswith("==") or line.endswith(" post")] == [
        "== Blog A (2) ==", "Newer A post", "Older A post", "== Blog B (1) ==", "Only B post"]
    assert message.html.index("Newer A post") < message.html.index("Older A post") < message.html.index("Only B")
    assert message.subject == "[unionwatch] Daily digest, 4 Mar 2026: 3 new items"


def test_the_generic_webhook_payload_is_plain_data(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], item("1"))
    assert json_payload(message, config) == {
        "type": "unionwatch.item", "dedupe_key": "key-1", "subject": message.subject, "subscription": "s",
        "items": [{"document_id": "blog-a:1", "source_id": "blog-a", "source_name": "Blog A", "kind": "blog_post",
                   "title": SCRIPT_TITLE, "url": "https://blog-a.example.org/p?a=1&b=2", "author": "<i>Ann</i>",
                   "published_at": "2026-03-01T12:00:00+00:00", "topics": ["shared_services"],
                   "topic_labels": ["Shared services"], "matched_terms": ["shared service"],
                   "snippet": HOSTILE_SNIPPET, "dedupe_key": "key-1", "related_only": False, "news": "new"}]}


def related(key: str, title: str, *, day: int = 2) -> AlertItem:
    """An item found by the relatedness score alone: no topics, its passage as snippet."""
    return replace(item(key, title, day=day, snippet="HR and payroll will move to a joint <b>team</b>"),
                   topics=[], matched_terms=[], related_only=True)


def test_related_only_items_have_their_own_marked_section_in_a_digest(config: AlertConfig) -> None:
    items = [item("a", "Flagged A post", day=1), related("r", "Joint team plan")]
    message = Renderer(config).digest(config.subscriptions[0], items, datetime(2026, 3, 4, 8, tzinfo=UTC))
    lines = message.text.splitlines()
    assert [line for line in lines if line.startswith("==") or line.endswith(("post", "plan"))] == [
        "== Blog A (1) ==", "Flagged A post", "== Related items, not flagged by the topic rules (1) ==",
        "Joint team plan"]
    assert "Blog A by <i>Ann</i> · published 2 Mar 2026 · Related, not flagged by the topic rules" in lines
    assert "Related items, not flagged by the topic rules (1)</h3>" in message.html
    assert "<b>team</b>" not in message.html and "&lt;b&gt;team&lt;/b&gt;" in message.html
    assert json_payload(message, config)["items"][1]["related_only"] is True


def test_a_related_only_item_sent_alone_says_so(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], related("r", "Joint team plan"))
    assert message.heading == "Newly found: Related, not flagged by the topic rules"
    assert message.subject == "[unionwatch] Related: Joint team plan"


def test_long_digests_are_summarised_in_chat(config: AlertConfig) -> None:
    items = [item(str(n), f"Post {n}", day=1 + n % 28) for n in range(25)]
    message = Renderer(config).digest(config.subscriptions[0], items, datetime(2026, 3, 30, 8, tzinfo=UTC))
    slack = slack_payload(message)
    assert len(slack["blocks"]) == 1 + 20 + 1 and "and 5 more" in strings(slack["blocks"][-1])
    assert "and 5 more" in strings(teams_payload(message))


def test_an_edit_that_newly_flags_a_known_item_says_updated_in_every_rendering(config: AlertConfig,
                                                                               tmp_path: Path) -> None:
    from alerts.channels.atom import AtomChannel

    renderer = Renderer(config)
    edited = item("1", "Branch news", news="updated")
    message = renderer.item(config.subscriptions[0], edited)
    assert message.subject == "[unionwatch] Shared services: Updated: Branch news"
    assert message.text.startswith("Updated, newly flagged: Shared services\n\nUpdated: Branch news\n")
    assert ">Updated: Branch news</a>" in message.html
    assert json_payload(message, config)["items"][0]["news"] == "updated"
    assert slack_payload(message)["blocks"][1]["elements"][0]["elements"][0]["text"] == "Updated: Branch news"
    teams = teams_payload(message)["attachments"][0]["content"]["body"]
    assert teams[1]["inlines"][0]["text"] == "Updated: Branch news"
    digest = renderer.digest(config.subscriptions[0], [edited, item("2", "A new post", day=2)],
                             datetime(2026, 3, 3, 8, tzinfo=UTC))
    assert "\nUpdated: Branch news\n" in digest.text and "\nA new post\n" in digest.text
    atom = AtomChannel(tmp_path / "f.atom", "s", renderer)
    feed = atom.document(renderer.feed(config.subscriptions[0], [edited], []))
    assert b"<title type=\"text\">Updated: Branch news</title>" in feed


HOSTILE_URL = 'https://blog-b.example.org/x"><script>alert(3)</script>'
COPY = Appearance("blog-b:9", "blog-b", HOSTILE_URL, datetime(2026, 3, 2, tzinfo=UTC))
NOT_A_LINK = Appearance("blog-b:10", "blog-b", "javascript:alert(4)", datetime(2026, 3, 2, tzinfo=UTC))


def test_slack_and_teams_name_where_else_a_story_appeared_as_text_never_markup(config: AlertConfig) -> None:
    message = Renderer(config).item(config.subscriptions[0], replace(item("1"), also_at=(COPY, NOT_A_LINK)))
    slack = slack_payload(message)["blocks"][1]["elements"]
    assert slack[2]["elements"][0]["text"] == "Also appeared at:"
    assert [entry["elements"][0] for entry in slack[3]["elements"]] == [
        {"type": "link", "url": HOSTILE_URL, "text": "Blog B"},
        {"type": "text", "text": "Blog B (javascript:alert(4))"}]
    body = teams_payload(message)["attachments"][0]["content"]["body"]
    runs = body[4]["inlines"]
    assert [run["text"] for run in runs] == ["Also appeared at: ", "Blog B", ", ", "Blog B (javascript:alert(4))"]
    assert runs[1]["selectAction"] == {"type": "Action.OpenUrl", "url": HOSTILE_URL}
    assert "selectAction" not in runs[3]


def test_stories_sent_earlier_that_appeared_again_have_their_own_section_everywhere(config: AlertConfig) -> None:
    story = StoryAgain("blog-a:1", "blog-a", SCRIPT_TITLE, "https://blog-a.example.org/1.html", (COPY,))
    message = Renderer(config).digest(config.subscriptions[0], [], datetime(2026, 3, 3, 8, tzinfo=UTC), [story])
    assert message.subject == "[unionwatch] Daily digest, 3 Mar 2026: 0 new items, 1 sent earlier seen again"
    assert f"== {AGAIN_SECTION} (1) ==" in message.text
    assert f"  - Blog B: {HOSTILE_URL}" in message.text.splitlines()
    assert "<script" not in message.html
    assert ('<a href="https://blog-b.example.org/x&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;">Blog B</a>'
            in message.html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; shared services</a>" in message.html
    [again] = json_payload(message, config)["appeared_again"]
    assert (again["title"], again["copies"][0]["url"], again["copies"][0]["source_name"]) == (
        SCRIPT_TITLE, HOSTILE_URL, "Blog B")
    slack = slack_payload(message)["blocks"]
    assert slack[1]["text"]["text"] == f"{AGAIN_SECTION} (1)"
    assert slack[2]["elements"][0]["elements"][0] == {"type": "link", "url": "https://blog-a.example.org/1.html",
                                                      "text": SCRIPT_TITLE, "style": {"bold": True}}
    assert "mrkdwn" not in json.dumps(slack)
    body = teams_payload(message)["attachments"][0]["content"]["body"]
    assert [b["inlines"][0]["text"] for b in body[1:]] == [f"{AGAIN_SECTION} (1)", SCRIPT_TITLE, "Now also at: "]
    assert body[3]["inlines"][1]["selectAction"]["url"] == HOSTILE_URL
