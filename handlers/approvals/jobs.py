"""Approval jobs: remind and escalate slow steps (P3), chase emergency post-hoc approvals (P5)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.text.amounts import format_money
from bot.text.workdays import is_working_day
from bot.conversation.context import JobContext
from bot.text.quoting import text_inline
from bot.conversation.router import job
from handlers.approvals.cards import announce_rejection, kind_label
from models import ApprovalRequest, ApprovalStep

REMIND = "⏰ {kind}申请 #{id}（{requester}：{item}，{amount}）已等待你{label} {hours} 小时，请尽快处理。发「待我审批」可重新获取卡片。"
ESCALATE = "⚠️ {kind}申请 #{id}（{requester}：{item}，{amount}）在{label}已等待 {approver} {hours} 小时，请协调处理（P3）。"
REMIND_AGAIN = "⚠️ 再次提醒：{kind}申请 #{id}（{requester}：{item}，{amount}）已等待你{label} {hours} 小时（P3）。发「同意 {id}」或「驳回 {id} 理由」即可处理。"
WAITING_AT_TOP = "⏳ 你的{kind}申请 #{id}（{item}）在{label}已等待 {approver} {hours} 小时，我已再次提醒 {approver}。需要时可发「催办 {id}」。"
CHASE_REQUESTER = "⏰ 紧急{kind} #{id}（{item}，{amount}）的补办审批尚未完成，目前在{label}（{approver}）。请补齐材料并跟进（P5）。"
CHASE_APPROVER = "⏰ 紧急{kind} #{id}（{requester}：{item}，{amount}）已先行执行，补办审批等待你{label}，请尽快处理（P5）。"
BACKFILL_ESCALATE = ("⚠️ 紧急{kind} #{id}（{requester}：{item}，{amount}）已过去 {hours} 小时（补办时限 {limit} 小时）仍未补办完成，"
                     "目前在{label}（{approver}）（P5）。")


REMIND_MANY = "⏰ 你有 {count} 件审批等待已久，请尽快处理（P3）：\n{lines}\n发「待我审批」可重新获取卡片。"
REMIND_LINE = "#{id} {requester}：{item}，{amount}（{label}，已等 {hours} 小时）"
ESCALATE_MANY = "⚠️ 以下 {count} 件审批等待已久，请协调处理（P3）：\n{lines}"
ESCALATE_LINE = "#{id} {requester}：{item}，{amount}（{label}·{approver}，已等 {hours} 小时）"
CHASE_MANY = "⏰ 以下 {count} 件紧急采购的补办审批尚未完成，请跟进（P5）：\n{lines}"
CHASE_LINE = "#{id} {requester}：{item}，{amount}（{label}·{approver}，已 {hours} 小时）"
BACKFILL_MANY = "⚠️ 以下 {count} 件紧急采购已超过 {limit} 小时仍未补办完成（P5）：\n{lines}"
LINES_SHOWN = 20  # lines per message; the rest are counted


def _open_steps(ctx: JobContext, emergency: bool) -> list[tuple[ApprovalRequest, ApprovalStep]]:
    """Open requests with their current step, in one query (no query per request)."""
    rows = ctx.session.execute(
        select(ApprovalRequest, ApprovalStep).join(ApprovalStep, (ApprovalStep.request_id == ApprovalRequest.id)
                                                   & (ApprovalStep.position == ApprovalRequest.current_step))
        .where(ApprovalRequest.status == "pending", ApprovalRequest.emergency == emergency)
        .order_by(ApprovalRequest.id)).all()
    return [(request, step) for request, step in rows]


def _send_grouped(ctx: JobContext, kind: str, entries: list[tuple], many: str, skip: frozenset | set = frozenset(),
                  repeats: bool = False, **extra) -> list[tuple]:
    """``entries``: (recipient, period, record, single text, line, …). Each recipient gets ONE message
    about what is new for them (the single text when there is one item): WeCom drops bursts to one
    person. ``skip``: (recipient, record) pairs ledgered but not sent (already told otherwise this run).
    ``repeats``: the kind reminds one item period after period, so the reminder budget ends it.
    Returns the entries sent."""
    fresh = set(ctx.claim_once(kind, [(period, recipient, record) for recipient, period, record, *_ in entries],
                               repeats=repeats))
    sent = [e for e in entries if (e[1], e[0], str(e[2])) in fresh and (e[0], e[2]) not in skip]
    by_recipient: dict[str, list[tuple]] = {}
    for entry in sent:
        by_recipient.setdefault(entry[0], []).append(entry)
    for recipient, mine in by_recipient.items():
        if len(mine) == 1:
            ctx.send_text(recipient, mine[0][3])
            continue
        lines = [e[4] for e in mine[:LINES_SHOWN]]
        if len(mine) > LINES_SHOWN:
            lines.append(f"…另有 {len(mine) - LINES_SHOWN} 件")
        ctx.send_text(recipient, many.format(count=len(mine), lines="\n".join(lines), **extra))
    return sent


def _facts(ctx: JobContext, request: ApprovalRequest, step, hours: float) -> dict:
    return dict(kind=kind_label(request), id=request.id, requester=ctx.org.name(request.requester),
                item=text_inline(request.item), amount=format_money(request.amount_fen), label=step.label,
                approver=ctx.org.name(step.approver), hours=int(hours))


def _escalation_target(ctx: JobContext, approver: str) -> str | None:
    """The waiting approver's superior (P1 reporting line); None for whoever has none (the CEO)."""
    member = ctx.org.get(approver)
    superior = ctx.org.superior(member) if member else None
    return superior.userid if superior and superior.userid != approver else None


