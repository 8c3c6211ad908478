"""The transactional outbox and the ledger of notifications already sent."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One WeCom API call to make after the transaction that wrote it commits.

    ``kind`` is ``send`` (message/send), ``update_card`` (message/update_template_card) or
    ``send_file`` (media/upload, then message/send of the file).
    ``status``: pending → sending (leased by one dispatcher) → sent | failed.
    ``priority``: higher is claimed first (urgent alerts, P15/P17); 0 for everything else.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[str] = mapped_column(Text)  # userids joined by "|", ≤ 1000 of them
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    leased_by: Mapped[Optional[str]] = mapped_column(String(64))
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    response: Mapped[Optional[dict]] = mapped_column(JSON)
    origin: Mapped[Optional[str]] = mapped_column(String(128))  # handler or job that queued it
    priority: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"OutboxMessage({self.id}, {self.kind!r}, {self.status!r})"


class NotificationLedger(Base):
    """A notification already queued: a job re-run for the same period sends nothing twice."""

    __tablename__ = "notification_ledger"
    __table_args__ = (UniqueConstraint("kind", "period", "recipient", "record", name="uq_ledger_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outbox_id: Mapped[Optional[int]] = mapped_column()
