"""Cross-department collaborations and their contact persons' weekly syncs (P18)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, USERIDS, UTCDateTime


class Collaboration(Base):
    """A collaboration registered in chat (those in the config live in ``[[collaborations]]``)."""

    __tablename__ = "collaborations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    contacts: Mapped[dict] = mapped_column(JSON, info=USERIDS)  # department id → contact userid, one per side
    stakeholders: Mapped[list] = mapped_column(JSON, default=list, info=USERIDS)  # userids who get the digest
    created_by: Mapped[str] = mapped_column(String(64), info=USERID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"Collaboration({self.id}, {self.name!r})"


class SyncUpdate(Base):
    """One side's weekly progress on one collaboration (the latest answer of the week wins)."""

    __tablename__ = "sync_updates"
    __table_args__ = (UniqueConstraint("collaboration", "week", "department_id", name="uq_sync_updates_side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collaboration: Mapped[str] = mapped_column(String(100))  # the collaboration's name
    week: Mapped[str] = mapped_column(String(16), index=True)  # ISO week, "2026-W48"
    department_id: Mapped[str] = mapped_column(String(64))
    userid: Mapped[str] = mapped_column(String(64), info=USERID)
    content: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prompted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"SyncUpdate({self.collaboration!r}, {self.week}, {self.department_id}, {self.userid!r})"
