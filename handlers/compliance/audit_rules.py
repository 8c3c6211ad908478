"""The rules the quarterly audit checks (P16), one function per kind of record: approvals (P3,
P4), emergencies (P5), minutes (P9), resolutions and action items (P12); the weekly duties,
incidents and documents are in ``audit_duties``.

Each returns every record of its kind in the scope, with the rules it broke (clause id and the
evidence from the stored records and the audit log); a record that broke nothing has no problems.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.text.amounts import format_money
from bot.conversation.context import BaseContext
from bot.text.dates import format_datetime
from handlers.approvals.cards import KIND_LABELS, ROLE_LABELS, SKIP_SELF, SKIP_SIGNED
from handlers.approvals.splits import COUNTED, Split, split_among, tier_fen
from handlers.compliance.quarters import Scope
from models import ApprovalRequest, AuditEntry
from models.meeting import ActionItem, Meeting

DECIDED = {"approved": "同意", "rejected": "驳回"}
LEGITIMATE_SKIPS = {SKIP_SELF, SKIP_SIGNED}


@dataclass(frozen=True)
class Problem:
    clause: str  # P3, P4, P5, …
    evidence: str


@dataclass
class Record:
    kind: str
    key: str  # stable within its kind (a record id, or week:userid)
    label: str  # what an auditor reads: 采购申请 #3（张三：服务器，¥80,000）
    problems: list[Problem] = field(default_factory=list)


def when(ctx: BaseContext, moment: datetime | None) -> str:
    """11月28日（周六）14:00 in the configured time zone; （无） for None."""
    return format_datetime(moment, ctx.settings.tz) if moment else "（无）"


def how_late(delta: timedelta) -> str:
    """「29 小时」 below two days, else 「3.5 天」."""
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


def _request_label(ctx: BaseContext, request: ApprovalRequest) -> str:
    kind = KIND_LABELS.get(request.kind, request.kind)
    return (f"{'紧急' if request.emergency else ''}{kind}申请 #{request.id}"
            f"（{ctx.org.name(request.requester)}：{request.item}，{format_money(request.amount_fen)}）")


def _submitted(ctx: BaseContext, scope: Scope, emergency_only: bool = False) -> list[ApprovalRequest]:
    """The quarter's submitted requests with their steps. The steps come in one more query
    (selectinload), not one per request: a quarter of a 10,000-person department has ~8,000
    requests (bench/scale.py: the audit took 6.6 s with a query per request)."""
    query = select(ApprovalRequest).where(
        ApprovalRequest.submitted_at >= scope.start, ApprovalRequest.submitted_at < scope.end,
        ApprovalRequest.status.not_in(("draft", "cancelled")))
    if emergency_only:
        query = query.where(ApprovalRequest.emergency.is_(True))
    else:
        query = query.options(selectinload(ApprovalRequest.steps))
    return list(ctx.session.scalars(query.order_by(ApprovalRequest.id)))


def approvals(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P3/P4: each step decided by its approver (per the audit log), no required step missing, no
    suspected split purchase (拆单)."""
    requests = _submitted(ctx, scope)
    decisions: dict[tuple[str, int], list[AuditEntry]] = defaultdict(list)
    if requests:
        for entry in ctx.session.scalars(select(AuditEntry).where(
                AuditEntry.record_type == "approval", AuditEntry.action.in_(tuple(DECIDED)),
                AuditEntry.record_id.in_([str(r.id) for r in requests])).order_by(AuditEntry.id)):
            decisions[(entry.record_id, int((entry.detail or {}).get("step", 0)))].append(entry)
    splits = suspected_splits(ctx, scope, requests)
    records = []
    for request in requests:
        record = Record("approvals", str(request.id), _request_label(ctx, request))
        for step in request.steps:
            if step.status not in DECIDED:
                continue
            if step.approver == request.requester:
                record.problems.append(Problem("P3", f"{step.label}由申请人本人 {ctx.org.name(step.approver)} {DECIDED[step.status]}"))
            for entry in decisions[(str(request.id), step.position)]:
                if entry.actor != step.approver:
                    record.problems.append(Problem("P3", (
                        f"{step.label}应由 {ctx.org.name(step.approver)} 审批，审计日志 #{entry.id} 显示"
                        f"由 {ctx.org.name(entry.actor)} 于 {when(ctx, entry.at)} {DECIDED[entry.action]}")))
        if request.status == "approved":
            record.problems += _missing_steps(ctx, request)
        if request.id in splits:
            record.problems.append(_split_problem(ctx, request, splits[request.id]))
        records.append(record)
    return records


