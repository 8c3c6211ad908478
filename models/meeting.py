"""Meetings (P11), their minutes (P9) and the action items their resolutions become (P12)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, USERID, USERIDS, UTCDateTime

# Meeting status: scheduled → minuted (minutes archived); or cancelled.
# Action item status: open → done.


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("series", "starts_at", name="uq_meetings_series_starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    series: Mapped[Optional[str]] = mapped_column(String(64))  # recurring config key; None for ad-hoc
    weekly: Mapped[bool] = mapped_column(default=False)  # P11: the weekly meeting reviews open action items
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    chair: Mapped[str] = mapped_column(String(64), info=USERID)
    minute_taker: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    attendees: Mapped[list] = mapped_column(JSON, default=list, info=USERIDS)  # userids, chair and minute-taker included
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    created_by: Mapped[str] = mapped_column(String(64), info=USERID)  # a userid, or "system:config"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # P9: end + minutes_due_hours
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey("projects.id"), index=True)  # P6: 登记会议 … 项目 N

    minutes: Mapped[Optional["Minutes"]] = relationship(back_populates="meeting", uselist=False)
    items: Mapped[list["ActionItem"]] = relationship(back_populates="meeting", order_by="ActionItem.id")

    def __repr__(self) -> str:
        return f"Meeting({self.id}, {self.title!r}, {self.starts_at:%Y-%m-%d %H:%M}, {self.status!r})"


class Minutes(Base):
    __tablename__ = "meeting_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    author: Mapped[str] = mapped_column(String(64), info=USERID)
    text: Mapped[str] = mapped_column(Text)  # the full text as sent
    topics: Mapped[str] = mapped_column(Text, default="")
    discussion: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # copied from the meeting: on time = submitted_at <= due_at

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")

    def __repr__(self) -> str:
        return f"Minutes({self.id}, meeting={self.meeting_id}, {self.author!r})"


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    minutes_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting_minutes.id"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[Optional[str]] = mapped_column(String(64), index=True, info=USERID)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # P12: created_at + decision_owner_hours
    owner_assigned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    assigned_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # the item's own deadline (截止)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    progress: Mapped[Optional[str]] = mapped_column(Text)  # the latest 进展 note
    progress_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    assign_task_id: Mapped[Optional[str]] = mapped_column(String(128))  # the chair's pick-an-owner card
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # P12: ownerless, told the chair
    stale_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # long overdue, handed to the chair
    replanned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # reassigned after that: stale anew later

    meeting: Mapped[Meeting] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"ActionItem({self.id}, meeting={self.meeting_id}, owner={self.owner!r}, {self.status!r})"
