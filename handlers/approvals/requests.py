"""Approvals (P3–P5): 采购 / 报销 / 紧急采购 requests, 我的申请, 待我审批, 催办, 撤回, 审批记录.

The chain and the card taps live in ``cards``, the reminders in ``jobs``.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager, selectinload

from bot.text.amounts import (AMBIGUOUS, ESTIMATE, NO_QUANTITY, NOT_POSITIVE, PRECISION, RANGE, TOO_LARGE, AmountProblem,
                         Money, format_money, parse_amount)
from bot.text.dates import format_datetime
from bot.text.numerals import number_value
from bot.text.request_text import parse_request
from bot.wecom import card_copies
from bot.conversation.context import Context
from bot.text.quoting import text_inline
from bot.conversation.router import intent, on_flow, on_flow_cancel, on_flow_timeout
from handlers.approvals.cards import REQUEST_FLOW, STATUS_LABELS, chain_text, kind_label, send_step_card, step_ref
from handlers.approvals.drafts import send_summary, settle_draft
from models import ApprovalDraft, ApprovalRequest, ApprovalStep, AuditEntry

EXAMPLE = "采购申请 测试服务器3台 8万元 用于压测环境"
ASK_ITEM = "要{kind}什么？请回复事项名称，例如：测试服务器3台（发「取消」可退出）"
ASK_AMOUNT = "金额是多少？直接回复数字即可（单位：元），例如：86.5、8万元（发「取消」可退出）"
ASK_AMOUNT_AGAIN = "没看出金额，请只回复一个金额（单位：元），例如：86.5、8万元（发「取消」可退出）"
REQUEST_TIMED_OUT = "刚才的申请 {minutes} 分钟没有回复，已取消，没有提交。需要时重新发，例如：{example}"
ASK_CONFIRM = "请点卡片上的「提交」或「取消」，也可以直接回复「提交」或「取消」。"
CONFIRM_WORDS = {"提交", "确认", "确定", "是"}
DRAFT_REPLACED = "（刚才那份申请没有提交，已取消；以这条为准。）"
# P4: the amount decides the chain, so a sum that is not one exact figure is asked about, never guessed.
ASK_AMOUNT_PROBLEM = {
    AMBIGUOUS: "我看到了不止一个金额，不敢猜。请只回复一个金额，例如：8万元、35.5元",
    RANGE: "「{said}」是一个范围。审批人和审批链按确切金额决定（P4），请回复一个金额，例如：2.5万元",
    ESTIMATE: "「{said}」是估计。审批人和审批链按确切金额决定（P4），请回复确切金额（报价或上限），例如：8万元",
    NOT_POSITIVE: "「{said}」不是可以审批的金额：金额要大于 0。请回复实际金额，例如：35元、8万元",
    TOO_LARGE: "「{said}」超出了可以申请的金额，请检查后回复实际金额，例如：8万元",
    PRECISION: "「{said}」比「分」还细，请回复精确到分的金额，例如：35.50元",
    NO_QUANTITY: "看到了单价「{said}」，但没看到数量。请回复数量（例如：3台），或总金额（例如：6万元）",
}
NO_CHAIN = "暂不支持「{kind}」审批。可以发：{example}"
HOWTO = ("发一句话就能申请，我会算好审批链并逐级送审（P3、P4）：\n"
         "• 采购申请 测试服务器3台 8万元 用于压测环境\n• 我要采购三台服务器，预算8万元\n• 报销 差旅费 3500元\n"
         "• 紧急采购 备用电源 2万元 因为机房断电（先执行、后补办，P5）\n"
         "审批链：部门负责人初审 → 财务复审；{limit}万元及以上再由 CEO 终审。\n"
         "提交后可发：我的申请、催办 编号、撤回 编号、审批记录 编号；审批人发「待我审批」。")
NO_REQUESTS = "你还没有提交过申请。发一句话就能申请，例如：" + EXAMPLE
MINE_HEADER = "你最近的申请："
MINE_FOOTER = "发「审批记录 编号」看详情，「催办 编号」提醒审批人，「撤回 编号」撤回。例如：审批记录 {id}"
NOTHING_PENDING = "目前没有需要你审批的申请。"
PENDING_HEADER = "你有 {count} 件待审批，卡片已重新发送："
PENDING_HEADER_MORE = "你有 {count} 件待审批，最早的 {cards} 件已重新发卡片；处理后再发「待我审批」取下一批："
RESEND_CARDS = 2  # cards re-sent per 待我审批: with the list, three messages at most (WeCom limits)
PENDING_LISTED = 11  # steps read: ten listed, the eleventh says there are more
NEED_NUMBER = "请带上申请编号，例如：{command} 12（发「我的申请」查看编号）"
NOT_FOUND = "没有找到你的申请 #{id}。发「我的申请」查看你的申请和编号。"
NOT_OPEN = "申请 #{id} {state}，无需{action}。"
URGE_TOO_SOON = "#{id} 已于 {last} 催办过，{hours} 小时内只催办一次，请在 {next} 之后再试。"
URGE_TEXT = "⏰ {requester} 催办：{kind}申请 #{id}（{item}，{amount}）等待你{label}。请在审批卡片上处理，或发「待我审批」重新获取卡片。"
URGED = "已提醒 {approver} 尽快审批 #{id}。"
WITHDRAWN_APPROVER = "{requester} 已撤回{kind}申请 #{id}（{item}），无需再审批。"
WITHDRAWN = "已撤回申请 #{id}，已通知 {approver}。"
HISTORY_FORBIDDEN = "只有申请人、审批人、总监和被请来处理的人可以查看 #{id} 的审批记录。"
HISTORY_HEADER = "#{id} {kind}：{item}，{amount}（{state}）\n审批链：{chain}"
ACTIONS = {"created": "提交申请", "carded": "送审", "approved": "同意", "rejected": "驳回", "urged": "催办",
           "withdrawn": "撤回", "escalated": "升级提醒", "reminded": "提醒审批", "skipped": "跳过",
           "completed": "全部通过", "failed": "无法审批", "reason_given": "填写驳回理由",
           "emergency_recorded": "记录紧急处理", "emergency_flagged": "通报紧急驳回", "chased": "催补办"}


@intent("approval.request", "采购申请", "采购", "报销申请", "报销", summary="发起采购或报销申请（P3、P4）",
        example=EXAMPLE, pattern=r"^(我要|我想|想要|需要|帮我|申请)(申请)?(紧急)?(采购|报销|买)"
        r"|^(购买|买).*?[0-9零一二两三四五六七八九十百千]\s*(万|千|元|块|[kKwW])")  # 买三台服务器 8万
def request_approval(ctx: Context) -> str | None:
    """Start a procurement or reimbursement request; ask for what is missing."""
    return _begin(ctx, emergency=False)


@intent("approval.emergency", "紧急采购", summary="紧急情况先执行、后补办审批（P5）", example="紧急采购 备用电源 2万元 因为机房断电")
def request_emergency(ctx: Context) -> str | None:
    """P5: record an emergency purchase and open its post-hoc approval (补办)."""
    return _begin(ctx, emergency=True)


def _begin(ctx: Context, emergency: bool) -> str | None:
    parsed = parse_request(ctx.message.text or ctx.args or "")
    kind = parsed.kind or "procurement"
    if kind not in ctx.policy.chains:
        return NO_CHAIN.format(kind=kind, example=EXAMPLE)
    data = {"kind": kind, "item": parsed.item[:200], "amount": None, "reason": parsed.reason[:500],
            "emergency": emergency or parsed.emergency}
    _take_amount(data, parsed.amount)
    return _next_question(ctx, data)


def _take_amount(data: dict, amount: Money | AmountProblem | None) -> None:
    """Keep the amount in ``data`` (fen, quantity, unit price), or the problem to ask about."""
    data.pop("problem", None)
    if isinstance(amount, Money):
        data["amount"] = {"fen": amount.fen, "quantity": amount.quantity, "unit_fen": amount.unit_fen}
    elif isinstance(amount, AmountProblem):
        data["problem"] = {"code": amount.code, "said": amount.said[:40], "unit_fen": amount.fen}


def _next_question(ctx: Context, data: dict) -> str | None:
    kind = "报销" if data["kind"] == "reimbursement" else "采购"
    if not data["item"]:
        ctx.conversation.start(REQUEST_FLOW, "ITEM", data)
        return ASK_ITEM.format(kind=kind)
    if data["amount"] is None:
        problem = data.get("problem")
        ctx.conversation.start(REQUEST_FLOW, "AMOUNT", data)
        return ASK_AMOUNT_PROBLEM[problem["code"]].format(said=problem["said"]) if problem else ASK_AMOUNT
    draft_id = send_summary(ctx, data)
    ctx.conversation.start(REQUEST_FLOW, "CONFIRM", {"draft": draft_id})  # typed 提交 / 取消 work too
    return None


_QUANTITY_ONLY = re.compile(r"^\s*(?:数量\s*[:：]?\s*)?([0-9]+|[零一二两三四五六七八九十百]+)\s*[台个件套张本份把支部辆批箱包盒瓶根片颗卷双对副组条只块]?\s*$")


@on_flow(REQUEST_FLOW, label="刚才的申请")
def request_flow(ctx: Context) -> str | None:
    """The reply to 「要采购什么？」 or 「金额是多少？」."""
    data, text = ctx.conversation.data, (ctx.message.text or "").strip()
    if ctx.conversation.state == "CONFIRM":
        draft = ctx.session.get(ApprovalDraft, data["draft"])
        if text not in CONFIRM_WORDS:
            return ASK_CONFIRM
        return settle_draft(ctx, draft, submit=True).text
    if ctx.conversation.state == "ITEM":
        parsed = parse_request(text)
        data["item"] = (parsed.item or text)[:200]
        if data["amount"] is None and parsed.amount is not None:
            _take_amount(data, parsed.amount)
        data["reason"] = data["reason"] or parsed.reason[:500]
        return _next_question(ctx, data)
    problem = data.get("problem") or {}
    # After 「没看到数量」 a bare 3 is the quantity; otherwise a bare figure is the amount, in yuan.
    quantity = _QUANTITY_ONLY.match(text) if problem.get("code") == NO_QUANTITY else None
    count = number_value(quantity.group(1)) if quantity else None
    if count and count == int(count) and problem.get("unit_fen"):
        amount = Money(problem["unit_fen"] * int(count), int(count), problem["unit_fen"])
    else:
        amount = parse_amount(text, bare=True)
    if not isinstance(amount, Money):
        _take_amount(data, amount)
        ctx.conversation.advance("AMOUNT", data)  # ask again; the timeout starts over
        problem = data.get("problem")
        return ASK_AMOUNT_PROBLEM[problem["code"]].format(said=problem["said"]) if problem else ASK_AMOUNT_AGAIN
    _take_amount(data, amount)
    return _next_question(ctx, data)


@on_flow_timeout(REQUEST_FLOW)
def request_timed_out(ctx: Context) -> str | None:
    """A request left half-asked is dropped; a summary card stays valid (提交 still works)."""
    if ctx.conversation.state == "CONFIRM":
        return None
    return REQUEST_TIMED_OUT.format(minutes=ctx.policy.conversation_timeout_minutes, example=EXAMPLE)


@on_flow_cancel(REQUEST_FLOW)
def cancel_request(ctx: Context) -> str | None:
    """取消 while drafting: a summary already shown becomes cancelled (its card can no longer submit)."""
    draft_id = ctx.conversation.data.get("draft")
    draft = ctx.session.get(ApprovalDraft, draft_id) if draft_id else None
    answer = settle_draft(ctx, draft, submit=False).text if draft else None
    if getattr(ctx.conversation, "replaced", False):  # a new request (or another command) took its place
        return DRAFT_REPLACED if draft else None
    return answer


@intent("approval.howto", "如何申请", summary="看看怎么发起采购、报销申请", example="如何申请")
def howto(ctx: Context) -> str:
    """How to request an approval, with examples."""
    return HOWTO.format(limit=f"{ctx.policy.director_limit_wan:g}")


@intent("approval.mine", "我的申请", summary="查看我提交的申请和进度", example="我的申请")
def my_requests(ctx: Context) -> str:
    """The sender's latest requests and where each one stands."""
    rows = ctx.session.scalars(select(ApprovalRequest).options(selectinload(ApprovalRequest.steps))  # not a query a row
                               .where(ApprovalRequest.requester == ctx.userid, ApprovalRequest.status != "draft")
                               .order_by(ApprovalRequest.id.desc()).limit(10)).all()
    if not rows:
        return NO_REQUESTS
    lines = [MINE_HEADER]
    for r in rows:
        state = STATUS_LABELS.get(r.status, r.status)
        step = r.step_at(r.current_step)
        if r.status == "pending" and step:
            state = f"待 {ctx.org.name(step.approver)} {step.label}"
        lines.append(f"#{r.id} {kind_label(r)} {text_inline(r.item)} {format_money(r.amount_fen)} — {state}")
    lines.append(MINE_FOOTER.format(id=rows[0].id))
    return "\n".join(lines)


