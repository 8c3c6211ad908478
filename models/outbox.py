"""The transactional outbox and the ledger of notifications already sent."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, USERIDS_PIPE, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One WeCom API call to make after the transaction that wrote it commits.

    ``kind`` is ``send`` (message/send), ``update_card`` (message/update_template_card) or
    ``send_file`` (media/upload, then message/send of the file).
    ``status``: pending → sending (leased by one dispatcher) → sent | failed.
    ``chain``/``part``: the parts of one long message share a chain; part n is delivered only
    after every earlier part is sent or failed. ``priority``: higher rows are delivered first
    (urgent alerts, P15/P17); 0 for everything else.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_chain", "chain", "part"))

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[str] = mapped_column(Text, info=USERIDS_PIPE)  # userids joined by "|", ≤ 1000 of them
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
    chain: Mapped[Optional[str]] = mapped_column(String(32))  # the long message this row is a part of
    part: Mapped[int] = mapped_column(default=0, server_default="0")  # its position in the chain
    priority: Mapped[int] = mapped_column(default=0, server_default="0")  # higher goes first

    def __repr__(self) -> str:
        return f"OutboxMessage({self.id}, {self.kind!r}, {self.status!r})"


class RecipientSend(Base):
    """One message/send that reached (or is about to reach) one person: the per-recipient pacing
    log, shared by every dispatcher. Rows older than an hour are pruned."""

    __tablename__ = "recipient_sends"
    __table_args__ = (Index("ix_recipient_sends_recipient_at", "recipient", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64), info=USERID)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    outbox_id: Mapped[Optional[int]] = mapped_column(index=True)


class SenderAction(Base):
    """One thing a member made the bot send to other people (a leak alert, a notice, a 催办…): the
    per-sender budget's log (``bot.outbox.budget``). ``sender_key`` is a keyed hash of the userid,
    never the userid, so the log ties nobody to what they sent. Rows older than a day are pruned."""

    __tablename__ = "sender_actions"
    __table_args__ = (Index("ix_sender_actions_sender_key_at", "sender_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutboxAttachment(Base):
    """A file to send (a spreadsheet of reports): uploaded with ``media/upload`` when its outbox
    row is delivered. The media_id is kept, so a resend reuses it (and WeCom's duplicate check
    recognises the resend); WeCom keeps media for 3 days."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    media_id: Mapped[Optional[str]] = mapped_column(String(255))
    uploaded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"OutboxAttachment({self.id}, {self.filename!r}, {len(self.data or b'')} bytes)"


class NotificationLedger(Base):
    """A notification already queued: a job re-run for the same period sends nothing twice."""

    __tablename__ = "notification_ledger"
    __table_args__ = (UniqueConstraint("kind", "period", "recipient", "record", name="uq_ledger_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64), info=USERID)
    record: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outbox_id: Mapped[Optional[int]] = mapped_column()
