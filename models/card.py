"""Every copy of an interactive card that was sent, so that all of them can show the outcome."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime


class CardCopy(Base):
    """One card sent to one person for one decision (``ref``, e.g. ``approval:12:1``): its outbox
    row holds the send's response_code, which can update that copy once within 72 h."""

    __tablename__ = "card_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), index=True)
    userid: Mapped[str] = mapped_column(String(64), info=USERID)
    task_id: Mapped[str] = mapped_column(String(128))
    outbox_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # shows the outcome (or was told)
    settled_as: Mapped[Optional[str]] = mapped_column(String(32))  # the label it shows, or "text"

    def __repr__(self) -> str:
        return f"CardCopy({self.ref!r}, {self.userid!r}, {self.task_id!r}, settled={self.settled_as!r})"