@intent("approval.pending", "待我审批", summary="查看并重新获取待我审批的卡片", example="待我审批")
def pending_for_me(ctx: Context) -> str:
    """List the steps waiting for the sender's decision and re-send the cards of the oldest two:
    with the list, at most three messages (WeCom drops a burst to one person)."""
    steps = _pending_steps(ctx)
    if not steps:
        return NOTHING_PENDING
    resend = steps[:RESEND_CARDS]
    header = PENDING_HEADER if len(steps) <= RESEND_CARDS else PENDING_HEADER_MORE
    lines = [header.format(count=len(steps) if len(steps) < PENDING_LISTED else f"{PENDING_LISTED - 1}+",
                           cards=len(resend))]
    for step in resend:
        send_step_card(ctx, step.request, step, audit=False)  # a copy: it, too, shows the outcome once decided
    for step in steps[:PENDING_LISTED - 1]:
        request = step.request
        lines.append(f"#{request.id} {ctx.org.name(request.requester)} {kind_label(request)} {text_inline(request.item)} "
                     f"{format_money(request.amount_fen)}（{step.label}）")
    return "\n".join(lines)


def _pending_steps(ctx: Context) -> list[ApprovalStep]:
    return list(ctx.session.scalars(
        select(ApprovalStep).join(ApprovalRequest)
        .options(contains_eager(ApprovalStep.request).selectinload(ApprovalRequest.steps))  # no query per card
        .where(ApprovalStep.approver == ctx.userid, ApprovalStep.status == "pending",
               ApprovalRequest.status == "pending", ApprovalRequest.current_step == ApprovalStep.position)
        .order_by(ApprovalRequest.id).limit(PENDING_LISTED)))


