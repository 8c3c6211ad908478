"""全部同意 / 全部驳回 (P3): everything waiting for the approver at their own step, decided at once —
after the bot has shown what it covers and the approver has confirmed, as WeCom's own 审批 does
for approvers with many cards. Each request is then decided exactly as 「同意 N」 (``typed``).
"""
from __future__ import annotations

from sqlalchemy import select

from bot.conversation.context import Context
from bot.conversation.router import intent, on_flow
from bot.text.amounts import format_money
from bot.text.quoting import text_inline
from handlers.approvals.cards import kind_label
from handlers.approvals.typed import decide_each
from models import ApprovalRequest, ApprovalStep

BATCH_FLOW = "approval.batch"
SHOWN = 20  # lines listed before 「等 N 件」: the question stays one short message
CONFIRM_WORDS = {"确认", "确定", "是", "好", "好的", "yes", "y"}
NOTHING_WAITING = "目前没有等你审批的申请，无需{verb}。"
NEEDS_REASON = "全部驳回请附上一个理由（会转告每位申请人），这次没有驳回任何申请。例如：全部驳回 预算不足"
ASK_CONFIRM = "以下 {count} 件申请正等你审批，将全部{verb}{reason}：\n{lines}\n回复「确认」全部{verb}，回复「取消」放弃。"
MORE = "…等共 {count} 件"
CONFIRM_AGAIN = "请回复「确认」全部{verb}，或回复「取消」放弃（没有{verb}任何申请）。"


def waiting_for(ctx: Context) -> list[ApprovalStep]:
    """The steps now waiting for the sender's decision (their own step of each pending request), oldest first."""
    return list(ctx.session.scalars(
        select(ApprovalStep).join(ApprovalRequest)
        .where(ApprovalStep.approver == ctx.userid, ApprovalStep.status == "pending",
               ApprovalRequest.status == "pending", ApprovalRequest.current_step == ApprovalStep.position)
        .order_by(ApprovalRequest.id)))


@intent("approval.approve_all", "全部同意", "同意全部", "批量同意", summary="一次同意所有等你审批的申请（先列出，确认后执行）",
        example="全部同意")
def approve_all(ctx: Context) -> str:
    """Show everything waiting for the sender and ask to confirm approving it all."""
    return _ask(ctx, "approve", "")


@intent("approval.reject_all", "全部驳回", "驳回全部", "批量驳回", summary="一次驳回所有等你审批的申请，附一个理由",
        example="全部驳回 预算不足")
def reject_all(ctx: Context) -> str:
    """Show everything waiting for the sender and ask to confirm rejecting it all with one reason."""
    reason = (ctx.args or "").strip()[:500]
    return _ask(ctx, "reject", reason) if reason else NEEDS_REASON


def _ask(ctx: Context, verdict: str, reason: str) -> str:
    verb = "同意" if verdict == "approve" else "驳回"
    steps = waiting_for(ctx)
    if not steps:
        return NOTHING_WAITING.format(verb=verb)
    lines = [f"#{s.request.id} {ctx.org.name(s.request.requester)} {kind_label(s.request)} "
             f"{text_inline(s.request.item, 30)} {format_money(s.request.amount_fen)}（{s.label}）" for s in steps[:SHOWN]]
    if len(steps) > SHOWN:
        lines.append(MORE.format(count=len(steps)))
    ctx.conversation.start(BATCH_FLOW, "CONFIRM", {"verdict": verdict, "reason": reason,
                                                   "ids": [s.request_id for s in steps]})
    shown_reason = f"（理由：{text_inline(reason, 60)}）" if reason else ""
    return ASK_CONFIRM.format(count=len(steps), verb=verb, reason=shown_reason, lines="\n".join(lines))


@on_flow(BATCH_FLOW, label="批量审批的确认")
def confirm_batch(ctx: Context) -> str:
    """「确认」: decide each request listed (those decided meanwhile are said to be so); else ask again."""
    data = ctx.conversation.data
    verb = "同意" if data["verdict"] == "approve" else "驳回"
    if (ctx.message.text or "").strip().lower() not in CONFIRM_WORDS:
        ctx.conversation.advance("CONFIRM")
        return CONFIRM_AGAIN.format(verb=verb)
    ctx.conversation.end()
    return decide_each(ctx, data["ids"], data["verdict"], data["reason"] or None)
