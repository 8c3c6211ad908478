"""Meetings (P11): 登记会议 (optionally linked to a project, P6: 「项目 <编号>」) and 会议列表. Minutes are in ``minutes``, action items in ``decisions``,
the recurring meetings in ``recurring``, the jobs in ``jobs``."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.conversation.context import Context
from bot.text.dates import format_range, parse_when
from bot.text.quoting import text_inline
from bot.conversation.router import intent, on_flow
from handlers.meetings.common import (LABEL_BOUNDARY, find_people, names, sample_name, split_labelled, tidy_title,
                                      when_text)
from handlers.meetings.recurring import ensure_occurrences
from models import Project
from models.meeting import Meeting

REGISTER_FLOW = "meeting.register"
EXAMPLE = "登记会议 项目评审 明天14:00-15:00 参会 {a} {b} 记录人 {b}"
WHEN_EXAMPLES = "明天14:00-15:00、周五 下午2点-3点、下周一 10:00、11月28日 14:00、2026-11-28 14:00"
ASK = {
    "TITLE": "会议叫什么？例如：项目评审（发「取消」可退出）",
    "WHEN": "什么时候开？例如：" + WHEN_EXAMPLES + "（发「取消」可退出）",
    "TIME": "{day} 几点开始？例如：14:00-15:00 或 下午2点（发「取消」可退出）",
    "ATTENDEES": "请发参会人的姓名，空格分隔，例如：{a} {b}（发「取消」可退出）",
    "TAKER": "谁来记录纪要？请发一个姓名，例如：{b}（发「取消」可退出）",
}
BAD_WHEN = "没看懂时间「{text}」。请这样写：" + WHEN_EXAMPLES
PAST = "{when} 已经过去了，请给一个将来的时间，例如：明天14:00-15:00"
UNKNOWN_PEOPLE = "通讯录里没有「{unknown}」，这次没有登记。请用通讯录里的姓名，例如：{example}"
REGISTERED = ("已登记会议 #{id}「{title}」\n时间：{when}{default_end}\n主持：{chair}\n记录人：{taker}\n参会：{attendees}\n{project}"
              "会前 {remind} 分钟我会提醒大家；会后请 {taker} 在 {hours} 小时内发「纪要」。发「会议列表」查看安排。")
DEFAULT_END = "（未写结束时间，按 1 小时计）"
PROJECT_LINE = "项目：#{id}「{name}」（{kind}）\n"
NO_PROJECT = "没有编号为 {id} 的项目，这次没有登记。发「项目列表」查看项目编号。"
_PROJECT = re.compile(LABEL_BOUNDARY + r"项目\s*[:：]?\s*[#＃]?(?P<id>\d{1,12})(?=[\s,，、;；。]|$)")
INVITED = ("📅 {registrar} 邀请你参加会议 #{id}「{title}」\n时间：{when}\n主持：{chair}\n记录人：{taker}\n"
           "会前 {remind} 分钟我会再提醒你。")
CHAIR_FORBIDDEN = ("只有总监和组长可以登记由别人主持的会议，这次没有登记。你登记的会议由你主持："
                   "去掉「主持 {chair}」再发一次，例如：{example}")
NO_MEETINGS = "最近没有你参加的会议。登记一个会议，例如：{example}"
LIST_HEADER = "接下来的会议："
LIST_FOOTER = "会议结束后，记录人发「纪要」提交纪要；发「决议列表 编号」查看某个会议的决议。"
_MARKERS = re.compile(r"(参会人员|参会人|参会|与会人员|与会|参加人|记录人|记录员|纪要人|主持人|主持|议程)\s*[:：]?\s*")
_MARKER_FIELD = {"参会人员": "attendees", "参会人": "attendees", "参会": "attendees", "与会人员": "attendees",
                 "与会": "attendees", "参加人": "attendees", "记录人": "taker", "记录员": "taker",
                 "纪要人": "taker", "主持人": "chair", "主持": "chair", "议程": "agenda"}


def _examples(ctx: Context) -> dict:
    a = sample_name(ctx, ctx.userid)
    b = next((m.name for m in ctx.org.members.values() if m.has("specialist") and m.name != a), a)
    return {"a": a, "b": b}


@intent("meeting.register", "登记会议", "新建会议", "安排会议", summary="登记会议，会前提醒（P11）",
        example="登记会议 评审 明天14:00 参会 张三 记录人 李四")
def register_meeting(ctx: Context) -> str:
    """Register an ad-hoc meeting from one line; ask for whatever is missing."""
    data = {"chair": ctx.userid, "attendees": [], "taker": None, "title": "", "day": None, "start": None,
            "end": None, "agenda": ""}
    args, problem = _take_project(ctx, data, ctx.args or "")
    if problem:
        return problem
    head, fields = split_labelled(args, _MARKERS)
    when = parse_when(head, ctx.now)
    if when.error:
        return BAD_WHEN.format(text=when.error.strip())
    data["title"] = tidy_title(when.strip(head))[:200]
    problem = _take_when(ctx, data, when)
    if problem:
        return problem
    for marker, value in fields.items():
        field = _MARKER_FIELD[marker]
        if field == "agenda":
            data["agenda"] = value.strip()[:1000]
            continue
        found, unknown = find_people(ctx, value)
        if unknown:
            return UNKNOWN_PEOPLE.format(unknown="、".join(unknown), example=EXAMPLE.format(**_examples(ctx)))
        if field == "attendees":
            data["attendees"] = found
        elif found:
            data[field] = found[0]
    if data["chair"] != ctx.userid and not _may_name_chair(ctx):
        return CHAIR_FORBIDDEN.format(chair=ctx.org.name(data["chair"]), example=EXAMPLE.format(**_examples(ctx)))
    return _next_question(ctx, data)


def _may_name_chair(ctx: Context) -> bool:
    """P11: a meeting chaired by someone else is registered by the director or a group leader."""
    return ctx.userid == ctx.org.director_id or ctx.user.has("group_leader")


def _take_project(ctx: Context, data: dict, args: str) -> tuple[str, str | None]:
    """P6: 「项目 <编号>」 links the meeting to a registered project; (the rest of the line, an answer
    when there is no such project)."""
    match = _PROJECT.search(args)
    if not match:
        return args, None
    project = ctx.fetch(Project, match["id"])
    if project is None:
        return args, NO_PROJECT.format(id=match["id"])
    from handlers.projects.links import link_refusal  # at run time: see handlers/projects/links.py
    refusal = link_refusal(ctx, project, ctx.userid)  # P6: the owner, their leader or the director
    if refusal:
        return args, refusal
    data["project"] = project.id
    return args[:match.start()] + " " + args[match.end():], None


def _link_project(ctx: Context, meeting: Meeting) -> str:
    """P6: audit the link and say what the meeting is for the project — 项目：#3「数据平台」（启动会 /
    启动会，补开… / 中期评审 / ⚠️ 早于启动会时间范围…）; the owner hears of a late kickoff."""
    from handlers.projects.links import meeting_kind, tell_owner_late  # at run time: see that module
    project = ctx.session.get(Project, meeting.project_id)
    kind, shown = meeting_kind(ctx, project, meeting)
    ctx.audit(ctx.userid, "meeting_linked", "project", project.id, meeting=meeting.id,
              starts_at=meeting.starts_at.isoformat(), kind=kind)
    if kind == "late_kickoff":
        tell_owner_late(ctx, project, meeting, ctx.userid)
    return PROJECT_LINE.format(id=project.id, name=text_inline(project.name, 40), kind=shown)


def _take_when(ctx: Context, data: dict, when) -> str | None:
    """Copy what ``when`` says into ``data``; an answer when it is in the past."""
    if when.day:
        data["day"] = when.day.isoformat()
    if when.start:
        data["start"], data["end"] = when.start.strftime("%H:%M"), when.end.strftime("%H:%M") if when.end else None
    start, end = _span(ctx, data)
    if start is not None and start < ctx.now:
        data["day"] = data["start"] = data["end"] = None
        return PAST.format(when=format_range(start, end, ctx.settings.tz))
    return None


def _span(ctx: Context, data: dict) -> tuple[datetime | None, datetime | None]:
    if not data.get("day") or not data.get("start"):
        return None, None
    day = date.fromisoformat(data["day"])
    start = datetime.combine(day, time.fromisoformat(data["start"]), tzinfo=ctx.settings.tz)
    end = (datetime.combine(day, time.fromisoformat(data["end"]), tzinfo=ctx.settings.tz) if data.get("end")
           else start + timedelta(hours=1))
    return start, end


def _next_question(ctx: Context, data: dict) -> str:
    state = ("TITLE" if not data["title"] else "WHEN" if not data["day"] else "TIME" if not data["start"]
             else "ATTENDEES" if not data["attendees"] else "TAKER" if not data["taker"] else None)
    if state:
        ctx.conversation.start(REGISTER_FLOW, state, data)
        day = date.fromisoformat(data["day"]) if data["day"] else None
        return ASK[state].format(day=f"{day.month}月{day.day}日" if day else "", **_examples(ctx))
    ctx.conversation.end()
    return _create(ctx, data)


@on_flow(REGISTER_FLOW, label="刚才登记的会议")
def register_flow(ctx: Context) -> str:
    """The answer to one of 登记会议's questions."""
    data, state, text = ctx.conversation.data, ctx.conversation.state, (ctx.message.text or "").strip()
    ctx.conversation.advance(state)  # a bad answer asks again; the timeout starts over
    if state == "TITLE":
        data["title"] = tidy_title(text)[:200]
        if not data["title"]:
            return ASK["TITLE"]
    elif state in ("WHEN", "TIME"):
        when = parse_when(text, ctx.now)
        if when.error or not (when.day or when.start):
            return BAD_WHEN.format(text=(when.error or text).strip()[:30])
        problem = _take_when(ctx, data, when)
        if problem:
            return problem
    else:
        found, unknown = find_people(ctx, text)
        if unknown or not found:
            return UNKNOWN_PEOPLE.format(unknown="、".join(unknown) or text[:20],
                                         example=ASK[state].format(day="", **_examples(ctx)))
        data["attendees" if state == "ATTENDEES" else "taker"] = found if state == "ATTENDEES" else found[0]
    return _next_question(ctx, data)


