"""Rotation applications (P2): a specialist asks to move to another group; three people sign."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, USERID, UTCDateTime

# Request status: pending (in the chain) → approved | rejected.
# Step status: waiting → pending (card sent) → approved | rejected; skipped (an approver who
# already signed an earlier step, e.g. the director leading a group).


class RotationRequest(Base):
    __tablename__ = "rotation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    from_group: Mapped[Optional[str]] = mapped_column(String(64))
    to_group: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    group_since: Mapped[Optional[date]] = mapped_column(Date)  # what the two-year rule was checked against
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    current_step: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    effective_on: Mapped[Optional[date]] = mapped_column(Date)  # the rotation's date, once approved
    applied: Mapped[bool] = mapped_column(default=False)  # the org itself was changed (WeCom-synced orgs)
    outcome_notified: Mapped[bool] = mapped_column(default=False)
    note: Mapped[Optional[str]] = mapped_column(Text)  # the rejection reason

    steps: Mapped[list["RotationStep"]] = relationship(
        back_populates="request", order_by="RotationStep.position", cascade="all, delete-orphan")

    def step_at(self, position: int) -> Optional["RotationStep"]:
        return next((s for s in self.steps if s.position == position), None)

    def __repr__(self) -> str:
        return f"RotationRequest({self.id}, {self.applicant!r}, {self.from_group!r}→{self.to_group!r}, {self.status!r})"


class RotationStep(Base):
    __tablename__ = "rotation_steps"
    __table_args__ = (UniqueConstraint("request_id", "position", name="uq_rotation_steps_request_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rotation_requests.id"), index=True)
    position: Mapped[int] = mapped_column()  # 1-based
    label: Mapped[str] = mapped_column(String(32))  # 现组长 / 目标组长 / 总监
    approver: Mapped[str] = mapped_column(String(64), info=USERID)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    task_id: Mapped[Optional[str]] = mapped_column(String(128))

    request: Mapped[RotationRequest] = relationship(back_populates="steps")

    def __repr__(self) -> str:
        return f"RotationStep({self.request_id}#{self.position}, {self.approver!r}, {self.status!r})"
