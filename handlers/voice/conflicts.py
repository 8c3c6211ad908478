"""Conflicts (P19): a dispute is first mediated inside the department, then arbitrated by HR.

申请调解 <事由> [对方 <姓名>]: the group leader mediates when both parties are in one group, the
director otherwise; both parties are told who mediates. 调解结果 <编号> 已解决|未解决 <说明> by the
mediator. Unresolved, or no result within ``policy.mediation_days`` (job ``mediation_deadline``),
the case goes to HR once with its history; HR closes it with 仲裁结果 <编号> <结论>. Only the
parties, the mediator, the director and HR see a case (调解记录, 调解列表).
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from bot.conversation.context import Context, JobContext
from bot.text.dates import format_datetime
from bot.text.quoting import text_block, text_inline
from bot.conversation.router import intent, job, on_flow
from handlers.meetings.common import find_person
from handlers.voice.cases import (STATUS, ascii_digits, choose_mediator, escalate, find_visible, history, hr_ids,
                                  names, split_id, visible_cases)
from models import MediationCase

EXAMPLE = "申请调解 项目分工有分歧，希望协调 对方 李四"
RESULT_EXAMPLE = "调解结果 {id} 已解决 双方同意按模块分工"
HOWTO = "请写上事由，可以加「对方 姓名」，例如：\n" + EXAMPLE
PARTY_FLOW = "mediation.party"
ASK_PARTY = "和你有分歧的是哪位同事？请回复对方姓名，例如：李四；没有具体的对方请回复「无」。（发「取消」可退出）"
ASK_WHICH_PARTY = "你提到了 {names}，和你有分歧的是哪一位？请回复对方姓名；没有具体的对方请回复「无」。（发「取消」可退出）"
UNKNOWN_PARTY_AGAIN = "通讯录里没有找到「{name}」。请回复对方的姓名，例如：李四；没有具体的对方请回复「无」。"
SELF_PARTY_AGAIN = "对方不能是你自己。请回复对方的姓名；没有具体的对方请回复「无」。"
NO_PARTY_WORDS = {"无", "没有", "没", "不是具体的人", "无对方", "不指定"}
UNKNOWN_PARTY = "通讯录里没有找到「{name}」，调解申请没有提交。请写对方的姓名，例如：" + EXAMPLE
SELF_PARTY = "对方不能是你自己，调解申请没有提交。例如：" + EXAMPLE
OPENED = "✅ 已登记调解申请 #{id}，由 {mediator}调解（P19）。{days} 天内（{due} 前）没有结果会转人力资源仲裁。发「调解记录 {id}」查看进展。"
OPENED_HR = "✅ 已登记调解申请 #{id}。部门内没有可以调解的人（你们的上级就是当事人），已直接转人力资源仲裁（P19）。"
TO_MEDIATOR = ("🤝 调解申请 #{id}（P19）：{applicant} 申请调解{against}，请你在 {due} 前调解。\n事由：\n{matter}\n"
               "调解后发「调解结果 {id} 已解决 说明」或「调解结果 {id} 未解决 说明」。")
TO_COUNTERPART = "🤝 {applicant} 就与你的分歧申请了调解 #{id}（P19），由 {mediator} 调解。\n事由：\n{matter}\n发「调解记录 {id}」查看进展。"
RESULT_HOWTO = "请写成：调解结果 编号 已解决|未解决 说明，例如：" + RESULT_EXAMPLE.format(id=3)
NOT_MEDIATOR = "调解 #{id} 由 {mediator} 调解，只有调解人可以填写调解结果。"
NOT_MEDIATING = "调解 #{id} 目前{state}，不能再填写调解结果。"
RESOLVED = "✅ 调解 #{id} 已由 {mediator} 调解解决（P19）。\n说明：\n{note}"
RESOLVED_REPLY = "✅ 已记录调解 #{id} 已解决，已告诉 {names}。"
UNRESOLVED_REPLY = "已记录调解 #{id} 未解决，已转人力资源（{hr}）仲裁，并告诉了 {names}。"
_RESULT = re.compile(r"^[#＃]?\s*(\d+)\s*(已解决|未解决|解决了|没解决)[\s:：,，]*(.*)$", re.S)
_COUNTERPART = re.compile(r"\s*对方[\s:：]*(\S+)\s*$")
ARBITRATION_EXAMPLE = "仲裁结果 3 双方各让一步，按新分工执行"
ARBITRATION_FORBIDDEN = "只有人力资源（{hr}）可以填写仲裁结果（P19）。"
NOT_IN_ARBITRATION = "调解 #{id} 目前{state}，不在仲裁中。"
NEED_CONCLUSION = "请写上仲裁结论，例如：" + ARBITRATION_EXAMPLE
ARBITRATED = "⚖️ 调解 #{id} 已由人力资源 {hr} 仲裁（P19）。\n结论：\n{note}"
ARBITRATED_REPLY = "✅ 已记录调解 #{id} 的仲裁结果，已告诉 {names}。"
NONE_VISIBLE = "目前没有你能查看的调解。有分歧需要调解可以发：" + EXAMPLE
LIST_HEADER = "调解："


@intent("mediation.apply", "申请调解", summary="和同事有分歧时申请部门内调解（P19）", example=EXAMPLE)
def apply_for_mediation(ctx: Context) -> str:
    """P19: open a case; the mediator gets it, both parties are told who mediates. The other party
    is 「对方 姓名」, else the one colleague the sentence names (「跟李四在分工上有点矛盾」), else asked for."""
    text = ctx.args.strip()
    named = _COUNTERPART.search(text)
    if named:
        userid = find_person(ctx, named.group(1))
        if userid is None:
            return UNKNOWN_PARTY.format(name=text_inline(named.group(1), 20))
        if userid == ctx.userid:
            return SELF_PARTY
        return _open(ctx, text[:named.start()].strip(), ctx.org.get(userid))
    if not text:
        return HOWTO
    mentioned = [m for m in ctx.org.members.values() if m.userid != ctx.userid and len(m.name) >= 2 and m.name in text]
    if len(mentioned) == 1:
        return _open(ctx, text, mentioned[0])
    ctx.conversation.start(PARTY_FLOW, "PARTY", {"matter": text[:2000]})
    if mentioned:
        return ASK_WHICH_PARTY.format(names="、".join(m.name for m in mentioned))
    return ASK_PARTY


@on_flow(PARTY_FLOW, label="调解申请")
def party_answer(ctx: Context) -> str:
    """The answer to 「对方是谁？」: a colleague's name, or 无 when the disagreement has no one other party."""
    answer = re.sub(r"^对方[\s:：是]*", "", (ctx.message.text or "").strip()).strip("。. ")
    matter = ctx.conversation.data["matter"]
    userid = None if answer in NO_PARTY_WORDS else find_person(ctx, answer)
    if answer not in NO_PARTY_WORDS and (userid is None or userid == ctx.userid):
        ctx.conversation.advance("PARTY")  # ask again; nothing is registered yet
        return SELF_PARTY_AGAIN if userid else UNKNOWN_PARTY_AGAIN.format(name=text_inline(answer, 20))
    ctx.conversation.end()
    return _open(ctx, matter, ctx.org.get(userid) if userid else None)


