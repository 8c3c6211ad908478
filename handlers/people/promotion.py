"""Promotion and rewards (P2, P13, P14): the notice after ``policy.promotion_quarters``
consecutive 优秀, the annual promotion list (director and HR), and 表彰 by the director."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.conversation.context import BaseContext, Context
from bot.text.dates import format_day
from bot.text.quoting import markdown_inline, text_inline
from bot.conversation.router import intent
from handlers.people.common import RATING_LABELS, find_member, rated_people, sample_specialist
from handlers.people.periods import promotion_review_day, quarter_key_before
from models import Commendation, Evaluation

QUALIFIED = ("🎖 晋升提示（P2、P13）：{name}（{group}）已连续 {count} 个季度评为优秀（{first}—{last}），"
             "符合晋升条件。年度晋升评审（{review}）会列出全年名单；发「晋升名单」随时查看。")
LIST_HEADER = "## {year}年度晋升评审名单（P2、P13）\n连续 {quarters} 个季度优秀即符合晋升条件 · 评审日 {review}"
LIST_QUALIFIED = "✅ 符合晋升条件"
LIST_EMPTY = "今年还没有季度评估记录。"
LIST_FORBIDDEN = "晋升名单只有总监和人力资源可以查看。发「评估结果」查看你自己的评估。"
COMMEND_FORBIDDEN = "按制度（P14），表彰由总监记录。如想推荐同事，请告诉你的组长或总监。"
COMMEND_USAGE = "请这样写：表彰 姓名 事由，例如：表彰 {name} 客户满意度季度第一"
COMMEND_UNKNOWN = "通讯录里没有「{name}」，这次没有记录。请用通讯录里的姓名，例如：表彰 {example} 客户满意度季度第一"
COMMENDED = "🏅 已记录对 {name} 的表彰（P14），已通知 {name}；它会出现在年度晋升评审名单里。"
COMMENDED_PERSON = "🏅 {director} 表彰了你（P14）：\n{reason}\n这份表彰会记入年度晋升评审名单。继续加油！"


def _ratings(ctx: BaseContext, subject: str) -> dict[str, str]:
    rows = ctx.session.execute(select(Evaluation.quarter, Evaluation.rating).where(
        Evaluation.subject == subject, Evaluation.rating.is_not(None))).all()
    return {quarter: rating for quarter, rating in rows}


def streak_ending(ratings: dict[str, str], quarter: str) -> int:
    """How many consecutive 优秀 quarters end with ``quarter``."""
    count = 0
    while ratings.get(quarter) == "excellent":
        count, quarter = count + 1, quarter_key_before(quarter)
    return count


def check_promotion(ctx: BaseContext, row: Evaluation) -> None:
    """P13: after ``policy.promotion_quarters`` consecutive 优秀, tell the director and HR (once per
    quarter that completes such a run, whatever order the quarters were rated in)."""
    if row.rating != "excellent":
        return
    ratings = _ratings(ctx, row.subject)
    needed = max(ctx.policy.promotion_quarters, 1)
    for quarter in sorted(q for q, r in ratings.items() if r == "excellent" and q >= row.quarter):
        count = streak_ending(ratings, quarter)
        if count < needed:
            continue
        first = quarter
        for _ in range(count - 1):
            first = quarter_key_before(first)
        member = ctx.org.get(row.subject)
        year = int(quarter[:4])
        text = QUALIFIED.format(name=ctx.org.name(row.subject), group=member.group_name if member and member.group_name
                                else "—", count=count, first=first, last=quarter,
                                review=format_day(promotion_review_day(year, ctx.policy)))
        for recipient in dict.fromkeys([ctx.org.director_id, *ctx.org.hr_ids]):
            if recipient and ctx.org.get(recipient):
                ctx.notify_once("promotion_qualified", quarter, recipient, row.subject, text=text)
        ctx.audit("system:people", "promotion_qualified", "evaluation", row.id, subject=row.subject,
                  quarters=count, last=quarter)
        return


def promotion_list(ctx: BaseContext, year: int) -> str:
    """P2: the year's list for the promotion review: each person's quarter ratings, KPI figures
    against their targets (P14: beating a target earns extra reward), commendations, and whether
    they qualify (a run of ``policy.promotion_quarters`` 优秀 ending this year). Markdown."""
    keys = [f"{year}Q{n}" for n in range(1, 5)]
    start = datetime(year, 1, 1, tzinfo=ctx.settings.tz)
    end = datetime(year + 1, 1, 1, tzinfo=ctx.settings.tz)
    praise: dict[str, list[Commendation]] = {}
    for c in ctx.session.scalars(select(Commendation).where(Commendation.created_at >= start,
                                                            Commendation.created_at < end).order_by(Commendation.id)):
        praise.setdefault(c.userid, []).append(c)
    entries = []
    for member, _ in rated_people(ctx):
        ratings = _ratings(ctx, member.userid)
        rows = {r.quarter: r for r in ctx.session.scalars(select(Evaluation).where(
            Evaluation.subject == member.userid, Evaluation.quarter.in_(keys)))}
        if not rows and member.userid not in praise:
            continue
        best = max((streak_ending(ratings, k) for k in keys), default=0)
        qualified = best >= max(ctx.policy.promotion_quarters, 1)
        lines = [f"**{markdown_inline(member.name)}**（{member.group_name or '—'}）" + (f" {LIST_QUALIFIED}" if qualified else "")]
        lines.append(" · ".join(f"Q{k[-1]} {RATING_LABELS.get(rows[k].rating, '未评') if k in rows else '—'}" for k in keys))
        lines += _kpi_lines(ctx, rows)
        lines += [f"表彰：{format_day(c.created_at.astimezone(ctx.settings.tz).date())} {markdown_inline(c.reason, 40)}"
                  for c in praise.get(member.userid, [])]
        excellent = sum(1 for k in keys if k in rows and rows[k].rating == "excellent")
        entries.append(((not qualified, -excellent), "\n".join(lines)))
    header = LIST_HEADER.format(year=year, quarters=ctx.policy.promotion_quarters,
                                review=format_day(promotion_review_day(year, ctx.policy)))
    if not entries:
        return header + "\n\n" + LIST_EMPTY
    return header + "\n\n" + "\n\n".join(text for _, text in sorted(entries, key=lambda e: e[0]))


def _kpi_lines(ctx: BaseContext, rows: dict[str, Evaluation]) -> list[str]:
    lines = []
    for kpi in ctx.policy.kpis:
        figures = [(k[-1], r.kpis.get(kpi.name)) for k, r in sorted(rows.items())
                   if r.kpis and r.kpis.get(kpi.name) is not None and r.department_id == kpi.department]
        if not figures:
            continue
        beaten = sum(1 for _, v in figures if kpi.target is not None and v > kpi.target)
        target = f"（目标 {kpi.target:g}{kpi.unit}{f'，超额 {beaten} 次' if beaten else ''}）" if kpi.target is not None else ""
        lines.append(f"KPI {kpi.name}：" + " · ".join(f"Q{q} {v:g}{kpi.unit}" for q, v in figures) + target)
    return lines


@intent("people.promotion_list", "晋升名单", summary="年度晋升评审名单（总监、人力资源）", example="晋升名单 2026",
        roles=("director", "hr"))
def show_promotion_list(ctx: Context) -> str | None:
    """P2: the director and HR see the year's promotion list; everyone else is refused."""
    if ctx.userid != ctx.org.director_id and ctx.userid not in ctx.org.hr_ids:
        return LIST_FORBIDDEN
    today = ctx.now.astimezone(ctx.settings.tz).date()
    args = (ctx.args or "").strip().rstrip("年")
    year = int(args) if args.isdigit() and 2000 <= int(args) <= today.year else today.year
    ctx.send_markdown(ctx.userid, promotion_list(ctx, year))
    return None


@intent("people.commend", "表彰", summary="总监记录表彰，本人会收到通知（P14）", example="表彰 张三 客户满意度季度第一",
        roles=("director",))
def commend(ctx: Context) -> str:
    """P14: the director records a commendation; the person is told; it joins the annual list."""
    if ctx.userid != ctx.org.director_id:
        return COMMEND_FORBIDDEN
    parts = (ctx.args or "").strip().split(maxsplit=1)
    if len(parts) < 2:
        return COMMEND_USAGE.format(name=sample_specialist(ctx))
    member = find_member(ctx, parts[0])
    if member is None:
        return COMMEND_UNKNOWN.format(name=text_inline(parts[0], 20), example=sample_specialist(ctx))
    reason = parts[1].strip()[:500]
    row = Commendation(userid=member.userid, reason=reason, given_by=ctx.userid, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(ctx.userid, "commended", "commendation", row.id, userid=member.userid)
    if member.userid != ctx.userid:
        ctx.send_text(member.userid, COMMENDED_PERSON.format(director=ctx.org.name(ctx.userid),
                                                             reason=text_inline(reason)))
    return COMMENDED.format(name=member.name)

