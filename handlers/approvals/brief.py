"""The approver's brief (P3, P4, P5, P16): three short lines on every approval card.

1. the requester's record: their requests of this kind in the last ``policy.approver_brief_days``;
2. how much of this kind the requester's group has had approved this month;
3. what is unusual for the policy: a suspected split purchase (``splits``), an amount just under a
   tier (``policy.near_limit_percent`` of it), an emergency acted on at a weekend, a back-fill (P5).

Only figures and request numbers: an approver never reads the items or names of other people's
requests here.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.conversation.context import BaseContext
from bot.text.amounts import format_money
from handlers.approvals.splits import peers, tiers_fen, wan_text
from models import ApprovalRequest, AuditEntry

SPLIT_ACTION = "split_suspected"
RECORD = "{name} 近{days}天{kind}申请 {count} 次，共 {total}"
RECORD_FIRST = "{name} 近{days}天没有其他{kind}申请"
GROUP_MONTH = "本组本月已批{kind} {total}"
NEAR_LIMIT = "金额接近 {limit} 的审批线（P4）"
WEEKEND_EMERGENCY = "周末发生的紧急{kind}（P5）"
BACKFILL = "先执行后补办（P5）"
SPLIT = "疑似拆单：{numbers} 与本单合计 {total}，达到 {limit}（P4）{escalated}"
ESCALATED = "，已加 CEO 终审"


def split_recorded(ctx: BaseContext, request_id: int) -> dict | None:
    """The split recorded when the request was submitted (its audit entry's detail), or None."""
    entry = ctx.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "approval", AuditEntry.record_id == str(request_id),
        AuditEntry.action == SPLIT_ACTION).limit(1)).first()
    return entry.detail if entry is not None else None


def split_line(detail: dict) -> str:
    """The plain line a recorded split is told in (cards, summary, 审批记录)."""
    numbers = "、".join(f"#{n}" for n in detail.get("related", []))
    return SPLIT.format(numbers=numbers, total=format_money(detail["total_fen"]), limit=wan_text(detail["limit_fen"]),
                        escalated=ESCALATED if detail.get("escalated") else "")


def brief_lines(ctx: BaseContext, request: ApprovalRequest, kind_label: str) -> list[str]:
    """At most three lines for the approver of ``request`` (see the module docstring)."""
    now = ctx.now
    since = now - timedelta(days=ctx.policy.approver_brief_days)
    count, total = ctx.session.execute(select(func.count(), func.coalesce(func.sum(ApprovalRequest.amount_fen), 0))
                                       .where(ApprovalRequest.requester == request.requester,
                                              ApprovalRequest.kind == request.kind, ApprovalRequest.id != request.id,
                                              ApprovalRequest.status.not_in(("draft", "cancelled")),
                                              ApprovalRequest.submitted_at >= since)).one()
    name, days = ctx.org.name(request.requester), ctx.policy.approver_brief_days
    lines = [RECORD.format(name=name, days=days, kind=kind_label, count=count, total=format_money(int(total)))
             if count else RECORD_FIRST.format(name=name, days=days, kind=kind_label)]
    month_start = now.astimezone(ctx.settings.tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    approved = ctx.session.scalar(select(func.coalesce(func.sum(ApprovalRequest.amount_fen), 0)).where(
        ApprovalRequest.requester.in_(sorted(peers(ctx, request.requester))), ApprovalRequest.kind == request.kind,
        ApprovalRequest.status == "approved", ApprovalRequest.finished_at >= month_start))
    lines.append(GROUP_MONTH.format(kind=kind_label, total=format_money(int(approved or 0))))
    unusual = _unusual(ctx, request, kind_label)
    if unusual:
        lines.append("⚠ " + "；".join(unusual))
    return lines


def _unusual(ctx: BaseContext, request: ApprovalRequest, kind_label: str) -> list[str]:
    notes = []
    detail = split_recorded(ctx, request.id) if request.id else None
    if detail:
        notes.append(split_line(detail))
    for limit in tiers_fen(ctx, request.kind):
        if limit * ctx.policy.near_limit_percent / 100 <= request.amount_fen < limit:
            notes.append(NEAR_LIMIT.format(limit=wan_text(limit)))
            break
    if request.emergency:
        when: datetime | None = request.submitted_at or request.created_at
        if when is not None and when.astimezone(ctx.settings.tz).weekday() >= 5:
            notes.append(WEEKEND_EMERGENCY.format(kind=kind_label))
        notes.append(BACKFILL)
    return notes

