"""The people jobs (P2, P13). They run every day at ``policy.evaluation_time`` and decide from the
working calendar whether today asks, reminds or reports; every send goes through the ledger, so
a re-run the same day sends nothing twice.

- ``self_evaluation_reminder``: from the Nth-to-last working day of a month each specialist gets
  a prefilled draft; the ones still missing are reminded every ``evaluation_remind_every_days``
  until the due day (the Nth working day of the next month); after it each group leader gets
  their missing list.
- ``superior_evaluation_reminder``: on the first working day after a quarter the round opens
  (one card at a time per rater); raters are reminded until it is due; then the director gets
  the missing list.
- ``promotion_review``: on ``policy.promotion_review`` the director and HR get the year's list.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.text.workdays import is_working_day
from bot.conversation.context import JobContext
from bot.conversation.router import job
from bot.org.in_use import in_use
from handlers.people.common import rated_people, self_evaluators
from handlers.people.periods import Month, Quarter, month_period, previous_quarter, promotion_review_day, when
from handlers.people.promotion import promotion_list
from handlers.people.reviews import card_next
from handlers.people.self_evaluation import submitted_userids
from handlers.people.worklog import draft, quarter_facts
from models import Evaluation, NotificationLedger

ASK = "📝 {month}自评提醒（P13）：请在 {deadline} 前提交本月自评。\n下面是根据你本月周报和决议事项生成的草稿，复制后修改，整段发给我即可：\n\n{draft}"
REMIND = "⏰ {month}的自评还没有提交，截止 {deadline}（P13）。发「自评」获取草稿，修改后发「自评 …」提交。"
LEADER_MISSING = "📋 {month}自评已截止（{deadline}）。{scope}还有 {count} 人未交：{names}。请提醒他们尽快补交（发「自评 {month_short} …」）。"
LEADER_ALL_IN = "✅ {month}自评已截止（{deadline}），{scope}全部已交。组长可发「查看自评 姓名」查看。"
RATER_REMIND = "⏰ {quarter}评估：你还有 {count} 位同事待评（截止 {deadline}）。当前的卡片再发你一次；发「评估 下一位」可先评别人。"
DIRECTOR_MISSING = "⚠️ {quarter}评估已截止（{deadline}），还有 {count} 位未评：\n{lines}\n请督促评估人完成；发「评估进度」查看。"
INTRO = ("📋 {quarter}评估开始了（P13，由总监组织）：请为 {count} 位同事评级，截止 {deadline}。\n"
         "卡片一张一张发来：评级后我会请你填 KPI 和评语，然后发下一张。发「评估 下一位」可先评别人。")
DIRECTOR_ALL_DONE = "✅ {quarter}评估已截止（{deadline}），全部 {total} 位已评完。发「评估进度」查看。"
AFTER_DEADLINE = timedelta(days=7)  # the missing lists go out within a week after the deadline


def _due_today(ctx: JobContext, start, every: int) -> bool:
    """Whether a repeated reminder is due today: a working day, every ``every`` days from ``start``."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    return is_working_day(today) and (today - start).days % max(every, 1) == 0


def _ask_month(ctx: JobContext, month: Month) -> None:
    """P13: the draft on the first run in the window, then the repeated reminders (batched)."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    submitted = submitted_userids(ctx, month.key)
    deadline = when(month.deadline, ctx.settings.tz)
    # not those the bot was not in use for by the month's deadline (bot.org.in_use)
    missing = [m for m in in_use(ctx).members(self_evaluators(ctx), month.deadline) if m.userid not in submitted]
    asked = set(ctx.session.scalars(select(NotificationLedger.recipient).where(
        NotificationLedger.kind == "self_evaluation_ask", NotificationLedger.period == month.key)))
    # a draft reads the work log: build it only for those not asked yet (once per month each)
    asked_now = [m.userid for m in missing if m.userid not in asked
                 and ctx.notify_once("self_evaluation_ask", month.key, m.userid,
                                     text=ASK.format(month=month.label, deadline=deadline,
                                                     draft=draft(ctx, m.userid, month)))]
    reminded_today = f"{month.key}:{today}"
    _bulk_once(ctx, "self_evaluation_remind", reminded_today, asked_now, month.key)  # the draft is today's reminder
    if not _due_today(ctx, month.remind_on, ctx.policy.evaluation_remind_every_days):
        return
    fresh = _bulk_once(ctx, "self_evaluation_remind", reminded_today, [m.userid for m in missing], month.key)
    if fresh:  # one batched send (the outbox splits it by 1000 userids)
        ctx.send_text(fresh, REMIND.format(month=month.label, deadline=deadline))


def _bulk_once(ctx: JobContext, kind: str, period: str, userids: list[str], item: str) -> list[str]:
    """Record (kind, period, userid, item) in the ledger for those not yet in it and within their
    reminder budget (one item — the month — reminded again and again: its cadence ends); return them."""
    return [u for _, u, _ in ctx.claim_once(kind, [(period, u, item) for u in userids], repeats=True)]


def _report_missing(ctx: JobContext, month: Month) -> None:
    """P13: after the deadline each superior (the group leader) gets their missing list once."""
    submitted = submitted_userids(ctx, month.key)
    by_superior: dict[str, list] = {}
    for member in in_use(ctx).members(self_evaluators(ctx), month.deadline):  # bot.org.in_use
        superior = ctx.org.superior(member)
        if superior is not None:
            by_superior.setdefault(superior.userid, []).append(member)
    for superior, members in by_superior.items():
        missing = [m.name for m in members if m.userid not in submitted]
        leader = ctx.org.group_leader(members[0].group_id)
        scope = members[0].group_name if leader is not None and leader.userid == superior else "你负责的专员中"
        facts = dict(month=month.label, deadline=when(month.deadline, ctx.settings.tz), scope=scope)
        text = (LEADER_MISSING.format(count=len(missing), names="、".join(missing),
                                      month_short=f"{month.start.month}月", **facts)
                if missing else LEADER_ALL_IN.format(**facts))
        ctx.notify_once("self_evaluation_missing", month.key, superior, text=text)


@job("self_evaluation_reminder")
def self_evaluation_reminder(ctx: JobContext) -> None:
    """P13: ask for the monthly self-evaluation with a prefilled draft, remind, report who is missing."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    last = today.replace(day=1) - timedelta(days=1)
    for month in (month_period(last.year, last.month, ctx.policy, ctx.settings.tz),
                  month_period(today.year, today.month, ctx.policy, ctx.settings.tz)):
        if month.remind_on <= today and ctx.now <= month.deadline:
            _ask_month(ctx, month)
        elif month.deadline < ctx.now < month.deadline + AFTER_DEADLINE:
            _report_missing(ctx, month)


