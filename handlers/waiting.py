"""What still waits for each person, for Monday's weekly digest (issue 30).

A reminder's cadence ends (``bot.outbox.reminders``: ``policy.reminder_repeats`` reminders, and the
job's one escalation to whoever can unblock it); after that the item is not repeated but listed
here every week — read fresh from the records, so nothing done since is listed. The director and
the group leaders find the lines in their managers' digest (P0); anyone else who has something
waiting gets them as a short digest of their own (``handlers.digest.manager_digest``).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from bot.conversation.context import JobContext
from handlers.compliance.common import closers
from handlers.people.periods import quarter_label
from models import ApprovalRequest, ApprovalStep, Evaluation, Incident
from models.meeting import ActionItem

HEADER = "📋 第{week}周 仍在等你处理（已提醒过，不再逐条重复）："
TITLE = "**仍在等你处理**（已提醒过，不再逐条重复）"
APPROVALS = "• 审批 {count} 件等你处理，最久的 #{id} 已等 {days} 天：发「待我审批」重新获取卡片"
BACKFILLS = "• 紧急采购的补办审批 {count} 件等你处理（P5）：发「待我审批」"
RATINGS = "• {quarter}评估还有 {count} 位同事待评（截止 {due:%m月%d日}）：发「评估 下一位」"
ITEMS = "• 你负责的决议 {count} 项已过截止日期（P12）：发「我的待办」查看"
INCIDENTS = "• 数据泄露事件 {count} 件未结案（P15）：发「事件列表」查看"


def waiting_lines(ctx: JobContext) -> dict[str, list[str]]:
    """userid → the lines of what waits for them (approvals at their step past the reminder time,
    ratings of an open round, their overdue resolutions, open leak incidents for compliance)."""
    lines: dict[str, list[str]] = defaultdict(list)
    remind_after = ctx.now - timedelta(hours=ctx.policy.approval_remind_hours)
    oldest: dict[tuple[str, bool], tuple] = {}
    counts: dict[tuple[str, bool], int] = defaultdict(int)
    for request_id, emergency, approver, started in ctx.session.execute(
            select(ApprovalRequest.id, ApprovalRequest.emergency, ApprovalStep.approver, ApprovalStep.started_at)
            .join(ApprovalStep, (ApprovalStep.request_id == ApprovalRequest.id)
                  & (ApprovalStep.position == ApprovalRequest.current_step))
            .where(ApprovalRequest.status == "pending", ApprovalStep.started_at <= remind_after)
            .order_by(ApprovalStep.started_at)):
        counts[(approver, emergency)] += 1
        oldest.setdefault((approver, emergency), (request_id, started))
    for (approver, emergency), count in counts.items():
        request_id, started = oldest[(approver, emergency)]
        days = max(1, int((ctx.now - started).total_seconds() // 86400))
        lines[approver].append(BACKFILLS.format(count=count) if emergency else
                               APPROVALS.format(count=count, id=request_id, days=days))
    for rater, quarter, due, count in ctx.session.execute(
            select(Evaluation.rater, Evaluation.quarter, func.max(Evaluation.due_at), func.count())
            .where(Evaluation.rating.is_(None), Evaluation.due_at > ctx.now)
            .group_by(Evaluation.rater, Evaluation.quarter)):
        lines[rater].append(RATINGS.format(quarter=quarter_label(quarter), count=count,
                                           due=due.astimezone(ctx.settings.tz)))
    for owner, count in ctx.session.execute(
            select(ActionItem.owner, func.count()).where(
                ActionItem.status == "open", ActionItem.owner.is_not(None), ActionItem.stale_at.is_(None),
                ActionItem.due_at <= ctx.now).group_by(ActionItem.owner)):
        lines[owner].append(ITEMS.format(count=count))
    incidents = ctx.session.scalar(select(func.count()).select_from(Incident).where(Incident.status == "open"))
    if incidents:
        for userid in closers(ctx):
            lines[userid].append(INCIDENTS.format(count=incidents))
    return {userid: found for userid, found in lines.items() if ctx.org.get(userid)}


def personal_digest(week: str, found: list[str]) -> str:
    """The digest of someone without a managers' digest: the week, then what waits for them."""
    return "\n".join([HEADER.format(week=week.split("W")[1]), *found])
