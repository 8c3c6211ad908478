"""Data-leak incidents (P15): reported at once, investigated, closed by compliance."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, USERIDS, UTCDateTime

# status: open → closed (by compliance with a conclusion). Its history is the audit log
# (record_type "incident"): reported, details, update, acknowledged, reminded, escalated, closed.


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    description: Mapped[str] = mapped_column(Text)  # what happened, as reported
    data_kind: Mapped[Optional[str]] = mapped_column(Text)  # which data leaked (asked after the report)
    affected: Mapped[Optional[str]] = mapped_column(Text)  # how many people, as told
    still_exposed: Mapped[Optional[str]] = mapped_column(Text)  # 是 / 否 / what the reporter said
    alerted: Mapped[list] = mapped_column(JSON, default=list, info=USERIDS)  # userids alerted (they acknowledge with 收到)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_update_at: Mapped[datetime] = mapped_column(UTCDateTime)  # P15: escalation counts from here
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    conclusion: Mapped[Optional[str]] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"Incident({self.id}, {self.reporter!r}, {self.status!r})"
