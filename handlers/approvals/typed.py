"""Decisions typed instead of tapped (P3): 「同意 12」, 「同意 12 请控制在预算内」 (a remark the requester
is told), 「同意 5 6 7」 (each, and what became of each), 「驳回 12 不需要」 by the current approver.

The same decision as the card's buttons (``cards.decide``): one conditional UPDATE, every copy of
the step's card then shows the outcome. A rejection typed with its reason passes it on at once;
without one the bot asks, as after a tap.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.conversation.context import Context, Reply
from bot.conversation.router import intent
from handlers.approvals.cards import NOT_YOUR_STEP, decide, stale_answer
from models import ApprovalRequest, ApprovalStep

NEED_NUMBER = "请带上申请编号，例如：{command} {id}{tail}（发「待我审批」查看编号）"
NOTHING_PENDING = "目前没有需要你审批的申请。"
NOT_FOUND = "没有找到申请 #{id}。发「待我审批」查看需要你审批的申请和编号。"
BATCH_NEEDS_REASON = ("驳回几件申请时请附上一个理由（会转告每位申请人），这次没有驳回任何申请。例如：驳回 {ids} 预算不足")
BATCH_HEADER = "{verb}了 {done}/{count} 件："
# 「同意 5 6 7」, 「同意 #5、#6」, 「驳回 5,6 预算不足」: the numbers first, then the remark or reason. A number
# glued to more words (「同意 12 3台以内」) belongs to the remark.
_NUMBERS = re.compile(r"^(?:[#＃]?\s*\d+(?=[\s,，、;；:：]|$)[\s,，、;；:：]*)+")


def numbers_and_words(args: str) -> tuple[list[int], str]:
    """(the request numbers at the start of ``args``, in order and once each; the words after them)."""
    match = _NUMBERS.match(args or "")
    if not match:
        return [], (args or "").strip()
    ids = [int(n) for n in re.findall(r"\d+", match.group())]
    return list(dict.fromkeys(ids)), args[match.end():].strip()


@intent("approval.approve", "同意", summary="审批人直接回复同意，可附备注，可一次同意几件（也可以点卡片）",
        example="同意 12 请控制在预算内", numbered=True)
def approve_typed(ctx: Context) -> Reply | str:
    """The current approver approves request N (or N M …) by typing 「同意 N [备注]」."""
    return _typed(ctx, "approve", "同意", "")


@intent("approval.reject", "驳回", summary="审批人直接回复驳回，可附理由，可一次驳回几件", example="驳回 12 预算不足",
        numbered=True)
def reject_typed(ctx: Context) -> Reply | str:
    """The current approver rejects request N by typing 「驳回 N 理由」 (without one, the bot asks);
    several numbers need the one reason given for all."""
    return _typed(ctx, "reject", "驳回", " 预算不足")


def _typed(ctx: Context, verdict: str, command: str, tail: str) -> Reply | str:
    ids, words = numbers_and_words(ctx.args)
    if not ids:
        pending = ctx.session.scalars(
            select(ApprovalStep.request_id).join(ApprovalRequest)
            .where(ApprovalStep.approver == ctx.userid, ApprovalStep.status == "pending",
                   ApprovalRequest.status == "pending", ApprovalRequest.current_step == ApprovalStep.position)
            .order_by(ApprovalStep.request_id).limit(1)).first()
        return NEED_NUMBER.format(command=command, id=pending, tail=tail) if pending else NOTHING_PENDING
    if len(ids) == 1:
        return decide_one(ctx, ids[0], verdict, words[:500] or None)
    if verdict == "reject" and not words:
        return BATCH_NEEDS_REASON.format(ids=" ".join(map(str, ids)))
    return decide_each(ctx, ids, verdict, words[:500] or None)


def decide_each(ctx: Context, ids: list[int], verdict: str, words: str | None) -> str:
    """Decide each request in turn and say what happened to each (「#5 已同意…」, 「#6 还没轮到你」)."""
    lines, done, status = [], 0, "approved" if verdict == "approve" else "rejected"
    for request_id in ids:
        answer = decide_one(ctx, request_id, verdict, words)
        lines.append(answer.text if isinstance(answer, Reply) else answer)
        request = ctx.session.get(ApprovalRequest, request_id) if request_id < 10 ** 9 else None
        done += bool(request and any(s.approver == ctx.userid and s.status == status and s.decided_at == ctx.now
                                     for s in request.steps))
    verb = "同意" if verdict == "approve" else "驳回"
    return "\n".join([BATCH_HEADER.format(verb=verb, done=done, count=len(ids))] + [f"• {line}" for line in lines])


def decide_one(ctx: Context, request_id: int, verdict: str, words: str | None) -> Reply | str:
    """Approve or reject one request as its current approver; ``words``: the remark (approve) or
    the reason (reject; None: the bot asks for it)."""
    request = ctx.fetch(ApprovalRequest, request_id)
    if request is None or request.status == "draft":
        return NOT_FOUND.format(id=request_id)
    step = request.step_at(request.current_step)
    mine = [s for s in request.steps if s.approver == ctx.userid and s.status != "skipped"]
    if not mine:
        approver = step.approver if step else request.requester
        return NOT_YOUR_STEP.format(id=request.id, label=step.label if step else "审批", approver=ctx.org.name(approver))
    decided = [s for s in mine if s.status in ("approved", "rejected", "withdrawn")]
    if request.status == "pending" and step is not None and step.approver != ctx.userid and not decided:
        return NOT_YOUR_STEP.format(id=request.id, label=step.label, approver=ctx.org.name(step.approver))
    if request.status != "pending" or step is None or step.approver != ctx.userid:
        return stale_answer(ctx, request, (decided or mine)[-1])[0]
    return decide(ctx, request, step.position, verdict, words)
