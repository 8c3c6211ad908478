"""Who submitted which report (P10), and how leaders read it: one markdown message per group."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.context import BaseContext
from bot.org import Member
from bot.quoting import markdown_block
from handlers.reports.periods import Period, report_owers, when
from models.report import Report

NO_GROUP = "未分组"
EXCERPT_CHARS = 200  # per report in a group message; the full text is in 「周报 汇总」's source


@dataclass
class GroupStatus:
    on_time: list[Report] = field(default_factory=list)
    late: list[Report] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)


def status_label(report: Report) -> str:
    return "迟交" if report.late else "按时"


def period_status(session: Session, period: Period, members: list[Member]) -> GroupStatus:
    """Each member's report for ``period``: on time, late, or missing (member order kept)."""
    ids = [m.userid for m in members]
    reports = {r.userid: r for r in session.scalars(select(Report).where(
        Report.kind == period.kind, Report.period == period.key, Report.userid.in_(ids)))} if ids else {}
    status = GroupStatus()
    for member in members:
        report = reports.get(member.userid)
        if report is None:
            status.missing.append(member)
        else:
            (status.late if report.late else status.on_time).append(report)
    return status


def owers_by_group(ctx: BaseContext) -> dict[str | None, list[Member]]:
    """Report owers keyed by group id (None for those in no group), groups in config order."""
    owers = report_owers(ctx.org, ctx.policy)
    grouped: dict[str | None, list[Member]] = {g: [] for g in ctx.org.groups
                                                if ctx.org.groups[g]["department"] == ctx.org.home_department}
    for member in owers:
        grouped.setdefault(member.group_id, []).append(member)
    return {g: members for g, members in grouped.items() if members or g is not None}


def group_name(ctx: BaseContext, group_id: str | None) -> str:
    return ctx.org.groups[group_id]["name"] if group_id in ctx.org.groups else NO_GROUP


def group_report_markdown(ctx: BaseContext, period: Period, group_id: str | None, include_leader: bool = True) -> str:
    """A group's reports of one period: the counts, who is missing, then each report."""
    members = owers_by_group(ctx).get(group_id, [])
    leader = ctx.org.groups.get(group_id or "", {}).get("leader")
    if not include_leader:
        members = [m for m in members if m.userid != leader]
    status = period_status(ctx.session, period, members)
    deadline = when(period.deadline, ctx.settings.tz) if period.deadline else "本期无需提交"
    lines = [f"### {group_name(ctx, group_id)} · {period.kind_label} {period.label}",
             f"截止：{deadline}",
             f"按时 **{len(status.on_time)}** · 迟交 **{len(status.late)}** · "
             f"<font color=\"warning\">未交 {len(status.missing)}</font>"]
    if status.missing:
        lines.append("未交：" + "、".join(m.name for m in status.missing))
    for report in sorted(status.on_time + status.late, key=lambda r: r.submitted_at):
        # The report is its author's text: a quoted block under the bot's label naming the author.
        quoted = markdown_block(report.content, EXCERPT_CHARS)
        lines.append(f"**{ctx.org.name(report.userid)}**（{status_label(report)}）\n{quoted}")
    return "\n".join(lines)
