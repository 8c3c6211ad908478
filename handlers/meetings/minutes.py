"""Minutes (P9): 纪要 in chat (or the answer to the prompt card), archived and sent to the attendees;
every 决议 becomes an action item (P12). 查看纪要 shows the full text; 提交纪要 explains how."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.wecom import card_copies
from bot.text.workdays import is_working_day, working_day_on_or_before
from bot.conversation.context import Context, Reply
from bot.text.dates import find_deadline, format_datetime, format_day
from bot.text.quoting import markdown_inline, text_block, text_inline
from bot.conversation.router import intent, on_card, on_flow
from handlers.meetings.decisions import assign_card, set_owner
from handlers.meetings.common import find_person, item_line, names, sample_name, when_text
from handlers.meetings.minutes_text import parse_minutes, render_minutes
from models.meeting import ActionItem, Meeting, Minutes

WRITE_FLOW, PICK_FLOW = "minutes.write", "minutes.pick"
HOWTO = ("会议结束后，记录人直接发「纪要」加内容（可多行），我会归档并发给所有参会人（P9），决议自动变成待办（P12）：\n"
         "纪要\n议题：供应商选型\n讨论：比较了三家报价\n决议：完成供应商比价 负责人：{name} 截止：12月5日\n"
         "决议：下周提交采购申请\n\n"
         "决议可写多行（决议1：…、或在「决议：」下用 1. 2. 编号），负责人可以会后由主持人指派。\n"
         "有多个会议待交纪要时，用「纪要 #会议编号」指明。\n"
         "其他命令：登记会议、会议列表、我的待办、完成 编号、进展 编号 内容、指派 编号 姓名、决议列表 会议编号、查看纪要 会议编号。")
NOTHING_DUE = "你目前没有待交纪要的会议（会议开始后，记录人才能交纪要）。发「会议列表」查看会议。\n\n" + HOWTO
EMPTY = "纪要内容是空的。\n\n" + HOWTO
NO_RESOLUTION_TEXT = "没看到纪要的内容。请写上议题、讨论或决议，例如：\n纪要\n议题：供应商选型\n决议：完成供应商比价 负责人：{name}"
UNKNOWN_OWNER = "决议「{text}」的负责人「{owner}」不在通讯录里，纪要还没有提交。请改成通讯录里的姓名后重发，例如：负责人：{name}"
BAD_DUE = ("决议「{text}」的截止日期「{due}」没看懂，纪要还没有提交。"
           "请写成：截止：12月5日、截止：周五、截止：2026-12-05，或写在决议里：下周五前、月底前、三天内")
PAST_DUE = ("决议「{text}」的截止日期「{due}」已经过去了（今天是 {today}），纪要还没有提交。"
            "请改成今天或以后的日期后重发，例如：截止：{example}、截止：下周五")
WHICH = "你有 {count} 个会议待交纪要，这份纪要是哪一个？请回复会议编号：\n{choices}\n（发「取消」可退出）"
WHICH_AGAIN = "请回复上面列出的一个会议编号，例如：{id}（发「取消」可退出）"
WRITE_NOW = "好的，请直接回复会议 #{id}「{title}」的纪要内容（可多行）。例如：\n议题：…\n讨论：…\n决议：… 负责人：{name}"
NOT_TAKER = "会议 #{id} 的纪要由记录人 {taker} 提交。"
NO_SUCH_MEETING = "没有找到会议 #{id}。发「会议列表」查看会议和编号，例如：纪要 #3 决议：完成比价 负责人：张三"
NOT_YET = "会议 #{id}「{title}」还没开始（{start}），开完会再交纪要。"
NOT_OPEN = "会议 #{id}「{title}」已{state}，不能再交纪要。"
ALREADY = "会议 #{id} 的纪要已于 {at} 提交过。发「查看纪要 {id}」查看。"
ARCHIVED = ("✅ 已归档会议 #{id}「{title}」的纪要{late}，已发给 {count} 位参会人。\n{decisions}")
LATE = "（截止 {due}，晚了 {hours} 小时）"
DECISIONS_NONE = "纪要中没有决议。"
DECISIONS_HEAD = "决议 {count} 条："
UNOWNED_NOTE = "{count} 条还没有负责人，已请主持人 {chair} 在 {hours} 小时内指派。"
REST_DAY_DUE = "⚠️ 决议 #{id} 的截止日 {day}（周{weekday}）不是工作日，已按所写记录；如想在之前的工作日 {before} 完成，请告诉负责人。"
WEEKDAYS = "一二三四五六日"
TITLE = "会议纪要 #{id}｜{title}"
FOOTER_FULL = "发「决议列表 {id}」查看决议进展。"
FOOTER_SUMMARY = "纪要较长，这里是摘要。全文请发「查看纪要 {id}」。"
SHOW_NEED_ID = "请带上会议编号，例如：查看纪要 3（发「会议列表」或「决议列表」查看编号）"
SHOW_NONE = "会议 #{id} 还没有纪要。"
SHOW_FORBIDDEN = "只有会议 #{id} 的参会人和总监可以查看这份纪要。"
SHOW_HEADER = "会议纪要 #{id}「{title}」\n时间：{when}\n记录：{taker}（{at} 提交）\n\n"


@intent("minutes.howto", "提交纪要", "如何提交纪要", summary="怎么提交会议纪要（P9）", example="提交纪要")
def howto(ctx: Context) -> str:
    """How to send minutes, with an example."""
    return HOWTO.format(name=sample_name(ctx))


@intent("minutes.submit", "纪要", "会议纪要", summary="提交会议纪要（P9）", example="纪要 决议：完成比价 负责人：张三",
        pattern=r"^\s*(议题|决议)\s*\d*\s*[:：]")
def submit_minutes(ctx: Context) -> str | None:
    """Archive minutes for the sender's meeting (ask which when several wait for minutes)."""
    text = ctx.args or ""
    chosen = re.match(r"\s*(?:#|会议\s*#?)(\d+)\s*", text)
    if chosen:
        text = text[chosen.end():]
    if not text.strip():
        return EMPTY.format(name=sample_name(ctx))
    problem = _check(ctx, text)
    if problem:
        return problem
    waiting = _waiting(ctx)
    if chosen:
        meeting = ctx.fetch(Meeting, chosen.group(1))
        return _guard(ctx, meeting, chosen.group(1)) or _archive(ctx, meeting, text)
    if not waiting:
        return NOTHING_DUE.format(name=sample_name(ctx))
    if len(waiting) == 1:
        return _archive(ctx, waiting[0], text)
    ctx.conversation.start(PICK_FLOW, "WHICH", {"text": text, "ids": [m.id for m in waiting]})
    choices = "\n".join(f"#{m.id} {text_inline(m.title)}（{when_text(ctx, m)}）" for m in waiting)
    return WHICH.format(count=len(waiting), choices=choices)


