"""Disputes (P19): mediated inside the department first, then arbitrated by HR."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, USERID, UTCDateTime

# status: mediating → resolved (closed by the mediator); or → arbitration (unresolved, no result
# within policy.mediation_days, or nobody inside the department to mediate) → arbitrated (HR).


class MediationCase(Base):
    __tablename__ = "mediation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    counterpart: Mapped[Optional[str]] = mapped_column(String(64), index=True, info=USERID)  # the other party, if named
    matter: Mapped[str] = mapped_column(Text)  # 事由, as written
    mediator: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)  # the group leader or the director
    status: Mapped[str] = mapped_column(String(16), default="mediating", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mediation_due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # created_at + policy.mediation_days
    mediation_note: Mapped[Optional[str]] = mapped_column(Text)  # the mediator's 说明
    mediated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # handed to HR (once)
    escalation_reason: Mapped[Optional[str]] = mapped_column(String(16))  # unresolved | timeout | no_mediator
    arbitration_note: Mapped[Optional[str]] = mapped_column(Text)
    arbitrated_by: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def parties(self) -> list[str]:
        return [u for u in (self.applicant, self.counterpart) if u]

    def __repr__(self) -> str:
        return f"MediationCase({self.id}, {self.applicant!r}, {self.status!r})"
