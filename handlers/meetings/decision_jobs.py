"""Decision jobs (P12): escalate resolutions still without an owner; follow owners up until done."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.context import JobContext
from bot.quoting import text_inline
from bot.router import job
from handlers.meetings.common import item_line, local, open_items
from models.meeting import ActionItem

UNOWNED = ("⚠️ 会议 #{meeting}「{title}」的决议 #{id}（{text}）纪要已发 {hours} 小时仍没有负责人（P12：{limit} 小时内指派）。"
           "主持人 {chair} 请发「指派 {id} 姓名」。")
FOLLOWUP_HEADER = "⏰ 你负责的决议事项还没完成（P12），请跟进："
OVERDUE_HEADER = "⏰ 你负责的决议已过截止日期，请尽快处理（P12）："
FOLLOWUP_FOOTER = "有进展发「进展 编号 内容」，完成发「完成 编号」，例如：完成 {id}"


@job("decision_owner_check")
def decision_owner_check(ctx: JobContext) -> None:
    """P12: a resolution without an owner after decision_owner_hours goes to the chair and the director."""
    unowned = ctx.session.scalars(select(ActionItem).where(ActionItem.status == "open", ActionItem.owner.is_(None),
                                                           ActionItem.owner_due_at <= ctx.now)
                                  .order_by(ActionItem.id)).all()
    for item in unowned:
        meeting = item.meeting
        hours = int((ctx.now - item.created_at).total_seconds() // 3600)
        text = UNOWNED.format(meeting=meeting.id, title=text_inline(meeting.title), id=item.id,
                              text=text_inline(item.text), hours=hours,
                              limit=ctx.policy.decision_owner_hours, chair=ctx.org.name(meeting.chair))
        sent = [userid for userid in dict.fromkeys([meeting.chair, ctx.org.director_id]) if userid
                and ctx.notify_once("decision_unowned", "escalate", userid, item.id, text=text)]
        if sent:
            ctx.audit(f"system:{ctx.job_id}", "escalated", "action_item", item.id, to=sent, hours=hours)


@job("action_item_followup")
def action_item_followup(ctx: JobContext) -> None:
    """P12: owners hear of their open items weekly (Mondays), and daily once an item is past due."""
    today = local(ctx, ctx.now).date()
    weekly = today.weekday() == 0
    by_owner: dict[str, list[ActionItem]] = defaultdict(list)
    for item in open_items(ctx):
        if item.owner is None or item.owner_assigned_at is None or item.owner_assigned_at > ctx.now:
            continue
        overdue = item.due_at is not None and item.due_at <= ctx.now
        if overdue or (weekly and (ctx.now - item.owner_assigned_at).days >= 1):
            by_owner[item.owner].append(item)
    for owner, items in by_owner.items():
        overdue = all(i.due_at is not None and i.due_at <= ctx.now for i in items)
        lines = [OVERDUE_HEADER if overdue else FOLLOWUP_HEADER] + [item_line(ctx, i, with_owner=False) for i in items]
        lines.append(FOLLOWUP_FOOTER.format(id=items[0].id))
        # One message per owner per day: WeCom drops bursts to one person (30/min).
        if ctx.notify_once("action_followup", today.isoformat(), owner, "items", text="\n".join(lines)):
            for item in items:
                ctx.audit(f"system:{ctx.job_id}", "reminded", "action_item", item.id, owner=owner,
                          overdue=item.due_at is not None and item.due_at <= ctx.now)
