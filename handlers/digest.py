"""The managers' weekly digest (P0): last week's numbers for the director (the department) and
each group leader (their group), computed from the stored records and the audit log only."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot import calendar
from bot.context import JobContext
from bot.router import job
from handlers.reports.periods import report_owers, weekly_period
from handlers.reports.views import period_status
from handlers.sync.collaborations import all_collaborations, week_key
from handlers.voice.suggestions import digest_lines as suggestion_lines
from models import ApprovalRequest, ApprovalStep, AuditEntry
from models.collaboration import SyncUpdate
from models.meeting import ActionItem, Meeting

HEADER = "## 管理周报 · {period}\n范围：{scope}"
APPROVALS = "**审批**：提交 {submitted} · 通过 {approved} · 驳回 {rejected}"
STEP_TIMES = "每步审批用时中位数：{overall}（{by_label}）"
NO_STEPS = "每步审批用时中位数：上周无审批决定"
MINUTES = "**会议纪要**：按时 {on_time} · 迟交 {late} · 缺失 {missing}"
DECISIONS = "**决议**：无负责人 {ownerless} · 逾期待办 {overdue}"
REPORTS = "**周报**：按时 {on_time} · 迟交 {late} · 未交 {missing}"
NO_REPORTS = "**周报**：上周放假，无需提交"
SYNC = "**协作同步**：{done}/{expected} 方已同步（{percent}）"
NO_SYNC = "**协作同步**：无需同步的协作"
CALENDAR_UNKNOWN = ("<font color=\"warning\">**日历**：{year} 年的法定节假日和调休还不知道</font>（chinesecalendar "
                    "没有这一年的数据，配置的 [calendar] 里也没有）。明年的截止日会按周一至周五计算：请把国务院公布的"
                    "日期写进配置的 [calendar] holidays / workdays（示例见 config.example.toml），或升级 chinesecalendar。")


@dataclass(frozen=True)
class Window:
    start: datetime  # last Monday 00:00, local time
    end: datetime  # this Monday 00:00

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def last_week(ctx: JobContext) -> Window:
    today = ctx.now.astimezone(ctx.settings.tz).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=ctx.settings.tz)
    return Window(monday - timedelta(days=7), monday)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} 小时"


def approval_lines(ctx: JobContext, window: Window, people: set[str]) -> list[str]:
    """Requests submitted / approved / rejected last week (audit log), median time per step."""
    entries = ctx.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "approval", AuditEntry.action.in_(("created", "completed", "rejected")),
        AuditEntry.at >= window.start, AuditEntry.at < window.end)).all()
    ids = {int(e.record_id) for e in entries}
    requesters = dict(ctx.session.execute(select(ApprovalRequest.id, ApprovalRequest.requester)
                                          .where(ApprovalRequest.id.in_(ids))).all()) if ids else {}
    counts = {"created": 0, "completed": 0, "rejected": 0}
    for entry in entries:
        if requesters.get(int(entry.record_id)) in people:
            counts[entry.action] += 1
    lines = [APPROVALS.format(submitted=counts["created"], approved=counts["completed"], rejected=counts["rejected"])]
    steps = ctx.session.execute(select(ApprovalStep.label, ApprovalStep.started_at, ApprovalStep.decided_at)
                                .join(ApprovalRequest)
                                .where(ApprovalStep.status.in_(("approved", "rejected")),
                                       ApprovalStep.decided_at >= window.start, ApprovalStep.decided_at < window.end,
                                       ApprovalStep.started_at.is_not(None),
                                       ApprovalRequest.requester.in_(people))).all()
    if not steps:
        return lines + [NO_STEPS]
    by_label: dict[str, list[timedelta]] = {}
    for label, started, decided in steps:
        by_label.setdefault(label, []).append(decided - started)
    overall = statistics.median(d for durations in by_label.values() for d in durations)
    labels = " · ".join(f"{label} {_hours(statistics.median(d))}" for label, d in by_label.items())
    return lines + [STEP_TIMES.format(overall=_hours(overall), by_label=labels)]


def meeting_lines(ctx: JobContext, window: Window, people: set[str]) -> list[str]:
    """P9 minutes due last week: on time / late / missing; P12 open resolutions now."""
    meetings = ctx.session.scalars(select(Meeting).where(
        Meeting.status != "cancelled", Meeting.minutes_due_at >= window.start, Meeting.minutes_due_at < window.end,
        Meeting.minute_taker.in_(people))).all()
    on_time = sum(1 for m in meetings if m.minutes and m.minutes.submitted_at <= m.minutes.due_at)
    late = sum(1 for m in meetings if m.minutes and m.minutes.submitted_at > m.minutes.due_at)
    items = ctx.session.scalars(select(ActionItem).join(Meeting).where(ActionItem.status == "open")).all()
    ownerless = sum(1 for i in items if i.owner is None and people & set(i.meeting.attendees or []))
    overdue = sum(1 for i in items if i.owner in people and i.due_at is not None and i.due_at < ctx.now)
    return [MINUTES.format(on_time=on_time, late=late, missing=len(meetings) - on_time - late),
            DECISIONS.format(ownerless=ownerless, overdue=overdue)]


def report_line(ctx: JobContext, window: Window, people: set[str]) -> str:
    period = weekly_period(window.start.date(), ctx.policy, ctx.settings.tz)
    if period.deadline is None:
        return NO_REPORTS
    status = period_status(ctx.session, period, [m for m in report_owers(ctx.org, ctx.policy) if m.userid in people])
    return REPORTS.format(on_time=len(status.on_time), late=len(status.late), missing=len(status.missing))


def sync_line(ctx: JobContext, window: Window, people: set[str] | None) -> str:
    """P18 sides synced last week: every side for the director, the group's contacts for a leader."""
    week = week_key(window.start, ctx)
    sides = {(c.name, d) for c in all_collaborations(ctx) for d, u in c.contacts.items()
             if people is None or u in people}
    if not sides:
        return NO_SYNC
    done = {(u.collaboration, u.department_id) for u in ctx.session.scalars(
        select(SyncUpdate).where(SyncUpdate.week == week))} & sides
    return SYNC.format(done=len(done), expected=len(sides), percent=f"{len(done) * 100 // len(sides)}%")


