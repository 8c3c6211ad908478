"""The quarterly evaluation by the superior (P13), organised by the director: one card at a time
per rater, rating buttons 优秀 / 良好 / 合格 / 待改进, then the KPI figures and a comment in chat,
then the next card. 「评估 下一位」 (or the card's 下一位) puts a card at the end of the queue.

A rating is stored with a conditional UPDATE (… WHERE rating IS NULL), so simultaneous taps on
a card — the same button or different ones — store exactly one rating.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select, update

from bot.wecom.cards import button_card, replace_button
from bot.conversation.context import BaseContext, Context, Reply
from bot.conversation.router import intent, on_card, on_flow, on_flow_cancel, on_flow_timeout
from handlers.people.common import RATING_LABELS, SKIP_WORDS, leave_other_flow
from handlers.people.periods import quarter_label, when
from handlers.people.promotion import check_promotion
from handlers.people.worklog import fact_fields
from models import Evaluation
from models.evaluation import RATINGS

EVAL_FLOW = "people.evaluation"
CARD_TITLE = "{quarter}评估 · {name}"
CARD_DESC = "第 {index}/{total} 位 · 请选择评级（P13）"
CARD_SUB = "评级后我会请你填 KPI 和评语；发「评估 下一位」可先评别人。截止 {deadline}"
ASK_KPI = "已评 {name}「{rating}」。请回复 {name} 本季度「{kpi}」的实际值{unit}{target}，例如 {example}；没有数据回复「跳过」。"
ASK_COMMENT = "{lead}请写一句对 {name} 的评语（只有 {name}、你和总监能看到），不写请回复「跳过」。"
RATED_LEAD = "已评 {name}「{rating}」。"
BAD_FIGURE = "没看懂「{text}」。请只回复数字，例如 {example}；没有数据回复「跳过」。"
SAVED = "✅ 已保存对 {name} 的评估：{rating}{kpis}{comment}。"
NEXT_SENT = "下一位的卡片已发给你。"
ALL_DONE = "🎉 {quarter}你负责的 {total} 位都已评完，谢谢！总监可发「评估进度」查看全部门进度。"
NOT_YOUR_CARD = "这张评估卡片由 {rater} 评级，你的操作没有生效。"
ALREADY_RATED = "{name} 已评为「{rating}」，这次操作没有生效。"
STALE = "这张评估卡片已失效。发「评估」重新获取你当前要评的卡片。"
SKIPPED_ONLY_ONE = "只剩 {name} 一位了，请直接在卡片上评级。"
SKIPPED = "好的，{name} 放到最后再评。"
NOTHING_OPEN = "你目前没有待评估的同事。总监可发「评估进度」查看全部门进度。"
USAGE = "发「评估」重新获取当前卡片，「评估 下一位」先评别人，「评估进度」看进度，「评估结果」看你的评估。"
CANCELLED = "好的，{name} 的评级已保存，未填写{missing}。"
TIMED_OUT = "{name} 的评级已保存（{minutes} 分钟没有收到{missing}，已跳过）。"
NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?")


def kpis_for(ctx: BaseContext, row: Evaluation) -> list:
    """P13: the KPIs of the rated person's department (``[[policy.kpis]]``)."""
    return [k for k in ctx.policy.kpis if k.department == row.department_id]


def _queue(ctx: BaseContext, rater: str, status: str):
    return (select(Evaluation).where(Evaluation.rater == rater, Evaluation.status == status)
            .order_by(Evaluation.quarter, Evaluation.position, Evaluation.id))


def card_next(ctx: BaseContext, rater: str, resend: bool = False) -> Evaluation | None:
    """Send ``rater`` the card they should rate now, unless they already hold one (``resend``
    sends that one again). One card at a time: never a wall of cards. Returns the row carded."""
    current = ctx.session.scalars(_queue(ctx, rater, "carded").limit(1)).first()
    carded_here = getattr(ctx, "people_carded", set())
    if current is not None and (not resend or current.id in carded_here):
        return None
    if current is None:
        current = ctx.session.scalars(_queue(ctx, rater, "waiting").limit(1)).first()
        if current is None:
            return None
        current.status = "carded"
    ctx.send_card(rater, evaluation_card(ctx, current))
    ctx.people_carded = carded_here | {current.id}
    return current


