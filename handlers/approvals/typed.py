"""Decisions typed instead of tapped (P3): 「同意 12」, 「驳回 12 不需要」 by the current approver.

The same decision as the card's buttons (``cards.decide``): one conditional UPDATE, every copy of
the step's card then shows the outcome. A rejection typed with its reason passes it on at once;
without one the bot asks, as after a tap.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.conversation.context import Context, Reply
from bot.conversation.router import intent
from handlers.approvals.cards import NOT_YOUR_STEP, decide, stale_answer
from models import ApprovalRequest, ApprovalStep

NEED_NUMBER = "请带上申请编号，例如：{command} {id}{tail}（发「待我审批」查看编号）"
NOTHING_PENDING = "目前没有需要你审批的申请。"
NOT_FOUND = "没有找到申请 #{id}。发「待我审批」查看需要你审批的申请和编号。"
_NUMBER = re.compile(r"^#?\s*(\d+)\s*[,，:：;；]?\s*")


@intent("approval.approve", "同意", summary="审批人直接回复同意（也可以点卡片）", example="同意 12", numbered=True)
def approve_typed(ctx: Context) -> Reply | str:
    """The current approver approves request N by typing 「同意 N」."""
    return _typed(ctx, "approve", "同意", "")


@intent("approval.reject", "驳回", summary="审批人直接回复驳回，可附理由", example="驳回 12 预算不足", numbered=True)
def reject_typed(ctx: Context) -> Reply | str:
    """The current approver rejects request N by typing 「驳回 N 理由」 (without one, the bot asks)."""
    return _typed(ctx, "reject", "驳回", " 预算不足")


def _typed(ctx: Context, verdict: str, command: str, tail: str) -> Reply | str:
    match = _NUMBER.match(ctx.args or "")
    if not match:
        pending = ctx.session.scalars(
            select(ApprovalStep.request_id).join(ApprovalRequest)
            .where(ApprovalStep.approver == ctx.userid, ApprovalStep.status == "pending",
                   ApprovalRequest.status == "pending", ApprovalRequest.current_step == ApprovalStep.position)
            .order_by(ApprovalStep.request_id).limit(1)).first()
        return NEED_NUMBER.format(command=command, id=pending, tail=tail) if pending else NOTHING_PENDING
    request = ctx.fetch(ApprovalRequest, match.group(1))
    if request is None or request.status == "draft":
        return NOT_FOUND.format(id=match.group(1))
    step = request.step_at(request.current_step)
    mine = [s for s in request.steps if s.approver == ctx.userid and s.status != "skipped"]
    if not mine:
        approver = step.approver if step else request.requester
        return NOT_YOUR_STEP.format(id=request.id, label=step.label if step else "审批", approver=ctx.org.name(approver))
    decided = [s for s in mine if s.status in ("approved", "rejected", "withdrawn")]
    if request.status == "pending" and step is not None and step.approver != ctx.userid and not decided:
        return NOT_YOUR_STEP.format(id=request.id, label=step.label, approver=ctx.org.name(step.approver))
    if request.status != "pending" or step is None or step.approver != ctx.userid:
        return stale_answer(ctx, request, (decided or mine)[-1])[0]
    reason = ctx.args[match.end():].strip()[:500] if verdict == "reject" else None
    return decide(ctx, request, step.position, verdict, reason or None)
