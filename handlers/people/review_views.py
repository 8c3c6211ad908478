"""Reading evaluations (P13): 评估进度 for the director (and a leader's own share), 评估结果 for
the person, their rater and the director — everyone else is refused."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation.context import BaseContext, Context
from bot.org.in_use import in_use
from bot.text.quoting import text_block, text_inline
from handlers.people.common import RATING_LABELS, find_member, may_see_rating, self_evaluators
from handlers.people.periods import current_month, month_period, quarter_label, when
from handlers.people.self_evaluation import submitted_userids
from bot.conversation.router import intent
from models import Evaluation

PROGRESS_FORBIDDEN = "评估进度只有总监（全部门）和组长（自己负责的部分）可以查看。发「评估结果」查看你自己的评估。"
PROGRESS_HEADER = "📊 {quarter}评估进度（截止 {deadline}）：已评 {done}/{total}"
PROGRESS_NONE = "还没有开始季度评估（每季度结束后的第一个工作日开始）。"
RATER_LINE = "• {rater}：{done}/{total}{rest}"
SELF_LINE = "📝 {month}自评（截止 {deadline}）：已交 {done}/{total}{rest}"
RESULT_FORBIDDEN = "按制度（P13），评估结果只有本人、其评估人和总监可以查看。发「评估结果」查看你自己的。"
RESULT_UNKNOWN = "通讯录里没有「{name}」。请用通讯录里的姓名，例如：评估结果 张三"
RESULT_NONE = "{name} 还没有季度评估结果。"
RESULT_HEADER = "{name}的季度评估："


def _names(ctx: BaseContext, userids: list[str]) -> str:
    shown = "、".join(ctx.org.name(u) for u in userids[:10])
    return shown + (f" 等 {len(userids)} 人" if len(userids) > 10 else "")


@intent("people.evaluation.progress", "评估进度", summary="季度评估和月度自评的进度（总监看全部门，组长看自己的）",
        example="评估进度", roles=("director", "group_leader"))
def progress(ctx: Context) -> str:
    """P13: the director sees every rater's progress and the month's self-evaluations; a group
    leader sees their own share."""
    director = ctx.userid == ctx.org.director_id
    if not director and not ctx.user.has("group_leader"):
        return PROGRESS_FORBIDDEN
    lines = []
    quarter = ctx.session.scalar(select(func.max(Evaluation.quarter)))
    if quarter is None:
        lines.append(PROGRESS_NONE)
    else:
        query = select(Evaluation).where(Evaluation.quarter == quarter).order_by(Evaluation.id)  # groups, then leaders
        if not director:
            query = query.where(Evaluation.rater == ctx.userid)
        rows = ctx.session.scalars(query).all()
        by_rater: dict[str, list[Evaluation]] = {}
        for row in rows:
            by_rater.setdefault(row.rater, []).append(row)
        done = sum(1 for r in rows if r.rating)
        deadline = when(rows[0].due_at, ctx.settings.tz) if rows else "—"
        lines.append(PROGRESS_HEADER.format(quarter=quarter_label(quarter), deadline=deadline, done=done, total=len(rows)))
        for rater, own in by_rater.items():
            missing = [r.subject for r in own if not r.rating]
            lines.append(RATER_LINE.format(rater=ctx.org.name(rater), done=len(own) - len(missing), total=len(own),
                                           rest=f"，未评：{_names(ctx, missing)}" if missing else " ✓"))
    month, uses = current_month(ctx.now, ctx.policy, ctx.settings.tz), in_use(ctx)
    if not uses.served(month.deadline):  # last month was due before the install: this month's (bot.org.in_use)
        today = ctx.now.astimezone(ctx.settings.tz).date()
        month = month_period(today.year, today.month, ctx.policy, ctx.settings.tz)
    writers = uses.members((m for m in self_evaluators(ctx) if director or ctx.org.group_leader(m.group_id) == ctx.user),
                           month.deadline)
    submitted = submitted_userids(ctx, month.key)
    missing = [m.userid for m in writers if m.userid not in submitted]
    lines.append(SELF_LINE.format(month=month.label, deadline=when(month.deadline, ctx.settings.tz),
                                  done=len(writers) - len(missing), total=len(writers),
                                  rest=f"，未交：{_names(ctx, missing)}" if missing else ""))
    return "\n".join(lines)


@intent("people.evaluation.result", "评估结果", "我的评估", summary="查看季度评估结果（本人、评估人和总监可见）",
        example="评估结果")
def results(ctx: Context) -> str:
    """P13: ratings, KPI figures and comments, for the person, their rater and the director only."""
    name = (ctx.args or "").strip()
    member = find_member(ctx, name) if name else ctx.user
    if member is None:
        return RESULT_UNKNOWN.format(name=text_inline(name, 20))
    rows = ctx.session.scalars(select(Evaluation).where(Evaluation.subject == member.userid)
                               .order_by(Evaluation.quarter.desc()).limit(8)).all()
    raters = {r.rater for r in rows}
    if not may_see_rating(ctx, ctx.userid, member.userid, raters):
        return RESULT_FORBIDDEN
    if ctx.userid not in (member.userid, ctx.org.director_id):
        rows = [r for r in rows if r.rater == ctx.userid]  # a rater sees the ratings they gave
    rows = [r for r in rows if r.rating]
    if not rows:
        return RESULT_NONE.format(name="你" if member.userid == ctx.userid else member.name)
    lines = [RESULT_HEADER.format(name="你" if member.userid == ctx.userid else member.name)]
    for row in rows[:4]:
        figures = "；".join(f"{k} {v:g}" for k, v in (row.kpis or {}).items() if v is not None)
        lines.append(f"【{quarter_label(row.quarter)}】{RATING_LABELS[row.rating]}（评估人 {ctx.org.name(row.rater)}）"
                     + (f"\nKPI：{figures}" if figures else ""))
        if row.comment:
            lines.append("评语：\n" + text_block(row.comment))
    return "\n".join(lines)
