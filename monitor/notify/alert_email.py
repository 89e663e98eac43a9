"""Alerts as e-mail (pure): one change → a subject, a text part, an HTML part, a stable Message-ID.

Web text (titles, diffs, URLs) is untrusted, as in the digest: the HTML part is rendered with
Jinja2 autoescaping, only http(s) URLs become links (others are not shown), control and bidi
characters are dropped, and the subject is one capped line. The Message-ID is derived from the
alert's dedup key, so a retry after an ambiguous SMTP failure carries the same Message-ID and a
mail client or archive can fold the duplicate.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import css_inline
from jinja2 import Environment, StrictUndefined, Template

from monitor.describe import countries_title, effective_text, groups_text, scope_text
from monitor.extract.countries import country_name, flag
from monitor.notify.digest import Country, cap, excerpt, one_line, safe_url
from monitor.notify.render import confirmation_facts
from monitor.types import Change, ChangeKind

PREFIX = "[Regionwatch]"
MAX_SUBJECT = 200
MAX_TITLE = 300
SUBJECT_CODES = 8  # per list in the subject; the body has them all
_ARG = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertMail:
    """The rendered parts of one alert e-mail."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _View:
    """What both parts show, already capped and checked (the HTML template escapes it)."""

    headline: str
    title: str = ""
    lists: tuple[tuple[str, tuple[Country, ...]], ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    source: str = ""
    url: str | None = None
    announcement: str = ""
    evidence: tuple[str, ...] = ()
    evidence_cut: bool = False
    history: str = ""
    key: str = ""


def message_id(dedup_key: str) -> str:
    """``<sha1(dedup_key)@regionwatch>``: the same for every attempt at one alert."""
    return f"<{hashlib.sha1(dedup_key.encode(), usedforsecurity=False).hexdigest()}@regionwatch>"


def subject(change: Change | None, fallback: str = "") -> str:
    """ "[Regionwatch] openai api: 2 removed (HK, MO), 1 added (VN)", one capped line."""
    what = _what(change) if change is not None else (fallback or "alert")
    return one_line(f"{PREFIX} {what}", MAX_SUBJECT)


def render_alert(
    change: Change | None, *, dedup_key: str, detected_at: datetime | None = None, fallback: str = ""
) -> AlertMail:
    """Subject, text part and HTML part (CSS inlined) of the alert for a change."""
    view = _view(change, dedup_key, detected_at, fallback)
    title = subject(change, fallback)
    html = _html_template().render(subject=title, v=view)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    return AlertMail(subject=title, text=_text(view), html=inliner.inline(html))


def compose_alert(mail: AlertMail, *, sender: str, to: str, dedup_key: str, now: datetime) -> EmailMessage:
    """A multipart/alternative message to one address, its Message-ID from the dedup key."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(dedup_key)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Regionwatch-Alert"] = one_line(dedup_key, 200)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _what(change: Change) -> str:
    who = " ".join(p for p in (change.provider or "unknown provider", change.product) if p)
    if change.kind is ChangeKind.AVAILABILITY:
        parts = [
            f"{len(codes)} {verb} ({_codes(codes)})"
            for verb, codes in (("removed", change.removed), ("added", change.added))
            if codes
        ]
        return f"{who}: {', '.join(parts) or 'availability changed'}"
    if change.kind is ChangeKind.SIGNAL:
        return _headline(change) + (f": {change.title}" if change.title else "")
    if change.kind is ChangeKind.TEXT:
        return f"{who}: page text changed"
    return f"operator: {change.title or 'attention needed'}"


def _codes(codes: Sequence[str]) -> str:
    more = f" and {len(codes) - SUBJECT_CODES} more" if len(codes) > SUBJECT_CODES else ""
    return ", ".join(codes[:SUBJECT_CODES]) + more


def _view(change: Change | None, key: str, detected_at: datetime | None, fallback: str) -> _View:
    if change is None:
        return _View(headline=one_line(fallback or "Regionwatch alert", MAX_TITLE), key=key)
    signal = change.kind is ChangeKind.SIGNAL
    lists = [("Removed", change.removed), ("Added", change.added), (countries_title(change.scope), change.countries)]
    facts = [("Effective", effective_text(change.effective_date, change.effective_precision))]
    if signal and change.scope == "ownership":
        facts.append(("Applies to", scope_text(change.scope)))
    if groups := groups_text(change.diff):
        facts.append(("Group named", groups))
    confirmation = confirmation_facts(change)
    facts += confirmation
    if detected_at is not None and not confirmation:
        facts.append(("Detected", detected_at.strftime("%Y-%m-%d %H:%M UTC")))
    facts.append(("Severity", change.severity.name.lower()))
    diff = change.diff.get("lines") if change.diff and not signal else None
    evidence, cut = excerpt(diff) if isinstance(diff, str) else ((), False)
    return _View(
        headline=one_line(_headline(change) if signal else _what(change), MAX_TITLE),
        title=one_line(change.title, MAX_TITLE) if change.kind is ChangeKind.TEXT else "",  # others: in the headline
        lists=tuple((name, tuple(_country(c) for c in codes)) for name, codes in lists if codes),
        facts=tuple(facts),
        source=one_line(change.source_id or "", MAX_TITLE),
        url=safe_url(change.url),
        announcement=one_line(change.title, 2000) if signal else "",
        evidence=evidence,
        evidence_cut=cut,
        history=_history(change),
        key=key,
    )


def _headline(change: Change) -> str:
    """A signal's first line: who, what, where (its title follows on its own)."""
    where = f" for {_codes(change.countries)}" if change.countries else ""
    return f"{change.provider or 'unknown provider'}: {change.action or 'announcement'}{where}"


def _country(code: str) -> Country:
    return Country(code=cap(code, 8), name=cap(country_name(code), 100), flag=flag(code))


def _history(change: Change) -> str:
    provider = _ARG.sub("", change.provider or "")
    if not provider:
        return "regionwatch changes --since 7d"
    codes = [_ARG.sub("", c) for c in (*change.removed, *change.added, *change.countries)]
    country = f" --country {codes[0]}" if codes and codes[0] else ""
    return f"regionwatch history --provider {provider}{country}"


def _text(v: _View) -> str:
    head = [v.headline, v.title] if v.title else [v.headline]
    blocks = [head] + [
        [f"{name} ({len(countries)}):", *(f"  {c.name} ({c.code})" for c in countries)] for name, countries in v.lists
    ]
    facts = [f"{label}: {value}" for label, value in v.facts]
    if v.source or v.url:
        facts.append(f"Source: {' '.join(p for p in (v.source, v.url) if p)}")
    blocks.append(facts)
    if v.announcement:
        blocks.append(["Announcement:", f"  {v.announcement}"])
    if v.evidence:
        more = ["  …"] if v.evidence_cut else []
        blocks.append(["Evidence (what changed on the page):", *(f"  {line}" for line in v.evidence), *more])
    blocks.append([f"History: {v.history}"] if v.history else [])
    blocks.append(["-- ", f"Regionwatch alert {v.key}"])
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


_HTML = """{% macro link(url, label) %}
{% if url %}<a class="link" href="{{ url }}">{{ label or url }}</a>{% else %}{{ label }}{% endif %}
{% endmacro %}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{{ subject }}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; padding: 16px; }
h1 { font-size: 18px; margin: 0 0 8px 0; }
h2 { font-size: 14px; margin: 16px 0 4px 0; }
ul { margin: 0; padding-left: 20px; }
th { text-align: left; padding: 2px 12px 2px 0; color: #59636e; font-weight: normal; }
.code { color: #59636e; font-size: 12px; }
.link { color: #0969da; }
pre { font-family: Menlo, Consolas, monospace; font-size: 12px; background: #f6f8fa; padding: 8px; }
pre { white-space: pre-wrap; word-break: break-word; }
.footer { color: #59636e; font-size: 12px; margin-top: 24px; }
</style>
</head>
<body>
<h1>{{ v.headline }}</h1>
{% if v.title %}<p>{{ v.title }}</p>{% endif %}
{% for name, countries in v.lists %}
<h2>{{ name }} ({{ countries | length }})</h2>
<ul>
{% for c in countries %}<li>{{ c.flag }} {{ c.name }} <span class="code">{{ c.code }}</span></li>
{% endfor %}</ul>
{% endfor %}
<table>
{% for label, value in v.facts %}<tr><th>{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}
{% if v.source or v.url %}<tr><th>Source</th><td>{{ link(v.url, v.source) }}</td></tr>{% endif %}
</table>
{% if v.announcement %}<h2>Announcement</h2>
<blockquote>{{ v.announcement }}</blockquote>{% endif %}
{% if v.evidence %}<h2>Evidence (what changed on the page)</h2>
<pre>{{ v.evidence | join("\\n") }}{% if v.evidence_cut %}\n…{% endif %}</pre>{% endif %}
{% if v.history %}<p>History: <code>{{ v.history }}</code></p>{% endif %}
<p class="footer">Regionwatch alert {{ v.key }}</p>
</body>
</html>
"""


@functools.cache
def _html_template() -> Template:
    return Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True).from_string(
        _HTML
    )
