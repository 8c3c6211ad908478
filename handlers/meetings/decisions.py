"""Decisions (P12): every resolution is an action item with an owner, followed up until done.

指派 (or the chair's pick-an-owner card), 完成, 进展, 我的待办, 决议列表. The jobs are in ``decision_jobs``.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select

from bot.wecom import card_copies
from bot.wecom.cards import button_card
from bot.conversation.context import BaseContext, Context, Reply
from bot.text.quoting import text_inline
from bot.conversation.router import intent, on_card
from handlers.meetings.common import can_manage, due_text, find_person, item_line, open_items, sample_name
from models.meeting import ActionItem, Meeting

CARD_TITLE = "请指派决议 #{id} 的负责人"
CARD_DESC = "会议 #{meeting}「{title}」·P12：{hours} 小时内定负责人"
CARD_MORE = "点一位参会人，或发「指派 {id} 姓名」"
ASSIGNED_OWNER = ("📌 你是决议 #{id} 的负责人：{text}{due}\n来自会议 #{meeting}「{title}」，由 {by} 指派。\n"
                  "有进展发「进展 {id}」加上做到了哪一步，完成后发「完成 {id}」。")
UNASSIGNED_OWNER = "决议 #{id}（{text}）已由 {by} 改派给 {owner}，你不再负责这一项，无需再报进展。"
ASSIGNED = "已指派 {owner} 负责决议 #{id}（{text}），已通知 {owner}。"
NEED_ASSIGN_ARGS = "请这样写：指派 决议编号 姓名，例如：指派 {id} {name}（发「我的待办」或「决议列表」查看编号）"
NO_ITEM = "没有找到决议 #{id}。发「决议列表」查看会议的决议和编号。"
NOT_CHAIR = "决议 #{id} 只能由会议主持人 {chair} 或总监指派负责人，这次没有改动。"
UNKNOWN_NAME = "通讯录里没有「{name}」，这次没有指派。请用通讯录里的姓名，例如：指派 {id} {example}"
ITEM_DONE = "决议 #{id} 已完成，无需再{action}。"
NEED_NUMBER = "请带上决议编号，例如：{command} {example}（发「我的待办」查看编号）"
NOT_OWNER = "决议 #{id} 的负责人是 {owner}，只有负责人可以{action}，这次没有改动。发「我的待办」查看你负责的事项。"
COMPLETED = "👍 已记录：决议 #{id}（{text}）完成。"
COMPLETED_CHAIR = "✅ {owner} 已完成决议 #{id}：{text}（会议 #{meeting}「{title}」）"
NEED_PROGRESS = "请写上进展：做到了哪一步、下一步是什么，例如：进展 {id} {example}"
PROGRESS_SAVED = "已记录决议 #{id} 的进展。完成后发「完成 {id}」。"
NO_OPEN = "你目前没有待办的决议事项。🎉"
MINE_HEADER = "你负责的待办（{count} 项）："
MINE_FOOTER = "有进展发「进展 编号 内容」，完成发「完成 编号」，例如：完成 {id}"
LIST_FORBIDDEN = "只有会议 #{id} 的参会人和总监可以查看它的决议。发「我的待办」查看你负责的决议。"
NO_DECISIONS = "没有找到会议的决议。请带上会议编号，例如：决议列表 3（发「会议列表」查看编号）"
LIST_HEADER = "会议 #{id}「{title}」的决议："
LIST_FOOTER = "主持人可发「指派 编号 姓名」指派负责人。"
CARD_STALE = "这张卡片已失效。发「决议列表」查看决议和负责人。"


def assign_card(ctx: BaseContext, item: ActionItem, meeting: Meeting) -> dict:
    """P12: the chair's card: one button per attendee (up to 6), the rest by text."""
    choices = [u for u in meeting.attendees if ctx.org.get(u)][:6]
    item.assign_task_id = f"decision_{item.id}_{secrets.token_hex(4)}"
    return button_card(item.assign_task_id, CARD_TITLE.format(id=item.id),
                       CARD_DESC.format(meeting=meeting.id, title=text_inline(meeting.title, 12),
                                        hours=ctx.policy.decision_owner_hours),
                       [("决议", text_inline(item.text, 30))],
                       [(ctx.org.name(u), f"decision:assign:{item.id}:{u}", "primary" if i == 0 else "outline")
                        for i, u in enumerate(choices)],
                       sub_title=CARD_MORE.format(id=item.id))