def _own_open_request(ctx: Context, command: str, action: str) -> ApprovalRequest | str:
    match = re.search(r"\d+", ctx.args or "")
    if not match:
        return NEED_NUMBER.format(command=command)
    request = ctx.fetch(ApprovalRequest, match.group())
    if request is None or request.requester != ctx.userid or request.status == "draft":
        return NOT_FOUND.format(id=match.group())
    if request.status != "pending":
        return NOT_OPEN.format(id=request.id, state=STATUS_LABELS.get(request.status, request.status), action=action)
    return request


@intent("approval.urge", "催办", summary="提醒审批人尽快处理我的申请", example="催办 12", numbered=True)
def urge(ctx: Context) -> str:
    """Remind the current approver, at most once per policy.urge_interval_hours."""
    request = _own_open_request(ctx, "催办", "催办")
    if isinstance(request, str):
        return request
    interval = timedelta(hours=ctx.policy.urge_interval_hours)
    if request.last_urged_at and ctx.now - request.last_urged_at < interval:
        local = request.last_urged_at.astimezone(ctx.settings.tz)
        return URGE_TOO_SOON.format(id=request.id, last=f"{local:%H:%M}", hours=ctx.policy.urge_interval_hours,
                                    next=format_datetime(local + interval))
    step = request.step_at(request.current_step)
    request.last_urged_at = ctx.now
    ctx.send_text(step.approver, URGE_TEXT.format(
        requester=ctx.org.name(request.requester), kind=kind_label(request), id=request.id,
        item=text_inline(request.item), amount=format_money(request.amount_fen), label=step.label))
    ctx.audit(ctx.userid, "urged", "approval", request.id, step=step.position, approver=step.approver)
    return URGED.format(approver=ctx.org.name(step.approver), id=request.id)


