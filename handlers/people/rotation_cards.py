"""The rotation chain (P2) on cards: 同意 / 驳回 by the current step's approver, decided with a
conditional UPDATE (… WHERE current_step = :step AND status = 'pending') as in approvals, so
simultaneous taps record one decision. The applicant hears every step; an approved rotation is
recorded with its date and the director is told which org entries to change."""
from __future__ import annotations

import secrets

from sqlalchemy import update

from bot.wecom.cards import button_card, replace_button
from bot import messages
from bot.conversation.context import BaseContext, Context, Reply
from bot.text.quoting import text_inline
from bot.conversation.router import on_card, on_flow, on_flow_cancel, on_flow_timeout
from handlers.people.common import SKIP_WORDS, leave_other_flow
from handlers.people.periods import long_day
from models import RotationRequest, RotationStep

REASON_FLOW = "people.rotation.reason"
STATUS_LABELS = {"pending": "审批中", "approved": "已通过", "rejected": "已驳回"}
CARD_TITLE = "轮岗审批 #{id}"
CARD_DESC = "{label}·第{index}/{total}步，请审批（P2）"
STEP_APPROVED = "✅ 你的轮岗申请 #{id}（→ {target}）已由 {approver}（{label}）同意。\n下一步：{next_approver}（{next_label}）。"
APPROVED = ("🎉 你的轮岗申请 #{id} 已全部通过：{source} → {target}，{day}起生效。\n"
            "总监会更新组织架构，{leader} 会和你联系交接。")
LEADERS_TOLD = "📣 {name} 的轮岗申请 #{id} 已通过：{source} → {target}，{day}起生效。请做好交接。"
DIRECTOR_UPDATE = ("请更新组织架构（配置文件 [[org.people]] 里 userid = \"{userid}\" 的一项）：\n"
                   "group = \"{group}\"\ngroup_since = \"{day}\"\n改好后重启服务即生效。")
DIRECTOR_UPDATE_WECOM = ("请在企业微信通讯录里把 {name} 移到「{target}」对应的部门，同步后即生效；"
                         "并在配置文件 [[org.people]] 里为 userid = \"{userid}\" 写上 group_since = \"{day}\"。")
REJECTED = "❌ 你的轮岗申请 #{id}（→ {target}）在{label}被 {approver} 驳回。\n理由：{reason}\n有问题可以和 {approver} 沟通。"
NO_REASON = "（未填写）"
APPROVER_NEXT = "已同意 #{id}，已转 {approver}（{label}）。"
APPROVER_DONE = "已同意 #{id}，轮岗已全部通过，我已通知 {name} 和两位组长。"
ASK_REASON = "已驳回 #{id}。请回复驳回理由（会转告 {name}），不想填写请回复「跳过」。"
REASON_PASSED = "好的，已把驳回结果告诉 {name}。"
NOT_YOUR_STEP = "轮岗申请 #{id} 的这一步由 {approver} 审批，你的操作没有生效。"
ALREADY = "轮岗申请 #{id} 这一步已处理过（{state}），这次操作没有生效。"
STALE = "这张轮岗审批卡片已失效。发「轮岗记录」查看进度。"


def _group(ctx: BaseContext, group_id: str | None) -> str:
    group = ctx.org.groups.get(group_id or "")
    return group["name"] if group else "（未分组）"


def chain_text(ctx: BaseContext, request: RotationRequest, marks: bool = False) -> str:
    """现组长 李组长 → 目标组长 赵组长 → 总监 王总监 (with ✓ ✗ … when ``marks``)."""
    mark = {"approved": "✓", "rejected": "✗", "pending": "…"}
    return " → ".join(f"{s.label} {ctx.org.name(s.approver)}{mark.get(s.status, '') if marks else ''}"
                      for s in request.steps)


