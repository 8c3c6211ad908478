"""Weekly, monthly and annual reports (P10): one row per person per period."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

# kind: weekly | monthly | annual; period: "2026-W48" | "2026-11" | "2026".


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", "userid", name="uq_reports_kind_period_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16), index=True)
    userid: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))  # the author's group when submitted
    content: Mapped[str] = mapped_column(Text)  # stored as sent: the template is offered, not enforced
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest version
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(default=False)  # the latest version came after the deadline
    revisions: Mapped[int] = mapped_column(default=1)

    def __repr__(self) -> str:
        return f"Report({self.id}, {self.kind!r}, {self.period!r}, {self.userid!r}, late={self.late})"