@intent("approval.withdraw", "撤回", "撤销", "取消", summary="撤回审批中的申请", example="撤回 12", numbered=True)
def withdraw(ctx: Context) -> str:
    """Withdraw a pending request; the approver's card is greyed (or they are told by text)."""
    request = _own_open_request(ctx, "撤回", "撤回")
    if isinstance(request, str):
        return request
    position = request.current_step
    won = ctx.session.execute(
        update(ApprovalRequest).where(ApprovalRequest.id == request.id, ApprovalRequest.status == "pending",
                                      ApprovalRequest.current_step == position)
        .values(status="withdrawn", finished_at=ctx.now, outcome_notified=True)
        .execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.expire_all()
    request = ctx.session.get(ApprovalRequest, request.id)
    if not won:
        return NOT_OPEN.format(id=request.id, state=STATUS_LABELS.get(request.status, request.status), action="撤回")
    step = request.step_at(position)
    step.status, step.decided_at = "withdrawn", ctx.now
    told = WITHDRAWN_APPROVER.format(requester=ctx.org.name(request.requester), kind=kind_label(request),
                                     id=request.id, item=text_inline(request.item))
    updated = card_copies.settle(ctx, step_ref(request, step), "已撤回", told)
    if not card_copies.has_copies(ctx, step_ref(request, step)):
        ctx.send_text(step.approver, told)
    ctx.audit(ctx.userid, "withdrawn", "approval", request.id, step=position, card_updated=bool(updated))
    return WITHDRAWN.format(id=request.id, approver=ctx.org.name(step.approver))


@intent("approval.history", "审批记录", summary="查看一份申请的审批记录", example="审批记录 12", numbered=True)
def history(ctx: Context) -> str:
    """P16: the audit trail of one request, for its requester, its approvers and the director."""
    match = re.search(r"\d+", ctx.args or "")
    if not match:
        return NEED_NUMBER.format(command="审批记录")
    request = ctx.fetch(ApprovalRequest, match.group())
    if request is None or request.status == "draft":
        return NOT_FOUND.format(id=match.group())
    entries = ctx.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "approval",
                                                           AuditEntry.record_id == str(request.id))
                                  .order_by(AuditEntry.id)).all()
    # Whoever the bot asked to act on the request may read it: the requester, the approvers, the
    # director, and those it alerted or escalated to (P5: compliance following up an emergency).
    asked = {person for entry in entries for key in ("to", "alerted")
             for person in _people((entry.detail or {}).get(key))}
    allowed = {request.requester, ctx.org.director_id, *(s.approver for s in request.steps), *asked}
    if ctx.userid not in allowed:
        return HISTORY_FORBIDDEN.format(id=request.id)
    lines = [HISTORY_HEADER.format(id=request.id, kind=kind_label(request), item=text_inline(request.item),
                                   amount=format_money(request.amount_fen),
                                   state=STATUS_LABELS.get(request.status, request.status),
                                   chain=chain_text(ctx, request.steps, marks=True))]
    for entry in entries:
        actor = "系统" if entry.actor.startswith("system:") else ctx.org.name(entry.actor)
        detail = entry.detail or {}
        extra = ctx.org.name(detail["approver"]) if entry.action in ("carded", "reminded", "escalated") \
            and detail.get("approver") else text_inline(detail.get("reason") or detail.get("remark") or "", 200)
        local = entry.at.astimezone(ctx.settings.tz)
        lines.append(f"{format_datetime(local)} {actor} {ACTIONS.get(entry.action, entry.action)} {extra}".rstrip())
    return "\n".join(lines)


def _people(value) -> list[str]:
    """The userids an audit detail names (one, or a list)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
