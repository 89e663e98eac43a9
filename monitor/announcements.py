"""Reading what pages without a country list and feed items announce, for the crawl's detection hook.

A changed page without a country list is a text change (its diff against the previous
snapshot), and the lines it gained are read for an access signal (a newsroom or changelog
page); new or edited feed items are read for signals too. The reading is ``detect/`` and
``extract/``'s (pure); ``store.detections`` records what was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.detect.textdiff import text_diff
from monitor.extract.signals import extract_signal
from monitor.store.detections import news_items, previous_text, record_signal, record_text_change
from monitor.store.models import ChangeRow
from monitor.timeutil import diff_deadline
from monitor.types import Provider, Route, Source


def observe_text_page(
    session: Session,
    source: Source,
    *,
    snapshot_id: int,
    text: str,
    observed_at: datetime,
    previous_snapshot_id: int | None,
    routes: Sequence[Route],
    diff_chars: int,
    providers: Sequence[Provider] = (),
) -> list[ChangeRow]:
    """A text change, and the access signal the page's new lines carry, if any."""
    before = previous_text(session, previous_snapshot_id)
    if before is None or before == text:
        return []
    diff = text_diff(before, text, max_chars=diff_chars, deadline=diff_deadline())
    changes = [
        record_text_change(
            session,
            source,
            diff=diff,
            observed_at=observed_at,
            from_snapshot_id=previous_snapshot_id,
            to_snapshot_id=snapshot_id,
            routes=routes,
        )
    ]
    old = set(before.splitlines())
    new_lines = [line for line in text.splitlines() if line.strip() and line not in old]
    if new_lines:
        signal = extract_signal(
            title=new_lines[0],
            text="\n".join(new_lines[1:]),
            published=observed_at,
            url=source.url,
            language=source.language,
            default_provider=source.provider,
            providers=providers,
        )
        if (
            row := record_signal(session, source, signal, now=observed_at, routes=routes, to_snapshot_id=snapshot_id)
        ) is not None:
            changes.append(row)
    return changes


def observe_news(
    session: Session,
    source: Source,
    item_ids: Sequence[int],
    *,
    now: datetime,
    routes: Sequence[Route],
    providers: Sequence[Provider] = (),
) -> list[ChangeRow]:
    """Signals from the feed items a fetch added or edited; an edit alerts only if its signal changed."""
    changes: list[ChangeRow] = []
    for item in news_items(session, item_ids):
        signal = extract_signal(
            title=item.title,
            text=item.summary,
            published=item.published_at,
            url=item.link,
            language=item.language or source.language,
            default_provider=source.provider,
            providers=providers,
        )
        if (row := record_signal(session, source, signal, now=now, routes=routes, item=item)) is not None:
            changes.append(row)
    return changes
