"""Mediation cases (P19): who mediates, who may see a case, its history, and the hand-over to HR.

The hand-over happens once: a conditional UPDATE (status mediating → arbitration) decides, so a
late 「未解决」 and the ``mediation_deadline`` job at the same moment send HR one message.
"""
from __future__ import annotations

import re

from sqlalchemy import or_, select, update

from bot.conversation.context import BaseContext, Context
from bot.text.dates import format_datetime
from bot.org.directory import Member
from bot.text.quoting import text_block
from models import AuditEntry, MediationCase

STATUS = {"mediating": "调解中", "resolved": "已调解解决", "arbitration": "人力资源仲裁中", "arbitrated": "已仲裁"}
REASONS = {"unresolved": "调解人 {mediator} 调解未解决", "timeout": "调解人 {mediator} 在 {days} 天内没有给出调解结果",
           "no_mediator": "部门内没有可以调解的人（上级就是当事人）"}
ACTIONS = {"applied": "申请调解", "mediated": "填写调解结果", "escalated": "转人力资源仲裁", "arbitrated": "仲裁结果"}
# Not there and not yours read alike: whether a mediation exists is not for everyone (issue 29).
UNKNOWN = "没有你能查看的编号 {id} 的调解。发「调解列表」查看你能看到的调解和编号。"
FORBIDDEN = UNKNOWN
NEED_ID = "请带上调解编号，例如：{example}\n发「调解列表」查看编号。"
TO_HR = ("⚖️ 调解 #{id} 转人力资源仲裁（P19）：{reason}。\n{history}\n"
         "请了解情况后发「仲裁结果 {id} 结论」，我会告诉双方、调解人和总监。")
TO_PARTIES = "⚖️ 调解 #{id} 已转人力资源（{hr}）仲裁（P19）：{reason}。人力资源会联系你。发「调解记录 {id}」查看进展。"
# The mediator is told in their own words: 「调解人 王总监 没有给出结果」 is for the parties.
MEDIATOR_REASONS = {"unresolved": "你填写了调解未解决", "timeout": "你在 {days} 天内没有给出调解结果"}
TO_MEDIATOR = ("⚖️ 你负责调解的 #{id} 已转人力资源（{hr}）仲裁（P19）：{reason}。人力资源可能会向你了解调解经过；"
               "仲裁结果出来后我会告诉你。发「调解记录 {id}」查看进展。")
NO_HR = "⚠️ 调解 #{id} 需要转人力资源仲裁（{reason}），但组织架构里没有人力资源人员（[org.roles] hr），请处理。"
# Any length: 「调解记录 99999999999999999999」 is a number nobody has, not a missing one (ctx.fetch).
_ID_REST = re.compile(r"^[#＃]?\s*(\d+)(?:\s+|$)(.*)$", re.S)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def choose_mediator(ctx: BaseContext, applicant: Member, counterpart: Member | None) -> Member | None:
    """P19: the group leader when both parties are in one group, else the director; never a party."""
    parties = {applicant.userid, counterpart.userid if counterpart else None}
    if counterpart and applicant.group_id and applicant.group_id == counterpart.group_id:
        leader = ctx.org.group_leader(applicant.group_id)
        if leader and leader.userid not in parties:
            return leader
    director = ctx.org.director
    return director if director and director.userid not in parties else None


def hr_ids(ctx: BaseContext) -> list[str]:
    return [u for u in ctx.org.hr_ids if ctx.org.get(u)]


def viewers(ctx: BaseContext, case: MediationCase) -> set[str]:
    return {*case.parties(), case.mediator, ctx.org.director_id, *hr_ids(ctx)} - {None}


def names(ctx: BaseContext, userids) -> str:
    return "、".join(ctx.org.name(u) for u in userids) or "（无人）"


def split_id(args: str) -> tuple[str | None, str]:
    """「3 结论…」 → ("3", "结论…") (full-width digits made ASCII); (None, args) without a number."""
    match = _ID_REST.match(args.strip())
    if not match:
        return None, args.strip()
    return ascii_digits(match.group(1)), match.group(2).strip()


