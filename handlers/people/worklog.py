"""A person's work log (P13), read from what the bot already stores: weekly reports (P10), action
items (P12), approval requests (P3) and self-evaluations.

``draft`` builds the prefilled monthly self-evaluation; ``quarter_facts`` the facts a rater sees
on the quarterly card. Both only read.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.conversation.context import BaseContext
from bot.org.in_use import in_use
from bot.text.dates import format_day
from bot.text.quoting import text_inline
from handlers.people.common import writes_self_evaluation
from handlers.people.periods import Month, Quarter, month_period
from handlers.reports.periods import owes_reports, weekly_period
from models import ApprovalRequest, SelfEvaluation
from models.meeting import ActionItem
from models.report import Report

LINE_CHARS = 60  # per report or item in the draft, so the draft fits one message
MAX_ITEMS = 5  # per kind of action item in the draft
DRAFT = ("自评\n【本月工作】\n{weeks}\n【决议事项】\n{items}\n【自我评价】\n亮点：\n不足：\n下月改进：")
NO_REPORT = "未交周报"
BEFORE_USE = "—（均在助手启用前截止）"  # nothing of the quarter was due while the bot was in use
NO_ITEMS = "· 本月没有你负责的决议事项"
ITEM_KINDS = (("done", "已完成"), ("open", "进行中"), ("overdue", "已逾期"))


def _bounds(ctx: BaseContext, first: date, last: date) -> tuple[datetime, datetime]:
    tz = ctx.settings.tz
    return datetime.combine(first, time(0), tzinfo=tz), datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)


def _weeks(first: date, last: date) -> list[tuple[str, int, date]]:
    """(ISO week key, week number, Monday) of every week whose Thursday falls in [first, last]."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        if first <= monday + timedelta(days=3) <= last:
            year, week, _ = monday.isocalendar()
            weeks.append((f"{year}-W{week:02d}", week, monday))
        monday += timedelta(days=7)
    return weeks


def _items(ctx: BaseContext, userid: str, start: datetime, end: datetime) -> dict[str, list[ActionItem]]:
    """The person's action items of a period: done in it, still open, open and past due."""
    rows = ctx.session.scalars(select(ActionItem).where(ActionItem.owner == userid, ActionItem.created_at < end)
                               .order_by(ActionItem.id)).all()
    found = {"done": [], "open": [], "overdue": []}
    for item in rows:
        if item.status == "done":
            if item.done_at is not None and start <= item.done_at < end:
                found["done"].append(item)
        elif item.due_at is not None and item.due_at < min(ctx.now, end):
            found["overdue"].append(item)
        else:
            found["open"].append(item)
    return found


def draft(ctx: BaseContext, userid: str, month: Month) -> str:
    """P13: the self-evaluation prefilled from the month's weekly reports and action items. A week
    due before the bot was in use for the person is no 「未交周报」 (``bot.org.in_use``)."""
    start, end = _bounds(ctx, month.start, month.end)
    uses = in_use(ctx)
    weeks = _weeks(month.start, month.end)
    reports = {r.period: r for r in ctx.session.scalars(select(Report).where(
        Report.kind == "weekly", Report.userid == userid, Report.period.in_([key for key, _, _ in weeks])))}
    week_lines = []
    for key, number, monday in weeks:
        report = reports.get(key)
        if report is None and not uses.judged(userid, weekly_period(monday, ctx.policy, ctx.settings.tz).deadline):
            continue
        week_lines.append(f"· 第{number}周：" + (text_inline(report.content, LINE_CHARS) if report else NO_REPORT))
    item_lines = []
    for kind, label in ITEM_KINDS:
        for item in _items(ctx, userid, start, end)[kind][:MAX_ITEMS]:
            due = f"（截止 {format_day(item.due_at.astimezone(ctx.settings.tz).date())}）" if item.due_at else ""
            item_lines.append(f"· {label}：#{item.id} {text_inline(item.text, LINE_CHARS)}{due}")
    return DRAFT.format(weeks="\n".join(week_lines) or f"· {NO_REPORT}", items="\n".join(item_lines) or NO_ITEMS)


def quarter_facts(ctx: BaseContext, userid: str, quarter: Quarter) -> dict:
    """P13: the quarter's facts for the rater's card: self-evaluations (months, on time), weekly
    reports on time of those owed, action items done on time, approvals filed. Months and weeks
    due before the bot was in use for the person are not counted (``bot.org.in_use``)."""
    member = ctx.org.get(userid)
    start, end = _bounds(ctx, quarter.start, quarter.end)
    uses = in_use(ctx)
    facts: dict = {}
    if writes_self_evaluation(ctx, member):
        months = [m.key for m in (month_period(quarter.start.year, quarter.start.month + i, ctx.policy, ctx.settings.tz)
                                  for i in range(3)) if uses.judged(userid, m.deadline)]
        rows = ctx.session.scalars(select(SelfEvaluation).where(SelfEvaluation.userid == userid,
                                                                SelfEvaluation.period.in_(months))).all()
        facts["self_evaluations"] = [len(rows), sum(not r.late for r in rows), len(months)]
    if member is not None and owes_reports(member, ctx.org, ctx.policy):
        owed = [weekly_period(monday, ctx.policy, ctx.settings.tz) for _, _, monday in _weeks(quarter.start, quarter.end)]
        keys = [p.key for p in owed if uses.judged(userid, p.deadline)]
        on_time = ctx.session.scalars(select(Report.id).where(
            Report.kind == "weekly", Report.userid == userid, Report.period.in_(keys), Report.late.is_(False))).all()
        facts["weekly_reports"] = [len(on_time), len(keys)]
    items = _items(ctx, userid, start, end)
    done_on_time = [i for i in items["done"] if i.due_at is None or i.done_at <= i.due_at]
    facts["action_items"] = [len(done_on_time), len(items["done"]), len(items["overdue"])]
    facts["approvals"] = len(ctx.session.scalars(select(ApprovalRequest.id).where(
        ApprovalRequest.requester == userid, ApprovalRequest.submitted_at >= start,
        ApprovalRequest.submitted_at < end, ApprovalRequest.status.not_in(("draft", "cancelled")))).all())
    return facts


def fact_fields(facts: dict) -> list[tuple[str, str]]:
    """The facts as card fields (keyname ≤ 5 characters, value ≤ 30)."""
    fields = []
    if "self_evaluations" in facts:
        done, on_time, months = facts["self_evaluations"]
        fields.append(("月度自评", f"{done}/{months} 个月（按时 {on_time}）" if months else BEFORE_USE))
    if "weekly_reports" in facts:
        on_time, owed = facts["weekly_reports"]
        fields.append(("周报按时", f"{on_time}/{owed} 周" if owed else BEFORE_USE))
    on_time, done, overdue = facts.get("action_items", (0, 0, 0))
    fields.append(("决议事项", f"完成 {done}（按时 {on_time}），逾期 {overdue}"))
    fields.append(("审批申请", f"{facts.get('approvals', 0)} 件"))
    return fields