def set_owner(ctx: BaseContext, item: ActionItem, owner: str, by: str) -> None:
    """Record the owner (the first assignment's time is what P12's 24 h is measured by) and tell them."""
    previous = item.owner
    item.owner, item.assigned_by = owner, by
    if item.stale_at is not None:  # re-planned: back on the owner's list, stale again only weeks from now
        item.stale_at, item.replanned_at = None, ctx.now
    if item.owner_assigned_at is None:
        item.owner_assigned_at = ctx.now
    ctx.audit(by, "assigned", "action_item", item.id, owner=owner, previous=previous,
              on_time=ctx.now <= item.owner_due_at, meeting=item.meeting_id)
    meeting = item.meeting
    card_copies.settle(ctx, f"decision:{item.id}", f"已指派 {ctx.org.name(owner)}")  # the chair's pick-an-owner cards
    if previous and previous != owner:  # the one who owned it must know they no longer do
        ctx.send_text(previous, UNASSIGNED_OWNER.format(id=item.id, text=text_inline(item.text), by=ctx.org.name(by),
                                                        owner=ctx.org.name(owner)))
    ctx.send_text(owner, ASSIGNED_OWNER.format(id=item.id, text=text_inline(item.text), due=_due(ctx, item),
                                               meeting=meeting.id, title=text_inline(meeting.title),
                                               by=ctx.org.name(by)))


def _due(ctx: BaseContext, item: ActionItem) -> str:
    return f"（{due_text(ctx, item)}）" if item.due_at else ""


@intent("decision.assign", "指派", summary="为决议指派负责人（P12）", example="指派 12 张三", numbered=True)
def assign(ctx: Context) -> str:
    """P12: the chair (or the director) names a resolution's owner."""
    match = re.match(r"#?(\d+)\s*(.*)$", (ctx.args or "").strip(), re.S)
    if not match or not match.group(2).strip():
        return NEED_ASSIGN_ARGS.format(id=match.group(1) if match else 12, name=sample_name(ctx))
    item = ctx.fetch(ActionItem, match.group(1))
    if item is None:
        return NO_ITEM.format(id=match.group(1))
    return _assign(ctx, item, match.group(2).strip().split()[0])


def _assign(ctx: Context, item: ActionItem, who: str) -> str:
    meeting = item.meeting
    if not can_manage(ctx, meeting, ctx.userid):
        return NOT_CHAIR.format(id=item.id, chair=ctx.org.name(meeting.chair))
    if item.status == "done":
        return ITEM_DONE.format(id=item.id, action="指派")
    owner = find_person(ctx, who)
    if owner is None:
        return UNKNOWN_NAME.format(name=who, id=item.id, example=sample_name(ctx))
    set_owner(ctx, item, owner, ctx.userid)
    return ASSIGNED.format(owner=ctx.org.name(owner), id=item.id, text=text_inline(item.text))


@on_card("decision")
def assign_tap(ctx: Context) -> Reply:
    """A tap on the chair's pick-an-owner card."""
    parts = (ctx.message.event_key or "").split(":")
    if len(parts) != 4 or parts[1] != "assign" or not parts[2].isdigit():
        return Reply(text=CARD_STALE)
    item = ctx.fetch(ActionItem, parts[2])
    if item is None:
        return Reply(text=CARD_STALE)
    answer = _assign(ctx, item, parts[3])
    if not answer.startswith("已指派"):
        return Reply(text=answer)
    label = f"已指派 {ctx.org.name(parts[3])}"
    if ctx.message.response_code:
        ctx.update_card(ctx.userid, ctx.message.response_code, {"button": {"replace_name": label}})
    return Reply(text=answer, button=label)