def _working_hours(ctx: JobContext, start: datetime, end: datetime) -> float:
    """Hours of working time (policy.working_hours on working days) between ``start`` and ``end``."""
    tz = ctx.settings.tz
    opens, closes = (time.fromisoformat(t) for t in ctx.policy.working_hours.split("-"))
    start, end = start.astimezone(tz), end.astimezone(tz)
    total, day = 0.0, start.date()
    while day <= end.date():
        if is_working_day(day):
            low = max(start, datetime.combine(day, opens, tz))
            high = min(end, datetime.combine(day, closes, tz))
            total += max((high - low).total_seconds(), 0.0)
        day += timedelta(days=1)
    return total / 3600


@job("approval_reminder")
def approval_reminder(ctx: JobContext) -> None:
    """P3: remind approvers of steps pending too long (policy.reminder_repeats times, then weekly);
    escalate a step once to the waiting approver's superior — or, at the top (the CEO), remind once
    more and tell the requester once. One message per person per run, listing what is new for them."""
    remind_h, escalate_h = ctx.policy.approval_remind_hours, ctx.policy.approval_escalate_hours
    reminders, escalations = [], []
    for request, step in _open_steps(ctx, emergency=False):
        if step.started_at is None:
            continue
        hours = (ctx.now - step.started_at).total_seconds() / 3600
        record = f"{request.id}:{step.position}"
        facts = _facts(ctx, request, step, hours)
        if remind_h and hours >= remind_h:
            # One reminder per step per remind period: the ledger key carries the period number.
            reminders.append((step.approver, f"r{int(hours // remind_h)}", record, REMIND.format(**facts),
                              REMIND_LINE.format(**facts), request, step, hours))
        if escalate_h and hours >= escalate_h:
            period = "e"  # once: the superior can unblock it; telling them daily would not
            target = _escalation_target(ctx, step.approver)
            if target:  # P3: the waiting approver's superior
                escalations.append((target, period, record, ESCALATE.format(**facts), ESCALATE_LINE.format(**facts),
                                    request, step, hours))
            else:  # nobody is above the CEO: the CEO is reminded again, firmly, and the requester told
                escalations.append((step.approver, period, record, REMIND_AGAIN.format(**facts),
                                    REMIND_LINE.format(**facts), request, step, hours))
                escalations.append((request.requester, period, record, WAITING_AT_TOP.format(**facts),
                                    ESCALATE_LINE.format(**facts), request, step, hours))
    told: dict[int, tuple] = {}
    escalated = _send_grouped(ctx, "approval_escalate", escalations, ESCALATE_MANY)
    for target, *_, request, step, hours in escalated:
        told.setdefault(request.id, (request, step, hours, []))[3].append(target)
    # One message per person per run: the CEO just reminded again of a step is not also sent the
    # ordinary reminder of it; that reminder's period is still ledgered, so it does not follow later.
    superseded = {(e[0], e[2]) for e in escalated if e[0] == e[6].approver}
    for *_, request, step, hours in _send_grouped(ctx, "approval_remind", reminders, REMIND_MANY, skip=superseded,
                                                  repeats=True):
        ctx.audit(f"system:{ctx.job_id}", "reminded", "approval", request.id, step=step.position,
                  approver=step.approver, hours=int(hours))
    for request, step, hours, targets in told.values():
        ctx.audit(f"system:{ctx.job_id}", "escalated", "approval", request.id, step=step.position,
                  approver=step.approver, to=targets[0] if len(targets) == 1 else targets, hours=int(hours))
    _announce_silent_rejections(ctx)


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
    """P5: chase an emergency's post-hoc approval every urge_interval_hours of working time (the
    approver, policy.reminder_repeats times, then weekly; the requester, who cannot sign it, once);
    escalate once after emergency_backfill_hours (clock time). One message per person per run."""
    chase_h, limit_h = ctx.policy.urge_interval_hours, ctx.policy.emergency_backfill_hours
    chases, escalations = [], []
    for request, step in _open_steps(ctx, emergency=True):
        if request.submitted_at is None:
            continue
        hours = (ctx.now - request.submitted_at).total_seconds() / 3600
        facts = _facts(ctx, request, step, hours)
        record = str(request.id)
        # The chase period counts working time, not the clock: a night or a weekend does not advance
        # it, so the 09:30 and 10:30 runs after one share it (one chase per urge_interval_hours).
        worked = _working_hours(ctx, request.submitted_at, ctx.now)
        if chase_h and worked >= chase_h:
            period = f"c{int(worked // chase_h)}"
            line = CHASE_LINE.format(**facts)
            # Only the approver can sign it: the requester is told once, not every period.
            chases.append((request.requester, "c", record, CHASE_REQUESTER.format(**facts), line, request, step, hours))
            chases.append((step.approver, period, f"{record}:{step.position}", CHASE_APPROVER.format(**facts), line,
                           request, step, hours))
        target = ctx.org.director_id if step.approver != ctx.org.director_id else ctx.org.ceo_id
        if limit_h and hours >= limit_h and target:
            escalations.append((target, "e", record,
                                BACKFILL_ESCALATE.format(**facts, limit=limit_h), CHASE_LINE.format(**facts),
                                request, step, hours))
    chased = {e[5].id: e for e in _send_grouped(ctx, "backfill_chase", chases, CHASE_MANY, repeats=True)}
    for *_, request, step, hours in chased.values():
        ctx.audit(f"system:{ctx.job_id}", "chased", "approval", request.id, step=step.position,
                  approver=step.approver, hours=int(hours))
    for target, *_, request, step, hours in _send_grouped(ctx, "backfill_escalate", escalations, BACKFILL_MANY,
                                                          limit=limit_h):
        ctx.audit(f"system:{ctx.job_id}", "escalated", "approval", request.id, step=step.position,
                  approver=step.approver, to=target, hours=int(hours))