def send_step_card(ctx: BaseContext, request: RotationRequest, step: RotationStep) -> None:
    """The 同意 / 驳回 card for ``step``, with a fresh task_id each time it is sent."""
    step.task_id = f"rot_{request.id}_{step.position}_{secrets.token_hex(4)}"
    since = request.group_since
    fields = [("申请人", ctx.org.name(request.applicant)), ("当前小组", _group(ctx, request.from_group)),
              ("目标小组", _group(ctx, request.to_group)),
              ("在组起始", long_day(since) if since else "未登记"), ("理由", request.reason or "（未填写）"),
              ("进度", chain_text(ctx, request, marks=True))]
    card = button_card(step.task_id, CARD_TITLE.format(id=request.id),
                       CARD_DESC.format(label=step.label, index=step.position, total=len(request.steps)), fields,
                       [("同意", f"rotation:approve:{request.id}:{step.position}", "primary"),
                        ("驳回", f"rotation:reject:{request.id}:{step.position}", "danger")])
    ctx.send_card(step.approver, card)
    ctx.audit("system:rotation", "carded", "rotation", request.id, step=step.position, approver=step.approver)


def _grey(ctx: Context, label: str, text: str) -> Reply:
    if ctx.message and ctx.message.response_code:
        ctx.update_card(ctx.userid, ctx.message.response_code, replace_button(label))
        return Reply(text=text, button=label)
    return Reply(text=text)


