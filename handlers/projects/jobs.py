"""Project jobs (P6): the kickoff reminder and the missed-kickoff notice, the quarterly mid-term
review reminder, and the acceptance reminder and escalation. Each person gets at most one
message per job run, listing their projects; the ledger keeps a re-run from sending twice."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select

from bot.conversation.context import JobContext
from bot.text.dates import format_day
from bot.conversation.router import job
from handlers.projects.common import (first_time, kickoff_example_day, kickoff_meeting, label, linked_meetings,
                                      local_date, meeting_example, next_working_day, window_text)
from models import Project
from models.project import COMPLETED, OPEN

KICKOFF = "📌 这些项目还没有登记启动会（P6：启动会须在计划立项前 {days} 天内召开）：\n{lines}\n登记会议时加「项目 编号」即可关联，例如：\n{example}"
KICKOFF_MISSED = "⚠️ 启动会的时间范围已过，仍没有召开启动会（P6）：\n{lines}\n请尽快补开并登记，例如：\n{example}"
REVIEW = ("📋 本季度（{quarter}，{end} 结束）还剩 {left} 天，这些项目本季度还没有中期评审（P6：每季度一次）：\n{lines}\n"
          "请登记评审会并关联项目，例如：\n{example}")
ACCEPT_SOON = "⏰ 这些项目的验收快到期了（P6：完成后 {days} 天内验收）：\n{lines}\n验收后请组长或总监发：项目验收 编号 结论"
ACCEPT_OVERDUE = "⚠️ 这些项目已过验收截止日期，仍未验收（P6）：\n{lines}\n验收后请组长或总监发：项目验收 编号 结论"


def _send_grouped(ctx: JobContext, template: str, groups: dict[str, list[str]], **facts) -> None:
    """One message per recipient with all their lines."""
    for recipient, lines in groups.items():
        ctx.send_text(recipient, template.format(lines="\n".join(lines), **facts))


def _open_projects(ctx: JobContext, status: str = OPEN) -> list[Project]:
    return list(ctx.session.scalars(select(Project).where(Project.status == status).order_by(Project.id)))


@job("project_kickoff_reminder")
def project_kickoff_reminder(ctx: JobContext) -> None:
    """P6: remind the owner to register the kickoff meeting (once when registered, again when the window
    opens); when the window passes without a kickoff held, tell the owner and the director."""
    today, actor = ctx.now.date(), f"system:{ctx.job_id}"
    remind, missed = defaultdict(list), defaultdict(list)
    examples: dict[str, str] = {}
    for project in _open_projects(ctx):
        first, last = project.kickoff_window(ctx.policy.kickoff_days)
        meeting = kickoff_meeting(ctx, project)
        if today <= last:
            if meeting is not None:
                continue
            period = "window_open" if today >= first else "registered"
            if first_time(ctx, "project_kickoff", period, project.owner, project.id):
                remind[project.owner].append(f"• {label(project)}：{window_text(ctx, project)}")
                examples.setdefault(project.owner, meeting_example(ctx, project, "启动会",
                                                                   kickoff_example_day(ctx, project)))
                ctx.audit(actor, "kickoff_reminded", "project", project.id, to=project.owner, period=period)
        elif meeting is None or meeting.ends_at > ctx.now:
            line = (f"• {label(project)} 负责人 {ctx.org.name(project.owner)}，计划立项 "
                    f"{format_day(project.planned_approval)}")
            told = [u for u in dict.fromkeys([project.owner, ctx.org.director_id])
                    if u and first_time(ctx, "project_kickoff_missed", "missed", u, project.id)]
            soon = next_working_day(today + timedelta(days=1))
            for recipient in told:
                missed[recipient].append(line)
                examples.setdefault(f"missed:{recipient}", meeting_example(ctx, project, "启动会", soon))
            if told:
                ctx.audit(actor, "kickoff_missed", "project", project.id, to=told)
    for recipient, lines in remind.items():
        ctx.send_text(recipient, KICKOFF.format(days=ctx.policy.kickoff_days, lines="\n".join(lines),
                                                example=examples[recipient]))
    for recipient, lines in missed.items():
        ctx.send_text(recipient, KICKOFF_MISSED.format(lines="\n".join(lines), example=examples[f"missed:{recipient}"]))


def quarter_of(day: date) -> tuple[date, date, str]:
    """(first day, last day, label such as 2026年第4季度) of the quarter ``day`` is in."""
    index = (day.month - 1) // 3
    first = date(day.year, 3 * index + 1, 1)
    following = date(day.year + 1, 1, 1) if index == 3 else date(day.year, 3 * index + 4, 1)
    return first, following - timedelta(days=1), f"{day.year}年第{index + 1}季度"


@job("project_review_reminder")
def project_review_reminder(ctx: JobContext) -> None:
    """P6: in the quarter's last policy.review_window_days days, remind each open project's owner until a
    mid-term review meeting for it is held (or registered) this quarter; twice per quarter at most."""
    today, actor = ctx.now.date(), f"system:{ctx.job_id}"
    first, last, quarter = quarter_of(today)
    window = ctx.policy.review_window_days
    left = (last - today).days
    if left >= window:
        return
    period = f"{first:%Y-%m}:{1 if left >= window / 2 else 2}"
    due = defaultdict(list)
    examples: dict[str, str] = {}
    for project in _open_projects(ctx):
        # A project approved within the reminder window is new: its first review is next quarter.
        if project.planned_approval >= last - timedelta(days=window):
            continue
        meetings = linked_meetings(ctx, project)
        kickoff = kickoff_meeting(ctx, project, meetings)  # a late kickoff is not a review (P6)
        reviewed = any(first <= local_date(ctx, m.starts_at) <= last and local_date(ctx, m.starts_at) > project.planned_approval
                       and m is not kickoff for m in meetings)
        if reviewed or not first_time(ctx, "project_review", period, project.owner, project.id):
            continue
        due[project.owner].append(f"• {label(project)}")
        examples.setdefault(project.owner, meeting_example(ctx, project, "中期评审",
                                                           min(next_working_day(today + timedelta(days=1)), last)))
        ctx.audit(actor, "review_reminded", "project", project.id, to=project.owner, quarter=quarter)
    for recipient, lines in due.items():
        ctx.send_text(recipient, REVIEW.format(quarter=quarter, end=format_day(last), left=left + 1,
                                               lines="\n".join(lines), example=examples[recipient]))


@job("project_acceptance_reminder")
def project_acceptance_reminder(ctx: JobContext) -> None:
    """P6: remind the owner policy.acceptance_remind_days before acceptance is due; once it is overdue,
    escalate to the director (and tell the owner)."""
    actor = f"system:{ctx.job_id}"
    soon, overdue = defaultdict(list), defaultdict(list)
    for project in _open_projects(ctx, COMPLETED):
        due_at = project.acceptance_due_at
        line = (f"• {label(project)} 负责人 {ctx.org.name(project.owner)}，验收截止 "
                f"{format_day(local_date(ctx, due_at))}")
        if ctx.now >= due_at:
            told = [u for u in dict.fromkeys([ctx.org.director_id, project.owner])
                    if u and first_time(ctx, "project_acceptance_overdue", "overdue", u, project.id)]
            for recipient in told:
                overdue[recipient].append(line)
            if told:
                ctx.audit(actor, "acceptance_escalated", "project", project.id, to=told)
        elif ctx.now >= due_at - timedelta(days=ctx.policy.acceptance_remind_days):
            if first_time(ctx, "project_acceptance", "due_soon", project.owner, project.id):
                soon[project.owner].append(line)
                ctx.audit(actor, "acceptance_reminded", "project", project.id, to=project.owner)
    _send_grouped(ctx, ACCEPT_SOON, soon, days=ctx.policy.acceptance_days)
    _send_grouped(ctx, ACCEPT_OVERDUE, overdue)
