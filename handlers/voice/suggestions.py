"""Suggestions (P20): collected, numbered, answered, and their authors told what became of them.

建议 <内容> (匿名建议 <内容> or 建议 匿名 <内容> to stay anonymous) goes to the director;
回复建议 <编号> 采纳|暂缓|不采纳 <说明> answers it and the author is told — an anonymous author
too, while nothing the director (or the audit log) sees names them. 建议列表: the director sees
every suggestion, others their own. Open ones older than ``policy.suggestion_answer_days`` are
listed in the director's Monday digest (``handlers.digest``).
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.context import BaseContext, Context
from bot.dates import format_datetime
from bot.quoting import markdown_inline, text_block, text_inline
from bot.router import intent
from models import Suggestion

EXAMPLE = "建议 周报模板增加「需要的支持」一栏"
ANONYMOUS_EXAMPLE = "匿名建议 希望例会控制在一小时内"
ANSWER_EXAMPLE = "回复建议 3 采纳 下周起试行"
HOWTO = "请在「建议」后面写上内容，例如：\n" + EXAMPLE + "\n不想署名就发：" + ANONYMOUS_EXAMPLE
RECEIVED = "✅ 已收到你的建议 #{id}，已转给 {director}{anonymous}。有答复我会第一时间告诉你。发「建议列表」查看你的建议。"
ANONYMOUS_NOTE = "（匿名：总监看不到你的名字）"
TO_DIRECTOR = "💡 新建议 #{id}（{author}，P20）：\n{content}\n答复请发「回复建议 {id} 采纳|暂缓|不采纳 说明」，我会转告提建议的人。"
ANONYMOUS = "匿名"
ANSWER_HOWTO = "请写成：回复建议 编号 采纳|暂缓|不采纳 说明，例如：" + ANSWER_EXAMPLE
ANSWER_FORBIDDEN = "只有总监可以答复建议（P20）。想提建议可以发：" + EXAMPLE
UNKNOWN = "没有找到建议 #{id}。发「建议列表」查看编号。"
TO_AUTHOR = "💡 你的建议 #{id}「{excerpt}」有了答复：{verdict}（{director}）。\n说明：\n{note}"
ANSWERED = "✅ 已答复建议 #{id}：{verdict}，已转告提建议的人{anonymous}。"
ANSWERED_ANONYMOUS = "（匿名，你看不到是谁）"
NONE_MINE = "你还没有提过建议。想到什么可以发：" + EXAMPLE
NONE_AT_ALL = "还没有收到建议。"
LIST_HEADER = "建议（待答复 {open} 条）："
VERDICTS = {"采纳": "adopted", "暂缓": "deferred", "不采纳": "declined"}
STATUS = {"open": "待答复", "adopted": "已采纳", "deferred": "暂缓", "declined": "不采纳"}
DIGEST_LINE = "**建议**：待答复 {open} 条，超过 {days} 天未答复 {late} 条"
DIGEST_ITEM = "· #{id}（{day}，已 {age} 天）{excerpt}"
DIGEST_LIMIT = 5
LIST_LIMIT = 20
_ANSWER = re.compile(r"^[#＃]?(\d{1,9})\s*(不采纳|采纳|暂缓)[\s:：,，]*(.*)$", re.S)
_ANONYMOUS_PREFIX = re.compile(r"^匿名[\s:：,，]*")


def _submit(ctx: Context, text: str, anonymous: bool) -> str:
    text = text.strip()
    if not text:
        return HOWTO
    suggestion = Suggestion(author=ctx.userid, anonymous=anonymous, content=text[:2000], status="open",
                            created_at=ctx.now)
    ctx.session.add(suggestion)
    ctx.session.flush()
    # P20: an anonymous author stays out of the audit log too.
    ctx.audit(ANONYMOUS if anonymous else ctx.userid, "suggested", "suggestion", suggestion.id, anonymous=anonymous)
    director = ctx.org.director_id
    if director and director != ctx.userid:
        ctx.send_text(director, TO_DIRECTOR.format(id=suggestion.id, author=ANONYMOUS if anonymous else ctx.user.name,
                                                   content=text_block(text, 1500)))
    return RECEIVED.format(id=suggestion.id, director=ctx.org.name(director),
                           anonymous=ANONYMOUS_NOTE if anonymous else "")


@intent("suggestion.submit", "建议", "提建议", summary="提改进建议，总监答复后会告诉你（P20）", example=EXAMPLE)
def suggest(ctx: Context) -> str:
    """P20: a suggestion (「建议 匿名 …」 for an anonymous one) goes to the director."""
    anonymous = _ANONYMOUS_PREFIX.match(ctx.args.strip())
    if anonymous:
        return _submit(ctx, ctx.args.strip()[anonymous.end():], anonymous=True)
    return _submit(ctx, ctx.args, anonymous=False)


@intent("suggestion.anonymous", "匿名建议", summary="匿名提建议：总监看不到你的名字，答复照样告诉你",
        example=ANONYMOUS_EXAMPLE)
def suggest_anonymously(ctx: Context) -> str:
    """P20: an anonymous suggestion; its author is told the answer, the director never learns who."""
    return _submit(ctx, ctx.args, anonymous=True)


@intent("suggestion.answer", "回复建议", "答复建议", summary="总监答复建议：采纳、暂缓或不采纳", example=ANSWER_EXAMPLE,
        roles=("director",), numbered=True)
def answer_suggestion(ctx: Context) -> str:
    """P20: the director answers; the author (anonymous or not) is told."""
    if ctx.userid != ctx.org.director_id:
        return ANSWER_FORBIDDEN
    match = _ANSWER.match(ctx.args.strip())
    if not match:
        return ANSWER_HOWTO
    suggestion = ctx.fetch(Suggestion, match.group(1))
    if suggestion is None:
        return UNKNOWN.format(id=match.group(1))
    verdict, note = match.group(2), match.group(3).strip()[:2000]
    suggestion.status, suggestion.answer_note = VERDICTS[verdict], note or None
    suggestion.answered_at, suggestion.answered_by = ctx.now, ctx.userid
    ctx.audit(ctx.userid, "answered", "suggestion", suggestion.id, verdict=suggestion.status, note=note)
    if suggestion.author != ctx.userid and ctx.org.get(suggestion.author):
        ctx.send_text(suggestion.author, TO_AUTHOR.format(
            id=suggestion.id, excerpt=text_inline(suggestion.content, 30), verdict=verdict, director=ctx.user.name,
            note=text_block(note or "（无）", 800)))
    return ANSWERED.format(id=suggestion.id, verdict=verdict, anonymous=ANSWERED_ANONYMOUS if suggestion.anonymous else "")


def _author(ctx: BaseContext, suggestion: Suggestion) -> str:
    return ANONYMOUS if suggestion.anonymous else ctx.org.name(suggestion.author)


@intent("suggestion.list", "建议列表", "我的建议", summary="建议列表（总监看全部，其他人看自己的）", example="建议列表")
def list_suggestions(ctx: Context) -> str:
    """P20: the director sees every suggestion (open first), anyone else their own."""
    director = ctx.userid == ctx.org.director_id
    query = select(Suggestion) if director else select(Suggestion).where(Suggestion.author == ctx.userid)
    rows = ctx.session.scalars(query.order_by(Suggestion.id.desc()).limit(200)).all()
    if not rows:
        return NONE_AT_ALL if director else NONE_MINE
    rows = sorted(rows, key=lambda s: (s.status != "open", s.id if s.status == "open" else -s.id))[:LIST_LIMIT]
    lines = [LIST_HEADER.format(open=sum(1 for s in rows if s.status == "open"))]
    for s in rows:
        who = f"{_author(ctx, s)}，" if director else ("匿名，" if s.anonymous else "")
        lines.append(f"#{s.id} {STATUS[s.status]}（{who}{format_datetime(s.created_at, ctx.settings.tz)}）"
                     f"{text_inline(s.content, 40)}")
    if director:
        lines.append("答复：" + ANSWER_EXAMPLE)
    return "\n".join(lines)


def digest_lines(ctx: BaseContext) -> list[str]:
    """P20 for the director's digest: open suggestions, and those older than suggestion_answer_days."""
    days = ctx.policy.suggestion_answer_days
    rows = ctx.session.scalars(select(Suggestion).where(Suggestion.status == "open").order_by(Suggestion.id)).all()
    late = [s for s in rows if s.created_at <= ctx.now - timedelta(days=days)]
    lines = [DIGEST_LINE.format(open=len(rows), days=days, late=len(late))]
    for s in late[:DIGEST_LIMIT]:
        lines.append(DIGEST_ITEM.format(id=s.id, day=format_datetime(s.created_at, ctx.settings.tz),
                                        age=(ctx.now - s.created_at).days, excerpt=markdown_inline(s.content, 30)))
    if len(late) > DIGEST_LIMIT:
        lines.append(f"· ……另有 {len(late) - DIGEST_LIMIT} 条，发「建议列表」查看")
    return lines