def evaluation_card(ctx: BaseContext, row: Evaluation) -> dict:
    """The rater's card for ``row``: the quarter's facts, four ratings and 下一位."""
    counts = ctx.session.execute(select(func.count(), func.count(Evaluation.rating)).where(
        Evaluation.rater == row.rater, Evaluation.quarter == row.quarter)).one()
    subject = ctx.org.get(row.subject)
    fields = [("小组", subject.group_name if subject and subject.group_name else "—")] + fact_fields(row.facts or {})
    kpis = kpis_for(ctx, row)
    if kpis and len(fields) < 6:
        fields.append(("KPI", "、".join(k.name for k in kpis)))
    row.task_id = f"eval_{row.id}_{secrets.token_hex(4)}"
    buttons = [(RATING_LABELS[code], f"evaluation:{code}:{row.id}", "primary" if code == "excellent" else "outline")
               for code in RATINGS] + [("下一位", f"evaluation:skip:{row.id}", "grey")]
    return button_card(row.task_id, CARD_TITLE.format(quarter=quarter_label(row.quarter), name=ctx.org.name(row.subject)),
                       CARD_DESC.format(index=counts[1] + 1, total=counts[0]), fields[:6], buttons,
                       sub_title=CARD_SUB.format(deadline=when(row.due_at, ctx.settings.tz)))


def _grey(ctx: Context, label: str, text: str) -> Reply:
    if ctx.message and ctx.message.response_code:
        ctx.update_card(ctx.userid, ctx.message.response_code, replace_button(label))
        return Reply(text=text, button=label)
    return Reply(text=text)


@on_card("evaluation")
def tap(ctx: Context) -> Reply:
    """Evaluation card taps: a rating, or 下一位, by the card's rater only."""
    parts = (ctx.message.event_key or "").split(":")
    if len(parts) != 3 or parts[1] not in (*RATINGS, "skip"):
        return Reply(text=STALE)
    row = ctx.fetch(Evaluation, parts[2])
    if row is None:
        return Reply(text=STALE)
    if row.rater != ctx.userid:
        return Reply(text=NOT_YOUR_CARD.format(rater=ctx.org.name(row.rater)))
    if parts[1] == "skip":
        return Reply(text=skip(ctx, row))
    won = ctx.session.execute(
        update(Evaluation).where(Evaluation.id == row.id, Evaluation.rating.is_(None))
        .values(rating=parts[1], status="rated", rated_at=ctx.now)
        .execution_options(synchronize_session=False)).rowcount == 1
    ctx.session.expire_all()  # the other tap may have won
    row = ctx.session.get(Evaluation, row.id)
    name, rating = ctx.org.name(row.subject), RATING_LABELS.get(row.rating, row.rating)
    if not won:
        return Reply(text=ALREADY_RATED.format(name=name, rating=rating), button=f"已评：{rating}")
    ctx.audit(ctx.userid, "rated", "evaluation", row.id, quarter=row.quarter, subject=row.subject, rating=row.rating)
    check_promotion(ctx, row)
    if ctx.conversation.active and ctx.conversation.flow == EVAL_FLOW:
        ctx.conversation.end()  # an earlier card's comment was still open: it stays empty
    leave_other_flow(ctx, EVAL_FLOW)
    return _grey(ctx, f"已评：{rating}", _ask(ctx, row, 0))


def _ask(ctx: Context, row: Evaluation, index: int) -> str:
    """Ask for KPI ``index`` (or the comment when the KPIs are done) and set the flow's state."""
    name, rating = ctx.org.name(row.subject), RATING_LABELS[row.rating]
    kpis = kpis_for(ctx, row)
    if index < len(kpis):
        kpi = kpis[index]
        ctx.conversation.start(EVAL_FLOW, "KPI", {"evaluation_id": row.id, "index": index})
        target = f"，目标 {kpi.target:g}{kpi.unit}" if kpi.target is not None else ""
        return ASK_KPI.format(name=name, rating=rating, kpi=kpi.name, unit=f"（{kpi.unit}）" if kpi.unit else "",
                              target=target, example=_example(kpi))
    ctx.conversation.start(EVAL_FLOW, "COMMENT", {"evaluation_id": row.id})
    return ASK_COMMENT.format(lead="" if kpis else RATED_LEAD.format(name=name, rating=rating), name=name)


def _example(kpi) -> str:
    return f"{kpi.target:g}" if kpi.target is not None else "95"


