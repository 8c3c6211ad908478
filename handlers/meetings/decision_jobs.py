"""Decision jobs (P12): escalate resolutions still without an owner; follow owners up until done.

Both jobs read only what can still need a message: ownerless items not yet escalated, and open
items not yet handed to their chair as stale. So their cost follows what is open, not a year of
history, and nobody gets more than one message from one run.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from bot.conversation.context import JobContext
from bot.text.quoting import text_inline
from bot.conversation.router import job
from handlers.meetings.common import item_line, local
from models.meeting import ActionItem

UNOWNED = ("⚠️ 会议 #{meeting}「{title}」的决议 #{id}（{text}）纪要已发 {hours} 小时仍没有负责人（P12：{limit} 小时内指派）。"
           "主持人 {chair} 请发「指派 {id} 姓名」。")
UNOWNED_MANY = "⚠️ 以下 {count} 项决议纪要已发超过 {limit} 小时仍没有负责人（P12：{limit} 小时内指派）："
UNOWNED_LINE = "#{id} {text}（会议 #{meeting}「{title}」，主持 {chair}）"
UNOWNED_FOOTER = "主持人请发「指派 编号 姓名」，例如：指派 {id} 张三"
FOLLOWUP_HEADER = "⏰ 你负责的决议事项还没完成（P12），请跟进："
OVERDUE_HEADER = "⏰ 你负责的决议已过截止日期，请尽快处理（P12）："
FOLLOWUP_FOOTER = "有进展发「进展 编号 内容」，完成发「完成 编号」，例如：完成 {id}"
STALE_HEADER = "📋 你主持的会议有 {count} 项决议逾期超过 {weeks} 周仍未完成（P12），请决定关闭还是重新安排："
STALE_FOOTER = ("已完成的请负责人发「完成 编号」；需要换人跟进请发「指派 编号 姓名」（重新指派后恢复每周提醒）。"
                "这些事项不再每周提醒负责人。")
ITEMS_PER_MESSAGE = 20  # lines of items in one message; the rest are counted ("我的待办" lists them)
MORE_ITEMS = "…另有 {count} 项，发「我的待办」查看全部"


@job("decision_owner_check")
def decision_owner_check(ctx: JobContext) -> None:
    """P12: a resolution without an owner after decision_owner_hours goes to the chair and the
    director, once; each of them gets one message listing all such items of this run."""
    unowned = ctx.session.scalars(
        select(ActionItem).options(joinedload(ActionItem.meeting))
        .where(ActionItem.status == "open", ActionItem.owner.is_(None), ActionItem.escalated_at.is_(None),
               ActionItem.owner_due_at <= ctx.now).order_by(ActionItem.id)).all()
    by_person: dict[str, list[ActionItem]] = defaultdict(list)
    for item in unowned:
        for userid in dict.fromkeys([item.meeting.chair, ctx.org.director_id]):
            if userid and ctx.org.get(userid):
                by_person[userid].append(item)
    run_key = f"escalate:{local(ctx, ctx.now):%Y-%m-%dT%H:%M}"
    sent_to: dict[int, list[str]] = defaultdict(list)
    for userid, items in by_person.items():
        if ctx.notify_once("decision_unowned", run_key, userid, "items", text=_unowned_text(ctx, items)):
            for item in items:
                sent_to[item.id].append(userid)
    for item in unowned:
        # never looked at again by this job — unless the reminder budget held everyone's message back
        # (a holiday, a full day): then the next run tells them
        if sent_to[item.id] or not any(item in items for items in by_person.values()):
            item.escalated_at = ctx.now
        if sent_to[item.id]:
            hours = int((ctx.now - item.created_at).total_seconds() // 3600)
            ctx.audit(f"system:{ctx.job_id}", "escalated", "action_item", item.id, to=sent_to[item.id], hours=hours)


def _unowned_text(ctx: JobContext, items: list[ActionItem]) -> str:
    if len(items) == 1:
        item, meeting = items[0], items[0].meeting
        return UNOWNED.format(meeting=meeting.id, title=text_inline(meeting.title), id=item.id,
                              text=text_inline(item.text),
                              hours=int((ctx.now - item.created_at).total_seconds() // 3600),
                              limit=ctx.policy.decision_owner_hours, chair=ctx.org.name(meeting.chair))
    lines = [UNOWNED_MANY.format(count=len(items), limit=ctx.policy.decision_owner_hours)]
    lines += [UNOWNED_LINE.format(id=i.id, text=text_inline(i.text), meeting=i.meeting.id,
                                  title=text_inline(i.meeting.title),
                                  chair=ctx.org.name(i.meeting.chair)) for i in items[:ITEMS_PER_MESSAGE]]
    if len(items) > ITEMS_PER_MESSAGE:
        lines.append(f"…另有 {len(items) - ITEMS_PER_MESSAGE} 项")
    return "\n".join(lines + [UNOWNED_FOOTER.format(id=items[0].id)])


@job("action_item_followup")
def action_item_followup(ctx: JobContext) -> None:
    """P12: owners hear of their open items weekly (Mondays), and daily once an item is past due —
    one message per owner. An item overdue for policy.stale_item_weeks goes to its meeting's chair
    once (one message per chair) and leaves the owner's reminders."""
    today = local(ctx, ctx.now).date()
    weekly = today.weekday() == 0
    stale_before = ctx.now - timedelta(weeks=ctx.policy.stale_item_weeks)
    items = ctx.session.scalars(
        select(ActionItem).options(selectinload(ActionItem.meeting))  # each meeting once, not once per item
        .where(ActionItem.status == "open", ActionItem.owner.is_not(None), ActionItem.stale_at.is_(None),
               ActionItem.owner_assigned_at <= ctx.now).order_by(ActionItem.id)).all()
    by_owner: dict[str, list[ActionItem]] = defaultdict(list)
    by_chair: dict[str, list[ActionItem]] = defaultdict(list)
    for item in items:
        overdue = item.due_at is not None and item.due_at <= ctx.now
        if overdue and max(item.due_at, item.replanned_at or item.due_at) <= stale_before:
            chair = item.meeting.chair if ctx.org.get(item.meeting.chair) else ctx.org.director_id
            by_chair[chair].append(item)
        elif overdue or (weekly and (ctx.now - item.owner_assigned_at).days >= 1):
            by_owner[item.owner].append(item)
    # One message per owner per day (WeCom drops bursts to one person), ledgered in one go. The same
    # overdue items are reminded policy.reminder_repeats times, then weekly (the chair gets them later).
    fresh = ctx.claim_once("action_followup", [(today.isoformat(), owner, _followup_record(ctx, mine))
                                               for owner, mine in by_owner.items()], repeats=True)
    reminded = []
    for _, owner, _ in fresh:
        mine = by_owner[owner]
        overdue = all(i.due_at is not None and i.due_at <= ctx.now for i in mine)
        ctx.send_text(owner, _listing(ctx, OVERDUE_HEADER if overdue else FOLLOWUP_HEADER, mine, with_owner=False,
                                      footer=FOLLOWUP_FOOTER.format(id=mine[0].id)))
        reminded += [(item.id, {"owner": owner, "overdue": item.due_at is not None and item.due_at <= ctx.now})
                     for item in mine]
    ctx.audit_many(f"system:{ctx.job_id}", "reminded", "action_item", reminded)
    chairs = ctx.claim_once("action_stale", [(today.isoformat(), chair, "items") for chair in by_chair
                                             if chair and ctx.org.get(chair)])
    for _, chair, _ in chairs:
        stale = by_chair[chair]
        header = STALE_HEADER.format(count=len(stale), weeks=ctx.policy.stale_item_weeks)
        ctx.send_text(chair, _listing(ctx, header, stale, with_owner=True, footer=STALE_FOOTER))
    stale_ids = [item.id for stale in by_chair.values() for item in stale]
    for start in range(0, len(stale_ids), 500):
        ctx.session.execute(update(ActionItem).where(ActionItem.id.in_(stale_ids[start:start + 500]))
                            .values(stale_at=ctx.now).execution_options(synchronize_session=False))
    for chair, stale in by_chair.items():
        ctx.audit_many(f"system:{ctx.job_id}", "marked_stale", "action_item",
                       [(item.id, {"chair": chair, "owner": item.owner}) for item in stale])


def _followup_record(ctx: JobContext, items: list[ActionItem]) -> str:
    """The ledger's item for an owner's list: the set of overdue items (a new one is a new item),
    or "items" for the weekly list of items not yet due."""
    overdue = sorted(i.id for i in items if i.due_at is not None and i.due_at <= ctx.now)
    if not overdue:
        return "items"
    return "overdue:" + hashlib.sha1(",".join(map(str, overdue)).encode()).hexdigest()[:16]


def _listing(ctx: JobContext, header: str, items: list[ActionItem], *, with_owner: bool, footer: str) -> str:
    """One message: the header, up to ITEMS_PER_MESSAGE item lines, a count of the rest, the footer."""
    lines = [header] + [item_line(ctx, i, with_owner=with_owner) for i in items[:ITEMS_PER_MESSAGE]]
    if len(items) > ITEMS_PER_MESSAGE:
        lines.append(MORE_ITEMS.format(count=len(items) - ITEMS_PER_MESSAGE))
    return "\n".join(lines + [footer])