def _open(ctx: Context, text: str, counterpart) -> str:
    mediator = choose_mediator(ctx, ctx.user, counterpart)
    case = MediationCase(applicant=ctx.userid, counterpart=counterpart.userid if counterpart else None,
                         matter=text[:2000], mediator=mediator.userid if mediator else None, status="mediating",
                         created_at=ctx.now, mediation_due_at=ctx.now + timedelta(days=ctx.policy.mediation_days))
    ctx.session.add(case)
    ctx.session.flush()
    ctx.audit(ctx.userid, "applied", "mediation", case.id, counterpart=case.counterpart, mediator=case.mediator)
    if mediator is None:
        escalate(ctx, case, "no_mediator")
        return OPENED_HR.format(id=case.id)
    due = format_datetime(case.mediation_due_at, ctx.settings.tz)
    matter = text_block(text, 800)
    ctx.send_text(mediator.userid, TO_MEDIATOR.format(
        id=case.id, applicant=ctx.user.name, against=f"（对方：{counterpart.name}）" if counterpart else "",
        due=due, matter=matter))
    if counterpart:
        ctx.send_text(counterpart.userid, TO_COUNTERPART.format(applicant=ctx.user.name, id=case.id,
                                                                mediator=mediator.name, matter=matter))
    return OPENED.format(id=case.id, mediator=f"{mediator.name}（{mediator.role_label}）",
                         days=ctx.policy.mediation_days, due=due)


@intent("mediation.result", "调解结果", summary="调解人填写调解结果：已解决或未解决（P19）",
        example=RESULT_EXAMPLE.format(id=3), roles=("director", "group_leader"), numbered=True)
