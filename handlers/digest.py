"""The managers' weekly digest (P0): last week's numbers for the director (the department) and
each group leader (their group), computed from the stored records and the audit log only."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from bot.conversation.context import JobContext
from bot.conversation.router import job
from bot.org.in_use import in_use
from handlers.holiday_notice import december_note
from handlers.reports.periods import report_owers, weekly_period
from handlers.reports.views import period_reports
from handlers.sync.collaborations import all_collaborations, sync_days, week_key
from handlers.trends import TrendFacts, read_trends, trend_lines
from handlers.voice.suggestions import digest_lines as suggestion_lines
from handlers.waiting import TITLE as WAITING_TITLE, personal_digest, waiting_lines
from models import ApprovalRequest, ApprovalStep, AuditEntry
from models.collaboration import SyncUpdate
from models.meeting import ActionItem, Meeting, Minutes
from models.report import Report

HEADER = "## 管理周报 · {period}\n范围：{scope}"
APPROVALS = "**审批**：提交 {submitted} · 通过 {approved} · 驳回 {rejected}"
STEP_TIMES = "每步审批用时中位数：{overall}（{by_label}）"
NO_STEPS = "每步审批用时中位数：上周无审批决定"
MINUTES = "**会议纪要**：按时 {on_time} · 迟交 {late} · 缺失 {missing}"
DECISIONS = "**决议**：无负责人 {ownerless} · 逾期待办 {overdue}"
REPORTS = "**周报**：按时 {on_time} · 迟交 {late} · 未交 {missing}"
NO_REPORTS = "**周报**：上周放假，无需提交"
SYNC = "**协作同步**：{done}/{expected} 方已同步（{percent}）"
NO_SYNC = "**协作同步**：无需同步的协作"


@dataclass(frozen=True)
class Window:
    start: datetime  # last Monday 00:00, local time
    end: datetime  # this Monday 00:00

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def last_week(ctx: JobContext) -> Window:
    today = ctx.now.astimezone(ctx.settings.tz).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=ctx.settings.tz)
    return Window(monday - timedelta(days=7), monday)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} 小时"


@dataclass
class WeekFacts:
    """Everything the digests need, read once for every recipient and indexed by person, so each
    digest costs the size of its scope (cost follows the window and the recipients, not the
    history: each query is bounded by the week or by what is still open)."""

    approvals: dict[str, Counter]  # requester → audit actions (created / completed / rejected) last week
    steps: dict[str, list[tuple[str, timedelta]]]  # requester → (step label, time to decide) last week
    minutes: dict[str, list[tuple[datetime | None, datetime]]]  # minute taker → (submitted, due) per meeting
    ownerless: dict[str, set[int]]  # attendee → open items without an owner (by index)
    overdue: dict[str, int]  # owner → open items past their deadline
    reports: dict[str, Report]  # last week's weekly reports by author
    owers: set[str]  # who owes last week's weekly report (the bot in use for them by its deadline)
    synced: set[tuple[str, str]]  # (collaboration, department) synced last week
    collaborations: list  # every collaboration (configured and registered)
    period: object  # last week's report period
    sync_owed: set[tuple[str, str]]  # (collaboration, department) whose contact owed last week's sync


def week_facts(ctx: JobContext, window: Window) -> WeekFacts:
    session = ctx.session
    in_window = lambda column: (column >= window.start, column < window.end)  # noqa: E731
    entries = session.execute(select(AuditEntry.action, AuditEntry.record_id).where(
        AuditEntry.record_type == "approval", AuditEntry.action.in_(("created", "completed", "rejected")),
        *in_window(AuditEntry.at))).all()
    ids = {int(record_id) for _, record_id in entries if record_id.isdigit()}
    requesters: dict[int, str] = {}
    for chunk in _chunks(sorted(ids)):
        requesters.update(session.execute(select(ApprovalRequest.id, ApprovalRequest.requester)
                                          .where(ApprovalRequest.id.in_(chunk))).all())
    approvals: dict[str, Counter] = defaultdict(Counter)
    for action, record_id in entries:
        if record_id.isdigit() and int(record_id) in requesters:
            approvals[requesters[int(record_id)]][action] += 1
    steps: dict[str, list] = defaultdict(list)
    for label, started, decided, requester in session.execute(
            select(ApprovalStep.label, ApprovalStep.started_at, ApprovalStep.decided_at, ApprovalRequest.requester)
            .join(ApprovalRequest).where(*in_window(ApprovalStep.decided_at),
                                         ApprovalStep.status.in_(("approved", "rejected")),
                                         ApprovalStep.started_at.is_not(None))):
        steps[requester].append((label, decided - started))
    minutes: dict[str, list] = defaultdict(list)
    for taker, submitted, due in session.execute(
            select(Meeting.minute_taker, Minutes.submitted_at, Meeting.minutes_due_at)
            .outerjoin(Minutes, Minutes.meeting_id == Meeting.id)
            .where(Meeting.status != "cancelled", *in_window(Meeting.minutes_due_at))):
        minutes[taker].append((submitted, due))
    ownerless: dict[str, set[int]] = defaultdict(set)
    for index, attendees in enumerate(session.scalars(
            select(Meeting.attendees).join(ActionItem).where(ActionItem.status == "open", ActionItem.owner.is_(None)))):
        for userid in attendees or []:
            ownerless[userid].add(index)
    overdue = dict(session.execute(select(ActionItem.owner, func.count()).where(
        ActionItem.status == "open", ActionItem.owner.is_not(None), ActionItem.due_at < ctx.now)
        .group_by(ActionItem.owner)).all())
    period = weekly_period(window.start.date(), ctx.policy, ctx.settings.tz)
    synced = {(u.collaboration, u.department_id) for u in session.execute(
        select(SyncUpdate.collaboration, SyncUpdate.department_id).where(SyncUpdate.week == week_key(window.start, ctx)))}
    uses = in_use(ctx)  # bot.org.in_use: a week due before the bot was in use for someone is not theirs
    collaborations = all_collaborations(ctx)
    sync_due = sync_days(window.start, ctx)[1]
    sync_owed = {(c.name, d) for c in collaborations for d, u in c.contacts.items() if uses.judged(u, sync_due)}
    return WeekFacts(approvals, steps, minutes, ownerless, overdue, period_reports(session, period),
                     {m.userid for m in uses.members(report_owers(ctx.org, ctx.policy), period.deadline)}, synced,
                     collaborations, period, sync_owed)


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def approval_lines(facts: WeekFacts, people: set[str]) -> list[str]:
    """Requests submitted / approved / rejected last week (audit log), median time per step."""
    counts: Counter = Counter()
    by_label: dict[str, list[timedelta]] = {}
    for userid in people:
        counts.update(facts.approvals.get(userid, ()))
        for label, duration in facts.steps.get(userid, ()):
            by_label.setdefault(label, []).append(duration)
    lines = [APPROVALS.format(submitted=counts["created"], approved=counts["completed"], rejected=counts["rejected"])]
    if not by_label:
        return lines + [NO_STEPS]
    overall = statistics.median(d for durations in by_label.values() for d in durations)
    labels = " · ".join(f"{label} {_hours(statistics.median(d))}" for label, d in sorted(by_label.items()))
    return lines + [STEP_TIMES.format(overall=_hours(overall), by_label=labels)]


def meeting_lines(facts: WeekFacts, people: set[str]) -> list[str]:
    """P9 minutes due last week: on time / late / missing; P12 open resolutions now."""
    mine = [pair for userid in people for pair in facts.minutes.get(userid, ())]
    on_time = sum(1 for submitted, due in mine if submitted is not None and submitted <= due)
    late = sum(1 for submitted, due in mine if submitted is not None and submitted > due)
    ownerless = len(set().union(*(facts.ownerless.get(userid, set()) for userid in people)))
    overdue = sum(facts.overdue.get(userid, 0) for userid in people)
    return [MINUTES.format(on_time=on_time, late=late, missing=len(mine) - on_time - late),
            DECISIONS.format(ownerless=ownerless, overdue=overdue)]


def report_line(ctx: JobContext, facts: WeekFacts, window: Window, people: set[str]) -> str:
    if facts.period.deadline is None:
        return NO_REPORTS
    owing = [userid for userid in people if userid in facts.owers]
    late = sum(1 for userid in owing if userid in facts.reports and facts.reports[userid].late)
    submitted = sum(1 for userid in owing if userid in facts.reports)
    return REPORTS.format(on_time=submitted - late, late=late, missing=len(owing) - submitted)


def sync_line(ctx: JobContext, facts: WeekFacts, people: set[str] | None) -> str:
    """P18 sides synced last week: every side for the director, the group's contacts for a leader."""
    sides = {(c.name, d) for c in facts.collaborations for d, u in c.contacts.items()
             if (people is None or u in people) and (c.name, d) in facts.sync_owed}
    if not sides:
        return NO_SYNC
    done = facts.synced & sides
    return SYNC.format(done=len(done), expected=len(sides), percent=f"{len(done) * 100 // len(sides)}%")


