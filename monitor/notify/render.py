"""Changes as Slack messages (pure): Block Kit blocks, a text fallback, the dedup key as metadata.

Everything that came from the web is escaped (``&``, ``<``, ``>``), so a scraped ``<!channel>``,
``<@U123>`` or ``<https://evil|click>`` arrives as inert text. A message stays within Slack's
limits: at most 50 blocks, sections of at most 3000 characters; long country lists are cut in the
channel message and given in full in thread replies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata

from monitor.chunked import chunked
from monitor.describe import countries_title, effective_text, groups_text, scope_text
from monitor.extract.countries import country_name, flag
from monitor.notify.links import WebLinks
from monitor.types import Change, ChangeKind, Severity

EVENT_TYPE = "regionwatch_alert"
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_TEXT = 3000  # the notification fallback; Slack allows more, nobody reads more
INLINE_COUNTRIES = 20  # per list in the channel message (setting slack.max_countries); the rest in the thread
EVIDENCE_LINES = 12
EVIDENCE_CHARS = 1500


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One Slack message and the thread replies that complete it."""

    text: str
    blocks: tuple[Block, ...] = ()
    metadata: Metadata | None = None
    replies: tuple[Message, ...] = ()

    def block_dicts(self) -> list[dict[str, Any]]:
        """The blocks as JSON objects (validated by slack-sdk on the way)."""
        return [block.to_dict() for block in self.blocks]


def escape(text: str) -> str:
    """Slack's three control characters as entities: mentions and links in text become inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link to an http(s) URL; anything else as escaped text."""
    if not url:
        return escape(label)
    if not url.startswith(("https://", "http://")):
        return escape(url)
    target = escape(url).replace("|", "%7C").replace(" ", "%20")
    return f"<{target}|{escape(label).replace('|', '¦')}>"


def metadata(dedup_key: str) -> Metadata:
    """What lets a later attempt find this message in the channel's history."""
    return Metadata(event_type=EVENT_TYPE, event_payload={"dedup_key": dedup_key})


def render(
    change: Change | None,
    *,
    dedup_key: str,
    detected_at: datetime | None = None,
    fallback: str = "",
    max_countries: int = INLINE_COUNTRIES,
    links: WebLinks | None = None,
    change_id: int | None = None,
) -> Message:
    """The message for an outbox row: operator note, change alert, or the row's own text."""
    if change is None:
        return Message(text=escape(fallback or "Regionwatch alert")[:MAX_TEXT], metadata=metadata(dedup_key))
    if change.kind is ChangeKind.OPERATOR:
        return render_operator(change, dedup_key=dedup_key)
    return render_change(
        change,
        dedup_key=dedup_key,
        detected_at=detected_at,
        max_countries=max_countries,
        links=links,
        change_id=change_id,
    )


def render_operator(change: Change, *, dedup_key: str) -> Message:
    """A plain text note for whoever runs Regionwatch."""
    lines = [f":warning: Regionwatch operator: {escape(change.title or 'attention needed')}"]
    if change.source_id:
        lines.append(f"Source: {escape(change.source_id)} {link(change.url, change.url or '')}".rstrip())
    raw = change.diff.get("unmapped") if change.diff else None
    unmapped = [str(u) for u in raw] if isinstance(raw, list | tuple) else []
    if unmapped:
        lines.append("Unmapped names: " + escape(", ".join(unmapped[:20])))
    return Message(text=_cut("\n".join(lines), MAX_TEXT), metadata=metadata(dedup_key))


