"""Notices broadcast by the director or a group leader (P17)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, USERIDS, UTCDateTime


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))  # None: the whole department
    urgent: Mapped[bool] = mapped_column(default=False)  # P17: urgent notices are also phoned through
    content: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list] = mapped_column(JSON, default=list, info=USERIDS)  # userids it was sent to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"Notice({self.id}, {self.sender!r}, urgent={self.urgent})"
