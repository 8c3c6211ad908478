"""Approval jobs: remind and escalate slow steps (P3), chase emergency post-hoc approvals (P5)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.amounts import format_money
from bot.context import JobContext
from bot.quoting import text_inline
from bot.router import job
from handlers.approvals.cards import announce_rejection, kind_label
from models import ApprovalRequest

REMIND = "⏰ {kind}申请 #{id}（{requester}：{item}，{amount}）已等待你{label} {hours} 小时，请尽快处理。发「待我审批」可重新获取卡片。"
ESCALATE = "⚠️ {kind}申请 #{id}（{requester}：{item}，{amount}）在{label}已等待 {approver} {hours} 小时，请协调处理（P3）。"
REMIND_AGAIN = "⚠️ 再次提醒：{kind}申请 #{id}（{requester}：{item}，{amount}）已等待你{label} {hours} 小时（P3）。发「同意 {id}」或「驳回 {id} 理由」即可处理。"
WAITING_AT_TOP = "⏳ 你的{kind}申请 #{id}（{item}）在{label}已等待 {approver} {hours} 小时，我已再次提醒 {approver}。需要时可发「催办 {id}」。"
CHASE_REQUESTER = "⏰ 紧急{kind} #{id}（{item}，{amount}）的补办审批尚未完成，目前在{label}（{approver}）。请补齐材料并跟进（P5）。"
CHASE_APPROVER = "⏰ 紧急{kind} #{id}（{requester}：{item}，{amount}）已先行执行，补办审批等待你{label}，请尽快处理（P5）。"
BACKFILL_ESCALATE = "⚠️ 紧急{kind} #{id}（{requester}：{item}，{amount}）已超过 {hours} 小时仍未补办完成，目前在{label}（{approver}）（P5）。"


def _open_requests(ctx: JobContext, emergency: bool) -> list[ApprovalRequest]:
    return list(ctx.session.scalars(select(ApprovalRequest).where(ApprovalRequest.status == "pending",
                                                                  ApprovalRequest.emergency == emergency)
                                    .order_by(ApprovalRequest.id)))


def _facts(ctx: JobContext, request: ApprovalRequest, step, hours: float) -> dict:
    return dict(kind=kind_label(request), id=request.id, requester=ctx.org.name(request.requester),
                item=text_inline(request.item), amount=format_money(request.amount_fen), label=step.label,
                approver=ctx.org.name(step.approver), hours=int(hours))


def _escalation_target(ctx: JobContext, approver: str) -> str | None:
    """The waiting approver's superior (P1 reporting line); None for whoever has none (the CEO)."""
    member = ctx.org.get(approver)
    superior = ctx.org.superior(member) if member else None
    return superior.userid if superior and superior.userid != approver else None


@job("approval_reminder")
def approval_reminder(ctx: JobContext) -> None:
    """P3: remind approvers of steps pending too long; escalate the slowest to the director."""
    remind_h, escalate_h = ctx.policy.approval_remind_hours, ctx.policy.approval_escalate_hours
    for request in _open_requests(ctx, emergency=False):
        step = request.step_at(request.current_step)
        if step is None or step.started_at is None:
            continue
        hours = (ctx.now - step.started_at).total_seconds() / 3600
        record = f"{request.id}:{step.position}"
        facts = _facts(ctx, request, step, hours)
        if remind_h and hours >= remind_h:
            # One reminder per step per remind period: the ledger key carries the period number.
            period = f"r{int(hours // remind_h)}"
            if ctx.notify_once("approval_remind", period, step.approver, record, text=REMIND.format(**facts)):
                ctx.audit(f"system:{ctx.job_id}", "reminded", "approval", request.id, step=step.position,
                          approver=step.approver, hours=int(hours))
        if escalate_h and hours >= escalate_h:
            _escalate(ctx, request, step, facts, record, f"e{int(hours // escalate_h)}", int(hours))
    _announce_silent_rejections(ctx)


def _escalate(ctx: JobContext, request: ApprovalRequest, step, facts: dict, record: str, period: str,
              hours: int) -> None:
    """P3: a step waiting too long goes to the approver's superior. Nobody is above the CEO: the
    CEO is reminded again, firmly, and the requester is told where the request stands."""
    target = _escalation_target(ctx, step.approver)
    if target:
        if ctx.notify_once("approval_escalate", period, target, record, text=ESCALATE.format(**facts)):
            ctx.audit(f"system:{ctx.job_id}", "escalated", "approval", request.id, step=step.position,
                      approver=step.approver, to=target, hours=hours)
        return
    sent = ctx.notify_once("approval_escalate", period, step.approver, record, text=REMIND_AGAIN.format(**facts))
    sent |= ctx.notify_once("approval_escalate", period, request.requester, record,
                            text=WAITING_AT_TOP.format(**facts))
    if sent:
        ctx.audit(f"system:{ctx.job_id}", "escalated", "approval", request.id, step=step.position,
                  approver=step.approver, to=[step.approver, request.requester], hours=hours)


def _announce_silent_rejections(ctx: JobContext) -> None:
    """A rejection whose approver never answered 「理由？」: tell the requester without a reason."""
    waited = ctx.now - timedelta(minutes=ctx.policy.conversation_timeout_minutes)
    rows = ctx.session.scalars(select(ApprovalRequest).where(ApprovalRequest.status == "rejected",
                                                             ApprovalRequest.outcome_notified.is_(False),
                                                             ApprovalRequest.finished_at <= waited))
    for request in rows:
        announce_rejection(ctx, request, "")


@job("emergency_backfill_reminder")
def emergency_backfill_reminder(ctx: JobContext) -> None:
    """P5: chase an emergency's post-hoc approval until done; escalate after emergency_backfill_hours."""
    chase_h, limit_h = ctx.policy.urge_interval_hours, ctx.policy.emergency_backfill_hours
    for request in _open_requests(ctx, emergency=True):
        step = request.step_at(request.current_step)
        if step is None or request.submitted_at is None:
            continue
        hours = (ctx.now - request.submitted_at).total_seconds() / 3600
        facts = _facts(ctx, request, step, hours)
        record = str(request.id)
        if chase_h and hours >= chase_h:
            period = f"c{int(hours // chase_h)}"
            sent = ctx.notify_once("backfill_chase", period, request.requester, record,
                                   text=CHASE_REQUESTER.format(**facts))
            sent |= ctx.notify_once("backfill_chase", period, step.approver, f"{record}:{step.position}",
                                    text=CHASE_APPROVER.format(**facts))
            if sent:
                ctx.audit(f"system:{ctx.job_id}", "chased", "approval", request.id, step=step.position,
                          approver=step.approver, hours=int(hours))
        target = ctx.org.director_id if step.approver != ctx.org.director_id else ctx.org.ceo_id
        if limit_h and hours >= limit_h and target:
            period = f"e{int(hours // limit_h)}"
            if ctx.notify_once("backfill_escalate", period, target, record,
                               text=BACKFILL_ESCALATE.format(**{**facts, "hours": limit_h})):
                ctx.audit(f"system:{ctx.job_id}", "escalated", "approval", request.id, step=step.position,
                          approver=step.approver, to=target, hours=int(hours))
