"""Leavers, movers and those who lose a role (P1, P3, P9, P12, P18): nothing they held stalls.

When someone leaves (deleted or disabled in WeCom, or gone from the config) or moves to another
department, in the same transaction as the org change:
- a pending approval step goes to the next person of that role (another finance member), else
  the leaver's superior, else the director — with a fresh card; a waiting later step likewise;
- action items they own go to the meeting's chair, to reassign (「指派 编号 姓名」);
- minutes they owe go to the chair; a meeting they chair goes to the director;
- a collaboration whose contact person they are is flagged to their group leader.
Someone who loses the role a pending step needs (taken out of the 财务 tag, moved out of the
department they headed, no longer its leader) has that step moved the same way (P3: only the
role's holder signs).
Requests they filed stay and continue; nothing is deleted (history keeps their name). Each person
hears at most three messages (two cards and one text); the director gets one message listing
every hand-over.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.conversation.context import BaseContext
from bot.text.quoting import text_inline as q
from bot.org.directory import OrgDirectory
from bot.org.write import OrgChange
from handlers.approvals.cards import ROLE_LABELS, holds_role, kind_label, send_step_card
from handlers.approvals.cards import _resolve as resolve_role
from handlers.sync.collaborations import all_collaborations
from models import ApprovalRequest, ApprovalStep
from models.meeting import ActionItem, Meeting

ACTOR = "system:org"
CARDS_PER_PERSON = 2  # plus one text: at most three messages per person (P-wide rule)
SUMMARY = "📋 组织架构变动，以下工作已转交：\n{lines}"
LEFT, MOVED = "{name} 已离开", "{name} 已调离{department}"
ROLE_GONE = "{name} 已不再担任{role}"
UNREACHABLE = "{name} 收不到企业微信消息（{why}）"
APPROVAL_LINE = "  • {kind}申请 #{id} {label} → {to}"
APPROVAL_NOBODY = "  • {kind}申请 #{id} {label}：找不到接手的人，请处理"
ITEM_LINE = "  • 决议 #{id}（{text}）→ 主持人 {to}，请重新指派"
MINUTES_LINE = "  • 会议 #{id}「{title}」的纪要 → 主持人 {to}"
CHAIR_LINE = "  • 会议 #{id}「{title}」的主持 → {to}"
COLLAB_LINE = "  • 协作「{name}」的接口人需要更换，已提醒 {to}"
TO_APPROVER = "{who}，以下审批转由你处理：{ids}。{more}"
MORE_CARDS = "其余卡片请发「待我审批」获取。"
TO_CHAIR_ITEM = "{who}，决议 #{id}（{text}）暂由你负责，请重新指派，例如：指派 {id} 张三"
TO_CHAIR_MINUTES = "{who}，会议 #{id}「{title}」的纪要改由你提交（P9），例如：纪要 {id} …"
TO_NEW_CHAIR = "{who}，会议 #{id}「{title}」改由你主持"
TO_LEADER_COLLAB = "{who}，协作「{name}」需要新的接口人，请重新登记（P18），例如：登记协作 {name} …"


def departed(changes: list[OrgChange]) -> list[OrgChange]:
    """Those whose open work must move: left, or moved to another department."""
    return [c for c in changes if c.kind == "left"
            or (c.kind == "moved" and c.before["department"] != c.after["department"])]


def hand_over(ctx: BaseContext, before: OrgDirectory, changes: list[OrgChange]) -> list[str]:
    """Hand over the open work of everyone who left or moved, and the approval steps of anyone who
    no longer holds the step's role (``ctx.org`` is the org after the change). Returns the lines
    sent to the director (empty: nothing to hand over)."""
    notes: dict[str, list[str]] = defaultdict(list)
    summary: list[str] = []
    gone = departed(changes)
    for change in gone:
        lines = _approvals(ctx, before, change, notes) + _meetings(ctx, change, notes) \
            + _collaborations(ctx, before, change, notes)
        if lines:
            head = LEFT if change.kind == "left" else MOVED
            summary.append(head.format(name=q(change.name), department=q(ctx.org.departments.get(
                change.after["department"] if change.after else "", {}).get("name", ""))))
            summary += lines
    summary += _unheld(ctx, before, notes, skip={c.userid for c in gone})
    _tell(ctx, notes, summary)
    return summary


def hand_over_unheld_steps(ctx: BaseContext, request_ids: list[int] | None = None) -> list[str]:
    """Move the pending steps (of ``request_ids``, or all) whose approver no longer holds the
    step's role, telling those concerned; returns the lines sent to the director."""
    notes: dict[str, list[str]] = defaultdict(list)
    summary = _unheld(ctx, ctx.org, notes, request_ids=request_ids)
    _tell(ctx, notes, summary)
    return summary