def render_change(
    change: Change,
    *,
    dedup_key: str,
    detected_at: datetime | None = None,
    max_countries: int = INLINE_COUNTRIES,
    links: WebLinks | None = None,
    change_id: int | None = None,
) -> Message:
    """A change alert: header, summary, countries, facts, evidence, then web links (or the history command)."""
    lists = _lists(change)
    blocks: list[Block] = [HeaderBlock(text=_cut(escape(_headline(change)), MAX_HEADER))]
    if change.title and change.kind is not ChangeKind.SIGNAL:
        blocks.append(_section(escape(change.title)))
    overflow = False
    for title, codes in lists:
        shown = codes[:max_countries]
        more = len(codes) - len(shown)
        overflow = overflow or more > 0
        tail = [f"… and {more} more (the full list is in the thread)"] if more else []
        blocks += sections(f"*{title} ({len(codes)})*", [country_line(c) for c in shown] + tail)
    blocks.append(_facts(change, detected_at))
    if evidence := _evidence(change):
        blocks.append(_section(evidence))
    hint = _web_hint(change, links, change_id) if links is not None else _history_hint(change)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(hint, MAX_FIELD))]))
    replies = _thread(change, lists) if overflow else ()
    main = blocks[:MAX_BLOCKS]
    return Message(
        text=_fallback(change, lists),
        blocks=tuple(main),
        metadata=metadata(dedup_key),
        replies=replies + _spill(change, blocks[MAX_BLOCKS:]),
    )


def country_line(code: str) -> str:
    """🇭🇰 Hong Kong SAR China (HK)"""
    mark = flag(code)
    return f"{mark} {escape(country_name(code))} ({escape(code)})".strip()


def sections(title: str, lines: Sequence[str]) -> list[Block]:
    """A titled list as sections of at most 3000 characters, cut between lines."""
    chunks: list[list[str]] = [[title]]
    size = _units(title)
    for line in lines:
        line = _cut(line, MAX_SECTION // 2)
        if size + 1 + _units(line) > MAX_SECTION:
            chunks.append([])
            size = -1
        chunks[-1].append(line)
        size += 1 + _units(line)
    return [_section("\n".join(chunk)) for chunk in chunks if chunk]


def _units(text: str) -> int:
    """Length as Slack may count it (UTF-16 code units: a flag is four), never less than Python's."""
    return len(text.encode("utf-16-le")) // 2


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_cut(text, MAX_SECTION)))


def _headline(change: Change) -> str:
    subject = " ".join(p for p in (change.provider or "unknown provider", change.product) if p)
    what = {
        ChangeKind.AVAILABILITY: "availability changed",
        ChangeKind.SIGNAL: f"announcement ({change.action})" if change.action else "announcement",
        ChangeKind.TEXT: "page text changed",
        ChangeKind.OPERATOR: "operator",
    }[change.kind]
    return f"{subject}: {what}"


def _lists(change: Change) -> list[tuple[str, tuple[str, ...]]]:
    found = [("Removed", tuple(change.removed)), ("Added", tuple(change.added))]
    if change.countries:
        found.append((countries_title(change.scope), tuple(change.countries)))
    return [(title, codes) for title, codes in found if codes]


def confirmation_facts(change: Change) -> list[tuple[str, str]]:
    """When an availability change was first seen and how it was confirmed (a fresh read, or a
    person), from what detection stored with it; nothing for other changes."""
    diff = change.diff or {}
    first, confirmed = diff.get("first_seen"), diff.get("confirmed_at")
    if not isinstance(first, str) or not isinstance(confirmed, str):
        return []
    how = diff.get("confirmation")
    return [
        ("First seen", _moment(first)),
        ("Confirmed", _moment(confirmed) + (f" ({how})" if isinstance(how, str) else "")),
    ]


