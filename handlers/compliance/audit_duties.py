"""Audit rules (P16) for the weekly duties — weekly reports (P10) and collaboration syncs (P18),
from the first message the bot received —, data-leak incidents (P15) and sensitive documents (P8)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.conversation.context import BaseContext
from handlers.compliance.audit_rules import Problem, Record, how_late, when
from handlers.compliance.quarters import Scope
from handlers.reports.periods import report_owers, weekly_period
from handlers.sync.collaborations import all_collaborations, department_name, sync_days, week_key
from models import AuditEntry, Incident
from models.collaboration import Collaboration, SyncUpdate
from models.report import Report



def _mondays(scope: Scope):
    day = scope.start.date() - timedelta(days=scope.start.weekday() + 7)
    while day < scope.end.date() + timedelta(days=7):
        yield day
        day += timedelta(days=7)


def weekly_reports(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P10: each report ower's weekly report by the deadline, for the weeks due in the quarter
    since the bot was in service."""
    owers = report_owers(ctx.org, ctx.policy)
    records = []
    for monday in _mondays(scope):
        period = weekly_period(monday, ctx.policy, ctx.settings.tz)
        if not scope.judged(period.deadline) or not scope.served(period.deadline):
            continue
        reports = {r.userid: r for r in ctx.session.scalars(select(Report).where(
            Report.kind == "weekly", Report.period == period.key))}
        for member in owers:
            record = Record("weekly_reports", f"{period.key}:{member.userid}", f"周报 {period.label} · {member.name}")
            report = reports.get(member.userid)
            if report is None:
                record.problems.append(Problem("P10", f"未交（截止 {when(ctx, period.deadline)}）"))
            elif report.late:  # as the digest counts it: the version kept came after the deadline
                record.problems.append(Problem("P10", f"迟交 {how_late(report.submitted_at - period.deadline)}"
                                                      f"（截止 {when(ctx, period.deadline)}，提交于 {when(ctx, report.submitted_at)}）"))
            records.append(record)
    return records


def syncs(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P18: every side of every collaboration synced each week (as shown in Friday's digest)."""
    created = dict(ctx.session.execute(select(Collaboration.name, Collaboration.created_at)).all())
    records = []
    for monday in _mondays(scope):
        # P18: the Friday digest (weekly_sync_digest, moved before a holiday) shows which side is missing
        due = sync_days(datetime.combine(monday, time(12), tzinfo=ctx.settings.tz), ctx)[1]
        if not scope.judged(due) or not scope.served(due):
            continue
        week = week_key(due, ctx)
        done = {(u.collaboration, u.department_id) for u in ctx.session.scalars(
            select(SyncUpdate).where(SyncUpdate.week == week))}
        for collaboration in all_collaborations(ctx):
            if created.get(collaboration.name) and created[collaboration.name] > due:
                continue
            record = Record("syncs", f"{week}:{collaboration.name}", f"协作「{collaboration.name}」第{week.split('W')[1]}周")
            for department_id, userid in collaboration.contacts.items():
                if (collaboration.name, department_id) not in done:
                    record.problems.append(Problem("P18", f"{department_name(ctx, department_id)}（接口人 "
                                                          f"{ctx.org.name(userid)}）本周没有同步进展"))
            records.append(record)
    return records


def incidents(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P15: data-leak incidents reported in the quarter are closed."""
    rows = ctx.session.scalars(select(Incident).where(Incident.created_at >= scope.start,
                                                      Incident.created_at < scope.end).order_by(Incident.id))
    records = []
    for incident in rows:
        record = Record("incidents", str(incident.id),
                        f"数据泄露事件 #{incident.id}（{ctx.org.name(incident.reporter)} 报告于 {when(ctx, incident.created_at)}）")
        if incident.closed_at is None or incident.closed_at > scope.as_of:
            record.problems.append(Problem("P15", f"截至审计仍未结案（已 {how_late(scope.as_of - incident.created_at)}）"))
        records.append(record)
    return records


def sensitive_documents(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P8: every opening of a sensitive document (the documents feature logs each send with
    record_type "document", action "sent", detail.sensitive) was by the director."""
    entries = ctx.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "document", AuditEntry.at >= scope.start, AuditEntry.at < scope.end)
        .order_by(AuditEntry.id)).all()
    opened = [e for e in entries if e.action == "sent" and (e.detail or {}).get("sensitive")]
    names = _document_names(ctx, {e.record_id for e in opened})
    records = []
    for entry in opened:
        label = f"文件 #{entry.record_id}" + (f"「{names[entry.record_id]}」" if entry.record_id in names else "")
        record = Record("documents", str(entry.id), f"{label} 于 {when(ctx, entry.at)} 被打开（审计日志 #{entry.id}）")
        if entry.actor != ctx.org.director_id:
            record.problems.append(Problem("P8", f"敏感文件只有总监可以打开，打开的是 {ctx.org.name(entry.actor)}"))
        records.append(record)
    return records


def _document_names(ctx: BaseContext, ids: set[str]) -> dict[str, str]:
    """Filenames from the documents' "filed" audit entries (the audit reads no documents table)."""
    if not ids:
        return {}
    filed = ctx.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "document", AuditEntry.action == "filed", AuditEntry.record_id.in_(ids)))
    return {e.record_id: (e.detail or {}).get("filename") for e in filed if (e.detail or {}).get("filename")}
