"""Reports (P10): 周报 / 月报 / 年报 submit, 周报模板, 周报 查看, 周报 汇总.

Periods and deadlines live in ``periods``, the reminder and overdue jobs in ``jobs``, the
views (查看, 汇总) in ``views``.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.conversation.context import Context, Reply
from bot.conversation.router import intent, on_flow
from bot.org.in_use import in_use
from handlers.reports.periods import (KIND_LABELS, Period, annual_period, explicit_period, monthly_period,
                                     open_period, owes_reports, weekly_period, when)
from handlers.reports.views import group_statuses, send_summary, status_label, summarise
from models.report import Report

REPLACE_FLOW = "report.replace"
TEMPLATES = {
    "weekly": "【本周完成】\n1. \n【下周计划】\n1. \n【问题与风险】\n无",
    "monthly": "【本月完成】\n1. \n【下月计划】\n1. \n【问题与风险】\n无",
    "annual": "【年度成果】\n1. \n【明年计划】\n1. \n【问题与建议】\n无",
}
TEMPLATE_REPLY = ("{kind}模板如下，复制后填写，在最前面加上「{kind}」发给我即可（自由格式也可以）：\n\n"
                  "{kind}\n{template}\n\n截止时间：{deadline}")
EMPTY = "{kind}内容是空的。请在「{kind}」后面写上内容，例如：\n{kind} 本周完成：客户回访3家；下周计划：整理需求清单；问题与风险：无\n发「{kind}模板」获取模板。"
NOT_OWED = "按制度（P10），{kind}由{roles}提交，你无需提交。如有疑问请联系总监。"
BAD_PERIOD = "没看懂要交哪一期的{kind}，或那一期还没开始。例如：{example}"
PERIOD_EXAMPLES = {"monthly": "月报 11月 本月完成…", "annual": "年报 2025年 年度成果…"}
NO_DEADLINE = "本周全周放假，无需提交周报；你发的内容已保存。"
RECEIVED = "✅ 已收到你的{kind}（{period}），{status}。\n截止时间：{deadline}。发「{kind} 查看」可查看历史。"
ON_TIME = "按时提交"
LATE = "已过截止时间，记为迟交"
NOT_JUDGED = "截止时助手尚未启用，不计迟交"
CONFIRM_REPLACE = ("你已于 {at} 提交过{period}的{kind}。\n回复「确认」用新内容替换，回复「取消」保留原来的。{late}")
REPLACE_LATE_NOTE = "\n（已过截止时间，替换后将记为迟交）"
CONFIRM_AGAIN = "请回复「确认」替换{kind}，或回复「取消」保留原来的。"
REPLACED = "✅ 已用新内容替换你的{kind}（{period}），{status}。"
NO_HISTORY = "你还没有提交过{kind}。发「{kind} 本周完成…」即可提交，发「{kind}模板」获取模板。"
HISTORY_HEADER = "你最近的报告："
SUMMARY_FORBIDDEN = "只有组长（本组）和总监（全部门）可以查看{kind}汇总。发「{kind} 查看」可查看你自己的。"
CONFIRM_WORDS = {"确认", "确定", "是", "替换", "好", "好的", "yes", "y"}
ROLE_NAMES = {"specialist": "专员", "group_leader": "组长", "director": "总监", "finance": "财务", "ceo": "CEO",
              "hr": "人力资源", "compliance": "合规", "staff": "员工"}


def _kind_of(ctx: Context, default: str = "weekly") -> str:
    text = (ctx.message.text or "") if ctx.message else ""
    for kind, label in KIND_LABELS.items():
        if label in text[:4]:
            return kind
    return default


def _starts_with_kind(ctx: Context) -> bool:
    return bool(ctx.message and (ctx.message.text or "").strip()[:2] in KIND_LABELS.values())


@intent("report.weekly", "周报", summary="提交本周周报（P10）", example="周报 本周完成：… 下周计划：… 问题与风险：无")
def submit_weekly(ctx: Context) -> str:
    """Submit the sender's weekly report for this week."""
    return _submit(ctx, "weekly", ctx.args)


