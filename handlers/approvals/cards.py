"""The approval chain (P3, P4, P5): who signs, the cards they get, and what their taps decide.

A tap is decided with a conditional UPDATE (… WHERE current_step = :step AND status = 'pending'),
so two taps at once — same approver twice, or 同意 and 驳回 together — record exactly one decision.
"""
from __future__ import annotations

import secrets
from decimal import Decimal

from sqlalchemy import update

from bot.text.amounts import Money, format_money
from bot import messages
from bot.wecom import card_copies
from bot.wecom.cards import button_card, replace_button
from bot.conversation.context import BaseContext, Context, Reply
from bot.text.quoting import text_inline
from bot.conversation.router import on_card, on_flow, on_flow_cancel, on_flow_timeout
from models import ApprovalRequest, ApprovalStep

KIND_LABELS = {"procurement": "采购", "reimbursement": "报销"}
ROLE_LABELS = {"department_head": "部门负责人", "group_leader": "组长", "director": "总监", "finance": "财务",
               "ceo": "CEO"}
STATUS_LABELS = {"draft": "草稿", "pending": "审批中", "approved": "已通过", "rejected": "已驳回",
                 "withdrawn": "已撤回", "cancelled": "已取消", "failed": "无法审批"}
SKIP_SELF = "申请人本人，跳过"
SKIP_SIGNED = "已在前序步骤审批，跳过"
REASON_FLOW = "approval.reject_reason"
SKIP_WORDS = {"跳过", "无", "没有", "不填"}

CARD_TITLE = "{kind}审批 #{id}"
CARD_TITLE_EMERGENCY = "紧急{kind}补办审批 #{id}"
CARD_DESC = "{label}·第{index}/{total}步，请审批"
SUBMITTED = ("已提交{kind}申请，编号 {id}。\n审批链：{chain}\n现在等待 {approver}（{label}）审批，每一步我都会告诉你。\n"
             "可随时发「审批记录 {id}」查看进度，或「撤回 {id}」撤回。")
EMERGENCY_ALERT = ("⚠️ 紧急{kind}（P5）：{requester} 已先行处理「{item}」{amount}，事由：{reason}。\n"
                   "需按正常流程补办审批：{chain}\n轮到你时会收到审批卡片。")
CHAIN_FAILED = "抱歉，{kind}申请 #{id} 无法提交：审批链中的「{label}」（{role}）没有对应的人。已通知总监处理，处理后请重新申请。"
CHAIN_FAILED_DIRECTOR = "⚠️ {requester} 的{kind}申请 #{id}（{item}，{amount}）无法审批：组织架构中没有「{role}」，请补充配置。"
STEP_APPROVED = "✅ 你的{kind}申请 #{id}（{item}）{label}已由 {approver} 同意。\n下一步：{next_label}（{next_approver}）。需要时可发「催办 {id}」。"
APPROVED = "🎉 你的{kind}申请 #{id}（{item}，{amount}）已全部审批通过！\n审批链：{chain}"
REJECTED = ("❌ 你的{kind}申请 #{id}（{item}，{amount}）在{label}被 {approver} 驳回。\n理由：{reason}\n"
            "如需重新申请，修改后再发一次，例如：{example}")