def _split_problem(ctx: BaseContext, request: ApprovalRequest, split: Split) -> Problem:
    """P4: the request completed a suspected split purchase; says whether the tier's signer signed."""
    tier_roles = {rule.role for rule in ctx.policy.chains.get(request.kind, ())
                  if tier_fen(rule) == split.limit_fen}
    signed = [s for s in request.steps if s.role in tier_roles and s.status == "approved"]
    signer = "、".join(ROLE_LABELS.get(r, r) for r in sorted(tier_roles)) or "上一级"
    outcome = f"{signer}已签" if signed else f"没有{signer}签字"
    return Problem("P4", f"疑似拆单：与 {split.numbers()} 同为「{request.item}」一类，{ctx.policy.split_window_days} 天内"
                         f"合计 {format_money(split.total_fen)}，每单都低于 {format_money(split.limit_fen)}（{outcome}）")


def suspected_splits(ctx: BaseContext, scope: Scope, requests: list[ApprovalRequest]) -> dict[int, Split]:
    """P4/P16: request id → the split it completed, among ``requests`` (the quarter's) and the
    counted requests of ``policy.split_window_days`` before, per requester and group (``splits``)."""
    window = timedelta(days=ctx.policy.split_window_days)
    candidates = list(ctx.session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.kind.in_(tuple(ctx.policy.split_kinds)), ApprovalRequest.status.in_(COUNTED),
        ApprovalRequest.submitted_at >= scope.start - window, ApprovalRequest.submitted_at < scope.end)))
    def bucket(userid: str) -> str:
        member = ctx.org.get(userid)
        return f"group:{member.group_id}" if member and member.group_id else f"user:{userid}"
    by_bucket: dict[tuple[str, str], list[ApprovalRequest]] = defaultdict(list)
    for candidate in sorted(candidates, key=lambda r: (r.submitted_at, r.id)):
        by_bucket[(candidate.kind, bucket(candidate.requester))].append(candidate)
    found = {}
    for request in requests:
        if request.status not in COUNTED or request.kind not in ctx.policy.split_kinds:
            continue
        start = request.submitted_at - window
        earlier = [r for r in by_bucket[(request.kind, bucket(request.requester))]
                   if start <= r.submitted_at <= request.submitted_at and r.id < request.id]
        split = split_among(ctx, request, earlier)
        if split is not None:
            found[request.id] = split
    return found


def _missing_steps(ctx: BaseContext, request: ApprovalRequest) -> list[Problem]:
    """P3/P4: every step the chain requires for this amount was signed (or legitimately skipped)."""
    unmatched = list(request.steps)
    problems = []
    for rule in ctx.policy.chains.get(request.kind, ()):
        if rule.min_amount_wan is not None and Decimal(request.amount_fen) < Decimal(str(rule.min_amount_wan)) * 1_000_000:
            continue
        step = next((s for s in unmatched if s.role == rule.role), None)
        if step is not None:
            unmatched.remove(step)
            if step.status == "approved" or (step.status == "skipped" and step.note in LEGITIMATE_SKIPS):
                continue
        clause = "P4" if rule.min_amount_wan is not None else "P3"
        role = ROLE_LABELS.get(rule.role, rule.role)
        found = "记录中没有这一步" if step is None else f"这一步状态为「{step.status}」"
        problems.append(Problem(clause, f"金额 {format_money(request.amount_fen)} 需要{rule.label}（{role}），"
                                        f"申请却已通过，{found}"))
    return problems


