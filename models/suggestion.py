"""Employees' suggestions (P20), optionally anonymous, answered by the director."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

# status: open → adopted | deferred | declined (answered; may be answered again).


class Suggestion(Base):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The author is kept even when anonymous, only so the answer can reach them: nothing the
    # bot shows anyone else (lists, answers, the audit log) carries it.
    author: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    anonymous: Mapped[bool] = mapped_column(default=False)
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    answer_note: Mapped[Optional[str]] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Suggestion({self.id}, anonymous={self.anonymous}, {self.status!r})"