@intent("report.monthly", "月报", summary="提交月报（P10）", example="月报 本月完成：… 下月计划：…")
def submit_monthly(ctx: Context) -> str:
    """Submit the sender's monthly report (last month until its deadline, then this month)."""
    return _submit(ctx, "monthly", ctx.args)


@intent("report.annual", "年报", summary="提交年报（P10）", example="年报 年度成果：… 明年计划：…")
def submit_annual(ctx: Context) -> str:
    """Submit the sender's annual report (last year until its deadline, then this year)."""
    return _submit(ctx, "annual", ctx.args)


def _submit(ctx: Context, kind: str, text: str) -> str:
    label = KIND_LABELS[kind]
    text = (text or "").strip()
    if not owes_reports(ctx.user, ctx.org, ctx.policy):
        roles = "、".join(ROLE_NAMES.get(r, r) for r in ctx.policy.report_roles)
        return NOT_OWED.format(kind=label, roles=roles)
    period = open_period(kind, ctx.now, ctx.policy, ctx.settings.tz)
    named = explicit_period(kind, text, ctx.now, ctx.policy, ctx.settings.tz)
    if named is not None:
        period, text = named
        if period is None:
            return BAD_PERIOD.format(kind=label, example=PERIOD_EXAMPLES[kind])
    if not text:
        return EMPTY.format(kind=label)
    existing = ctx.session.scalar(select(Report).where(Report.kind == kind, Report.period == period.key,
                                                       Report.userid == ctx.userid))
    late, judged = _late(ctx, period)
    if existing is not None:
        late_note = REPLACE_LATE_NOTE if late else ""
        at = existing.submitted_at.astimezone(ctx.settings.tz)
        ctx.conversation.start(REPLACE_FLOW, "CONFIRM", {"kind": kind, "period": period.key, "content": text,
                                                         "start": period.start.isoformat()})
        return CONFIRM_REPLACE.format(at=f"{at.month}月{at.day}日 {at:%H:%M}", period=period.label, kind=label,
                                      late=late_note)
    deadline = period.deadline or ctx.now
    report = Report(kind=kind, period=period.key, userid=ctx.userid, group_id=ctx.user.group_id, content=text,
                    submitted_at=ctx.now, first_submitted_at=ctx.now, deadline=deadline, late=late)
    ctx.session.add(report)
    ctx.session.flush()
    ctx.audit(ctx.userid, "submitted", "report", report.id, kind=kind, period=period.key, late=late)
    if period.deadline is None:
        return NO_DEADLINE
    return RECEIVED.format(kind=label, period=period.label, status=LATE if late else ON_TIME if judged else NOT_JUDGED,
                           deadline=when(period.deadline, ctx.settings.tz))


def _late(ctx: Context, period: Period) -> tuple[bool, bool]:
    """(late, judged) for a report sent now: a period whose deadline passed before the bot was in
    use for the sender is not counted late (``bot.org.in_use``)."""
    if period.deadline is None:  # a week off owes no report
        return False, True
    judged = in_use(ctx).judged(ctx.userid, period.deadline)
    return judged and ctx.now > period.deadline, judged


@on_flow(REPLACE_FLOW, label="替换报告的确认")
def confirm_replace(ctx: Context) -> str:
    """The answer to 「回复确认替换」: replace the stored report with the new text."""
    data = ctx.conversation.data
    label = KIND_LABELS[data["kind"]]
    if (ctx.message.text or "").strip().lower() not in CONFIRM_WORDS:
        ctx.conversation.advance("CONFIRM")
        return CONFIRM_AGAIN.format(kind=label)
    ctx.conversation.end()
    report = ctx.session.scalar(select(Report).where(Report.kind == data["kind"], Report.period == data["period"],
                                                     Report.userid == ctx.userid))
    period = _period_of(ctx, data)
    late, judged = _late(ctx, period)
    report.content, report.submitted_at, report.late = data["content"], ctx.now, late
    report.revisions += 1
    ctx.audit(ctx.userid, "replaced", "report", report.id, kind=report.kind, period=report.period, late=late)
    return REPLACED.format(kind=label, period=period.label, status=LATE if late else ON_TIME if judged else NOT_JUDGED)