NO_REASON = "（审批人未填写）"
EMERGENCY_REJECTED = "⚠️ 紧急{kind} #{id}（{requester}：{item}，{amount}）已先行执行，但补办审批被 {approver} 驳回。理由：{reason}。请跟进处理（P5、P16）。"
APPROVER_APPROVED = "已同意 #{id}。{next}"
APPROVER_NEXT = "已转 {approver}（{label}）。"
APPROVER_DONE = "审批已全部完成，我已通知 {requester}。"
REMARK = "\n{approver}的备注：{remark}"
REMARK_PASSED = "备注已转告申请人。"
ASK_REASON = "已驳回 #{id}。请回复驳回理由（会转告 {requester}），不想填写请回复「跳过」。"
REASON_PASSED = "好的，已把驳回结果和理由转告 {requester}。"
REASON_TIMED_OUT = "驳回 #{id} 的理由没有在 {minutes} 分钟内收到，已告诉 {requester} 驳回结果（未附理由）。"
NOT_YOUR_STEP = "#{id} 的{label}由 {approver} 审批，你的操作没有生效。"
STEP_DECIDED = "#{id} 的{label}已由 {approver} {verb}，这次操作没有生效。发「待我审批」查看还需要你处理的申请。"
STEP_WITHDRAWN = "#{id} 已撤回（{requester} 撤回的），{label}无需再审批，这次操作没有生效。"
STEP_CLOSED = "#{id} {state}，{label}无需再审批，这次操作没有生效。发「待我审批」查看还需要你处理的申请。"
NOT_YOUR_TURN = ("#{id} 还没轮到你审批：现在是{label}（{approver}）。这次操作没有生效，轮到你时我会发审批卡片给你。")
REQUEST_FLOW = "approval.request"
STALE = "这张审批卡片已失效。发「待我审批」查看还需要你处理的申请。"
ROLE_LOST = "你已不再担任{role}，#{id} 的{label}不能由你审批，这次操作没有生效。{then}"
ROLE_LOST_MOVED = "已转给 {to} 处理。"
ROLE_LOST_NOBODY = "暂时找不到接手的人，已告诉总监处理。"


def kind_label(request: ApprovalRequest) -> str:
    return KIND_LABELS.get(request.kind, request.kind)


def money_text(request: ApprovalRequest) -> str:
    """The amount as the requester gave it: ¥60,000, or 3 × ¥20,000 = ¥60,000."""
    return Money(request.amount_fen, request.quantity, request.unit_fen).shown()


def plan_chain(ctx: BaseContext, request: ApprovalRequest) -> tuple[list[ApprovalStep], ApprovalStep | None]:
    """The steps of ``request``'s chain and the first step without a person (None when all are staffed).

    P4: a step with ``min_amount_wan`` applies only from that amount up (the CEO from the director's
    limit). Nobody approves their own request: a step that would fall to the requester goes up to
    another finance member or to the requester's superior (P1 reporting line); a step nobody above
    can take, or whose approver already signed, is kept as skipped.
    """
    requester = ctx.org.get(request.requester)
    steps, signed = [], set()
    for rule in ctx.policy.chains.get(request.kind, ()):
        if rule.min_amount_wan is not None and Decimal(request.amount_fen) < Decimal(str(rule.min_amount_wan)) * 1_000_000:
            continue
        person = _resolve(ctx, rule.role, requester) if requester else None
        if person is not None and person.userid == request.requester:
            person = _upward(ctx, rule.role, requester) or person
        step = ApprovalStep(position=len(steps) + 1, role=rule.role, label=rule.label,
                            approver=person.userid if person else None, status="waiting")
        steps.append(step)
        if person is None:
            return steps, step
        if person.userid == request.requester:
            step.status, step.note = "skipped", SKIP_SELF
        elif person.userid in signed:
            step.status, step.note = "skipped", SKIP_SIGNED
        signed.add(person.userid)
    return steps, None


def _upward(ctx: BaseContext, role: str, requester):
    """Whom a step goes to when it would fall to the requester: another finance member for the
    finance step, otherwise the first superior up the reporting line who is not the requester."""
    if role == "finance":
        other = next((ctx.org.get(u) for u in ctx.org.finance_ids if u != requester.userid and ctx.org.get(u)), None)
        if other is not None:
            return other
    superior = ctx.org.superior(requester)
    return superior if superior is not None and superior.userid != requester.userid else None


def _resolve(ctx: BaseContext, role: str, requester):
    org = ctx.org
    if role == "department_head":
        return org.department_head(requester.department_id)
    if role == "group_leader":
        return org.group_leader(requester.group_id)
    if role == "director":
        return org.director
    if role == "finance":
        return org.get(org.finance_ids[0]) if org.finance_ids else None
    if role == "ceo":
        return org.get(org.ceo_id) if org.ceo_id else None
    return None


def holds_role(ctx: BaseContext, request: ApprovalRequest, step: ApprovalStep, userid: str) -> bool:
    """P3: may ``userid`` sign ``step`` in today's org? Yes if they hold the step's role for this
    requester (any finance member for the finance step); a stand-in (the superior or director a
    step went to because nobody but the requester held the role) may while that is still so.
    No for someone who left, or who lost the role since the step reached them."""
    if ctx.org.get(userid) is None:
        return False
    requester = ctx.org.get(request.requester)
    if requester is None and step.role in ("department_head", "group_leader"):
        return True  # the requester left: their department's roles can no longer be judged
    if step.role == "finance":
        holders = list(ctx.org.finance_ids)
    else:
        person = _resolve(ctx, step.role, requester)
        holders = [person.userid] if person else []
    holders = [u for u in holders if u != request.requester and ctx.org.get(u)]
    return userid in holders if holders else True