def _moment(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def _facts(change: Change, detected_at: datetime | None) -> SectionBlock:
    facts = [f"*Effective*\n{effective_text(change.effective_date, change.effective_precision)}"]
    if change.kind is ChangeKind.SIGNAL and change.scope == "ownership":
        facts.append(f"*Applies to*\n{scope_text(change.scope)}")
    if groups := groups_text(change.diff):
        facts.append(f"*Group named*\n{groups}")
    confirmation = confirmation_facts(change)
    facts += [f"*{name}*\n{value}" for name, value in confirmation]
    if detected_at is not None and not confirmation:
        facts.append(f"*Detected*\n{detected_at.strftime('%Y-%m-%d %H:%M UTC')}")
    facts.append(f"*Severity*\n{_severity_name(change.severity)}")
    if change.url or change.source_id:
        facts.append(f"*Source*\n{link(change.url, change.source_id or change.url or '')}")
    return SectionBlock(fields=[MarkdownTextObject(text=_cut(f, MAX_FIELD)) for f in facts])


def _severity_name(severity: Severity) -> str:
    return severity.name.lower()


def _evidence(change: Change) -> str | None:
    if change.kind is ChangeKind.SIGNAL:
        return f"*Evidence*\n> {link(change.url, change.title) if change.title else escape(change.url or '')}"
    excerpt = diff_excerpt(change.diff.get("lines") if change.diff else None)
    if not excerpt:
        return None
    return f"*Evidence* (what changed on the page)\n```{excerpt}```"


def diff_excerpt(lines: object) -> str:
    """The changed lines of a unified diff, escaped and fenced-safe, a few lines at most."""
    if not isinstance(lines, str):
        return ""
    picked = [line[:200] for line in lines.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    text = "\n".join(picked[:EVIDENCE_LINES])
    if len(picked) > EVIDENCE_LINES:
        text += f"\n… {len(picked) - EVIDENCE_LINES} more changed lines"
    return _cut(escape(text).replace("`", "ˋ"), EVIDENCE_CHARS)


def _history_hint(change: Change) -> str:
    provider = _arg(change.provider or "")
    codes = [*change.removed, *change.added, *change.countries]
    if not provider:
        return "See `regionwatch changes --since 7d`"
    first = f"`regionwatch history --provider {provider} --country {_arg(codes[0])}`" if codes else ""
    broad = f"`regionwatch history --provider {provider}`"
    return "History: " + (f"{first}  ·  all of it: {broad}" if first and len(codes) > 1 else first or broad)


def _web_hint(change: Change, links: WebLinks, change_id: int | None) -> str:
    """Links a phone can open: the change, the first country's page, and the question for its date."""
    parts = [link(links.change(change_id), f"Open change {change_id} in Regionwatch")] if change_id else []
    codes = [*change.removed, *change.added, *change.countries]
    if codes:
        code = codes[0]
        parts.append(link(links.country(code), f"Who serves {country_name(code)} now"))
        if change.provider:
            at = change.effective_date
            question = f"Was {change.provider} {change.product or 'api'} available in {code}" + (
                f" on {at:%Y-%m-%d}?" if at else " today?"
            )
            parts.append(
                link(links.ask(country=code, provider=change.provider, product=change.product, at=at), question)
            )
    else:
        parts.append(link(links.changes(), "Recent changes in Regionwatch"))
    return "  ·  ".join(parts)


def _arg(value: str) -> str:
    """A value safe to show inside a backticked command."""
    return escape("".join(ch for ch in value if ch.isalnum() or ch in "-_.")) or "?"


def _fallback(change: Change, lists: Iterable[tuple[str, tuple[str, ...]]]) -> str:
    parts = [escape(_headline(change))]
    for title, codes in lists:
        names = ", ".join(f"{escape(country_name(c))} ({escape(c)})" for c in codes[:10])
        more = f" and {len(codes) - 10} more" if len(codes) > 10 else ""
        parts.append(f"{title.lower()}: {names}{more}")
    if change.effective_date:
        parts.append(f"effective {effective_text(change.effective_date, change.effective_precision)}")
    if change.kind is ChangeKind.SIGNAL and change.title:
        parts.append(escape(change.title))
    return _cut("; ".join(parts), MAX_TEXT)


def _thread(change: Change, lists: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[Message, ...]:
    blocks: list[Block] = []
    for title, codes in lists:
        blocks += sections(f"*{title}: all {len(codes)}*", [country_line(c) for c in codes])
        blocks.append(DividerBlock())
    return _spill(change, blocks[:-1], label="the full lists")


def _spill(change: Change, blocks: Sequence[Block], *, label: str = "continued") -> tuple[Message, ...]:
    """Blocks that do not fit one message, as replies of at most 50 blocks each."""
    parts = [tuple(part) for part in chunked(blocks, MAX_BLOCKS)]
    head = escape(_headline(change))
    return tuple(
        Message(
            text=f"{head}: {label} (part {n} of {len(parts)})" if len(parts) > 1 else f"{head}: {label}", blocks=part
        )
        for n, part in enumerate(parts, start=1)
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
