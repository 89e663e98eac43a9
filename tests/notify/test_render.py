"""Rendering changes as Slack messages: pure, within Slack's limits, web text made inert."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pycountry
from hypothesis import given
from hypothesis import strategies as st

from monitor.notify.render import (
    EVENT_TYPE,
    MAX_BLOCKS,
    MAX_SECTION,
    Message,
    escape,
    link,
    render,
    render_change,
)
from monitor.types import Change, ChangeKind, Severity

DETECTED = datetime(2024, 7, 9, 6, 0, tzinfo=UTC)
HK_MO_VN = Change(
    kind=ChangeKind.AVAILABILITY,
    source_id="openai-api-countries",
    provider="openai",
    product="api",
    added=("VN",),
    removed=("HK", "MO"),
    effective_date=date(2024, 7, 9),
    severity=Severity.HIGH,
    title="openai api: 2 removed, 1 added",
    url="https://developers.openai.com/api/docs/supported-countries",
    diff={"lines": "--- before\n+++ after\n@@ -1,3 +1,2 @@\n Germany\n-Hong Kong\n-Macao\n+Vietnam"},
)
EVIL = "Urgent <!channel> ping <@U123> and <https://evil.example|click> & more"


def everything(message: Message) -> str:
    """The message as Slack receives it: fallback text, blocks and replies, as JSON."""
    return json.dumps(
        {"text": message.text, "blocks": message.block_dicts(), "replies": [everything(r) for r in message.replies]},
        ensure_ascii=False,
    )


def sections_text(message: Message) -> list[str]:
    return [b["text"]["text"] for b in message.block_dicts() if b["type"] == "section" and "text" in b]


def test_a_change_names_every_country_with_flag_and_code() -> None:
    message = render_change(HK_MO_VN, dedup_key="change:1:slack:#ai-access", detected_at=DETECTED)
    body = everything(message)
    for line in ("🇭🇰 Hong Kong SAR China (HK)", "🇲🇴 Macao SAR China (MO)", "🇻🇳 Vietnam (VN)"):
        assert line in body
    header = message.block_dicts()[0]
    assert header["type"] == "header" and "openai api" in header["text"]["text"]
    assert "2024-07-09" in body  # the effective date
    assert "<https://developers.openai.com/api/docs/supported-countries|openai-api-countries>" in body
    assert "-Hong Kong" in body and "+Vietnam" in body  # the evidence
    assert "`regionwatch history --provider openai --country HK`" in body
    assert "Hong Kong" in message.text and "Vietnam" in message.text and "(MO)" in message.text
    assert message.metadata is not None
    assert message.metadata.to_dict() == {
        "event_type": EVENT_TYPE,
        "event_payload": {"dedup_key": "change:1:slack:#ai-access"},
    }
    assert message.replies == ()


def test_two_hundred_countries_fit_and_overflow_into_the_thread() -> None:
    codes = tuple(sorted(c.alpha_2 for c in pycountry.countries))[:200]
    change = Change(
        kind=ChangeKind.AVAILABILITY,
        source_id="acme-api",
        provider="acme",
        product="api",
        removed=codes,
        added=codes[:120],
        severity=Severity.HIGH,
        title="acme api: 200 removed",
    )
    message = render_change(change, dedup_key="k", detected_at=DETECTED)
    assert len(message.blocks) <= MAX_BLOCKS
    assert all(len(text) <= MAX_SECTION for text in sections_text(message))
    assert "… and 180 more (the full list is in the thread)" in everything(message)
    assert message.replies, "the full lists go in a thread reply"
    for reply in message.replies:
        assert len(reply.blocks) <= MAX_BLOCKS and reply.text
        assert all(len(text) <= MAX_SECTION for text in sections_text(reply))
    in_thread = "".join(everything(r) for r in message.replies)
    assert all(f"({code})" in in_thread for code in codes)
    assert "*Removed: all 200*" in in_thread and "*Added: all 120*" in in_thread


def test_thousands_of_lines_still_respect_the_limits() -> None:
    codes = tuple(sorted(c.alpha_2 for c in pycountry.countries)) * 30  # ~7500 lines
    change = Change(
        kind=ChangeKind.SIGNAL, source_id="news", provider="acme", countries=codes, action="block", title="t"
    )
    message = render_change(change, dedup_key="k")
    assert len(message.replies) > 1
    for part in (message, *message.replies):
        assert len(part.blocks) <= MAX_BLOCKS
        part.block_dicts()  # slack-sdk validates every block's limits on the way out


def test_web_text_arrives_inert() -> None:
    change = Change(
        kind=ChangeKind.SIGNAL,
        source_id="news",
        provider="acme",
        countries=("CN",),
        action="block",
        title=EVIL,
        url="https://news.example/a?x=1&y=<2>|3",
    )
    body = everything(render(change, dedup_key="k"))
    for raw in ("<!channel>", "<@U123>", "<https://evil.example|click>"):
        assert raw not in body
    assert "&lt;!channel&gt;" in body and "&lt;@U123&gt;" in body
    assert "&lt;https://evil.example|click&gt;" in body and "&amp; more" in body
    assert "<https://news.example/a?x=1&amp;y=&lt;2&gt;%7C3|" in body


def test_operator_alerts_are_plain() -> None:
    change = Change(
        kind=ChangeKind.OPERATOR,
        source_id="acme-api",
        provider="acme",
        severity=Severity.HIGH,
        title="extractor for source acme-api looks broken (collapse): <b>2 names</b>",
        url="https://acme.example/countries",
        diff={"unmapped": ["Atlantis"]},
    )
    message = render(change, dedup_key="op")
    assert message.blocks == () and message.replies == ()
    assert message.text.startswith(":warning: Regionwatch operator: extractor for source acme-api looks broken")
    assert "&lt;b&gt;2 names&lt;/b&gt;" in message.text and "Atlantis" in message.text
    assert message.metadata is not None


def test_links_only_to_the_web() -> None:
    assert link("javascript:alert(1)", "x") == "javascript:alert(1)"
    assert link(None, "<label>") == "&lt;label&gt;"
    assert link("https://a.example/p q", "a|b") == "<https://a.example/p%20q|a¦b>"


@given(st.text())
def test_escaped_text_has_no_control_characters(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_with_a_public_url_the_alert_links_to_the_web_view() -> None:
    from monitor.notify.links import WebLinks

    message = render_change(HK_MO_VN, dedup_key="k", links=WebLinks("https://rw.example.com"), change_id=12)
    context = json.dumps(message.block_dicts()[-1])
    assert "<https://rw.example.com/change/12|Open change 12 in Regionwatch>" in context
    assert "<https://rw.example.com/country/HK|Who serves Hong Kong SAR China now>" in context
    assert (
        "<https://rw.example.com/ask?provider=openai&amp;product=api&amp;country=HK&amp;at=2024-07-09|"
        "Was openai api available in HK on 2024-07-09?>"
    ) in context
    assert "regionwatch history" not in context
    plain = render_change(HK_MO_VN, dedup_key="k")
    assert "regionwatch history" in json.dumps(plain.block_dicts()[-1])  # no public URL: the CLI command


OWNERSHIP = Change(
    kind=ChangeKind.SIGNAL,
    source_id="anthropic-news",
    provider="anthropic",
    countries=("CN",),
    action="restrict",
    effective_date=date(2025, 9, 1),
    effective_precision="month",
    scope="ownership",
    severity=Severity.HIGH,
    title="Anthropic restricts companies majority-owned from China from September 2025",
    diff={"providers": ["anthropic"], "groups": [], "evidence": ["restricts", "China"]},
)


def test_a_month_reads_as_a_month_and_ownership_as_ownership() -> None:
    body = everything(render_change(OWNERSHIP, dedup_key="change:2:slack:#ai", detected_at=DETECTED))
    assert "September 2025" in body and "2025-09-01" not in body  # no day nobody announced
    assert "Companies owned from" in body and "Countries named" not in body
    assert "companies owned or controlled from these countries" in body


def test_a_group_is_named_beside_its_members() -> None:
    eu = Change(
        kind=ChangeKind.SIGNAL,
        source_id="meta-news",
        provider="meta",
        countries=("AT", "BE", "DE"),
        action="withdraw",
        severity=Severity.HIGH,
        title="Meta withholds its multimodal model from the EU",
        diff={"groups": ["EU"]},
    )
    body = everything(render_change(eu, dedup_key="change:3:slack:#ai", detected_at=DETECTED))
    assert "Group named" in body and "EU" in body and "Countries named" in body