def _waiting(ctx: Context) -> list[Meeting]:
    """Meetings that started, have no minutes, and whose minute-taker is the sender."""
    return list(ctx.session.scalars(select(Meeting).where(Meeting.status == "scheduled", Meeting.starts_at <= ctx.now,
                                                          Meeting.minute_taker == ctx.userid)
                                    .order_by(Meeting.ends_at.desc()).limit(10)))


def _guard(ctx: Context, meeting: Meeting | None, raw_id: str = "") -> str | None:
    if meeting is None:
        return NO_SUCH_MEETING.format(id=raw_id[:12] or "?")
    if ctx.userid not in (meeting.minute_taker, meeting.chair):
        return NOT_TAKER.format(id=meeting.id, taker=ctx.org.name(meeting.minute_taker))
    if meeting.minutes is not None:
        at = meeting.minutes.submitted_at.astimezone(ctx.settings.tz)
        return ALREADY.format(id=meeting.id, at=format_datetime(at))
    if meeting.status not in ("scheduled", "minuted"):
        return NOT_OPEN.format(id=meeting.id, title=text_inline(meeting.title), state="取消" if meeting.status == "cancelled"
                               else meeting.status)
    if meeting.starts_at > ctx.now:  # P9: minutes record a meeting that took place
        start = meeting.starts_at.astimezone(ctx.settings.tz)
        return NOT_YET.format(id=meeting.id, title=text_inline(meeting.title), start=format_datetime(start))
    return None