def _own_item(ctx: Context, command: str, action: str) -> tuple[ActionItem | None, str]:
    """The item numbered in ``ctx.args`` if the sender owns it and it is open; else (None, answer)."""
    match = re.match(r"#?(\d+)\s*(.*)$", (ctx.args or "").strip(), re.S)
    mine = open_items(ctx, ctx.userid)
    if not match:
        return None, NEED_NUMBER.format(command=command, example=mine[0].id if mine else 12)
    item = ctx.fetch(ActionItem, match.group(1))
    if item is None:
        return None, NO_ITEM.format(id=match.group(1))
    if item.owner != ctx.userid:
        return None, NOT_OWNER.format(id=item.id, owner=ctx.org.name(item.owner) if item.owner else "（尚未指派）",
                                      action=action)
    if item.status == "done":
        return None, ITEM_DONE.format(id=item.id, action=action)
    return item, match.group(2).strip()


@intent("decision.done", "完成", summary="报告决议已完成", example="完成 12", numbered=True)
def complete(ctx: Context) -> str:
    """P12: the owner reports an action item done; the chair hears of it."""
    item, answer = _own_item(ctx, "完成", "报告完成")
    if item is None:
        return answer
    item.status, item.done_at = "done", ctx.now
    ctx.audit(ctx.userid, "completed", "action_item", item.id, meeting=item.meeting_id,
              on_time=item.due_at is None or ctx.now <= item.due_at, note=answer[:200] or None)
    meeting = item.meeting
    if meeting.chair != ctx.userid:
        ctx.send_text(meeting.chair, COMPLETED_CHAIR.format(owner=ctx.org.name(ctx.userid), id=item.id,
                                                            text=text_inline(item.text), meeting=meeting.id,
                                                            title=text_inline(meeting.title)))
    return COMPLETED.format(id=item.id, text=text_inline(item.text))


@intent("decision.progress", "进展", summary="更新决议进展", example="进展 12 已联系供应商", numbered=True)
def progress(ctx: Context) -> str:
    """P12: the owner notes progress on an action item."""
    item, note = _own_item(ctx, "进展", "更新进展")
    if item is None:
        return note
    if not note:
        return NEED_PROGRESS.format(id=item.id, example=f"{text_inline(item.text, 12)} 已完成一半，下一步…")
    item.progress, item.progress_at = note[:1000], ctx.now
    ctx.audit(ctx.userid, "progress", "action_item", item.id, note=note[:200])
    return PROGRESS_SAVED.format(id=item.id)


@intent("action.mine", "我的待办", "待办", summary="我负责的决议（P12）", example="我的待办")
def my_items(ctx: Context) -> str:
    """The sender's open action items."""
    items = open_items(ctx, ctx.userid)
    if not items:
        return NO_OPEN
    lines = [MINE_HEADER.format(count=len(items))] + [item_line(ctx, i, with_owner=False) for i in items[:20]]
    lines.append(MINE_FOOTER.format(id=items[0].id))
    return "\n".join(lines)


@intent("decision.list", "决议列表", "决议", summary="会议的决议", example="决议列表 3")
def list_decisions(ctx: Context) -> str:
    """A meeting's resolutions (the latest minuted meeting the sender attended when no number is given)."""
    match = re.search(r"\d+", ctx.args or "")
    if match:
        meeting = ctx.fetch(Meeting, match.group())
    else:
        minuted = ctx.session.scalars(select(Meeting).where(Meeting.status == "minuted")
                                      .order_by(Meeting.ends_at.desc()).limit(20)).all()
        meeting = next((m for m in minuted if ctx.userid in m.attendees), None)
    if meeting is None or not meeting.items:
        return NO_DECISIONS
    if ctx.userid not in meeting.attendees and ctx.userid != ctx.org.director_id:
        return LIST_FORBIDDEN.format(id=meeting.id)  # the same rule as 查看纪要
    lines = [LIST_HEADER.format(id=meeting.id, title=text_inline(meeting.title))] + [item_line(ctx, i) for i in meeting.items]
    if any(i.owner is None for i in meeting.items):
        lines.append(LIST_FOOTER)
    return "\n".join(lines)


