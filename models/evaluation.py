"""Performance (P13, P14): monthly self-evaluations, quarterly evaluations by the superior, and
commendations (表彰)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

# Ratings, best first: excellent 优秀 · good 良好 · pass 合格 · improve 待改进.
RATINGS = ("excellent", "good", "pass", "improve")


class SelfEvaluation(Base):
    """One per specialist per month (period "2026-11")."""

    __tablename__ = "self_evaluations"
    __table_args__ = (UniqueConstraint("userid", "period", name="uq_self_evaluations_userid_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    period: Mapped[str] = mapped_column(String(16), index=True)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest version
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)
    revisions: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"SelfEvaluation({self.id}, {self.userid!r}, {self.period!r}, late={self.late})"


class Evaluation(Base):
    """The superior's rating of one person for one quarter ("2026Q4"), queued per rater.

    status: waiting (in the rater's queue) → carded (the card the rater has now; one at a time)
    → rated. ``position`` orders the queue; 「评估 下一位」 moves a card to its end.
    """

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("quarter", "subject", name="uq_evaluations_quarter_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(8), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    rater: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    department_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    rating: Mapped[Optional[str]] = mapped_column(String(16))  # one of RATINGS
    comment: Mapped[Optional[str]] = mapped_column(Text)
    kpis: Mapped[Optional[dict]] = mapped_column(JSON)  # KPI name → figure entered by the rater
    facts: Mapped[Optional[dict]] = mapped_column(JSON)  # the quarter's facts shown on the card
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    task_id: Mapped[Optional[str]] = mapped_column(String(128))  # the latest card sent

    def __repr__(self) -> str:
        return f"Evaluation({self.id}, {self.quarter!r}, {self.subject!r}, rater={self.rater!r}, {self.rating!r})"


class Commendation(Base):
    """P14: 表彰 recorded by the director; it appears in the annual promotion list."""

    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    reason: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(64), info=USERID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"Commendation({self.id}, {self.userid!r})"