def _check(ctx: Context, text: str) -> str | None:
    """Bad minutes change nothing: unknown owners and unreadable deadlines are refused up front."""
    parsed = parse_minutes(text)
    if not (parsed.topics or parsed.discussion or parsed.resolutions):
        return NO_RESOLUTION_TEXT.format(name=sample_name(ctx))
    for r in parsed.resolutions:
        if r.owner and not find_person(ctx, r.owner):
            return UNKNOWN_OWNER.format(text=r.text[:20], owner=r.owner, name=sample_name(ctx))
        if r.due and _deadline(ctx, r.due) is None:
            return BAD_DUE.format(text=r.text[:20], due=r.due)
        if r.due and _deadline(ctx, r.due) < ctx.now:  # P12: a deadline already past would be a breach at birth
            today = ctx.now.astimezone(ctx.settings.tz).date()
            return PAST_DUE.format(text=r.text[:20], due=r.due, today=format_day(today),
                                   example=format_day(today + timedelta(days=7)).split("（")[0])
    return None


def _deadline(ctx: Context, phrase: str) -> datetime | None:
    """截止：12月5日, 下周五前, 月底前, 三天内 → the end of that day (23:59:59) in the configured zone;
    None when the phrase names no date."""
    day, _, error = find_deadline(phrase, ctx.now.astimezone(ctx.settings.tz).date())
    if day is None or error:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=ctx.settings.tz)


@on_flow(PICK_FLOW, label="刚才的纪要")
def pick_meeting(ctx: Context) -> str:
    """The answer to 「这份纪要是哪一个？」: a meeting number."""
    data = ctx.conversation.data
    match = re.search(r"\d+", ctx.message.text or "")
    if not match or int(match.group()) not in data["ids"]:
        ctx.conversation.advance("WHICH")
        return WHICH_AGAIN.format(id=data["ids"][0])
    ctx.conversation.end()
    meeting = ctx.fetch(Meeting, match.group())
    return _guard(ctx, meeting) or _check(ctx, data["text"]) or _archive(ctx, meeting, data["text"])


