"""Trends for the managers' digest (P0): each figure against the week before and the 12-week
median, and one line first that says what changed most, with its likely cause.

Weeks are Monday–Sunday in the configured time zone. A week before the bot was in use (the first
callback it ever received) has no figures: it is neither a zero nor part of the median. Each
figure is one grouped query over the 13 weeks, so the cost follows the window, not the history.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.conversation.context import JobContext
from models import ApprovalRequest, ApprovalStep, InboundCallback
from models.meeting import Meeting, Minutes

WEEKS = 12  # the median's window, before the digest's week
HEADLINE = "**变化最大**：{label} {arrow} {percent}%（{now}，上周 {before}，{weeks} 周中位 {median}）{cause}"
STEADY = "**变化最大**：各项与上周相比变化都不到 {percent}%"
COMPARE = "与上周 · {weeks} 周中位比：{figures}"
BACKLOG = "：{label}（{approver}）积压 {count} 件"
MIN_CHANGE_PERCENT = 20  # smaller week-to-week moves are noise, not news


@dataclass(frozen=True)
class Figure:
    label: str
    unit: str  # shown after the number: 小时, 件
    series: list[float | None]  # index 0: the digest's week, 1: the week before, …; None: not in use yet

    @property
    def now(self) -> float | None:
        return self.series[0]

    @property
    def before(self) -> float | None:
        return self.series[1] if len(self.series) > 1 else None

    @property
    def median(self) -> float | None:
        known = [v for v in self.series[1:] if v is not None]
        return statistics.median(known) if known else None

    def shown(self, value: float | None) -> str:
        if value is None:
            return "—"
        return f"{value:.1f} {self.unit}" if self.unit == "小时" else f"{value:g} {self.unit}"

    def change_percent(self) -> float | None:
        """(this week − the week before) ÷ the week before, in %; None without both weeks."""
        if self.now is None or not self.before:
            return None
        return (self.now - self.before) * 100 / self.before


def _week_index(moment: datetime, window_end: datetime) -> int:
    """0 for the digest's week (the 7 days before ``window_end``), 1 for the one before, …"""
    return int((window_end - moment).total_seconds() // (7 * 86400))


def _series(values: dict[int, float], in_use_weeks: int) -> list[float | None]:
    return [values.get(i, 0) if i < in_use_weeks else None for i in range(WEEKS + 1)]


@dataclass
class TrendFacts:
    """The 13 weeks' records read once for every digest and indexed by person (the requester, or
    the minute taker), so that each recipient's figures cost the size of their scope."""

    in_use: int  # how many of the 13 weeks the bot was in use (0: none)
    submitted: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # week → count
    rejected: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    hours: dict[str, dict[int, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    late: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # minutes late or missing
    waiting: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # (label, approver) now


def read_trends(ctx: JobContext, window_end: datetime) -> TrendFacts:
    """Every figure's records of the 13 weeks before ``window_end`` (this Monday 00:00, local)."""
    session = ctx.session
    start = window_end - timedelta(weeks=WEEKS + 1)
    first = session.scalar(select(func.min(InboundCallback.received_at)))
    facts = TrendFacts(0 if first is None else max(0, min(WEEKS + 1, _week_index(first, window_end) + 1)))
    for requester, at, status in session.execute(select(
            ApprovalRequest.requester, ApprovalRequest.submitted_at, ApprovalRequest.status).where(
            ApprovalRequest.submitted_at >= start, ApprovalRequest.submitted_at < window_end)):
        facts.submitted[requester][_week_index(at, window_end)] += 1
        facts.rejected[requester][_week_index(at, window_end)] += status == "rejected"
    for requester, started, decided in session.execute(select(
            ApprovalRequest.requester, ApprovalStep.started_at, ApprovalStep.decided_at).join(ApprovalRequest).where(
            ApprovalStep.decided_at >= start, ApprovalStep.decided_at < window_end,
            ApprovalStep.status.in_(("approved", "rejected")), ApprovalStep.started_at.is_not(None))):
        facts.hours[requester][_week_index(decided, window_end)].append((decided - started).total_seconds() / 3600)
    for taker, submitted_at, due in session.execute(select(
            Meeting.minute_taker, Minutes.submitted_at, Meeting.minutes_due_at)
            .outerjoin(Minutes, Minutes.meeting_id == Meeting.id).where(
            Meeting.status != "cancelled", Meeting.minutes_due_at >= start, Meeting.minutes_due_at < window_end)):
        if submitted_at is None or submitted_at > due:
            facts.late[taker][_week_index(due, window_end)] += 1
    for requester, label, approver in session.execute(select(
            ApprovalRequest.requester, ApprovalStep.label, ApprovalStep.approver).join(ApprovalRequest).where(
            ApprovalStep.status == "pending", ApprovalRequest.status == "pending")):
        if approver:
            facts.waiting[requester][(label, approver)] += 1
    return facts


def _summed(per_person: dict[str, Counter], people: set[str]) -> Counter:
    total = Counter()
    for userid in people:
        if userid in per_person:
            total.update(per_person[userid])
    return total


def figures(facts: TrendFacts, people: set[str]) -> list[Figure]:
    """The digest's figures for ``people``' records, week by week."""
    hours: dict[int, list[float]] = defaultdict(list)
    for userid in people:
        for week, values in facts.hours.get(userid, {}).items():
            hours[week].extend(values)
    series_hours = [statistics.median(hours[i]) if i < facts.in_use and hours.get(i) else None
                    for i in range(WEEKS + 1)]
    return [Figure("审批用时中位数", "小时", series_hours),
            Figure("提交申请", "件", _series(_summed(facts.submitted, people), facts.in_use)),
            Figure("驳回", "件", _series(_summed(facts.rejected, people), facts.in_use)),
            Figure("纪要迟交或缺失", "件", _series(_summed(facts.late, people), facts.in_use))]


def _backlog(ctx: JobContext, facts: TrendFacts, people: set[str]) -> str:
    """The approver with the most steps waiting now on ``people``' requests: the usual cause."""
    waiting = _summed(facts.waiting, people)
    if not waiting:
        return ""
    (label, approver), count = waiting.most_common(1)[0]
    return BACKLOG.format(label=label, approver=ctx.org.name(approver), count=count) if count > 1 else ""


def trend_lines(ctx: JobContext, facts: TrendFacts, people: set[str]) -> list[str]:
    """Two lines: what changed most (or that nothing moved much), then every figure compared."""
    items = figures(facts, people)
    moving = [(abs(f.change_percent()), f) for f in items if f.change_percent() is not None]
    moving = [(size, f) for size, f in moving if size >= MIN_CHANGE_PERCENT]
    lines = []
    if moving:
        _, top = max(moving, key=lambda pair: pair[0])
        change = top.change_percent()
        cause = _backlog(ctx, facts, people) if top.label == "审批用时中位数" and change > 0 else ""
        lines.append(HEADLINE.format(label=top.label, arrow="↑" if change > 0 else "↓", percent=f"{abs(change):.0f}",
                                     now=top.shown(top.now), before=top.shown(top.before), weeks=WEEKS,
                                     median=top.shown(top.median), cause=cause))
    elif any(f.before is not None for f in items):
        lines.append(STEADY.format(percent=MIN_CHANGE_PERCENT))
    compared = [f"{f.label} {f.shown(f.now)}（{f.shown(f.before)} · {f.shown(f.median)}）"
                for f in items if f.now is not None]
    if compared and any(f.before is not None for f in items):
        lines.append(COMPARE.format(weeks=WEEKS, figures=" · ".join(compared)))
    return lines