def digest_markdown(ctx: JobContext, facts: WeekFacts, window: Window, scope: str, people: set[str],
                    department: bool, trends: TrendFacts | None = None) -> str:
    """One recipient's digest: what changed most first (``handlers.trends``), then the figures."""
    lines = [HEADER.format(period=facts.period.label, scope=scope)]
    if trends is not None:
        lines += trend_lines(ctx, trends, people)
    lines += approval_lines(facts, people)
    lines += meeting_lines(facts, people)
    lines += [report_line(ctx, facts, window, people), sync_line(ctx, facts, None if department else people)]
    if department:  # P20: suggestions go to the director only, so only the director's digest lists them
        lines += suggestion_lines(ctx)
    return "\n".join(lines)


@job("manager_digest")
def manager_digest(ctx: JobContext) -> None:
    """P0: Monday's digest of last week: the director for the department, each leader for their group —
    with what still waits for them (issue 30: a reminder's cadence ends here); anyone else with
    something waiting gets that as a digest of their own."""
    window = last_week(ctx)
    week = week_key(window.start, ctx)
    home = ctx.org.home_department
    director = ctx.org.director
    facts = week_facts(ctx, window)
    trends = read_trends(ctx, window.end)
    waiting = waiting_lines(ctx)  # issue 30: what was reminded and still waits, instead of repeating it
    members_by_group: dict[str, set[str]] = {}
    for member in ctx.org.members.values():
        if member.group_id:
            members_by_group.setdefault(member.group_id, set()).add(member.userid)
    if director:
        people = {m.userid for m in ctx.org.members.values() if m.department_id == home}
        text = digest_markdown(ctx, facts, window, ctx.org.departments[home]["name"], people, True, trends)
        text += december_note(ctx, director.userid)  # P10: next year's 调休 not published yet, once
        text += _waiting_section(waiting.pop(director.userid, []))
        ctx.notify_once("manager_digest", week, director.userid, "department", markdown=text)
    for group in ctx.org.groups.values():
        leader = ctx.org.get(group["leader"])
        if group["department"] != home or leader is None:
            continue
        people = members_by_group.get(group["id"], set())
        ctx.notify_once("manager_digest", week, leader.userid, group["id"],
                        markdown=digest_markdown(ctx, facts, window, group["name"], people, False, trends)
                        + _waiting_section(waiting.pop(leader.userid, [])))
    this_week = week_key(ctx.now, ctx)
    for userid, found in waiting.items():  # everyone else with something waiting: a digest of their own
        ctx.notify_once("waiting_digest", this_week, userid, text=personal_digest(this_week, found))


def _waiting_section(found: list[str]) -> str:
    return "\n\n" + "\n".join([WAITING_TITLE, *found]) if found else ""