def emergencies(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P5: an emergency's post-hoc approval is complete within emergency_backfill_hours."""
    limit = timedelta(hours=ctx.policy.emergency_backfill_hours)
    records = []
    for request in _submitted(ctx, scope, emergency_only=True):
        record = Record("emergencies", str(request.id), _request_label(ctx, request))
        due = request.submitted_at + limit
        where = f"登记于 {when(ctx, request.submitted_at)}，应在 {when(ctx, due)} 前补办完成"
        if request.status == "approved" and request.finished_at and request.finished_at > due:
            record.problems.append(Problem("P5", f"{where}，实际 {when(ctx, request.finished_at)} 才完成，"
                                                 f"晚了 {how_late(request.finished_at - due)}"))
        elif request.status == "rejected":
            record.problems.append(Problem("P5", f"已先行执行，补办审批于 {when(ctx, request.finished_at)} 被驳回"))
        elif request.status in ("withdrawn", "failed"):
            record.problems.append(Problem("P5", f"已先行执行，补办审批未完成（{request.status}）"))
        elif request.status == "pending" and scope.as_of > due:
            record.problems.append(Problem("P5", f"{where}，截至审计仍未完成"))
        records.append(record)
    return records


def minutes(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P9: minutes within minutes_due_hours of the meeting's end."""
    meetings = ctx.session.scalars(select(Meeting).where(
        Meeting.status != "cancelled", Meeting.ends_at >= scope.start, Meeting.ends_at < scope.end).order_by(Meeting.id))
    records = []
    for meeting in meetings:
        record = Record("minutes", str(meeting.id),
                        f"会议 #{meeting.id}「{meeting.title}」{when(ctx, meeting.starts_at)}（记录人 {ctx.org.name(meeting.minute_taker)}）")
        done = meeting.minutes
        if done is not None and done.submitted_at > done.due_at:
            record.problems.append(Problem("P9", f"纪要迟交 {how_late(done.submitted_at - done.due_at)}"
                                                 f"（截止 {when(ctx, done.due_at)}，提交于 {when(ctx, done.submitted_at)}）"))
        elif done is None and meeting.minutes_due_at <= scope.as_of:
            record.problems.append(Problem("P9", f"纪要缺失（截止 {when(ctx, meeting.minutes_due_at)}，截至审计未提交）"))
        records.append(record)
    return records


def _item_label(ctx: BaseContext, item: ActionItem) -> str:
    return f"决议 #{item.id}「{item.text}」（会议 #{item.meeting_id}）"


def resolutions(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P12: every resolution has an owner within decision_owner_hours of the minutes."""
    items = ctx.session.scalars(select(ActionItem).where(
        ActionItem.created_at >= scope.start, ActionItem.created_at < scope.end).order_by(ActionItem.id))
    hours = ctx.policy.decision_owner_hours
    records = []
    for item in items:
        record = Record("resolutions", str(item.id), _item_label(ctx, item))
        if item.owner_assigned_at is None and item.owner_due_at <= scope.as_of:
            record.problems.append(Problem("P12", f"纪要后 {hours} 小时内没有负责人（截止 {when(ctx, item.owner_due_at)}），"
                                                  "截至审计仍未指派"))
        elif item.owner_assigned_at is not None and item.owner_assigned_at > item.owner_due_at:
            record.problems.append(Problem("P12", f"负责人 {ctx.org.name(item.owner)} 于 {when(ctx, item.owner_assigned_at)} "
                                                  f"才指派，超过 {hours} 小时时限 {how_late(item.owner_assigned_at - item.owner_due_at)}"))
        records.append(record)
    return records


def action_items(ctx: BaseContext, scope: Scope) -> list[Record]:
    """P12: action items done by their deadline (截止)."""
    items = ctx.session.scalars(select(ActionItem).where(
        ActionItem.due_at >= scope.start, ActionItem.due_at < scope.end).order_by(ActionItem.id))
    records = []
    for item in items:
        record = Record("action_items", str(item.id), _item_label(ctx, item) + f"，负责人 {ctx.org.name(item.owner)}")
        if item.status != "done":
            record.problems.append(Problem("P12", f"截止 {when(ctx, item.due_at)} 已过，截至审计未完成"))
        elif item.done_at and item.done_at > item.due_at:
            record.problems.append(Problem("P12", f"逾期 {how_late(item.done_at - item.due_at)} 完成"
                                                  f"（截止 {when(ctx, item.due_at)}，完成于 {when(ctx, item.done_at)}）"))
        records.append(record)
    return records
