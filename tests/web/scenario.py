"""The story every view must tell: acme's API drops HK and MO and adds VN on 2024-07-09."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tests.pages import FORTY, page
from tests.replay import T0, Replayer

DROPPED_AT = T0 + timedelta(days=38)  # 2024-07-09
BEFORE = "2024-07-08"
AFTER = "2024-07-10"
NOW = datetime(2024, 8, 1, tzinfo=UTC)


def replay_story(sessions: sessionmaker[Session]) -> None:
    """Forty countries on 2024-06-01; on 2024-07-09 Hong Kong and Macao gone, Vietnam added."""
    replayer = Replayer(sessions)
    replayer.observe(page(FORTY), T0)
    replayer.observe(page([n for n in FORTY if n not in ("Hong Kong", "Macao")] + ["Vietnam"]), DROPPED_AT)