def chain_text(ctx: BaseContext, steps: list[ApprovalStep], marks: bool = False, compact: bool = False) -> str:
    """初审 王总监 → 复审 刘财务 → 终审 陈总 (skipped steps with their reason; ``compact``, for a
    card's short field, leaves skipped steps out)."""
    parts = []
    for step in steps:
        name = ctx.org.name(step.approver) if step.approver else "（无人）"
        if step.status == "skipped" and compact:
            continue
        if step.status == "skipped":
            parts.append(f"{step.label} {name}（{step.note}）")
            continue
        mark = {"approved": "✓", "rejected": "✗", "pending": "…"}.get(step.status, "") if marks else ""
        parts.append(f"{step.label} {name}{mark}")
    return " → ".join(parts)


def start_chain(ctx: Context, request: ApprovalRequest) -> str:
    """P3: build the chain of a submitted request, card its first approver, tell the requester."""
    steps, unstaffed = plan_chain(ctx, request)
    kind, amount = kind_label(request), format_money(request.amount_fen)
    if unstaffed is not None or not any(s.status == "waiting" for s in steps):
        label = unstaffed.label if unstaffed else "审批"
        role = ROLE_LABELS.get(unstaffed.role, unstaffed.role) if unstaffed else "除申请人以外的审批人"
        request.status, request.finished_at, request.outcome_notified = "failed", ctx.now, True
        request.note = f"no person for role {unstaffed.role if unstaffed else '-'}"
        ctx.audit(ctx.userid, "failed", "approval", request.id, role=unstaffed.role if unstaffed else None)
        director = ctx.org.director_id
        if director and director != ctx.userid:
            ctx.send_text(director, CHAIN_FAILED_DIRECTOR.format(requester=ctx.org.name(request.requester), kind=kind,
                                                                 id=request.id, item=text_inline(request.item),
                                                                 amount=amount, role=role))
        return CHAIN_FAILED.format(kind=kind, id=request.id, label=label, role=role)
    request.steps = steps
    first = next(s for s in steps if s.status == "waiting")
    first.status, first.started_at, request.current_step = "pending", ctx.now, first.position
    ctx.session.flush()
    ctx.audit(ctx.userid, "created", "approval", request.id, kind=request.kind, amount_fen=request.amount_fen,
              emergency=request.emergency, chain=[s.approver for s in steps])
    for step in steps:
        if step.status == "skipped":
            ctx.audit("system:approval", "skipped", "approval", request.id, step=step.position, note=step.note)
    chain = chain_text(ctx, steps)
    if request.emergency:  # P5: the whole chain hears of the emergency at once
        approvers = sorted({s.approver for s in steps if s.status != "skipped"})
        ctx.send_text(approvers, EMERGENCY_ALERT.format(kind=kind, requester=ctx.org.name(request.requester),
                                                        item=text_inline(request.item), amount=amount,
                                                        reason=text_inline(request.reason) or "（未填写）",
                                                        chain=chain))
        ctx.audit(ctx.userid, "emergency_recorded", "approval", request.id, alerted=approvers)
    send_step_card(ctx, request, first)
    return SUBMITTED.format(kind=kind, id=request.id, chain=chain, approver=ctx.org.name(first.approver),
                            label=first.label)


