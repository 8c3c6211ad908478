"""Rotation (P2): 申请轮岗 <目标小组> [理由] by a specialist, checked against the two-year rule
(``policy.rotation_interval_years``), then signed by the current group leader, the target group
leader and the director on cards (``rotation_cards``). 轮岗记录 lists applications."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from bot.conversation.context import BaseContext, Context
from bot.org.directory import Member
from bot.text.quoting import text_inline
from bot.conversation.router import intent
from handlers.people.common import find_group, home_groups
from handlers.people.periods import long_day, years_after
from handlers.people.rotation_cards import STATUS_LABELS, chain_text, send_step_card
from models import RotationRequest, RotationStep

NOT_SPECIALIST = "按制度（P2），轮岗由专员申请。如需调整小组，请与总监沟通。"
USAGE = "请写上想去的小组，例如：申请轮岗 {example} 希望参与平台建设\n可选小组：{groups}"
UNKNOWN_GROUP = "没有找到小组「{name}」，这次没有提交。可选小组：{groups}\n例如：申请轮岗 {example} 希望参与平台建设"
SAME_GROUP = "你已经在{group}了。请写上想去的其他小组，例如：申请轮岗 {example}"
STILL_OPEN = ("你的轮岗申请 #{id}（→ {group}）还在审批中，这次没有提交（P2）。它结束后才能再申请；"
              "发「轮岗记录」查看进度。")
TOO_EARLY = ("按制度（P2），专员每 {years} 年可申请一次轮岗。你自 {since}起在{group}，"
             "最早可在 {first}申请，这次没有提交。到时再发「申请轮岗 {target}」即可。")
NO_APPROVER = "抱歉，现在找不到轮岗的审批人（组长或总监），这次没有提交。请联系总监补充组织架构。"
SUBMITTED = ("已提交轮岗申请 #{id}：{source} → {target}。\n审批：{chain}\n"
             "现在等待 {approver}（{label}）审批，每一步我都会告诉你。发「轮岗记录」可查看进度。")
NONE_YET = "还没有轮岗申请。专员可发「申请轮岗 小组名 理由」申请，例如：申请轮岗 {example} 希望参与平台建设"
RECORD_HEADER = "轮岗申请记录："
SEPARATORS = re.compile(r"[\s,，:：;；]+")
NO_GROUP = "（未分组）"


def group_name(ctx: BaseContext, group_id: str | None) -> str:
    group = ctx.org.groups.get(group_id or "")
    return group["name"] if group else NO_GROUP


def in_group_since(ctx: BaseContext, member: Member) -> date | None:
    """P2: since when ``member`` is in their group: ``group_since`` (else ``joined``) from the org,
    or the date of a rotation the bot approved later (the org may not be updated yet)."""
    since = member.group_since or member.joined
    approved = ctx.session.scalar(select(RotationRequest.effective_on).where(
        RotationRequest.applicant == member.userid, RotationRequest.status == "approved")
        .order_by(RotationRequest.effective_on.desc()).limit(1))
    return max(d for d in (since, approved) if d is not None) if (since or approved) else None


def plan_steps(ctx: BaseContext, member: Member, target: dict) -> list[RotationStep]:
    """P2: current group leader → target group leader → director; nobody twice, never the applicant."""
    candidates = [("现组长", ctx.org.group_leader(member.group_id)), ("目标组长", ctx.org.group_leader(target["id"])),
                  ("总监", ctx.org.director)]
    steps, seen = [], {member.userid}
    for label, person in candidates:
        if person is None or person.userid in seen:
            continue
        seen.add(person.userid)
        steps.append(RotationStep(position=len(steps) + 1, label=label, approver=person.userid, status="waiting"))
    return steps


def _example_group(ctx: BaseContext, member: Member) -> str:
    return next((g["name"] for g in home_groups(ctx) if g["id"] != member.group_id), "资源支持组")


@intent("people.rotation", "申请轮岗", "轮岗申请", summary="专员申请轮岗到其他小组（P2，每 2 年一次）",
        example="申请轮岗 资源支持组 希望参与平台建设", roles=("specialist",))
def apply(ctx: Context) -> str:
    """P2: a specialist applies to rotate; refused with the first possible date inside the interval."""
    member = ctx.user
    if not member.has("specialist") or member.has("group_leader") or member.department_id != ctx.org.home_department:
        return NOT_SPECIALIST
    example = _example_group(ctx, member)
    groups = "、".join(g["name"] for g in home_groups(ctx))
    parts = SEPARATORS.split((ctx.args or "").strip(), maxsplit=1)
    token = re.sub(r"^(到|去|至)", "", parts[0])
    if not token:
        return USAGE.format(example=example, groups=groups)
    target = find_group(ctx, token)
    if target is None:
        return UNKNOWN_GROUP.format(name=text_inline(token, 20), groups=groups, example=example)
    if target["id"] == member.group_id:
        return SAME_GROUP.format(group=target["name"], example=example)
    pending = ctx.session.scalar(select(RotationRequest).where(RotationRequest.applicant == ctx.userid,
                                                               RotationRequest.status == "pending").limit(1))
    if pending is not None:
        return STILL_OPEN.format(id=pending.id, group=group_name(ctx, pending.to_group))
    since = in_group_since(ctx, member)
    years = ctx.policy.rotation_interval_years
    today = ctx.now.astimezone(ctx.settings.tz).date()
    if since is not None and today < years_after(since, years):
        return TOO_EARLY.format(years=years, since=long_day(since), group=group_name(ctx, member.group_id),
                                first=long_day(years_after(since, years)), target=target["name"])
    steps = plan_steps(ctx, member, target)
    if not steps:
        return NO_APPROVER
    request = RotationRequest(applicant=ctx.userid, from_group=member.group_id, to_group=target["id"],
                              reason=(parts[1] if len(parts) > 1 else "").strip()[:500], group_since=since,
                              status="pending", current_step=1, created_at=ctx.now, steps=steps)
    ctx.session.add(request)
    ctx.session.flush()
    first = steps[0]
    first.status, first.started_at = "pending", ctx.now
    ctx.audit(ctx.userid, "created", "rotation", request.id, to_group=target["id"], since=str(since),
              chain=[s.approver for s in steps])
    send_step_card(ctx, request, first)
    return SUBMITTED.format(id=request.id, source=group_name(ctx, member.group_id), target=target["name"],
                            chain=chain_text(ctx, request), approver=ctx.org.name(first.approver), label=first.label)


@intent("people.rotation.list", "轮岗记录", "我的轮岗", summary="查看轮岗申请和审批进度", example="轮岗记录")
def records(ctx: Context) -> str:
    """The sender's own applications; approvers also see those they sign, the director all."""
    query = select(RotationRequest).order_by(RotationRequest.id.desc()).limit(10)
    if ctx.userid != ctx.org.director_id:
        signed = select(RotationStep.request_id).where(RotationStep.approver == ctx.userid)
        query = query.where((RotationRequest.applicant == ctx.userid) | RotationRequest.id.in_(signed))
    rows = ctx.session.scalars(query).all()
    if not rows:
        member = ctx.user
        return NONE_YET.format(example=_example_group(ctx, member))
    lines = [RECORD_HEADER]
    for row in rows:
        local = row.created_at.astimezone(ctx.settings.tz)
        effective = f"，{long_day(row.effective_on)}起生效" if row.effective_on else ""
        lines.append(f"#{row.id} {ctx.org.name(row.applicant)}：{group_name(ctx, row.from_group)} → "
                     f"{group_name(ctx, row.to_group)}（{local.month}月{local.day}日申请，"
                     f"{STATUS_LABELS.get(row.status, row.status)}{effective}）\n  {chain_text(ctx, row, marks=True)}")
    return "\n".join(lines)
