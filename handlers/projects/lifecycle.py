"""项目完成 and 项目验收 (P6: acceptance within ``policy.acceptance_days`` after completion)."""
from __future__ import annotations

from datetime import timedelta

from bot.conversation.context import Context
from bot.text.dates import format_day
from bot.text.quoting import text_inline
from bot.conversation.router import intent
from handlers.projects.common import (ASK_NUMBER, is_manager, kickoff_example_day, kickoff_meeting, label, local_date,
                                      meeting_example, project_from_args, window_text)
from models.project import ACCEPTED, COMPLETED, OPEN

COMPLETE_REFUSED = "只有项目负责人 {owner}、组长或总监可以标记项目 {label}完成。"
ALREADY = "项目 {label}已经是「{state}」了，无需再标记。"
COMPLETED_TEXT = ("✅ 项目 {label}已标记完成。按制度（P6），验收须在 {days} 天内完成（截止 {due}）。"
                  "验收后由组长或总监发：项目验收 {id} 通过{no_kickoff}")
COMPLETED_TOLD = "📌 {who} 把项目 {label}标记为完成。验收须在 {due}前完成（P6），验收后发：项目验收 {id} 通过{no_kickoff}"
NO_KICKOFF = "\n⚠️ 这个项目没有启动会的记录（P6）。"
BEFORE_APPROVAL = ("项目 {label}计划 {approval} 立项，还没到立项日期，这次没有标记完成。按制度（P6），顺序是："
                   "启动会 → 立项 → 中期评审 → 完成 → 验收。{kickoff}立项以后再发「项目完成 {id}」；"
                   "计划有变请联系组长或总监。")
KICKOFF_FIRST = "请先在 {window} 之间召开启动会并登记，例如：\n{example}\n"
KICKOFF_HELD = "启动会 #{meeting} 已登记。"
ACCEPT_REFUSED = "按制度（P6），项目验收由组长或总监记录。请把验收结论发给组长或总监。"
NOT_COMPLETED = "项目 {label}还没有标记完成。完成后先发「项目完成 {id}」，再发「项目验收 {id} 结论」。"
ASK_CONCLUSION = "请写验收结论，例如：项目验收 {id} 通过，各项指标达标"
ACCEPTED_TEXT = "✅ 已记录项目 {label}的验收：{conclusion}{late}"
ACCEPTED_TOLD = "🎉 项目 {label}已由 {who} 验收：{conclusion}"
LATE = "\n（验收截止 {due}，已超期 {days} 天。）"


@intent("project.complete", "项目完成", "完成项目", summary="标记项目完成，开始验收倒计时（P6）", example="项目完成 1", numbered=True)
def complete_project(ctx: Context) -> str:
    """P6: mark a project completed; its acceptance is due policy.acceptance_days later."""
    project, _, problem = project_from_args(ctx, ctx.args)
    if project is None:
        return problem or ASK_NUMBER.format(example="项目完成 1")
    if ctx.userid != project.owner and not is_manager(ctx, ctx.userid):
        return COMPLETE_REFUSED.format(owner=ctx.org.name(project.owner), label=label(project))
    if project.status != OPEN:
        return ALREADY.format(label=label(project), state="已完成" if project.status == COMPLETED else "已验收")
    kickoff = kickoff_meeting(ctx, project)
    if local_date(ctx, ctx.now) < project.planned_approval:  # P6: kickoff → 立项 → review → completion
        first = KICKOFF_HELD.format(meeting=kickoff.id) if kickoff else KICKOFF_FIRST.format(
            window=window_text(ctx, project), example=meeting_example(ctx, project, "启动会", kickoff_example_day(ctx, project)))
        return BEFORE_APPROVAL.format(label=label(project), approval=format_day(project.planned_approval),
                                      kickoff=first, id=project.id)
    project.status, project.completed_at, project.completed_by = COMPLETED, ctx.now, ctx.userid
    project.acceptance_due_at = ctx.now + timedelta(days=ctx.policy.acceptance_days)
    ctx.audit(ctx.userid, "completed", "project", project.id, acceptance_due_at=project.acceptance_due_at.isoformat(),
              kickoff_held=kickoff is not None)
    due = format_day(local_date(ctx, project.acceptance_due_at))
    no_kickoff = "" if kickoff else NO_KICKOFF
    told = [u for u in dict.fromkeys([project.owner, ctx.org.director_id]) if u and u != ctx.userid]
    if told:
        ctx.send_text(told, COMPLETED_TOLD.format(who=ctx.org.name(ctx.userid), label=label(project), due=due,
                                                  id=project.id, no_kickoff=no_kickoff))
    return COMPLETED_TEXT.format(label=label(project), days=ctx.policy.acceptance_days, due=due, id=project.id,
                                 no_kickoff=no_kickoff)


@intent("project.accept", "项目验收", "验收项目", summary="记录项目验收结论（P6，组长或总监）",
        example="项目验收 1 通过", roles=("director", "group_leader"), numbered=True)
def accept_project(ctx: Context) -> str:
    """P6: record the acceptance and its conclusion (group leaders and the director)."""
    project, conclusion, problem = project_from_args(ctx, ctx.args)
    if project is None:
        return problem or ASK_NUMBER.format(example="项目验收 1 通过")
    if not is_manager(ctx, ctx.userid):
        return ACCEPT_REFUSED
    if project.status == ACCEPTED:
        return ALREADY.format(label=label(project), state="已验收")
    if project.status != COMPLETED:
        return NOT_COMPLETED.format(label=label(project), id=project.id)
    if not conclusion:
        return ASK_CONCLUSION.format(id=project.id)
    project.status, project.accepted_at, project.accepted_by = ACCEPTED, ctx.now, ctx.userid
    project.conclusion = conclusion[:1000]
    late_days = (local_date(ctx, ctx.now) - local_date(ctx, project.acceptance_due_at)).days
    ctx.audit(ctx.userid, "accepted", "project", project.id, conclusion=project.conclusion,
              on_time=ctx.now <= project.acceptance_due_at)
    shown = text_inline(project.conclusion, 200)
    told = [u for u in dict.fromkeys([project.owner, ctx.org.director_id]) if u and u != ctx.userid]
    if told:
        ctx.send_text(told, ACCEPTED_TOLD.format(label=label(project), who=ctx.org.name(ctx.userid), conclusion=shown))
    late = LATE.format(due=format_day(local_date(ctx, project.acceptance_due_at)), days=late_days) \
        if ctx.now > project.acceptance_due_at and late_days > 0 else ""
    return ACCEPTED_TEXT.format(label=label(project), conclusion=shown, late=late)
