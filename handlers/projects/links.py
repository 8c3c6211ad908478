"""Meetings linked to a project with 「登记会议 … 项目 <编号>」 (P6): who may link one, and what the
linked meeting is for the project — its kickoff (on time, or late: 补开), a mid-term review, or an
early meeting outside the kickoff window.

``handlers/meetings/register`` calls these at run time (it imports this module inside its
functions: importing ``handlers.projects`` while the meetings load would register the project
commands before the meeting ones, and change 帮助's order).
"""
from __future__ import annotations

from bot.conversation.context import BaseContext
from bot.text.dates import format_day
from handlers.projects.common import is_late, kickoff_meeting, label, local_date, window_text
from models.meeting import Meeting
from models.project import ACCEPTED, Project

CLOSED = ("项目 {label}已验收结束，不能再关联会议，这次没有登记。"
          "不关联项目就去掉「项目 {id}」再发；新的工作请组长或总监登记新项目。")
NOT_YOURS = ("只有项目 {label}的负责人 {owner}、{leader}总监可以把会议关联到这个项目，这次没有登记。"
             "不关联项目就去掉「项目 {id}」再发。")
KICKOFF = "启动会"
LATE_KICKOFF = "启动会，补开：晚于时间范围 {window}（P6）"
EARLY = "⚠️ 早于启动会时间范围 {first} 至 {last}（P6）"
REVIEW = "中期评审"
OTHER = "项目会议"
OWNER_TOLD_LATE = ("📌 {who} 登记了项目 {label}的启动会 #{id}（{day}），晚于启动会时间范围 {window}，"
                   "按补开的启动会记录（P6）。")


def link_refusal(ctx: BaseContext, project: Project, userid: str) -> str | None:
    """P6: only the owner, the group leader who registered it (or leads its group) and the director
    link meetings to a project, and an accepted project takes none; the answer, or None when allowed."""
    if project.status == ACCEPTED:
        return CLOSED.format(label=label(project), id=project.id)
    leader = ctx.org.group_leader(project.group_id)
    allowed = {project.owner, project.created_by, ctx.org.director_id, leader.userid if leader else None}
    if userid in allowed:
        return None
    return NOT_YOURS.format(label=label(project), owner=ctx.org.name(project.owner), id=project.id,
                            leader=f"组长 {leader.name} 或" if leader else "组长或")


def meeting_kind(ctx: BaseContext, project: Project, meeting: Meeting) -> tuple[str, str]:
    """(what the meeting is for the project — kickoff, late_kickoff, early, review, meeting — and its
    label for the 登记会议 answer)."""
    first, last = project.kickoff_window(ctx.policy.kickoff_days)
    day = local_date(ctx, meeting.starts_at)
    kickoff = kickoff_meeting(ctx, project)
    if kickoff is not None and kickoff.id == meeting.id:
        if is_late(ctx, project, meeting):
            return "late_kickoff", LATE_KICKOFF.format(window=window_text(ctx, project))
        return "kickoff", KICKOFF
    if day < first:
        return "early", EARLY.format(first=format_day(first), last=format_day(last))
    return ("review", REVIEW) if day > last else ("meeting", OTHER)


def tell_owner_late(ctx: BaseContext, project: Project, meeting: Meeting, registrar: str) -> None:
    """P6: the owner hears that the kickoff was recorded as late (unless they registered it)."""
    if project.owner != registrar:
        ctx.send_text(project.owner, OWNER_TOLD_LATE.format(
            who=ctx.org.name(registrar), label=label(project), id=meeting.id,
            day=format_day(local_date(ctx, meeting.starts_at)), window=window_text(ctx, project)))