@on_card("rotation")
def decide(ctx: Context) -> Reply:
    """Rotation card taps: 同意 / 驳回, by the current step's approver only."""
    parts = (ctx.message.event_key or "").split(":")
    if len(parts) != 4 or parts[1] not in ("approve", "reject") or not parts[3].isdigit() or len(parts[3]) > 3:
        return Reply(text=STALE)
    request = ctx.fetch(RotationRequest, parts[2])
    step = request.step_at(int(parts[3])) if request else None
    if step is None:
        return Reply(text=STALE)
    if step.approver != ctx.userid:
        return Reply(text=NOT_YOUR_STEP.format(id=request.id, approver=ctx.org.name(step.approver)))
    following = next((s for s in request.steps if s.position > step.position), None)
    if parts[1] == "reject":
        values = dict(status="rejected", finished_at=ctx.now)
    elif following:
        values = dict(current_step=following.position)
    else:
        values = dict(status="approved", finished_at=ctx.now, outcome_notified=True,
                      effective_on=ctx.now.astimezone(ctx.settings.tz).date())
    won = ctx.session.execute(
        update(RotationRequest).where(RotationRequest.id == request.id, RotationRequest.status == "pending",
                                      RotationRequest.current_step == step.position)
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.expire_all()
    request = ctx.session.get(RotationRequest, request.id)
    step = request.step_at(step.position)
    if not won:
        state = ({"approved": "已同意", "rejected": "已驳回"}.get(step.status)
                 or STATUS_LABELS.get(request.status, request.status))
        return Reply(text=ALREADY.format(id=request.id, state=state), button=state)
    step.status, step.decided_at = ("approved" if parts[1] == "approve" else "rejected"), ctx.now
    ctx.audit(ctx.userid, step.status, "rotation", request.id, step=step.position, label=step.label)
    if parts[1] == "reject":
        note = ""
        if ctx.conversation.active and ctx.conversation.flow == REASON_FLOW:  # an earlier one still waiting
            earlier = ctx.session.get(RotationRequest, ctx.conversation.data.get("request_id"))
            announce_rejection(ctx, earlier, "")
            if earlier is not None:
                note = messages.EARLIER_REASON_SKIPPED.format(id=earlier.id, name=ctx.org.name(earlier.applicant))
        leave_other_flow(ctx, REASON_FLOW)
        ctx.conversation.start(REASON_FLOW, "REASON", {"request_id": request.id})
        return _grey(ctx, "已驳回", note + ASK_REASON.format(id=request.id, name=ctx.org.name(request.applicant)))
    if following:
        following.status, following.started_at = "pending", ctx.now
        send_step_card(ctx, request, following)
        ctx.send_text(request.applicant, STEP_APPROVED.format(
            id=request.id, target=_group(ctx, request.to_group), approver=ctx.org.name(ctx.userid), label=step.label,
            next_approver=ctx.org.name(following.approver), next_label=following.label))
        return _grey(ctx, "已同意", APPROVER_NEXT.format(id=request.id, approver=ctx.org.name(following.approver),
                                                       label=following.label))
    return _grey(ctx, "已同意", _completed(ctx, request))


def _completed(ctx: Context, request: RotationRequest) -> str:
    """P2: the rotation is recorded with its date; applicant and both leaders are told, and the
    director learns which org entries to change. Returns the last approver's answer."""
    day = request.effective_on
    facts = dict(id=request.id, source=_group(ctx, request.from_group), target=_group(ctx, request.to_group),
                 day=long_day(day), name=ctx.org.name(request.applicant))
    ctx.audit("system:rotation", "completed", "rotation", request.id, effective_on=day.isoformat())
    new_leader = ctx.org.group_leader(request.to_group)
    ctx.send_text(request.applicant, APPROVED.format(leader=new_leader.name if new_leader else "新组长", **facts))
    leaders = [m.userid for m in (ctx.org.group_leader(request.from_group), new_leader) if m is not None]
    others = [u for u in dict.fromkeys(leaders) if u != ctx.userid]
    if others:
        ctx.send_text(others, LEADERS_TOLD.format(**facts))
    # The org stays the source of truth: the director changes it (the config file, or WeCom's
    # address book when the org is synced from there).
    template = DIRECTOR_UPDATE_WECOM if getattr(ctx.settings.org, "source", "config") == "wecom" else DIRECTOR_UPDATE
    update_note = template.format(userid=request.applicant, group=request.to_group, day=day.isoformat(),
                                  name=facts["name"], target=facts["target"])
    director = ctx.org.director_id
    if director and director != ctx.userid:
        ctx.send_text(director, update_note)
        return APPROVER_DONE.format(**facts)
    return APPROVER_DONE.format(**facts) + "\n" + update_note


def announce_rejection(ctx: BaseContext, request: RotationRequest | None, reason: str) -> None:
    """Tell the applicant their application was rejected, by whom and why (once)."""
    if request is None or request.outcome_notified or request.status != "rejected":
        return
    step = next(s for s in request.steps if s.status == "rejected")
    request.outcome_notified, request.note = True, reason or None
    if reason:
        ctx.audit(step.approver, "reason_given", "rotation", request.id, reason=reason)
    ctx.send_text(request.applicant, REJECTED.format(id=request.id, target=_group(ctx, request.to_group),
                                                     label=step.label, approver=ctx.org.name(step.approver),
                                                     reason=text_inline(reason) if reason else NO_REASON))


def _flow_request(ctx: Context) -> RotationRequest | None:
    return ctx.session.get(RotationRequest, ctx.conversation.data.get("request_id"))


# A reason often starts with 建议 (「建议 用库存」): inside this flow it is the reason, not a P20 suggestion.
REASON_WORDS = ("suggestion.submit",)


@on_flow(REASON_FLOW, answers=REASON_WORDS)
def rejection_reason(ctx: Context) -> str:
    """After 驳回: the approver's next message is the reason (「跳过」 for none), passed on."""
    request = _flow_request(ctx)
    ctx.conversation.end()
    text = (ctx.message.text or "").strip()
    announce_rejection(ctx, request, "" if text in SKIP_WORDS else text[:500])
    return REASON_PASSED.format(name=ctx.org.name(request.applicant if request else ""))


@on_flow_cancel(REASON_FLOW)
def skip_reason(ctx: Context) -> str:
    """取消 instead of a reason: the applicant is told at once, without one."""
    request = _flow_request(ctx)
    announce_rejection(ctx, request, "")
    return REASON_PASSED.format(name=ctx.org.name(request.applicant if request else ""))


@on_flow_timeout(REASON_FLOW)
def reason_timed_out(ctx: Context) -> str | None:
    """No reason within the conversation timeout: announce the rejection without one."""
    request = _flow_request(ctx)
    if request is None or request.outcome_notified:
        return None
    announce_rejection(ctx, request, "")
    return REASON_PASSED.format(name=ctx.org.name(request.applicant))