def ascii_digits(raw: str) -> str:
    """「３」 (a full-width digit, as typed on a phone) → 「3」."""
    return raw.translate(_FULL_WIDTH)


def find_visible(ctx: Context, number: str | None, example: str) -> tuple[MediationCase | None, str | None]:
    """(case, refusal) for the case numbered ``number`` (digits, any length) as the sender may see it."""
    if number is None:
        return None, NEED_ID.format(example=example)
    case = ctx.fetch(MediationCase, number)
    if case is None:
        return None, UNKNOWN.format(id=number)
    if ctx.userid not in viewers(ctx, case):
        return None, FORBIDDEN.format(id=number)
    return case, None


def visible_cases(ctx: Context) -> list[MediationCase]:
    """The director and HR see every case; others those they are a party to or mediate."""
    query = select(MediationCase)
    if ctx.userid != ctx.org.director_id and ctx.userid not in hr_ids(ctx):
        query = query.where(or_(MediationCase.applicant == ctx.userid, MediationCase.counterpart == ctx.userid,
                                MediationCase.mediator == ctx.userid))
    return list(ctx.session.scalars(query.order_by(MediationCase.id.desc()).limit(20)))


def history(ctx: BaseContext, case: MediationCase) -> str:
    """The case as HR (and anyone allowed) reads it: parties, mediator, matter, each step."""
    tz = ctx.settings.tz
    lines = [f"申请人：{ctx.org.name(case.applicant)}；对方：{ctx.org.name(case.counterpart) if case.counterpart else '（未指明）'}",
             f"调解人：{ctx.org.name(case.mediator) if case.mediator else '（无）'}；"
             f"申请于 {format_datetime(case.created_at, tz)}，调解期限 {format_datetime(case.mediation_due_at, tz)}",
             "事由：", text_block(case.matter, 800)]
    if case.mediation_note:
        lines += ["调解说明：", text_block(case.mediation_note, 600)]
    if case.arbitration_note:
        lines += [f"仲裁结论（{ctx.org.name(case.arbitrated_by)}）：", text_block(case.arbitration_note, 600)]
    entries = ctx.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "mediation",
                                                           AuditEntry.record_id == str(case.id)).order_by(AuditEntry.id))
    lines.append("记录：")
    for entry in entries:
        actor = "系统" if entry.actor.startswith("system:") else ctx.org.name(entry.actor)
        lines.append(f"· {format_datetime(entry.at, tz)} {actor}：{ACTIONS.get(entry.action, entry.action)}")
    return "\n".join(lines)


def escalate(ctx: BaseContext, case: MediationCase, reason: str) -> bool:
    """P19: hand the case to HR with its history — once; False when it was handed over already."""
    won = ctx.session.execute(update(MediationCase).where(MediationCase.id == case.id,
                                                          MediationCase.status == "mediating")
                              .values(status="arbitration", escalated_at=ctx.now, escalation_reason=reason)
                              .execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.refresh(case)
    if not won:
        return False
    actor = f"system:{ctx.job_id}" if getattr(ctx, "job_id", "") else getattr(ctx, "userid", "system")
    ctx.audit(actor, "escalated", "mediation", case.id, reason=reason)
    why = REASONS[reason].format(mediator=ctx.org.name(case.mediator), days=ctx.policy.mediation_days)
    hr = hr_ids(ctx)
    if hr:
        ctx.send_text(hr, TO_HR.format(id=case.id, reason=why, history=history(ctx, case)))
    elif ctx.org.get(ctx.org.director_id):
        ctx.send_text(ctx.org.director_id, NO_HR.format(id=case.id, reason=why))
    sender = getattr(ctx, "userid", None)
    told = [u for u in dict.fromkeys(case.parties()) if u and ctx.org.get(u) and u != sender]
    if told:
        ctx.send_text(told, TO_PARTIES.format(id=case.id, hr=names(ctx, hr), reason=why))
    mediator = case.mediator
    if mediator and mediator not in told and mediator != sender and ctx.org.get(mediator):
        own = MEDIATOR_REASONS[reason].format(days=ctx.policy.mediation_days)
        ctx.send_text(mediator, TO_MEDIATOR.format(id=case.id, hr=names(ctx, hr), reason=own))
    return True