def _period_of(ctx: Context, data: dict) -> Period:
    start = date.fromisoformat(data["start"])
    if data["kind"] == "weekly":
        return weekly_period(start, ctx.policy, ctx.settings.tz)
    if data["kind"] == "monthly":
        return monthly_period(start.year, start.month, ctx.policy, ctx.settings.tz)
    return annual_period(start.year, ctx.policy, ctx.settings.tz)


@intent("report.template", "周报模板", "月报模板", "年报模板", "报告模板", summary="获取周报/月报/年报模板",
        example="周报模板")
def template(ctx: Context) -> str:
    """The unified template of a report kind, with its current deadline."""
    kind = _kind_of(ctx)
    period = open_period(kind, ctx.now, ctx.policy, ctx.settings.tz)
    deadline = when(period.deadline, ctx.settings.tz) if period.deadline else "本期无需提交"
    return TEMPLATE_REPLY.format(kind=KIND_LABELS[kind], template=TEMPLATES[kind], deadline=deadline)


@intent("report.mine", "周报 查看", "周报查看", "我的周报", "月报 查看", "月报查看", "年报 查看", "年报查看",
        "我的报告", summary="查看我提交过的周报、月报、年报", example="周报 查看")
def my_reports(ctx: Context) -> str:
    """The sender's own report history (nobody else's)."""
    if ctx.args and _starts_with_kind(ctx):  # 「周报 查看了三家客户…」 is a report, not a request to see one
        return _submit(ctx, _kind_of(ctx), (ctx.message.text or "")[2:])
    kind = _kind_of(ctx, default="")
    query = select(Report).where(Report.userid == ctx.userid)
    if kind:
        query = query.where(Report.kind == kind)
    # Newest period first (a late 「周报 上周 …」 handed in on Monday stays below this week's).
    rows = ctx.session.scalars(query.order_by(Report.kind.desc(), Report.period.desc(),
                                              Report.submitted_at.desc()).limit(6)).all()
    if not rows:
        return NO_HISTORY.format(kind=KIND_LABELS[kind or "weekly"])
    lines = [HISTORY_HEADER]
    for report in rows:
        at = report.submitted_at.astimezone(ctx.settings.tz)
        content = report.content if len(report.content) <= 120 else report.content[:120] + "…"
        lines.append(f"【{KIND_LABELS[report.kind]} {report.period}】{at.month}月{at.day}日 {at:%H:%M} "
                     f"{status_label(report)}\n{content}")
    return "\n\n".join(lines)


@intent("report.summary", "周报 汇总", "周报汇总", "月报 汇总", "月报汇总", "年报 汇总", "年报汇总",
        summary="组长看本组、总监看全部门的报告", example="周报 汇总", roles=("group_leader", "director"))
def summary(ctx: Context) -> Reply | str | None:
    """A group leader sees their group's reports of the current period; the director every group's."""
    if ctx.args and _starts_with_kind(ctx):
        return _submit(ctx, _kind_of(ctx), (ctx.message.text or "")[2:])
    kind = _kind_of(ctx)
    if ctx.userid == ctx.org.director_id:
        groups = [g for g in ctx.org.groups.values() if g["department"] == ctx.org.home_department]
    elif ctx.user.has("group_leader"):
        groups = [g for g in ctx.org.groups.values() if g["leader"] == ctx.userid]
    else:
        return SUMMARY_FORBIDDEN.format(kind=KIND_LABELS[kind])
    period = open_period(kind, ctx.now, ctx.policy, ctx.settings.tz)
    scope = None if ctx.userid == ctx.org.director_id else [g["id"] for g in groups]
    statuses = group_statuses(ctx, period, scope)
    send_summary(ctx, ctx.userid, summarise(ctx, period, statuses, scope))  # one message (+ a spreadsheet)
    return None
