"""The schema: one typed model per table of DESIGN.md's data model."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import JSONType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class SourceRow(Base):
    """The catalog as last loaded, plus per-source fetch state. Never deleted."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(100), index=True)
    product: Mapped[str | None] = mapped_column(String(100))
    every_seconds: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetch_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    suspect_since: Mapped[datetime | None]
    suspect_reason: Mapped[str | None] = mapped_column(String(40))
    #: The snapshot of the last read that agreed with the open set: its final URL, list order
    #: and container shape are what the next read is judged against.
    good_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", use_alter=True))
    next_due_at: Mapped[datetime | None]


class FetchRow(Base):
    """One fetch attempt and how it ended."""

    __tablename__ = "fetches"
    __table_args__ = (Index("ix_fetches_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    http_status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20))
    error_class: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    final_url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))


class SnapshotRow(Base):
    """A distinct content of a source: stored only when the normalised hash changes."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_source_hash", "source_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_hash: Mapped[str] = mapped_column(String(64))
    raw_body: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed
    content_type: Mapped[str | None] = mapped_column(String(200))
    final_url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    claims: Mapped[dict[str, Any] | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]


class AvailabilityRow(Base):
    """A validity interval: (provider, product, country) had this status from..to."""

    __tablename__ = "availability"
    __table_args__ = (
        Index(
            "uq_availability_open",
            "provider",
            "product",
            "country",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index("ix_availability_asof", "provider", "product", "valid_from", "valid_to"),
        Index("ix_availability_country", "country", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default="available")
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    caveats: Mapped[list[Any] | None]


class HeldStatus(enum.StrEnum):
    """Where a held change stands: waiting, or how it was resolved."""

    HELD = "held"  # waiting for a confirming read, or for a person
    CONFIRMED = "confirmed"  # a fresh read agreed: applied
    ACCEPTED = "accepted"  # a person applied it
    REJECTED = "rejected"  # a person judged it false
    REVERTED = "reverted"  # the page read as before again
    SUPERSEDED = "superseded"  # a read with yet another set replaced it


class HeldChangeRow(Base):
    """A set change read but not applied: waiting for a confirming read, or for a person."""

    __tablename__ = "held_changes"
    __table_args__ = (
        Index(
            "uq_held_changes_open",
            "source_id",
            unique=True,
            sqlite_where=text("status = 'held'"),
            postgresql_where=text("status = 'held'"),
        ),
        Index("ix_held_changes_due", "status", "confirm_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    provider: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="held")
    reason: Mapped[str] = mapped_column(String(20))
    damage: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(Text, default="")
    codes: Mapped[list[Any]] = mapped_column(default=list)
    added: Mapped[list[Any]] = mapped_column(default=list)
    removed: Mapped[list[Any]] = mapped_column(default=list)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    reads: Mapped[int] = mapped_column(Integer, default=1)
    confirm_due_at: Mapped[datetime | None]
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    from_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    final_url: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))


class NewsItemRow(Base):
    """A feed entry or announcement, de-duplicated by (source, entry key)."""

    __tablename__ = "news_items"
    __table_args__ = (UniqueConstraint("source_id", "entry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    entry_key: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(10))
    published_at: Mapped[datetime]
    published_guessed: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    edits: Mapped[int] = mapped_column(Integer, default=0)
    bozo: Mapped[bool] = mapped_column(Boolean, default=False)
    signal: Mapped[dict[str, Any] | None]


class ChangeRow(Base):
    """Something detected: an availability set change, a text change, or a signal."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_detected", "detected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id"))
    provider: Mapped[str | None] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(100))
    from_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    to_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    news_item_id: Mapped[int | None] = mapped_column(ForeignKey("news_items.id"))
    added: Mapped[list[Any]] = mapped_column(default=list)
    removed: Mapped[list[Any]] = mapped_column(default=list)
    countries: Mapped[list[Any]] = mapped_column(default=list)
    action: Mapped[str | None] = mapped_column(String(20))
    effective_date: Mapped[date | None] = mapped_column(Date)
    #: "day", or "month": the text gave a month ("from July 2024") and effective_date is its 1st.
    effective_precision: Mapped[str] = mapped_column(String(5), default="day", server_default="day")
    #: "territory" (traffic from the countries) or "ownership" (companies owned from them).
    scope: Mapped[str] = mapped_column(String(10), default="territory", server_default="territory")
    detected_at: Mapped[datetime]
    severity: Mapped[int] = mapped_column(Integer)
    correction: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[dict[str, Any] | None]


class AlertRow(Base):
    """The outbox: one row per (destination, change), sent at most once."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    channel: Mapped[str] = mapped_column(String(20))  # slack | email | operator
    destination: Mapped[str] = mapped_column(String(200))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class OutageRow(Base):
    """A delivery channel failing for transient reasons: opened by the first such failure, closed
    by the next delivery, so the operator hears once per outage."""

    __tablename__ = "outages"
    __table_args__ = (
        Index(
            "uq_outages_open",
            "channel",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # slack | email
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None]  # when the operator was told; a blip is never reported


class DigestRow(Base):
    """One weekly digest period, so a restart never sends a week twice."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