def _create(ctx: Context, data: dict) -> str:
    start, end = _span(ctx, data)
    chair, taker = data["chair"], data["taker"]
    attendees = list(dict.fromkeys([chair, taker, *data["attendees"]]))
    meeting = Meeting(title=data["title"], series=None, weekly=False, starts_at=start, ends_at=end, chair=chair,
                      minute_taker=taker, attendees=attendees, agenda=data.get("agenda", ""), status="scheduled",
                      created_by=ctx.userid, created_at=ctx.now,
                      minutes_due_at=end + timedelta(hours=ctx.policy.minutes_due_hours),
                      project_id=data.get("project"))
    ctx.session.add(meeting)
    ctx.session.flush()
    ctx.audit(ctx.userid, "registered", "meeting", meeting.id, starts_at=start.isoformat(), attendees=attendees)
    project_line = _link_project(ctx, meeting) if meeting.project_id else ""
    facts = dict(id=meeting.id, title=text_inline(meeting.title), when=when_text(ctx, meeting),
                 chair=ctx.org.name(chair), taker=ctx.org.name(taker), remind=ctx.policy.meeting_remind_minutes,
                 registrar=ctx.org.name(ctx.userid))
    others = [u for u in attendees if u != ctx.userid]
    if others:
        ctx.send_text(others, INVITED.format(**facts))
    return REGISTERED.format(**facts, attendees=names(ctx, attendees), hours=ctx.policy.minutes_due_hours,
                             default_end="" if data.get("end") else DEFAULT_END,
                             project=project_line)


@intent("meeting.list", "会议列表", "会议", "我的会议", summary="接下来的会议", example="会议列表")
def list_meetings(ctx: Context) -> str:
    """Upcoming meetings the sender attends (the director sees all)."""
    ensure_occurrences(ctx)
    rows = ctx.session.scalars(select(Meeting).where(Meeting.ends_at >= ctx.now, Meeting.status == "scheduled")
                               .order_by(Meeting.starts_at, Meeting.id)).all()
    mine = [m for m in rows if ctx.userid in m.attendees or ctx.userid == ctx.org.director_id][:10]
    if not mine:
        return NO_MEETINGS.format(example=EXAMPLE.format(**_examples(ctx)))
    lines = [LIST_HEADER]
    for m in mine:
        lines.append(f"#{m.id} {when_text(ctx, m)} {text_inline(m.title)}（主持 {ctx.org.name(m.chair)}，记录 "
                     f"{ctx.org.name(m.minute_taker)}）")
    lines.append(LIST_FOOTER)
    return "\n".join(lines)


