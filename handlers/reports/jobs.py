"""Report jobs (P10): remind before the deadline, tell leaders and the director who is missing after it.

Every send goes through the notification ledger, so a job re-run for the same period sends
nothing twice. The jobs decide from the working calendar whether today is the (possibly moved)
reminder or deadline day, so they may safely run every day at their time.
"""
from __future__ import annotations

from datetime import timedelta

from bot.conversation.context import JobContext
from bot.conversation.router import job
from bot.org.in_use import in_use
from handlers.reports.periods import Period, latest_past_deadline, previous_period, report_owers, weekly_period, when
from handlers.reports.views import (group_name, group_statuses, owers_by_group, period_reports, period_status,
                                    send_summary, split_status, summarise)

REMIND = ("⏰ {kind}提醒：{period}的{kind}请在 {deadline} 前提交（P10）。\n"
          "直接发「{kind} {start}」即可，发「{kind}模板」获取模板。")
REPORT_STARTS = {"weekly": "本周完成…", "monthly": "本月完成…", "annual": "年度成果…"}  # as each template begins
OVERDUE_SELF = "⚠️ 你{period}的{kind}已过截止时间（{deadline}），仍未提交。现在补交会记为迟交，发「{kind} …」即可。"
OVERDUE_SELF_WEEKLY = " 下周一起补交请发「周报 上周 …」。"
LEADER_MISSING = ("📋 {period}{kind}已截止（{deadline}）。{group} 还有 {count} 人未交：{names}。\n"
                  "请提醒他们尽快补交；发「{kind} 汇总」查看本组已交的{kind}。")
LEADER_OWN_MISSING = "\n你自己的{kind}也还没交，发「{kind} …」补交（记为迟交）。"
LEADER_OTHERS_IN = "✅ {period}{kind}已截止（{deadline}），{group} 其他人都已交（按时 {on_time}，迟交 {late}）。发「{kind} 汇总」查看。"
LEADER_ALL_IN = "✅ {period}{kind}已截止（{deadline}），{group} 全部已交（按时 {on_time}，迟交 {late}）。发「{kind} 汇总」查看。"
OVERDUE_WINDOW = timedelta(days=3)  # only for the period that just closed (a moved deadline is ≤ 2 days early)


def _bulk_once(ctx: JobContext, kind: str, period: str, userids: list[str]) -> list[str]:
    """Record (kind, period, userid) in the ledger for those not yet in it (and within their
    reminder budget); return them.

    One batched send then reaches them all (the outbox splits it into ≤1000 userids per call)."""
    return [u for _, u, _ in ctx.claim_once(kind, [(period, u, "") for u in userids])]


def remind_missing(ctx: JobContext, period: Period) -> list[str]:
    """Remind everyone who owes a report for ``period`` and has not submitted it (not those the
    bot was not in use for by its deadline: ``bot.org.in_use``)."""
    owers = in_use(ctx).members(report_owers(ctx.org, ctx.policy), period.deadline)
    status = period_status(ctx.session, period, owers)
    targets = _bulk_once(ctx, "report_remind", f"{period.kind}:{period.key}", [m.userid for m in status.missing])
    if targets:
        ctx.send_text(targets, REMIND.format(kind=period.kind_label, period=period.label,
                                             deadline=when(period.deadline, ctx.settings.tz),
                                             start=REPORT_STARTS.get(period.kind, "…")))
    return targets


def announce_overdue(ctx: JobContext, period: Period) -> None:
    """After the deadline: each leader gets their group's missing list, the director one summary
    (counts and missing names per group; the reports inline or as a spreadsheet), and each late
    person a nudge. One query reads the period's reports."""
    tz, ledger_period = ctx.settings.tz, f"{period.kind}:{period.key}"
    facts = dict(kind=period.kind_label, period=period.label, deadline=when(period.deadline, tz))
    reports = period_reports(ctx.session, period)
    statuses = group_statuses(ctx, period, reports=reports)
    missing_all: list[str] = []
    leaders: dict[tuple[str, str], str] = {}  # (leader, group) → their text
    for group_id in owers_by_group(ctx):
        leader = ctx.org.groups[group_id]["leader"] if group_id in ctx.org.groups else None
        # One status per group for everyone who reads it: a leader who owes a report is in the list
        # the director sees, so the leader's own message counts them too.
        status = statuses[group_id]
        if not (status.missing or status.on_time or status.late):
            continue  # nobody in the group owed it (the bot was not in use for them yet)
        missing_all += [m.userid for m in status.missing]
        if leader and ctx.org.get(leader):
            # Nobody is asked to remind themselves: the leader's own missing report is said apart.
            others = [m.name for m in status.missing if m.userid != leader]
            own = LEADER_OWN_MISSING.format(kind=period.kind_label) if len(others) < len(status.missing) else ""
            leaders[(leader, group_id)] = (
                LEADER_MISSING.format(group=group_name(ctx, group_id), count=len(others), names="、".join(others),
                                      **facts) + own
                if others else
                (LEADER_OTHERS_IN if own else LEADER_ALL_IN).format(
                    group=group_name(ctx, group_id), on_time=len(status.on_time), late=len(status.late), **facts) + own)
    for _, leader, group_id in ctx.claim_once("report_overdue_leader",
                                              [(ledger_period, leader, group) for leader, group in leaders]):
        ctx.send_text(leader, leaders[(leader, group_id)])
    director = ctx.org.director_id
    if not any(s.missing or s.on_time or s.late for s in statuses.values()):
        return  # the period was due before the bot was in use for anyone
    if director and ctx.org.get(director) and _bulk_once(ctx, "report_overdue_director", ledger_period, [director]):
        send_summary(ctx, director, summarise(ctx, period, statuses))
    late_people = _bulk_once(ctx, "report_overdue_self", ledger_period, missing_all)
    if late_people:
        note = OVERDUE_SELF_WEEKLY if period.kind == "weekly" else ""
        ctx.send_text(late_people, OVERDUE_SELF.format(**facts) + note)


@job("weekly_report_reminder")
def weekly_report_reminder(ctx: JobContext) -> None:
    """P10: before the weekly deadline, remind those who have not submitted (once per week)."""
    period = weekly_period(ctx.now.astimezone(ctx.settings.tz).date(), ctx.policy, ctx.settings.tz)
    if period.deadline is None or not period.remind_at <= ctx.now < period.deadline:
        return  # not the (possibly moved) reminder day, or already past the deadline
    remind_missing(ctx, period)


@job("weekly_report_overdue")
def weekly_report_overdue(ctx: JobContext) -> None:
    """P10: after the weekly deadline, leaders and the director learn who is missing."""
    period = latest_past_deadline("weekly", ctx.now, ctx.policy, ctx.settings.tz)
    if period is not None and ctx.now - period.deadline < OVERDUE_WINDOW:
        announce_overdue(ctx, period)


@job("monthly_report_reminder")
def monthly_report_reminder(ctx: JobContext) -> None:
    """P10: monthly and annual reports: remind on the deadline day, announce who is missing after it."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    for kind in ("monthly", "annual"):
        period = previous_period(kind, ctx.now, ctx.policy, ctx.settings.tz)
        if period.deadline.astimezone(ctx.settings.tz).date() == today and ctx.now < period.deadline:
            remind_missing(ctx, period)
        elif period.deadline <= ctx.now < period.deadline + OVERDUE_WINDOW:
            announce_overdue(ctx, period)
