"""Every callback WeCom delivered, keyed so that a retry is recognised (nothing twice, nothing lost)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class InboundCallback(Base):
    """A processed callback. ``dedupe_key`` is unique: MsgId for messages; for events the sender,
    CreateTime and a digest of every decrypted field (see ``bot.conversation.context.Message.dedupe_key``)."""

    __tablename__ = "inbound_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(512), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    userid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[Optional[str]] = mapped_column(String(64))
    content: Mapped[Optional[str]] = mapped_column(Text)  # text content or EventKey
    payload: Mapped[dict] = mapped_column(JSON)  # the decrypted message, as a dict
    handler: Mapped[Optional[str]] = mapped_column(String(128))
    # done | unrouted | failed | ignored (an event nobody typed) | system (from sys) |
    # other_agent (for another app on this URL) | rejected (signed but malformed) | stale
    status: Mapped[str] = mapped_column(String(16), default="done")
    error: Mapped[Optional[str]] = mapped_column(Text)
    reply: Mapped[Optional[str]] = mapped_column(Text)  # the text answered passively (a retry gets it again)

    def __repr__(self) -> str:
        return f"InboundCallback({self.id}, {self.dedupe_key!r}, {self.status!r})"
