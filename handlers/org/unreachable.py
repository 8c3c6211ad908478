"""An approver WeCom cannot reach (issue 22; MoeLove/qyweixin#4, WxJava#3562): ``message/send``
answered that the step's card did not reach them — no WeCom licence (``unlicenseduser``), or an
account that is invalid or outside the app's visible range (``invaliduser``, or 81013 when they
were the only recipient). The request would stall until escalation, so the step moves on as for a
leaver (P3: the next person of the role, else their superior, else the director), and the
director is told why. Runs in the transaction that marks the outbox row (``bot.outbox.unreached``)."""
from __future__ import annotations

from sqlalchemy import select

from bot.conversation.context import BaseContext
from bot.conversation.router import on_undelivered
from bot.outbox import unreached
from handlers.org.handover import hand_over_unreachable
from models import ApprovalRequest, ApprovalStep, CardCopy


@on_undelivered("approval")
def approver_not_reached(ctx: BaseContext, row_id: int, origin: str | None, missed: dict) -> None:
    """P3: a pending step whose card did not reach its approver goes to the next person."""
    people = unreached.people(missed)
    copies = ctx.session.scalars(select(CardCopy).where(CardCopy.outbox_id == row_id,
                                                        CardCopy.ref.like("approval:%"))).all()
    for copy in copies:
        if copy.userid not in people:
            continue
        _, request_id, position = copy.ref.split(":")
        step = ctx.session.scalars(select(ApprovalStep).join(ApprovalRequest).where(
            ApprovalStep.request_id == int(request_id), ApprovalStep.position == int(position),
            ApprovalStep.approver == copy.userid, ApprovalStep.status == "pending",
            ApprovalRequest.status == "pending")).first()
        if step is not None:
            ctx.audit("system:outbox", "not_reached", "approval", request_id, step=step.position,
                      approver=copy.userid, reason=people[copy.userid])
            hand_over_unreachable(ctx, copy.userid, unreached.LABELS[people[copy.userid]], [step])