@on_card("minutes")
def write_tap(ctx: Context) -> Reply:
    """The prompt card's 填写纪要 button: the next message is the minutes of that meeting."""
    parts = (ctx.message.event_key or "").split(":")
    meeting = ctx.fetch(Meeting, parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
    problem = _guard(ctx, meeting)
    if problem:
        return Reply(text=problem)
    ctx.conversation.start(WRITE_FLOW, "TEXT", {"meeting_id": meeting.id})
    return Reply(text=WRITE_NOW.format(id=meeting.id, title=text_inline(meeting.title), name=sample_name(ctx)))


@on_flow(WRITE_FLOW, label="刚才的纪要", answers=("minutes.submit",))
def write_flow(ctx: Context) -> str:
    """The minutes typed after tapping 填写纪要 (a leading 纪要 is fine)."""
    text = re.sub(r"^\s*(会议纪要|纪要)\s*[:：]?", "", ctx.message.text or "")
    problem = _check(ctx, text)
    if problem:
        ctx.conversation.advance("TEXT")
        return problem
    meeting = ctx.session.get(Meeting, ctx.conversation.data.get("meeting_id") or 0)
    ctx.conversation.end()
    return _guard(ctx, meeting) or _archive(ctx, meeting, text)


def _archive(ctx: Context, meeting: Meeting, text: str) -> str:
    """P9: archive, send to every attendee; P12: each resolution becomes an action item."""
    parsed = parse_minutes(text)
    minutes = Minutes(meeting=meeting, author=ctx.userid, text=text.strip(), topics=parsed.topics,
                      discussion=parsed.discussion, created_at=ctx.now, submitted_at=ctx.now,
                      due_at=meeting.minutes_due_at)
    meeting.status = "minuted"
    ctx.session.add(minutes)
    ctx.session.flush()
    card_copies.settle(ctx, f"minutes:{meeting.id}", "已提交纪要")  # the prompt card no longer offers 填写纪要
    on_time = ctx.now <= meeting.minutes_due_at
    ctx.audit(ctx.userid, "minutes_submitted", "meeting", meeting.id, on_time=on_time,
              due_at=meeting.minutes_due_at.isoformat(), resolutions=len(parsed.resolutions))
    items = []
    for r in parsed.resolutions:
        item = ActionItem(meeting=meeting, minutes_id=minutes.id, text=r.text, status="open", created_at=ctx.now,
                          owner_due_at=ctx.now + timedelta(hours=ctx.policy.decision_owner_hours),
                          due_at=_deadline(ctx, r.due) if r.due else None)
        ctx.session.add(item)
        ctx.session.flush()
        ctx.audit(ctx.userid, "created", "action_item", item.id, meeting=meeting.id)
        if r.owner:
            set_owner(ctx, item, find_person(ctx, r.owner), ctx.userid)
        items.append(item)
    lines = [item_line(ctx, i) for i in items]
    # P9: the minutes reach every attendee as markdown: what the taker typed is quoted as data.
    marked = [item_line(ctx, i, quote=markdown_inline) for i in items]
    facts = [("时间", when_text(ctx, meeting)), ("主持", ctx.org.name(meeting.chair)),
             ("记录", ctx.org.name(meeting.minute_taker)), ("参会", names(ctx, meeting.attendees))]
    title = TITLE.format(id=meeting.id, title=markdown_inline(meeting.title))
    body, summarised = render_minutes(title, facts, parsed.topics, parsed.discussion, marked,
                                      FOOTER_FULL.format(id=meeting.id))
    if summarised:  # P9 within WeCom's 2048 bytes: a summary, the full text by 查看纪要
        body, _ = render_minutes(title, facts, parsed.topics, parsed.discussion, marked,
                                 FOOTER_SUMMARY.format(id=meeting.id))
    ctx.send_markdown(meeting.attendees, body, readers="everyone")
    unowned = [i for i in items if i.owner is None]
    for item in unowned:
        card = assign_card(ctx, item, meeting)
        card_copies.remember(ctx, f"decision:{item.id}", card["task_id"], ctx.send_card(meeting.chair, card))
    late = "" if on_time else LATE.format(due=format_datetime(meeting.minutes_due_at, ctx.settings.tz),
                                          hours=int((ctx.now - meeting.minutes_due_at).total_seconds() // 3600))
    decisions = DECISIONS_HEAD.format(count=len(items)) + "\n" + "\n".join(lines) if items else DECISIONS_NONE
    if unowned:
        decisions += "\n" + UNOWNED_NOTE.format(count=len(unowned), chair=ctx.org.name(meeting.chair),
                                                hours=ctx.policy.decision_owner_hours)
    decisions += "".join("\n" + _rest_day_note(ctx, i) for i in items if i.due_at and not _working(ctx, i.due_at))
    return ARCHIVED.format(id=meeting.id, title=text_inline(meeting.title), late=late, count=len(meeting.attendees),
                           decisions=decisions)


def _working(ctx: Context, moment: datetime) -> bool:
    return is_working_day(moment.astimezone(ctx.settings.tz).date())


def _rest_day_note(ctx: Context, item: ActionItem) -> str:
    """A deadline on a weekend or holiday is kept as written, and said so (the owner may mean Friday)."""
    day = item.due_at.astimezone(ctx.settings.tz).date()
    before = working_day_on_or_before(day)
    return REST_DAY_DUE.format(id=item.id, day=f"{day.month}月{day.day}日", weekday=WEEKDAYS[day.weekday()],
                               before=f"{before.month}月{before.day}日（周{WEEKDAYS[before.weekday()]}）")


@intent("minutes.show", "查看纪要", summary="查看纪要全文", example="查看纪要 3", numbered=True)
def show_minutes(ctx: Context) -> str:
    """The full text of a meeting's minutes, for its attendees and the director."""
    match = re.search(r"\d+", ctx.args or "")
    if not match:
        return SHOW_NEED_ID
    meeting = ctx.fetch(Meeting, match.group())
    if meeting is None or meeting.minutes is None:
        return SHOW_NONE.format(id=match.group())
    if ctx.userid not in meeting.attendees and ctx.userid != ctx.org.director_id:
        return SHOW_FORBIDDEN.format(id=meeting.id)
    at = meeting.minutes.submitted_at.astimezone(ctx.settings.tz)
    # The taker's text reaches another attendee: under the header that names its author, every line barred.
    return SHOW_HEADER.format(id=meeting.id, title=text_inline(meeting.title), when=when_text(ctx, meeting),
                              taker=ctx.org.name(meeting.minutes.author),
                              at=format_datetime(at)) + text_block(meeting.minutes.text)