def digest_markdown(ctx: JobContext, window: Window, scope: str, people: set[str], department: bool) -> str:
    period = weekly_period(window.start.date(), ctx.policy, ctx.settings.tz)
    lines = [HEADER.format(period=period.label, scope=scope)]
    lines += approval_lines(ctx, window, people)
    lines += meeting_lines(ctx, window, people)
    lines += [report_line(ctx, window, people), sync_line(ctx, window, None if department else people)]
    if department:  # P20: suggestions go to the director only, so only the director's digest lists them
        lines += suggestion_lines(ctx)
    return "\n".join(lines)


@job("manager_digest")
def manager_digest(ctx: JobContext) -> None:
    """P0: Monday's digest of last week: the director for the department, each leader for their group."""
    window = last_week(ctx)
    week = week_key(window.start, ctx)
    home = ctx.org.home_department
    director = ctx.org.director
    if director:
        people = {m.userid for m in ctx.org.members.values() if m.department_id == home}
        text = digest_markdown(ctx, window, ctx.org.departments[home]["name"], people, True)
        next_year = ctx.now.astimezone(ctx.settings.tz).year + 1
        if ctx.now.astimezone(ctx.settings.tz).month == 12 and not calendar.year_known(next_year):
            text += "\n" + CALENDAR_UNKNOWN.format(year=next_year)  # P10 deadlines need next year's holidays
        ctx.notify_once("manager_digest", week, director.userid, "department", markdown=text)
    for group in ctx.org.groups.values():
        leader = ctx.org.get(group["leader"])
        if group["department"] != home or leader is None:
            continue
        people = {m.userid for m in ctx.org.group_members(group["id"])}
        ctx.notify_once("manager_digest", week, leader.userid, group["id"],
                        markdown=digest_markdown(ctx, window, group["name"], people, False))