def mediation_result(ctx: Context) -> str:
    """P19: the mediator records the outcome; unresolved goes to HR."""
    match = _RESULT.match(ctx.args.strip())
    if not match:
        return RESULT_HOWTO
    case, refusal = find_visible(ctx, ascii_digits(match.group(1)), RESULT_EXAMPLE.format(id=3))
    if refusal:
        return refusal
    if ctx.userid != case.mediator:
        return NOT_MEDIATOR.format(id=case.id, mediator=ctx.org.name(case.mediator))
    if case.status != "mediating":
        return NOT_MEDIATING.format(id=case.id, state=STATUS.get(case.status, case.status))
    note = match.group(3).strip()[:2000]
    case.mediation_note, case.mediated_at = note or None, ctx.now
    resolved = match.group(2) in ("已解决", "解决了")
    ctx.audit(ctx.userid, "mediated", "mediation", case.id, resolved=resolved, note=note)
    if not resolved:
        escalate(ctx, case, "unresolved")
        told = case.parties()
        return UNRESOLVED_REPLY.format(id=case.id, hr=names(ctx, hr_ids(ctx)), names=names(ctx, told))
    won = ctx.session.execute(update(MediationCase).where(MediationCase.id == case.id,
                                                          MediationCase.status == "mediating")
                              .values(status="resolved", closed_at=ctx.now)
                              .execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.refresh(case)
    if not won:
        return NOT_MEDIATING.format(id=case.id, state=STATUS.get(case.status, case.status))
    told = [u for u in dict.fromkeys([*case.parties(), ctx.org.director_id]) if u and u != ctx.userid]
    ctx.send_text(told, RESOLVED.format(id=case.id, mediator=ctx.user.name, note=text_block(note or "（无）", 800)))
    return RESOLVED_REPLY.format(id=case.id, names=names(ctx, told))


@job("mediation_deadline")
def mediation_deadline(ctx: JobContext) -> None:
    """P19: a case without a mediation result after mediation_days goes to HR (once)."""
    late = ctx.session.scalars(select(MediationCase).where(MediationCase.status == "mediating",
                                                           MediationCase.mediation_due_at <= ctx.now)
                               .order_by(MediationCase.id)).all()
    for case in late:
        escalate(ctx, case, "timeout")


@intent("mediation.arbitrate", "仲裁结果", summary="人力资源填写仲裁结果（P19）", example=ARBITRATION_EXAMPLE,
        roles=("hr",), numbered=True)
def arbitration_result(ctx: Context) -> str:
    """P19: HR closes a case handed to them; the parties, the mediator and the director are told."""
    hr = hr_ids(ctx)
    if ctx.userid not in hr:
        return ARBITRATION_FORBIDDEN.format(hr=names(ctx, hr))
    number, note = split_id(ctx.args)
    case, refusal = find_visible(ctx, number, ARBITRATION_EXAMPLE)
    if refusal:
        return refusal
    if not note:
        return NEED_CONCLUSION
    won = ctx.session.execute(update(MediationCase).where(MediationCase.id == case.id,
                                                          MediationCase.status == "arbitration")
                              .values(status="arbitrated", arbitration_note=note[:2000], arbitrated_by=ctx.userid,
                                      closed_at=ctx.now).execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.refresh(case)
    if not won:
        return NOT_IN_ARBITRATION.format(id=case.id, state=STATUS.get(case.status, case.status))
    ctx.audit(ctx.userid, "arbitrated", "mediation", case.id, note=note[:1000])
    told = [u for u in dict.fromkeys([*case.parties(), case.mediator, ctx.org.director_id])
            if u and u != ctx.userid and ctx.org.get(u)]
    ctx.send_text(told, ARBITRATED.format(id=case.id, hr=ctx.user.name, note=text_block(note, 800)))
    return ARBITRATED_REPLY.format(id=case.id, names=names(ctx, told))


@intent("mediation.show", "调解记录", "查看调解", summary="查看一个调解的经过（当事人、调解人、总监、人力资源）",
        example="调解记录 3", numbered=True)
def show_case(ctx: Context) -> str:
    """P19: one case, for the parties, the mediator, the director and HR only."""
    number, _ = split_id(ctx.args)
    case, refusal = find_visible(ctx, number, "调解记录 3")
    return refusal or f"调解 #{case.id} · {STATUS.get(case.status, case.status)}\n{history(ctx, case)}"


@intent("mediation.list", "调解列表", summary="你参与的调解（总监、人力资源看全部）", example="调解列表")
def list_cases(ctx: Context) -> str:
    """P19: the cases the sender may see, latest first."""
    cases = visible_cases(ctx)
    if not cases:
        return NONE_VISIBLE
    lines = [LIST_HEADER]
    for case in cases:
        lines.append(f"#{case.id} {STATUS.get(case.status, case.status)} {format_datetime(case.created_at, ctx.settings.tz)} "
                     f"{ctx.org.name(case.applicant)}"
                     + (f" 与 {ctx.org.name(case.counterpart)}" if case.counterpart else "")
                     + f"：{text_inline(case.matter, 30)}")
    lines.append("发「调解记录 编号」查看经过。")
    return "\n".join(lines)
