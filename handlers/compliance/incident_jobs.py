"""Data-leak incident jobs (P15): compliance is reminded of open incidents daily — weekends too —
``policy.reminder_repeats`` times for the same open set, then weekly; the director is told again
when an incident goes ``policy.incident_escalate_hours`` without an update. Both go through the
ledger, so a re-run sends nothing twice."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.conversation.context import JobContext
from bot.text.dates import format_datetime
from bot.text.quoting import text_inline
from bot.conversation.router import job
from handlers.compliance.common import closers, contacts
from models import Incident

REMINDER_HEADER = "⏰ 还有 {count} 件数据泄露事件未结案（P15），请跟进处置："
REMINDER_LINE = "#{id} {reporter} 报告于 {at}（已 {hours} 小时，最近进展 {updated}）：{text}"
REMINDER_FOOTER = "补充进展发「事件进展 编号 内容」，处理完毕发「结案 编号 结论」。"
ESCALATE_HEADER = "⚠️ 以下数据泄露事件超过 {limit} 小时没有新进展，仍未结案（P15），请督促处置。合规：{compliance}。"
ESCALATE_LINE = "#{id} 已 {hours} 小时没有新进展；报告人：{reporter}；情况：{text}"
ESCALATE_FOOTER = "发「事件 编号」查看详情。"


def open_incidents(ctx: JobContext) -> list[Incident]:
    return list(ctx.session.scalars(select(Incident).where(Incident.status == "open").order_by(Incident.id)))


def _hours(ctx: JobContext, moment) -> int:
    return int((ctx.now - moment).total_seconds() // 3600)


@job("incident_reminder")
def incident_reminder(ctx: JobContext) -> None:
    """P15: compliance gets one message listing the open incidents: daily, any day of the week,
    until the same open set has been reminded policy.reminder_repeats times, then weekly (the
    director hears of silent ones from ``incident_escalation``)."""
    incidents = open_incidents(ctx)
    if not incidents:
        return
    lines = [REMINDER_HEADER.format(count=len(incidents))]
    for incident in incidents:
        lines.append(REMINDER_LINE.format(
            id=incident.id, reporter=ctx.org.name(incident.reporter),
            at=format_datetime(incident.created_at, ctx.settings.tz), hours=_hours(ctx, incident.created_at),
            updated=format_datetime(incident.last_update_at, ctx.settings.tz), text=text_inline(incident.description, 40)))
    lines.append(REMINDER_FOOTER)
    day = ctx.now.astimezone(ctx.settings.tz).date().isoformat()
    open_set = ",".join(str(incident.id) for incident in incidents)
    if len(open_set) > 120:  # the ledger's record column: a digest names a long set
        open_set = "sha1:" + hashlib.sha1(open_set.encode()).hexdigest()
    sent_to = [userid for userid in closers(ctx)
               if ctx.notify_once("incident_reminder", day, userid, open_set, repeats=True, text="\n".join(lines))]
    if sent_to:
        for incident in incidents:
            ctx.audit(f"system:{ctx.job_id}", "reminded", "incident", incident.id, to=sent_to)


@job("incident_escalation")
def incident_escalation(ctx: JobContext) -> None:
    """P15: an open incident without an update for incident_escalate_hours goes to the director again
    — once per such silence (an update restarts the clock), all of a run's in one message."""
    limit = ctx.policy.incident_escalate_hours
    director = ctx.org.director_id
    if not limit or not ctx.org.get(director):
        return
    silent = {f"{i.id}:{i.last_update_at.timestamp():.0f}": i for i in open_incidents(ctx)
              if _hours(ctx, i.last_update_at) >= limit}
    fresh = ctx.claim_once("incident_escalate", [("silence", director, record) for record in silent])
    if not fresh:
        return
    lines = [ESCALATE_HEADER.format(limit=limit, compliance=contacts(ctx, closers(ctx)))]
    for _, _, record in fresh:
        incident = silent[record]
        hours = _hours(ctx, incident.last_update_at)
        lines.append(ESCALATE_LINE.format(id=incident.id, hours=hours, reporter=contacts(ctx, [incident.reporter]),
                                          text=text_inline(incident.description, 60)))
        ctx.audit(f"system:{ctx.job_id}", "escalated", "incident", incident.id, to=director, hours=hours)
    lines.append(ESCALATE_FOOTER)
    ctx.send_text(director, "\n".join(lines))