@on_flow(EVAL_FLOW, label="季度评估", answers=("people.evaluation",))  # 「评估 下一位」 answers it
def answer(ctx: Context) -> str | None:
    """The rater's KPI figures, then the comment; then the next card."""
    data = ctx.conversation.data
    row = ctx.session.get(Evaluation, data.get("evaluation_id"))
    text = (ctx.message.text or "").strip()
    if row is None:
        ctx.conversation.end()
        return STALE
    if text in ("下一位", "评估 下一位", "评估下一位"):
        text = "跳过"
    if ctx.conversation.state == "KPI":
        kpi = kpis_for(ctx, row)[data["index"]]
        match = NUMBER.match(text.replace(",", "").replace("，", ""))
        if text not in SKIP_WORDS and not match:
            ctx.conversation.advance("KPI")
            return BAD_FIGURE.format(text=text[:20], example=_example(kpi))
        row.kpis = {**(row.kpis or {}), kpi.name: float(match.group()) if match and text not in SKIP_WORDS else None}
        return _ask(ctx, row, data["index"] + 1)
    ctx.conversation.end()
    row.comment = "" if text in SKIP_WORDS else text[:500]
    ctx.audit(ctx.userid, "commented", "evaluation", row.id, kpis=row.kpis or {})
    figures = "".join(f"，{name} {value:g}" for name, value in (row.kpis or {}).items() if value is not None)
    comment = f"，评语：{row.comment}" if row.comment else ""
    summary = SAVED.format(name=ctx.org.name(row.subject), rating=RATING_LABELS[row.rating], kpis=figures,
                           comment=comment)
    ctx.send_text(ctx.userid, summary + "\n" + _next_or_done(ctx, row, send=False))  # the text, then the card
    card_next(ctx, row.rater)
    return None


def _next_or_done(ctx: BaseContext, row: Evaluation, send: bool = True) -> str:
    """What comes next for the rater: the next card (sent now unless ``send`` is False), nothing
    while they hold one, or the round is done for them."""
    if ctx.session.scalars(_queue(ctx, row.rater, "carded").limit(1)).first() is not None:
        return ""
    if ctx.session.scalars(_queue(ctx, row.rater, "waiting").limit(1)).first() is not None:
        if send:
            card_next(ctx, row.rater)
        return NEXT_SENT
    total = ctx.session.scalar(select(func.count()).where(Evaluation.rater == row.rater,
                                                          Evaluation.quarter == row.quarter))
    return ALL_DONE.format(quarter=quarter_label(row.quarter), total=total)


def _missing(ctx: Context) -> str:
    return "KPI 和评语" if ctx.conversation.state == "KPI" else "评语"


@on_flow_cancel(EVAL_FLOW)
def cancel(ctx: Context) -> str:
    """取消 (or another command) during the KPI/comment questions: the rating stays, the next card comes."""
    row = ctx.session.get(Evaluation, ctx.conversation.data.get("evaluation_id"))
    if row is None:
        return STALE
    return CANCELLED.format(name=ctx.org.name(row.subject), missing=_missing(ctx)) + _next_or_done(ctx, row)


@on_flow_timeout(EVAL_FLOW)
def timed_out(ctx: Context) -> str | None:
    """No answer within the conversation timeout: keep the rating, send the next card."""
    row = ctx.session.get(Evaluation, ctx.conversation.data.get("evaluation_id"))
    if row is None:
        return None
    return TIMED_OUT.format(name=ctx.org.name(row.subject), minutes=ctx.policy.conversation_timeout_minutes,
                            missing=_missing(ctx)) + _next_or_done(ctx, row)


def skip(ctx: Context, row: Evaluation) -> str:
    """Put ``row`` (the card the rater holds) at the end of their queue and card the next one."""
    if row.status != "carded":
        return STALE
    if ctx.session.scalars(_queue(ctx, row.rater, "waiting").limit(1)).first() is None:
        return SKIPPED_ONLY_ONE.format(name=ctx.org.name(row.subject))
    last = ctx.session.scalar(select(func.max(Evaluation.position)).where(
        Evaluation.rater == row.rater, Evaluation.quarter == row.quarter))
    moved = ctx.session.execute(
        update(Evaluation).where(Evaluation.id == row.id, Evaluation.status == "carded")
        .values(status="waiting", position=(last or 0) + 1).execution_options(synchronize_session=False)).rowcount
    ctx.session.expire_all()
    if moved != 1:
        return STALE
    card_next(ctx, row.rater)
    return SKIPPED.format(name=ctx.org.name(row.subject)) + NEXT_SENT


@intent("people.evaluation", "评估", summary="季度评估：重新获取当前卡片；「评估 下一位」先评别人（P13）",
        example="评估 下一位", roles=("group_leader", "director"))
def evaluate(ctx: Context) -> str | None:
    """P13: 评估 re-sends the card the rater holds; 评估 下一位 skips it for now."""
    args = (ctx.args or "").strip()
    current = ctx.session.scalars(_queue(ctx, ctx.userid, "carded").limit(1)).first()
    if args in ("下一位", "跳过", "下一个"):
        return skip(ctx, current) if current is not None else NOTHING_OPEN
    if args not in ("", "继续"):
        return USAGE
    if card_next(ctx, ctx.userid, resend=True) is None:
        return NOTHING_OPEN if current is None else None
    return None