def approver_card(ctx: BaseContext, request: ApprovalRequest, step: ApprovalStep) -> tuple[str, dict]:
    """The 同意 / 驳回 card for ``step``: (task_id, card). A fresh task_id each time it is sent."""
    active = [s for s in request.steps if s.status != "skipped"]
    task_id = f"appr_{request.id}_{step.position}_{secrets.token_hex(4)}"
    title = (CARD_TITLE_EMERGENCY if request.emergency else CARD_TITLE).format(kind=kind_label(request), id=request.id)
    fields = [("申请人", ctx.org.name(request.requester)), ("事项", text_inline(request.item)),
              ("金额", money_text(request)), ("事由", text_inline(request.reason) or "（未填写）"),
              ("进度", " → ".join(f"{ctx.org.name(s.approver)}{'✓' if s.status == 'approved' else ''}" for s in active))]
    card = button_card(task_id, title, CARD_DESC.format(label=step.label, index=active.index(step) + 1,
                                                         total=len(active)), fields,
                       [("同意", f"approval:approve:{request.id}:{step.position}", "primary"),
                        ("驳回", f"approval:reject:{request.id}:{step.position}", "danger")])
    return task_id, card


def step_ref(request: ApprovalRequest, step: ApprovalStep) -> str:
    """Names every copy of one step's card (the first and those 待我审批 re-sent)."""
    return f"approval:{request.id}:{step.position}"


def send_step_card(ctx: BaseContext, request: ApprovalRequest, step: ApprovalStep, actor: str = "system:approval",
                   audit: bool = True) -> None:
    """Card ``step``'s approver; the copy is kept so that it shows the outcome once decided."""
    task_id, card = approver_card(ctx, request, step)
    rows = ctx.send_card(step.approver, card)
    card_copies.remember(ctx, step_ref(request, step), task_id, rows)
    step.task_id, step.card_outbox_id = task_id, rows[0].id
    if audit:
        ctx.audit(actor, "carded", "approval", request.id, step=step.position, approver=step.approver, task_id=task_id)


def grey_tapped(ctx: Context, label: str, text: str | None = None) -> Reply:
    """Grey the tapped card: for everyone through the tap's ResponseCode, for the tapper at once.
    (A typed decision has no ResponseCode: ``card_copies.settle`` updates the copies instead.)"""
    if ctx.message and ctx.message.response_code:
        ctx.update_card(ctx.userid, ctx.message.response_code, replace_button(label))
        return Reply(text=text, button=label)
    return Reply(text=text)


@on_card("approval")
def decide_tap(ctx: Context) -> Reply:
    """Approval card taps: 同意 / 驳回, by the current step's approver only."""
    parts = (ctx.message.event_key or "").split(":")
    if len(parts) != 4 or parts[1] not in ("approve", "reject") or not (parts[2].isdigit() and parts[3].isdigit()):
        return Reply(text=STALE)
    request = ctx.fetch(ApprovalRequest, parts[2])
    if request is None or len(parts[3]) > 3:
        return Reply(text=STALE)
    return decide(ctx, request, int(parts[3]), parts[1])


def decide(ctx: Context, request: ApprovalRequest, position: int, verdict: str, reason: str | None = None) -> Reply:
    """Record ``verdict`` (approve / reject) on step ``position`` — from a card tap or typed
    「同意 12 备注」 / 「驳回 12 理由」 (``reason``: the rejection's reason, None: ask for it; or the
    approval's remark, passed to the requester); every copy of the step's card then shows the outcome."""
    request_id, step = request.id, request.step_at(position)
    if step is None:
        return Reply(text=STALE)
    if step.approver != ctx.userid:
        return Reply(text=NOT_YOUR_STEP.format(id=request_id, label=step.label, approver=ctx.org.name(step.approver)))
    if request.status == "pending" and step.status == "waiting":  # P3: the steps are decided in order
        return _not_yet(ctx, request)
    if request.status == "pending" and step.status == "pending" and not holds_role(ctx, request, step, ctx.userid):
        return _role_lost(ctx, request, step)
    following = next((s for s in request.steps if s.position > position and s.status == "waiting"), None)
    if verdict == "reject":
        values = dict(status="rejected", finished_at=ctx.now)
    elif following:
        values = dict(current_step=following.position)
    else:
        values = dict(status="approved", finished_at=ctx.now, outcome_notified=True)
    won = ctx.session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id == request_id, ApprovalRequest.current_step == position,
               ApprovalRequest.status == "pending")
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.expire_all()  # the row may have changed under us (the other tap, a withdrawal)
    request = ctx.session.get(ApprovalRequest, request_id)
    step = request.step_at(position)
    if not won:
        if request.status == "pending" and step.status == "waiting":
            return _not_yet(ctx, request)
        text, label = stale_answer(ctx, request, step)
        return grey_tapped(ctx, label, text)  # this copy, too, shows what became of the step
    step.status, step.decided_at = ("approved" if verdict == "approve" else "rejected"), ctx.now
    remark = {"remark": reason} if verdict == "approve" and reason else {}
    ctx.audit(ctx.userid, step.status, "approval", request_id, step=position, label=step.label, **remark)
    card_copies.settle(ctx, step_ref(request, step), "已同意" if verdict == "approve" else "已驳回")
    if verdict == "reject":
        return _rejected(ctx, request, step, reason)
    step.note = reason or None
    return _approved(ctx, request, step, following)


