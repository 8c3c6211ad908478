"""Answering suggestions (P20): 回复建议 <编号> 采纳|暂缓|不采纳 <说明> by the director; the author
is told — an anonymous author too, without the director learning who it was.

A suggestion is answered once: a second 回复建议 for it is refused with the earlier verdict and
how to change it; 回复建议 <编号> 改为 暂缓 <说明> changes the verdict and tells the author it changed.
"""
from __future__ import annotations

import re

from sqlalchemy import update

from bot.conversation.context import Context
from bot.text.dates import format_datetime
from bot.text.quoting import text_block, text_inline
from bot.conversation.router import intent
from handlers.voice.cases import ascii_digits
from handlers.voice.suggestions import ANSWER_EXAMPLE, EXAMPLE, NOT_FOUND, STATUS
from models import Suggestion

ANSWER_HOWTO = "请写成：回复建议 编号 采纳|暂缓|不采纳 说明，例如：" + ANSWER_EXAMPLE
ANSWER_FORBIDDEN = "只有总监可以答复建议（P20）。想提建议可以发：" + EXAMPLE
TO_AUTHOR = "💡 你的建议 #{id}「{excerpt}」有了答复：{verdict}（{director}）。\n说明：\n{note}"
TO_AUTHOR_CHANGED = "💡 你的建议 #{id}「{excerpt}」的答复改了：由「{before}」改为「{verdict}」（{director}）。\n说明：\n{note}"
ANSWERED = "✅ 已答复建议 #{id}：{verdict}，已转告提建议的人{anonymous}。"
CHANGED = "✅ 已把建议 #{id} 的答复由「{before}」改为「{verdict}」，已转告提建议的人{anonymous}。"
ANSWERED_ANONYMOUS = "（匿名，你看不到是谁）"
ALREADY = ("建议 #{id} 已于 {at} 答复为「{before}」，这次没有再答复。\n说明：\n{note}\n"
           "要改答复请发：回复建议 {id} 改为 {verdict} 说明（我会告诉提建议的人答复改了）。")
UNCHANGED = "建议 #{id} 的答复已经是「{verdict}」，没有改动。"
VERDICTS = {"采纳": "adopted", "暂缓": "deferred", "不采纳": "declined"}
WORDS = {status: word for word, status in VERDICTS.items()}
_ANSWER = re.compile(r"^[#＃]?\s*(\d+)\s*(改为|改成)?\s*(不采纳|采纳|暂缓)[\s:：,，]*(.*)$", re.S)


@intent("suggestion.answer", "回复建议", "答复建议", summary="总监答复建议：采纳、暂缓或不采纳", example=ANSWER_EXAMPLE,
        roles=("director",), numbered=True)
def answer_suggestion(ctx: Context) -> str:
    """P20: the director answers once (or changes the answer with 改为); the author is told."""
    if ctx.userid != ctx.org.director_id:
        return ANSWER_FORBIDDEN
    match = _ANSWER.match(ctx.args.strip())
    if not match:
        return ANSWER_HOWTO
    suggestion = ctx.fetch(Suggestion, match.group(1))
    if suggestion is None:
        return NOT_FOUND.format(raw=ascii_digits(match.group(1)))
    change, verdict, note = bool(match.group(2)), match.group(3), match.group(4).strip()[:2000]
    before = suggestion.status
    if before != "open" and not change:
        return _already(ctx, suggestion, verdict)
    if before == VERDICTS[verdict]:
        return UNCHANGED.format(id=suggestion.id, verdict=verdict)
    # P20: one verdict at a time — the UPDATE only wins against the status read above, so two
    # answers racing for an open suggestion cannot both reach the author.
    won = ctx.session.execute(update(Suggestion).where(Suggestion.id == suggestion.id, Suggestion.status == before)
                              .values(status=VERDICTS[verdict], answer_note=note or None, answered_at=ctx.now,
                                      answered_by=ctx.userid).execution_options(synchronize_session=False)).rowcount
    ctx.session.refresh(suggestion)
    if not won:
        return _already(ctx, suggestion, verdict)
    changed = before != "open"
    ctx.audit(ctx.userid, "changed" if changed else "answered", "suggestion", suggestion.id,
              verdict=suggestion.status, before=before, note=note)
    if suggestion.author != ctx.userid and ctx.org.get(suggestion.author):
        template = TO_AUTHOR_CHANGED if changed else TO_AUTHOR
        ctx.send_text(suggestion.author, template.format(
            id=suggestion.id, excerpt=text_inline(suggestion.content, 30), verdict=verdict, before=WORDS.get(before),
            director=ctx.user.name, note=text_block(note or "（无）", 800)))
    anonymous = ANSWERED_ANONYMOUS if suggestion.anonymous else ""
    if changed:
        return CHANGED.format(id=suggestion.id, before=WORDS[before], verdict=verdict, anonymous=anonymous)
    return ANSWERED.format(id=suggestion.id, verdict=verdict, anonymous=anonymous)


def _already(ctx: Context, suggestion: Suggestion, verdict: str) -> str:
    return ALREADY.format(id=suggestion.id, at=format_datetime(suggestion.answered_at, ctx.settings.tz),
                          before=WORDS.get(suggestion.status, STATUS[suggestion.status]),
                          note=text_block(suggestion.answer_note or "（无）", 300), verdict=verdict)
