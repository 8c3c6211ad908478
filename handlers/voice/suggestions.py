"""Suggestions (P20): collected, numbered, and shown to the director (answers: ``suggestion_answers``).

建议 <内容> goes to the director. Every clear way of asking for anonymity hides the author:
匿名建议 …, 匿名提建议 …, 建议 匿名 …, 建议（匿名）…, 建议(匿名)…, 建议【匿名】…, 提建议 匿名 …; a 匿名
glued to the text (「建议 匿名希望…」) is taken as anonymous too — the safer reading — and the
author is told so. Nothing the director (or the audit log) sees names an anonymous author.
「建议 3」 (a number only) files nothing: it shows suggestion #3 to the director or its author.
建议列表: the director sees every suggestion, others their own. Open ones older than
``policy.suggestion_answer_days`` are listed in the director's Monday digest (``handlers.digest``).
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.conversation.context import BaseContext, Context
from bot.text.dates import format_datetime
from bot.text.quoting import markdown_inline, text_block, text_inline
from bot.conversation.router import intent
from handlers.voice.cases import ascii_digits
from models import Suggestion

EXAMPLE = "建议 周报模板增加「需要的支持」一栏"
ANONYMOUS_EXAMPLE = "匿名建议 希望例会控制在一小时内"
ANSWER_EXAMPLE = "回复建议 3 采纳 下周起试行"
ANSWER_HINT = "答复：回复建议 {id} 采纳|暂缓|不采纳 说明，例如：回复建议 {id} 采纳 下周起试行"
HOWTO = "请在「建议」后面写上内容，例如：\n" + EXAMPLE + "\n不想署名就发：" + ANONYMOUS_EXAMPLE
RECEIVED = "✅ 已收到你的建议 #{id}，已转给 {director}{anonymous}。有答复我会第一时间告诉你。发「建议列表」查看你的建议。"
ANONYMOUS_NOTE = "（匿名：总监看不到你的名字）"
GLUED_NOTE = "（内容以「匿名」开头，已按匿名发送：总监看不到你的名字）"
TO_DIRECTOR = "💡 新建议 #{id}（{author}，P20）：\n{content}\n答复请发「回复建议 {id} 采纳|暂缓|不采纳 说明」，我会转告提建议的人。"
ANONYMOUS = "匿名"
NOT_FOUND = "没有编号为 {raw} 的建议。发「建议列表」查看编号。"
_FILE_HINT = "\n提建议请写上内容，例如：" + EXAMPLE + "\n查看你的建议发「建议列表」。"
# Not there and not yours read alike (issue 29).
NUMBER_UNKNOWN = "没有你能查看的编号 {raw} 的建议；只有编号不会当作新建议提交。" + _FILE_HINT
NUMBER_ONLY = NUMBER_UNKNOWN
SHOW_ANSWER_HINT = "答复请发「回复建议 {id} 采纳|暂缓|不采纳 说明」。"
NONE_MINE = "你还没有提过建议。想到什么可以发：" + EXAMPLE
NONE_AT_ALL = "还没有收到建议。"
LIST_HEADER = "建议（待答复 {open} 条）："
STATUS = {"open": "待答复", "adopted": "已采纳", "deferred": "暂缓", "declined": "不采纳"}
DIGEST_LINE = "**建议**：待答复 {open} 条，超过 {days} 天未答复 {late} 条"
DIGEST_ITEM = "· #{id}（{day}，已 {age} 天）{excerpt}"
DIGEST_LIMIT = 5
LIST_LIMIT = 20
_SEP = r"[\s:：,，、]"
# P20: 匿名 as a word of its own, or in brackets (（匿名）, (匿名), 【匿名】, [匿名]) before the text.
_ANONYMOUS_MARK = re.compile(rf"^(?:[（(【\[〔]\s*匿名\s*[）)】\]〕]|匿名(?={_SEP}|$)){_SEP}*")
_ANONYMOUS_GLUED = re.compile(r"^匿名")
_NUMBER_ONLY = re.compile(r"^[#＃]?\s*(\d+)\s*(?:查看)?$")


def _submit(ctx: Context, text: str, anonymous: bool, note: str = ANONYMOUS_NOTE) -> str:
    text = text.strip()
    if not text:
        return HOWTO
    suggestion = Suggestion(author=ctx.userid, anonymous=anonymous, content=text[:2000], status="open",
                            created_at=ctx.now)
    ctx.session.add(suggestion)
    ctx.session.flush()
    # P20: an anonymous author stays out of the audit log too.
    ctx.audit(ANONYMOUS if anonymous else ctx.userid, "suggested", "suggestion", suggestion.id, anonymous=anonymous)
    ctx.anonymous = anonymous  # the stored callback and the log line keep no sender either
    director = ctx.org.director_id
    if director and director != ctx.userid:
        ctx.send_text(director, TO_DIRECTOR.format(id=suggestion.id, author=ANONYMOUS if anonymous else ctx.user.name,
                                                   content=text_block(text, 1500)))
    return RECEIVED.format(id=suggestion.id, director=ctx.org.name(director), anonymous=note if anonymous else "")


def may_see(ctx: Context, suggestion: Suggestion) -> bool:
    """P20: a suggestion is the director's and its author's to look at."""
    return ctx.userid in (ctx.org.director_id, suggestion.author)


def describe(ctx: Context, suggestion: Suggestion) -> str:
    """One suggestion as the director (never the anonymous author's name) or its author sees it."""
    director = ctx.userid == ctx.org.director_id
    who = _author(ctx, suggestion) if director else ("匿名" if suggestion.anonymous else "你提的")
    lines = [f"建议 #{suggestion.id} · {STATUS[suggestion.status]}（{who}，"
             f"{format_datetime(suggestion.created_at, ctx.settings.tz)}）", text_block(suggestion.content, 1500)]
    if suggestion.status != "open":
        lines.append(f"答复（{ctx.org.name(suggestion.answered_by)}，"
                     f"{format_datetime(suggestion.answered_at, ctx.settings.tz)}）：{STATUS[suggestion.status]}")
        lines.append(text_block(suggestion.answer_note or "（无）", 800))
    elif director:
        lines.append(SHOW_ANSWER_HINT.format(id=suggestion.id))
    return "\n".join(lines)


def _number_only(ctx: Context, raw: str) -> str:
    """「建议 3」: show #3 to whoever may see it; file nothing either way (P20)."""
    raw = ascii_digits(raw)
    suggestion = ctx.fetch(Suggestion, raw)
    if suggestion is not None and may_see(ctx, suggestion):
        return describe(ctx, suggestion)
    return (NUMBER_UNKNOWN if suggestion is None else NUMBER_ONLY).format(raw=raw)


@intent("suggestion.submit", "建议", "提建议", summary="提改进建议，总监答复后会告诉你（P20）", example=EXAMPLE)
def suggest(ctx: Context) -> str:
    """P20: a suggestion goes to the director; any anonymous marker before it hides the author."""
    text = ctx.args.strip()
    number = _NUMBER_ONLY.match(text)
    if number:
        return _number_only(ctx, number.group(1))
    marked = _ANONYMOUS_MARK.match(text)
    if marked:
        return _submit(ctx, text[marked.end():], anonymous=True)
    if _ANONYMOUS_GLUED.match(text):  # 「建议 匿名希望…」: the safer reading, and the author is told
        return _submit(ctx, text[2:], anonymous=True, note=GLUED_NOTE)
    return _submit(ctx, text, anonymous=False)


@intent("suggestion.anonymous", "匿名建议", "匿名提建议", "提匿名建议",
        summary="匿名提建议：总监看不到你的名字，答复照样告诉你", example=ANONYMOUS_EXAMPLE)
def suggest_anonymously(ctx: Context) -> str:
    """P20: an anonymous suggestion; its author is told the answer, the director never learns who."""
    text = ctx.args.strip()
    marked = _ANONYMOUS_MARK.match(text)
    return _submit(ctx, text[marked.end():] if marked else text, anonymous=True)


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
    first_open = next((s for s in rows if s.status == "open"), None)  # the example names a real open one
    lines.append(ANSWER_HINT.format(id=first_open.id) if director and first_open else
                 "" if director else "发「建议 编号」查看答复详情。")
    return "\n".join(line for line in lines if line)


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
