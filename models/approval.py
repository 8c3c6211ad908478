"""Approval requests (P3–P5): a request, and its chain of steps, one approver each."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, USERID, UTCDateTime

# Request status: draft (summary card shown) → pending (in the chain) → approved | rejected;
# or cancelled (draft dropped), withdrawn (by the requester), failed (no approver for a role).
REQUEST_OPEN = "pending"
# Step status: waiting → pending (card sent) → approved | rejected; skipped (the requester's own
# step, or an approver who already signed); withdrawn (the request was withdrawn at this step).


class ApprovalRequest(Base):
    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of policy.chains: procurement, reimbursement
    requester: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    department_id: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # integer fen (分): ¥35.50 is 3550
    quantity: Mapped[Optional[int]] = mapped_column()  # when asked as quantity × unit price (3 × ¥20,000)
    unit_fen: Mapped[Optional[int]] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(default=False)  # P5: acted first, approved afterwards (补办)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    current_step: Mapped[int] = mapped_column(default=0)  # position of the pending step
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_urged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome_notified: Mapped[bool] = mapped_column(default=False)  # the requester was told the end
    note: Mapped[Optional[str]] = mapped_column(Text)  # why it failed, or the rejection reason

    steps: Mapped[list["ApprovalStep"]] = relationship(
        back_populates="request", order_by="ApprovalStep.position", cascade="all, delete-orphan")

    def step_at(self, position: int) -> Optional["ApprovalStep"]:
        return next((s for s in self.steps if s.position == position), None)

    def __repr__(self) -> str:
        return f"ApprovalRequest({self.id}, {self.kind!r}, {self.requester!r}, {self.amount_fen}, {self.status!r})"


class ApprovalStep(Base):
    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("request_id", "position", name="uq_approval_steps_request_position"),
                      Index("ix_approval_steps_approver_status", "approver", "status"),
                      Index("ix_approval_steps_decided_at", "decided_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"), index=True)
    position: Mapped[int] = mapped_column()  # 1-based, in chain order
    role: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(32))
    approver: Mapped[Optional[str]] = mapped_column(String(64), info=USERID)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    note: Mapped[Optional[str]] = mapped_column(Text)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    task_id: Mapped[Optional[str]] = mapped_column(String(128))  # the latest card sent for this step
    card_outbox_id: Mapped[Optional[int]] = mapped_column()  # its outbox row (holds the response_code)

    request: Mapped[ApprovalRequest] = relationship(back_populates="steps")

    def __repr__(self) -> str:
        return f"ApprovalStep({self.request_id}#{self.position}, {self.role!r}, {self.approver!r}, {self.status!r})"


class ApprovalDraft(Base):
    """A request being put together: its summary card waits for 提交. Drafts are not requests —
    a request (and its number) exists only once a draft is submitted."""

    __tablename__ = "approval_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(64), index=True, info=USERID)
    item: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Optional[int]] = mapped_column()
    unit_fen: Mapped[Optional[int]] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open → submitted | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("approval_requests.id"))  # once submitted

    def __repr__(self) -> str:
        return f"ApprovalDraft({self.id}, {self.kind!r}, {self.requester!r}, {self.status!r})"
