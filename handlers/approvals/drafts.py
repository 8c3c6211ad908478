"""Drafts (P3): the summary the requester confirms before anything is submitted.

A draft is not a request: it has no number, is not listed in 我的申请, and becomes a request
(numbered then) only when 提交 is tapped or typed. 取消, a replacing request or a second tap
settle it once; every copy of its card then shows the outcome.
"""
from __future__ import annotations

import secrets

from sqlalchemy import update

from bot.wecom import card_copies
from bot.wecom.cards import button_card
from bot.conversation.context import Context, Reply
from bot.text.quoting import text_inline
from bot.conversation.router import on_card
from handlers.approvals.cards import (REQUEST_FLOW, STALE, chain_text, grey_tapped, kind_label, money_text,
                                     plan_chain, start_chain)
from handlers.approvals.splits import find_split
from models import ApprovalDraft, ApprovalRequest

SUMMARY_TITLE = "请确认{kind}申请"
SUMMARY_TITLE_EMERGENCY = "请确认紧急{kind}（先执行，后补办）"
SUMMARY_DESC = "确认无误请点「提交」"
DRAFT_NOT_YOURS = "这份申请不是你发起的，不能替别人提交或取消。"
DRAFT_CANCELLED = "好的，已取消这份申请，没有提交。需要时再发，例如：采购申请 测试服务器3台 8万元 用于压测环境"
DRAFT_DONE = {"submitted": "这份申请已提交（编号 {id}），无需再操作。发「审批记录 {id}」查看进度。",
              "cancelled": "这份申请已取消，没有提交，无需再操作。需要时重新发，例如：采购申请 测试服务器3台 8万元"}
DRAFT_SETTLED_TEXT = {"submitted": "（你之前的申请确认卡片「{item}」已提交，编号 {id}。）",
                      "cancelled": "（你之前的申请确认卡片「{item}」已取消，没有提交。）"}
STATE_LABELS = {"submitted": "已提交", "cancelled": "已取消"}
SPLIT_HINT = "⚠ {line}{ceo}。审批人会看到这一提示；若确是同一次采购，请合并成一份申请。"
SPLIT_CEO = "，审批链按合计金额确定"


def draft_ref(draft: ApprovalDraft) -> str:
    return f"draft:{draft.id}"


def send_summary(ctx: Context, data: dict) -> int:
    """The summary card with 提交 / 取消 for what ``data`` holds; returns the draft's id."""
    amount = data["amount"]
    draft = ApprovalDraft(kind=data["kind"], requester=ctx.userid, item=data["item"], amount_fen=amount["fen"],
                          quantity=amount["quantity"], unit_fen=amount["unit_fen"], reason=data["reason"],
                          emergency=data["emergency"], status="open", created_at=ctx.now)
    ctx.session.add(draft)
    ctx.session.flush()
    preview = _as_request(draft)
    split = find_split(ctx, preview, ctx.now)  # P4: the requester hears of a split before submitting
    escalate = split is not None and ctx.policy.split_escalates
    steps, _ = plan_chain(ctx, preview, split.total_fen if escalate else None)
    kind = kind_label(preview)
    title = (SUMMARY_TITLE_EMERGENCY if draft.emergency else SUMMARY_TITLE).format(kind=kind)
    task_id = f"apprq_{draft.id}_{secrets.token_hex(4)}"  # the summary cards keep their task_id prefix
    card = button_card(task_id, title, SUMMARY_DESC,
                       [("事项", text_inline(draft.item)), ("金额", money_text(preview)),
                        ("事由", text_inline(draft.reason) or "（未填写）"),
                        ("审批链", chain_text(ctx, steps, compact=True))],
                       [("提交", f"draft:submit:{draft.id}", "primary"), ("取消", f"draft:cancel:{draft.id}", "grey")],
                       sub_title=SPLIT_HINT.format(line=split.said(), ceo=SPLIT_CEO if escalate else "") if split else "")
    card_copies.remember(ctx, draft_ref(draft), task_id, ctx.send_card(ctx.userid, card))
    return draft.id


def _as_request(draft: ApprovalDraft) -> ApprovalRequest:
    """A request with the draft's content, not added to the session (to plan and show its chain)."""
    return ApprovalRequest(kind=draft.kind, requester=draft.requester, department_id="", item=draft.item,
                           amount_fen=draft.amount_fen, quantity=draft.quantity, unit_fen=draft.unit_fen,
                           reason=draft.reason, emergency=draft.emergency)


@on_card("draft")
def confirm_draft(ctx: Context) -> Reply:
    """Summary card taps: 提交 or 取消 a draft."""
    parts = (ctx.message.event_key or "").split(":")
    if len(parts) != 3 or parts[1] not in ("submit", "cancel") or not parts[2].isdigit():
        return Reply(text=STALE)
    draft = ctx.fetch(ApprovalDraft, parts[2])
    if draft is None:
        return Reply(text=STALE)
    if draft.requester != ctx.userid:
        return Reply(text=DRAFT_NOT_YOURS)
    return settle_draft(ctx, draft, submit=parts[1] == "submit")


@on_card("apprq")
def legacy_summary(ctx: Context) -> Reply:
    """A summary card sent before drafts had their own table: it no longer submits anything."""
    return Reply(text=DRAFT_DONE["cancelled"], button="已失效")


def settle_draft(ctx: Context, draft: ApprovalDraft, submit: bool) -> Reply:
    """Submit or cancel a draft exactly once — from its card or typed 提交 / 取消; a submitted
    draft becomes a request, numbered now. Every copy of its card shows the outcome."""
    conversation = ctx.conversation
    if conversation.active and conversation.flow == REQUEST_FLOW and conversation.data.get("draft") == draft.id:
        conversation.end()  # the summary was waiting for this answer
    target = "submitted" if submit else "cancelled"
    won = ctx.session.execute(
        update(ApprovalDraft).where(ApprovalDraft.id == draft.id, ApprovalDraft.status == "open")
        .values(status=target, settled_at=ctx.now).execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.refresh(draft)
    label = STATE_LABELS[draft.status] if draft.status in STATE_LABELS else "已失效"
    if not won:
        return grey_tapped(ctx, label, DRAFT_DONE.get(draft.status, STALE).format(id=draft.request_id))
    if target == "cancelled":
        _settle_cards(ctx, draft, label)
        return grey_tapped(ctx, label, DRAFT_CANCELLED)
    request = _as_request(draft)
    request.department_id, request.status, request.created_at = ctx.user.department_id, "pending", draft.created_at
    request.submitted_at = ctx.now
    ctx.session.add(request)
    ctx.session.flush()
    draft.request_id = request.id
    answer = start_chain(ctx, request)
    _settle_cards(ctx, draft, label)
    return grey_tapped(ctx, label, answer)


def _settle_cards(ctx: Context, draft: ApprovalDraft, label: str) -> None:
    # Only a copy not updated can still offer 提交: it is told by text, once.
    card_copies.settle(ctx, draft_ref(draft), label,
                       DRAFT_SETTLED_TEXT[draft.status].format(item=text_inline(draft.item, 20), id=draft.request_id))