def hand_over_unreachable(ctx: BaseContext, userid: str, why: str, steps: list[ApprovalStep]) -> list[str]:
    """Move ``steps`` away from ``userid``, whom WeCom cannot reach (``why``: no licence, invalid
    account), as for a leaver; the director is told why. Returns the lines sent to the director."""
    notes: dict[str, list[str]] = defaultdict(list)
    change = OrgChange("unreachable", userid, ctx.org.name(userid), where=why)
    lines = _approvals(ctx, ctx.org, change, notes, steps, keep_holders=False)
    summary = [UNREACHABLE.format(name=q(change.name), why=why)] + lines if lines else []
    _tell(ctx, notes, summary)
    return summary


def _tell(ctx: BaseContext, notes: dict[str, list[str]], summary: list[str]) -> None:
    director = ctx.org.director_id if ctx.org.get(ctx.org.director_id or "") else ctx.org.ceo_id
    for userid, texts in notes.items():
        if userid != director and ctx.org.get(userid):
            ctx.send_text(userid, "\n".join(texts))
    if summary and director:
        own = notes.get(director, [])
        ctx.send_text(director, SUMMARY.format(lines="\n".join(summary)) + ("\n\n" + "\n".join(own) if own else ""))


def _unheld(ctx: BaseContext, before: OrgDirectory, notes: dict, request_ids: list[int] | None = None,
            skip: set = frozenset()) -> list[str]:
    """P3: open steps (pending or waiting) whose approver is still here but no longer holds the role."""
    query = select(ApprovalStep).join(ApprovalRequest).where(
        ApprovalRequest.status == "pending", ApprovalStep.status.in_(("pending", "waiting")),
        ApprovalStep.approver.is_not(None)).order_by(ApprovalRequest.id, ApprovalStep.position)
    if request_ids is not None:
        query = query.where(ApprovalRequest.id.in_(request_ids))
    unheld: dict[str, list[ApprovalStep]] = defaultdict(list)
    for step in ctx.session.scalars(query):
        if step.approver not in skip and ctx.org.get(step.approver) \
                and not holds_role(ctx, step.request, step, step.approver):
            unheld[step.approver].append(step)
    summary = []
    for userid, steps in unheld.items():
        role = ROLE_LABELS.get(steps[0].role, steps[0].role)
        change = OrgChange("role", userid, ctx.org.name(userid), where=role)
        lines = _approvals(ctx, before, change, notes, steps)
        if lines:
            summary += [ROLE_GONE.format(name=q(change.name), role=role)] + lines
    return summary


def _successor(ctx: BaseContext, before: OrgDirectory, request: ApprovalRequest, step: ApprovalStep,
               leaver: str):
    """The next person of the step's role for this requester, else the leaver's superior, else the director."""
    requester = ctx.org.get(request.requester) or before.get(request.requester)
    blocked = {leaver, request.requester}
    candidate = resolve_role(ctx, step.role, requester) if requester else None
    if candidate is None or candidate.userid in blocked:
        candidate = None
        if step.role == "finance":
            candidate = next((ctx.org.get(u) for u in ctx.org.finance_ids if u not in blocked and ctx.org.get(u)), None)
    if candidate is None and before.get(leaver):
        superior = before.superior(before.get(leaver))
        candidate = ctx.org.get(superior.userid) if superior and superior.userid not in blocked else None
    if candidate is None and ctx.org.director_id not in blocked:
        candidate = ctx.org.get(ctx.org.director_id or "")
    return candidate


