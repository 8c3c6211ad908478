"""Meetings that change (P11): 取消会议, 改期, and 「会议 <编号> …」 — 加人, 减人, 地点, 改到, 取消 —
or just 「会议 <编号>」 to see one meeting.

Who may change a meeting: its chair, whoever registered it, a group leader or the director. Every
change tells the attendees (not the person who made it), and the reminders and the minutes chase
follow: a cancelled meeting is neither reminded nor chased; a moved one is reminded at its new
time. An occurrence of a recurring meeting (P11, ``recurring``) is changed alone; the director may
stop the whole series (「取消会议 <编号> 全部」).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from bot.conversation.context import Context
from bot.conversation.router import intent
from bot.text.dates import format_range, parse_when
from bot.text.quoting import text_inline
from handlers.meetings.common import find_people, names, sample_name, when_text
from handlers.meetings.recurring import SERIES_STOPPED_KEY
from models import KeyValue, NotificationLedger
from models.meeting import Meeting

NEED_NUMBER = "请带上会议编号，例如：{example}（发「会议列表」查看编号）"
NOT_FOUND = "没有编号为 {id} 的会议。发「会议列表」查看你参加的会议和编号。"
FORBIDDEN = "只有会议 #{id} 的主持人、登记人、组长或总监可以修改它，这次没有修改。"
CLOSED = "会议 #{id}「{title}」{state}，不能再修改。"
STATES = {"cancelled": "已经取消", "minuted": "已经开过并交了纪要"}
CANCELLED = "已取消会议 #{id}「{title}」（{when}），已通知 {told}。会前提醒和纪要催交都停了。"
CANCELLED_NOTE = "❌ 会议 #{id}「{title}」（{when}）已被 {actor} 取消。{reason}"
SERIES_FORBIDDEN = "只有总监可以停掉整个系列会议（P11）；可以只取消这一次：取消会议 {id}"
SERIES_STOPPED = "已停掉系列会议「{title}」：今后的 {count} 次都已取消，不会再自动安排，已通知参会人。"
MOVED = "已把会议 #{id}「{title}」改到 {when}，已通知 {told}；会前提醒按新时间发。"
MOVED_NOTE = "🔁 会议 #{id}「{title}」改期了：{old} → {when}（{actor} 修改）。"
MOVED_SERIES = "（这是系列会议的一次，改期后编号为 #{id}。）"
BAD_TIME = "没看懂新时间「{text}」。请这样写：改期 {id} 周五14:00-15:00"
PAST = "{when} 已经过去了，请给一个将来的时间，例如：改期 {id} 明天14:00-15:00"
ALREADY_HELD = "会议 #{id} 已经开过了，不能改期。要记下另一次会议请用「补登会议」或「登记会议」。"
ADDED = "已把 {people} 加入会议 #{id}「{title}」，并发了邀请。"
ADDED_NOTE = "📅 {actor} 把你加入了会议 #{id}「{title}」\n时间：{when}\n主持：{chair}{place}"
REMOVED = "已把 {people} 移出会议 #{id}「{title}」，已告诉他们不用参加。"
REMOVED_NOTE = "会议 #{id}「{title}」（{when}）不需要你参加了（{actor} 修改）。"
KEEP_ROLES = "{name} 是会议 #{id} 的{role}，不能移出；先换{role}再移出。"
UNKNOWN_PEOPLE = "通讯录里没有「{unknown}」，这次没有修改。例如：会议 {id} 加人 {example}"
NOBODY_NEW = "{people} 已经在会议 #{id} 里了，没有变化。"
NOBODY_GONE = "{people} 本来就不在会议 #{id} 里，没有变化。"
PLACED = "已把会议 #{id}「{title}」的地点改为「{place}」，已通知 {told}。"
PLACED_NOTE = "📍 会议 #{id}「{title}」（{when}）地点：{place}（{actor} 修改）。"
BAD_PLACE = "请写会议室，一行、不超过 50 个字，例如：会议 {id} 地点 3楼大会议室"
DETAILS = "会议 #{id}「{title}」{state}\n时间：{when}\n主持：{chair}　记录：{taker}\n参会：{attendees}{place}"
HOW = ("可以发：会议 {id} 加人 {name} · 会议 {id} 减人 {name} · 会议 {id} 地点 3楼会议室 · 改期 {id} 周五14:00 · "
       "取消会议 {id} 原因")
_VERBS = re.compile(r"^(加人|添加|增加|减人|删除|移除|去掉|地点|会议室|改到|改期|改时间|取消)\s*[:：]?\s*")
_NUMBER = re.compile(r"^[#＃]?\s*(\d{1,9})(?!\d)\s*")
_WHOLE_SERIES = re.compile(r"^(全部|整个系列|系列|以后都取消)\s*")


def _may_change(ctx: Context, meeting: Meeting) -> bool:
    return (ctx.userid in (meeting.chair, meeting.created_by, ctx.org.director_id)
            or (ctx.user is not None and ctx.user.has("group_leader")))


def _open(ctx: Context, text: str, example: str) -> tuple[Meeting | None, str]:
    """(the meeting the text's leading number names, the rest) — or (None, the answer)."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None, NEED_NUMBER.format(example=example)
    meeting = ctx.fetch(Meeting, match.group(1))
    if meeting is None:
        return None, NOT_FOUND.format(id=match.group(1))
    if not _may_change(ctx, meeting):
        return None, FORBIDDEN.format(id=meeting.id)
    if meeting.status != "scheduled":
        return None, CLOSED.format(id=meeting.id, title=text_inline(meeting.title), state=STATES[meeting.status])
    return meeting, text.strip()[match.end():]


def _facts(ctx: Context, meeting: Meeting) -> dict:
    return dict(id=meeting.id, title=text_inline(meeting.title), when=when_text(ctx, meeting),
                actor=ctx.org.name(ctx.userid), chair=ctx.org.name(meeting.chair),
                place=f"\n地点：{text_inline(meeting.location)}" if meeting.location else "")


def _tell(ctx: Context, meeting: Meeting, text: str, people=None) -> str:
    """Send ``text`` to the attendees (or ``people``) but the one changing it; their names."""
    others = [u for u in (meeting.attendees if people is None else people) if u != ctx.userid]
    if others:
        ctx.send_text(others, text)
    return names(ctx, others) if others else "（无其他参会人）"


@intent("meeting.cancel", "取消会议", "会议取消", summary="取消会议（主持人、登记人、组长或总监）",
        example="取消会议 3 时间冲突", numbered=True)
def cancel_meeting(ctx: Context) -> str:
    """Cancel a meeting: attendees told, its reminders and minutes chase stop (they read status)."""
    meeting, rest = _open(ctx, ctx.args or "", "取消会议 3 时间冲突")
    return rest if meeting is None else cancel(ctx, meeting, rest)


def cancel(ctx: Context, meeting: Meeting, reason: str) -> str:
    whole = _WHOLE_SERIES.match(reason)
    if whole and meeting.series:
        return _stop_series(ctx, meeting)
    reason = reason.strip()[:200]
    meeting.status = "cancelled"
    ctx.audit(ctx.userid, "cancelled", "meeting", meeting.id, reason=reason)
    facts = _facts(ctx, meeting)
    told = _tell(ctx, meeting, CANCELLED_NOTE.format(**facts, reason=f"原因：{text_inline(reason)}" if reason else ""))
    return CANCELLED.format(**facts, told=told)


def _stop_series(ctx: Context, meeting: Meeting) -> str:
    if ctx.userid != ctx.org.director_id:
        return SERIES_FORBIDDEN.format(id=meeting.id)
    ctx.session.merge(KeyValue(key=SERIES_STOPPED_KEY.format(key=meeting.series),
                               value=ctx.now.astimezone(timezone.utc).isoformat()))
    coming = list(ctx.session.scalars(select(Meeting).where(Meeting.series == meeting.series,
                                                            Meeting.status == "scheduled",
                                                            Meeting.starts_at >= min(meeting.starts_at, ctx.now))))
    people: list[str] = []
    for row in coming:
        row.status = "cancelled"
        people += row.attendees
        ctx.audit(ctx.userid, "cancelled", "meeting", row.id, series=meeting.series)
    _tell(ctx, meeting, f"❌ 系列会议「{text_inline(meeting.title)}」已停开（{ctx.org.name(ctx.userid)}）。",
          list(dict.fromkeys(people)))
    return SERIES_STOPPED.format(title=text_inline(meeting.title), count=len(coming))


@intent("meeting.reschedule", "改期", "会议改期", "会议改到", summary="会议改期，参会人会收到新时间",
        example="改期 3 周五14:00-15:00", numbered=True)
def reschedule_meeting(ctx: Context) -> str:
    """Move a meeting to a new time; attendees told, reminders follow the new time."""
    meeting, rest = _open(ctx, ctx.args or "", "改期 3 周五14:00-15:00")
    return rest if meeting is None else reschedule(ctx, meeting, rest)


def reschedule(ctx: Context, meeting: Meeting, text: str) -> str:
    if meeting.ends_at <= ctx.now:
        return ALREADY_HELD.format(id=meeting.id)
    when = parse_when(text, ctx.now)
    if when.error or not when.start:
        return BAD_TIME.format(text=(when.error or text or "（空）").strip()[:30], id=meeting.id)
    local_start = meeting.starts_at.astimezone(ctx.settings.tz)
    day = when.day or local_start.date()
    start = datetime.combine(day, when.start, tzinfo=ctx.settings.tz)
    end = datetime.combine(day, when.end, tzinfo=ctx.settings.tz) if when.end else start + (meeting.ends_at - meeting.starts_at)
    if start < ctx.now:
        return PAST.format(when=format_range(start, end, ctx.settings.tz), id=meeting.id)
    old = when_text(ctx, meeting)
    note = ""
    if meeting.series:  # the slot stays taken (cancelled) so the series does not put it back
        meeting.status = "cancelled"
        ctx.audit(ctx.userid, "moved", "meeting", meeting.id, to=start.isoformat())
        meeting = _copy(ctx, meeting)
        note = MOVED_SERIES.format(id=meeting.id)
    meeting.starts_at, meeting.ends_at = start, end
    meeting.minutes_due_at = end + timedelta(hours=ctx.policy.minutes_due_hours)
    # The reminder already sent was for the old time: the new time gets its own (jobs.meeting_reminder).
    ctx.session.execute(delete(NotificationLedger).where(NotificationLedger.kind == "meeting_remind",
                                                         NotificationLedger.record == str(meeting.id)))
    ctx.audit(ctx.userid, "rescheduled", "meeting", meeting.id, starts_at=start.isoformat(), ends_at=end.isoformat())
    facts = _facts(ctx, meeting)
    told = _tell(ctx, meeting, MOVED_NOTE.format(**facts, old=old) + note)
    return MOVED.format(**facts, told=told) + note


def _copy(ctx: Context, meeting: Meeting) -> Meeting:
    copy = Meeting(title=meeting.title, series=None, weekly=meeting.weekly, starts_at=meeting.starts_at,
                   ends_at=meeting.ends_at, chair=meeting.chair, minute_taker=meeting.minute_taker,
                   attendees=list(meeting.attendees), agenda=meeting.agenda, location=meeting.location,
                   status="scheduled", created_by=ctx.userid, created_at=ctx.now,
                   minutes_due_at=meeting.minutes_due_at, project_id=meeting.project_id)
    ctx.session.add(copy)
    ctx.session.flush()
    return copy


def change_meeting(ctx: Context, text: str) -> str:
    """「会议 <编号> …」: one meeting's details, or the change its verb names."""
    number = _NUMBER.match(text.strip())
    rest = text.strip()[number.end():] if number else ""
    verb = _VERBS.match(rest)
    if number and not verb:
        return _details(ctx, number.group(1))
    meeting, rest = _open(ctx, text, "会议 3 加人 张三")
    if meeting is None:
        return rest
    verb = _VERBS.match(rest)
    value = rest[verb.end():].strip()
    word = verb.group(1)
    if word in ("取消",):
        return cancel(ctx, meeting, value)
    if word in ("改到", "改期", "改时间"):
        return reschedule(ctx, meeting, value)
    if word in ("地点", "会议室"):
        return _place(ctx, meeting, value)
    return _people(ctx, meeting, value, add=word in ("加人", "添加", "增加"))


def _details(ctx: Context, number: str) -> str:
    meeting = ctx.fetch(Meeting, number)
    if meeting is None or (ctx.userid not in meeting.attendees and not _may_change(ctx, meeting)):
        return NOT_FOUND.format(id=number)
    state = {"cancelled": "（已取消）", "minuted": "（已交纪要）"}.get(meeting.status, "")
    text = DETAILS.format(**_facts(ctx, meeting), state=state, taker=ctx.org.name(meeting.minute_taker),
                          attendees=names(ctx, meeting.attendees))
    if meeting.status == "scheduled" and _may_change(ctx, meeting):
        text += "\n" + HOW.format(id=meeting.id, name=sample_name(ctx, ctx.userid))
    return text


def _place(ctx: Context, meeting: Meeting, value: str) -> str:
    place = value.strip()
    if not place or len(place) > 50 or "\n" in place:
        return BAD_PLACE.format(id=meeting.id)
    meeting.location = place
    ctx.audit(ctx.userid, "located", "meeting", meeting.id, location=place)
    facts = {**_facts(ctx, meeting), "place": text_inline(place)}
    told = _tell(ctx, meeting, PLACED_NOTE.format(**facts))
    return PLACED.format(**facts, told=told)


def _people(ctx: Context, meeting: Meeting, value: str, add: bool) -> str:
    found, unknown = find_people(ctx, value)
    if unknown or not found:
        return UNKNOWN_PEOPLE.format(unknown="、".join(unknown) or "（空）", id=meeting.id,
                                     example=sample_name(ctx, ctx.userid))
    facts = _facts(ctx, meeting)
    if add:
        new = [u for u in found if u not in meeting.attendees]
        if not new:
            return NOBODY_NEW.format(people=names(ctx, found), id=meeting.id)
        meeting.attendees = [*meeting.attendees, *new]
        ctx.audit(ctx.userid, "attendees_added", "meeting", meeting.id, added=new)
        _tell(ctx, meeting, ADDED_NOTE.format(**facts), new)
        return ADDED.format(**facts, people=names(ctx, new))
    for userid, role in ((meeting.chair, "主持人"), (meeting.minute_taker, "记录人")):
        if userid in found:
            return KEEP_ROLES.format(name=ctx.org.name(userid), id=meeting.id, role=role)
    gone = [u for u in found if u in meeting.attendees]
    if not gone:
        return NOBODY_GONE.format(people=names(ctx, found), id=meeting.id)
    meeting.attendees = [u for u in meeting.attendees if u not in gone]
    ctx.audit(ctx.userid, "attendees_removed", "meeting", meeting.id, removed=gone)
    _tell(ctx, meeting, REMOVED_NOTE.format(**facts), gone)
    return REMOVED.format(**facts, people=names(ctx, gone))