def _role_lost(ctx: Context, request: ApprovalRequest, step: ApprovalStep) -> Reply:
    """A tap from someone who no longer holds the step's role (P3): refused, and the step moves
    on as for a leaver, to whoever holds the role now."""
    from handlers.org.handover import hand_over_unheld_steps  # the hand-over imports this module

    hand_over_unheld_steps(ctx, [request.id])
    now = request.step_at(step.position)
    then = ROLE_LOST_MOVED.format(to=ctx.org.name(now.approver)) if now.approver != ctx.userid else ROLE_LOST_NOBODY
    return Reply(text=ROLE_LOST.format(id=request.id, label=step.label, role=ROLE_LABELS.get(step.role, step.role),
                                       then=then))


def _not_yet(ctx: Context, request: ApprovalRequest) -> Reply:
    """A tap on a step whose turn has not come (an earlier step is still open): nothing changes."""
    current = request.step_at(request.current_step)
    return Reply(text=NOT_YOUR_TURN.format(id=request.id, label=current.label if current else "上一步",
                                           approver=ctx.org.name(current.approver) if current else "（无人）"))


def stale_answer(ctx: Context, request: ApprovalRequest, step: ApprovalStep) -> tuple[str, str]:
    """What a tap on a step already settled is told, naming the step — 「#3 的初审已由 王总监 同意」,
    not 「已通过」, which reads as the whole request — and the label its button then shows."""
    who = ctx.org.name(step.approver)
    if step.status in ("approved", "rejected"):
        verb = "同意" if step.status == "approved" else "驳回"
        return STEP_DECIDED.format(id=request.id, label=step.label, approver=who, verb=verb), f"已{verb}"
    if request.status == "withdrawn":
        return STEP_WITHDRAWN.format(id=request.id, label=step.label, requester=ctx.org.name(request.requester)), \
            "已撤回"
    state = STATUS_LABELS.get(request.status, request.status)
    return STEP_CLOSED.format(id=request.id, label=step.label, state=state), "已失效"


def _approved(ctx: Context, request: ApprovalRequest, step: ApprovalStep, following: ApprovalStep | None) -> Reply:
    kind, requester = kind_label(request), ctx.org.name(request.requester)
    # The approver's remark reaches the requester as one quoted line (「同意 12 请控制在预算内」).
    remark = REMARK.format(approver=ctx.org.name(ctx.userid), remark=text_inline(step.note)) if step.note else ""
    if following:
        following.status, following.started_at = "pending", ctx.now
        send_step_card(ctx, request, following)
        ctx.send_text(request.requester, STEP_APPROVED.format(
            kind=kind, id=request.id, item=text_inline(request.item), label=step.label,
            approver=ctx.org.name(ctx.userid),
            next_label=following.label, next_approver=ctx.org.name(following.approver)) + remark)
        done = APPROVER_NEXT.format(approver=ctx.org.name(following.approver), label=following.label)
    else:
        ctx.audit("system:approval", "completed", "approval", request.id)
        ctx.send_text(request.requester, APPROVED.format(kind=kind, id=request.id, item=text_inline(request.item),
                                                         amount=format_money(request.amount_fen),
                                                         chain=chain_text(ctx, request.steps, marks=True)) + remark)
        done = APPROVER_DONE.format(requester=requester)
    if remark:
        done += REMARK_PASSED
    return grey_tapped(ctx, "已同意", APPROVER_APPROVED.format(id=request.id, next=done))