def _approvals(ctx: BaseContext, before: OrgDirectory, change: OrgChange, notes: dict,
               steps: list[ApprovalStep] | None = None, keep_holders: bool = True) -> list[str]:
    leaver, lines, carded = change.userid, [], defaultdict(list)
    if steps is None:
        steps = ctx.session.scalars(select(ApprovalStep).join(ApprovalRequest).where(
            ApprovalRequest.status == "pending", ApprovalStep.approver == leaver,
            ApprovalStep.status.in_(("pending", "waiting"))).order_by(ApprovalRequest.id, ApprovalStep.position)).all()
    for step in steps:
        request = step.request
        if keep_holders and holds_role(ctx, request, step, leaver):
            continue  # moved, but still the one for this role (e.g. finance by tag)
        successor = _successor(ctx, before, request, step, leaver)
        facts = dict(kind=kind_label(request), id=request.id, label=step.label)
        if successor is None:
            lines.append(APPROVAL_NOBODY.format(**facts))
            continue
        step.approver = successor.userid
        ctx.audit(ACTOR, "handed_over", "approval", request.id, step=step.position, approver=successor.userid,
                  previous=leaver)
        if step.status == "pending":
            step.started_at = ctx.now
            if len(carded[successor.userid]) < CARDS_PER_PERSON:
                send_step_card(ctx, request, step, actor=ACTOR)
            carded[successor.userid].append(request.id)
        lines.append(APPROVAL_LINE.format(**facts, to=q(successor.name)))
    for userid, ids in carded.items():
        more = MORE_CARDS if len(ids) > CARDS_PER_PERSON else ""
        notes[userid].append(TO_APPROVER.format(who=_who(change), ids="、".join(f"#{i}" for i in ids),
                                                more=more))
    return lines


def _who(change: OrgChange) -> str:
    if change.kind == "role":
        return f"{q(change.name)} 已不再担任{change.where}"
    if change.kind == "unreachable":
        return f"{q(change.name)} 收不到企业微信消息"
    return f"{q(change.name)} {'已离开' if change.kind == 'left' else '已调岗'}"


def _chair_or_director(ctx: BaseContext, meeting: Meeting, leaver: str) -> str | None:
    if meeting.chair != leaver and ctx.org.get(meeting.chair):
        return meeting.chair
    return ctx.org.director_id if ctx.org.director_id != leaver else ctx.org.ceo_id


def _meetings(ctx: BaseContext, change: OrgChange, notes: dict) -> list[str]:
    leaver, lines = change.userid, []
    who = _who(change)
    for meeting in ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.chair == leaver)
                                       .order_by(Meeting.id)):
        to = _chair_or_director(ctx, meeting, leaver)
        if to:
            meeting.chair = to
            ctx.audit(ACTOR, "handed_over", "meeting", meeting.id, chair=to, previous=leaver)
            notes[to].append(TO_NEW_CHAIR.format(who=who, id=meeting.id, title=q(meeting.title, 30)))
            lines.append(CHAIR_LINE.format(id=meeting.id, title=q(meeting.title, 30), to=q(ctx.org.name(to))))
    for meeting in ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled",
                                                             Meeting.minute_taker == leaver).order_by(Meeting.id)):
        to = _chair_or_director(ctx, meeting, leaver)
        if to:
            meeting.minute_taker = to
            ctx.audit(ACTOR, "handed_over", "minutes", meeting.id, minute_taker=to, previous=leaver)
            notes[to].append(TO_CHAIR_MINUTES.format(who=who, id=meeting.id, title=q(meeting.title, 30)))
            lines.append(MINUTES_LINE.format(id=meeting.id, title=q(meeting.title, 30), to=q(ctx.org.name(to))))
    for item in ctx.session.scalars(select(ActionItem).where(ActionItem.status == "open", ActionItem.owner == leaver)
                                    .order_by(ActionItem.id)):
        to = _chair_or_director(ctx, item.meeting, leaver)
        if to:
            item.owner, item.assigned_by = to, ACTOR
            ctx.audit(ACTOR, "handed_over", "action_item", item.id, owner=to, previous=leaver)
            notes[to].append(TO_CHAIR_ITEM.format(who=who, id=item.id, text=q(item.text, 40)))
            lines.append(ITEM_LINE.format(id=item.id, text=q(item.text, 20), to=q(ctx.org.name(to))))
    return lines


def _collaborations(ctx: BaseContext, before: OrgDirectory, change: OrgChange, notes: dict) -> list[str]:
    leaver, lines = change.userid, []
    member = before.get(leaver)
    leader = before.group_leader(member.group_id) if member and member.group_id else None
    to = leader.userid if leader and leader.userid != leaver and ctx.org.get(leader.userid) else ctx.org.director_id
    for collaboration in all_collaborations(ctx):
        if leaver in collaboration.contacts.values() and to:
            ctx.audit(ACTOR, "contact_left", "collaboration", collaboration.name, contact=leaver, flagged=to)
            notes[to].append(TO_LEADER_COLLAB.format(who=_who(change), name=q(collaboration.name, 30)))
            lines.append(COLLAB_LINE.format(name=q(collaboration.name, 30), to=q(ctx.org.name(to))))
    return lines