def open_round(ctx: JobContext, quarter: Quarter) -> bool:
    """P13: create the quarter's evaluations (once) and send each rater the first card. True if
    the round opened now."""
    rated = set(ctx.session.scalars(select(Evaluation.subject).where(Evaluation.quarter == quarter.key)))
    if rated:
        return False
    counts: dict[str, int] = {}
    for member, rater in rated_people(ctx):
        counts[rater.userid] = counts.get(rater.userid, 0) + 1
        ctx.session.add(Evaluation(quarter=quarter.key, subject=member.userid, rater=rater.userid,
                                   group_id=member.group_id, department_id=member.department_id,
                                   position=counts[rater.userid], status="waiting",
                                   facts=quarter_facts(ctx, member.userid, quarter),
                                   created_at=ctx.now, due_at=quarter.deadline))
    ctx.session.flush()
    ctx.audit("system:people", "round_opened", "evaluation", quarter.key, raters=sorted(counts))
    for rater, count in counts.items():  # what is asked (one text), then the first card
        ctx.send_text(rater, INTRO.format(quarter=quarter.label, count=count,
                                          deadline=when(quarter.deadline, ctx.settings.tz)))
        card_next(ctx, rater)
    return True


def _remind_raters(ctx: JobContext, quarter: Quarter) -> None:
    today = ctx.now.astimezone(ctx.settings.tz).date()
    open_rows = ctx.session.scalars(select(Evaluation).where(Evaluation.quarter == quarter.key,
                                                             Evaluation.rating.is_(None))).all()
    counts: dict[str, int] = {}
    for row in open_rows:
        counts[row.rater] = counts.get(row.rater, 0) + 1
    for rater, count in counts.items():
        if ctx.notify_once("evaluation_remind", f"{quarter.key}:{today}", rater, quarter.key, repeats=True,
                           text=RATER_REMIND.format(quarter=quarter.label, count=count,
                                                    deadline=when(quarter.deadline, ctx.settings.tz))):
            card_next(ctx, rater, resend=True)


def _report_unrated(ctx: JobContext, quarter: Quarter) -> None:
    rows = ctx.session.scalars(select(Evaluation).where(Evaluation.quarter == quarter.key)).all()
    director = ctx.org.director_id
    if not rows or not director:
        return
    missing: dict[str, list[str]] = {}
    for row in rows:
        if not row.rating:
            missing.setdefault(row.rater, []).append(ctx.org.name(row.subject))
    deadline = when(quarter.deadline, ctx.settings.tz)
    text = (DIRECTOR_MISSING.format(quarter=quarter.label, deadline=deadline, count=sum(map(len, missing.values())),
                                    lines="\n".join(f"• {ctx.org.name(r)}：{'、'.join(n)}" for r, n in missing.items()))
            if missing else DIRECTOR_ALL_DONE.format(quarter=quarter.label, deadline=deadline, total=len(rows)))
    ctx.notify_once("evaluation_missing", quarter.key, director, text=text)


@job("superior_evaluation_reminder")
def superior_evaluation_reminder(ctx: JobContext) -> None:
    """P13: open the quarter's evaluation round, remind raters until it is due, then tell the director."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    quarter = previous_quarter(today, ctx.policy, ctx.settings.tz)
    if today < quarter.opens_on:
        return
    if ctx.now <= quarter.deadline:
        if is_working_day(today) and not open_round(ctx, quarter) and \
                _due_today(ctx, quarter.opens_on, ctx.policy.evaluation_remind_every_days):
            _remind_raters(ctx, quarter)
    elif ctx.now < quarter.deadline + AFTER_DEADLINE:
        _report_unrated(ctx, quarter)


@job("promotion_review")
def promotion_review(ctx: JobContext) -> None:
    """P2: on the annual review day the director and HR get the year's promotion list."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    if today != promotion_review_day(today.year, ctx.policy):
        return
    text = promotion_list(ctx, today.year)
    for recipient in dict.fromkeys([ctx.org.director_id, *ctx.org.hr_ids]):
        if recipient and ctx.org.get(recipient):
            ctx.notify_once("promotion_review", str(today.year), recipient, markdown=text)