def _rejected(ctx: Context, request: ApprovalRequest, step: ApprovalStep, reason: str | None) -> Reply:
    if reason is not None:  # typed 「驳回 12 理由」: the reason came with the decision
        step.note = reason or None
    if request.emergency:  # P5/P16: an emergency action whose post-hoc approval failed
        flag_rejected_emergency(ctx, request, step)
    if reason is not None:
        announce_rejection(ctx, request, reason)
        return Reply(text=REASON_PASSED.format(requester=ctx.org.name(request.requester)))
    conversation, note = ctx.conversation, ""
    if conversation.active and conversation.flow == REASON_FLOW:  # an earlier rejection still waiting
        earlier = ctx.session.get(ApprovalRequest, conversation.data.get("request_id"))
        if earlier is not None:
            announce_rejection(ctx, earlier, "")
            note = messages.EARLIER_REASON_SKIPPED.format(id=earlier.id, name=ctx.org.name(earlier.requester))
    conversation.start(REASON_FLOW, "REASON", {"request_id": request.id})
    return grey_tapped(ctx, "已驳回", note + ASK_REASON.format(id=request.id, requester=ctx.org.name(request.requester)))


def flag_rejected_emergency(ctx: BaseContext, request: ApprovalRequest, step: ApprovalStep) -> None:
    recipients = sorted({ctx.org.director_id, *ctx.org.compliance_ids} - {None})
    ctx.send_text(recipients, EMERGENCY_REJECTED.format(
        kind=kind_label(request), id=request.id, requester=ctx.org.name(request.requester),
        item=text_inline(request.item), amount=format_money(request.amount_fen), approver=ctx.org.name(step.approver),
        reason=text_inline(step.note) or NO_REASON))
    ctx.audit("system:approval", "emergency_flagged", "approval", request.id, to=recipients)


def announce_rejection(ctx: BaseContext, request: ApprovalRequest, reason: str) -> None:
    """Tell the requester their request was rejected, by whom and why (once)."""
    if request.outcome_notified or request.status != "rejected":
        return
    step = next(s for s in request.steps if s.status == "rejected")
    request.outcome_notified, request.note = True, reason or None
    step.note = reason or None
    if reason:
        ctx.audit(step.approver, "reason_given", "approval", request.id, step=step.position, reason=reason)
    ctx.send_text(request.requester, REJECTED.format(
        kind=kind_label(request), id=request.id, item=text_inline(request.item),
        amount=format_money(request.amount_fen), label=step.label, approver=ctx.org.name(step.approver),
        reason=text_inline(reason) or NO_REASON,  # the approver's words reach the requester: one quoted line
        example=f"{kind_label(request)}申请 {text_inline(request.item)} {format_money(request.amount_fen)} 用于…"))


# A reason often starts with 建议 (「建议 用库存」): inside this flow it is the reason, not a P20 suggestion.
REASON_WORDS = ("suggestion.submit",)


@on_flow(REASON_FLOW, label="驳回理由", answers=REASON_WORDS)
def rejection_reason(ctx: Context) -> str:
    """After 驳回: the approver's next message is the reason (「跳过」 for none), passed to the requester."""
    request = ctx.session.get(ApprovalRequest, ctx.conversation.data.get("request_id"))
    ctx.conversation.end()
    text = (ctx.message.text or "").strip()
    reason = "" if text in SKIP_WORDS else text[:500]
    if request is not None:
        announce_rejection(ctx, request, reason)
    return REASON_PASSED.format(requester=ctx.org.name(request.requester if request else ""))


@on_flow_cancel(REASON_FLOW)
def skip_reason(ctx: Context) -> str:
    """取消 instead of a reason: the requester is told at once, without one."""
    request = ctx.session.get(ApprovalRequest, ctx.conversation.data.get("request_id"))
    if request is not None:
        announce_rejection(ctx, request, "")
    return REASON_PASSED.format(requester=ctx.org.name(request.requester if request else ""))


@on_flow_timeout(REASON_FLOW)
def reason_timed_out(ctx: Context) -> str | None:
    """No reason within the conversation timeout: announce the rejection without one, at once."""
    request = ctx.session.get(ApprovalRequest, ctx.conversation.data.get("request_id"))
    if request is None or request.outcome_notified:
        return None
    announce_rejection(ctx, request, "")
    return REASON_TIMED_OUT.format(id=request.id, minutes=ctx.policy.conversation_timeout_minutes,
                                   requester=ctx.org.name(request.requester))
