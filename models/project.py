"""Projects (P6): registered with a planned approval date; a kickoff meeting before it, a mid-term
review every quarter, acceptance within ``policy.acceptance_days`` after completion."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

PROJECT_SUFFIX = "项目"

# Status: open → completed (项目完成; acceptance due) → accepted (项目验收).
OPEN, COMPLETED, ACCEPTED = "open", "completed", "accepted"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner: Mapped[str] = mapped_column(String(64), index=True, info=USERID)  # a userid (负责人)
    department_id: Mapped[str] = mapped_column(String(64))  # the owner's department, for filing (P7)
    group_id: Mapped[Optional[str]] = mapped_column(String(64))
    planned_approval: Mapped[date] = mapped_column(Date)  # 计划立项
    expected_completion: Mapped[Optional[date]] = mapped_column(Date)  # 预计完成
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    created_by: Mapped[str] = mapped_column(String(64), info=USERID)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    acceptance_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # P6: completed_at + acceptance_days
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    accepted_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    conclusion: Mapped[Optional[str]] = mapped_column(Text)  # the acceptance's 结论, as typed

    def kickoff_window(self, kickoff_days: int) -> tuple[date, date]:
        """P6: the kickoff meeting is held within ``kickoff_days`` days before the planned approval
        date — (first day, last day), both inclusive."""
        return self.planned_approval - timedelta(days=kickoff_days), self.planned_approval

    def __repr__(self) -> str:
        return f"Project({self.id}, {self.name!r}, owner={self.owner!r}, {self.status!r})"


def project_key(name: str) -> str:
    """A project name for matching (P7: a document names its project): no spaces, lower case, no
    trailing 项目 — 「数据平台项目」, 「数据平台」 and 「数据 平台」 are one project."""
    key = re.sub(r"\s+", "", name).lower()
    return key[: -len(PROJECT_SUFFIX)] if key.endswith(PROJECT_SUFFIX) and len(key) > len(PROJECT_SUFFIX) else key
