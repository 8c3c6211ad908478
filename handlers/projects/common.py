"""What the project modules share: finding people and projects, the kickoff window, meeting
links, labels, and a ledger check for reminders grouped into one message per person."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.text.workdays import is_working_day, working_day_on_or_before
from bot.conversation.context import BaseContext
from bot.text.dates import format_day
from bot.text.quoting import text_inline
from handlers.meetings.common import find_person  # noqa: F401  (one way to find a person by name)
from models import NotificationLedger, Project
from models.meeting import Meeting
from models.project import ACCEPTED, COMPLETED, OPEN

STATUS_LABELS = {OPEN: "进行中", COMPLETED: "已完成，待验收", ACCEPTED: "已验收"}
MANAGERS = ("director", "group_leader")  # P6: who registers projects and records acceptance
NOT_FOUND = "没有编号为 {raw} 的项目。发「项目列表」查看项目和编号。"
ASK_NUMBER = "请写项目编号，例如：{example}。发「项目列表」查看编号。"


MAX_NAME = 30
# Characters that make markup in WeCom's text or markdown messages, or break a file name or a
# command copied from our examples: a project name is plain text without them.
NAME_SYMBOLS = re.compile(r"[<>\[\]{}()#`*|\\/~\"'^$]")
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def name_problem(name: str) -> str | None:
    """What is wrong with a project name (one line of plain text, at most MAX_NAME characters), or None."""
    symbol = NAME_SYMBOLS.search(name) or _INVISIBLE.search(name)
    if symbol:
        shown = symbol.group(0) if symbol.group(0).isprintable() else "不可见字符"
        return f"项目名称只能是普通文字，不能含 < > [ ] ( ) # * ` / 等符号（有「{shown}」）"
    if len(name) > MAX_NAME:
        return f"项目名称最多 {MAX_NAME} 个字（现在 {len(name)} 个）"
    return None


def may_view(ctx: BaseContext, userid: str) -> bool:
    """P6: projects are the home department's business — its members, the director and the CEO see them."""
    member = ctx.org.get(userid)
    return bool(member and (member.department_id == ctx.org.home_department or
                            userid in (ctx.org.director_id, ctx.org.ceo_id)))


def home_name(ctx: BaseContext) -> str:
    """创新服务部: the home department's name."""
    return ctx.org.departments[ctx.org.home_department].get("name", ctx.org.home_department)


def sample_specialist(ctx: BaseContext, exclude: str = "") -> str:
    """A real colleague's name for the examples in our answers (not ``exclude``)."""
    return next((m.name for m in ctx.org.members.values() if m.has("specialist") and m.userid != exclude), "张三")


def is_manager(ctx: BaseContext, userid: str) -> bool:
    member = ctx.org.get(userid)
    return bool(member and any(member.has(role) for role in MANAGERS))


def project_from_args(ctx: BaseContext, args: str) -> tuple[Project | None, str, str]:
    """(project, the rest of the text, an answer when there is no such project) from 「#3 …」 / 「3 …」."""
    raw, _, rest = args.strip().lstrip("#＃").partition(" ")
    if not raw.isdigit():  # no number at all: the caller asks for one, with its example
        return None, "", ""
    project = ctx.fetch(Project, raw)
    return project, rest.strip(), "" if project else NOT_FOUND.format(raw=text_inline(raw, 20))


def label(project: Project) -> str:
    """#3「数据平台」"""
    return f"#{project.id}「{text_inline(project.name, 40)}」"


def local_date(ctx: BaseContext, moment: datetime) -> date:
    return moment.astimezone(ctx.settings.tz).date()


def window_text(ctx: BaseContext, project: Project) -> str:
    first, last = project.kickoff_window(ctx.policy.kickoff_days)
    return f"{format_day(first)} 至 {format_day(last)}"


def linked_meetings(ctx: BaseContext, project: Project) -> list[Meeting]:
    """Meetings registered with 「项目 <编号>」, not cancelled, in time order."""
    return list(ctx.session.scalars(select(Meeting).where(Meeting.project_id == project.id,
                                                          Meeting.status != "cancelled")
                                    .order_by(Meeting.starts_at, Meeting.id)))


KICKOFF_TITLE, REVIEW_TITLE = "启动会", "评审"


def kickoff_meeting(ctx: BaseContext, project: Project, meetings: list[Meeting] | None = None) -> Meeting | None:
    """P6: the project's kickoff — among the linked meetings from the window's first day on (and
    before completion), the first titled 启动会, else the first registered that is not titled as a
    review (评审). It may be late: after the planned approval date (a 补开 kickoff)."""
    first, _ = project.kickoff_window(ctx.policy.kickoff_days)
    meetings = linked_meetings(ctx, project) if meetings is None else meetings
    candidates = [m for m in meetings if local_date(ctx, m.starts_at) >= first
                  and (project.completed_at is None or m.starts_at < project.completed_at)]
    titled = next((m for m in candidates if KICKOFF_TITLE in m.title), None)
    return titled or min((m for m in candidates if REVIEW_TITLE not in m.title), key=lambda m: m.id, default=None)


def is_late(ctx: BaseContext, project: Project, meeting: Meeting) -> bool:
    """P6: a kickoff held after the planned approval date (补开)."""
    return local_date(ctx, meeting.starts_at) > project.planned_approval


def meeting_example(ctx: BaseContext, project: Project, what: str, day: date) -> str:
    """A 登记会议 line to copy, linked to the project."""
    owner = ctx.org.name(project.owner)
    return (f"登记会议 {text_inline(project.name, 20)}{what} {day.month}月{day.day}日 14:00-15:00 "
            f"参会 {owner} {sample_specialist(ctx, project.owner)} 记录人 {owner} 项目 {project.id}")


def kickoff_example_day(ctx: BaseContext, project: Project) -> date:
    """The day our kickoff examples suggest: the last working day of the window still ahead (P6)."""
    first, last = project.kickoff_window(ctx.policy.kickoff_days)
    earliest = max(first, ctx.now.date() + timedelta(days=1))
    if earliest > last:
        return last
    day = working_day_on_or_before(last)
    return day if day >= earliest else earliest


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first one after it (examples suggest no Sunday)."""
    for ahead in range(15):
        if is_working_day(day + timedelta(days=ahead)):
            return day + timedelta(days=ahead)
    return day


def first_time(ctx: BaseContext, kind: str, period: str, recipient: str, record: object) -> bool:
    """Note (kind, period, recipient, record) in the notification ledger; False if it was there.

    For reminders grouped into one message per person: each project is noted on its own, so a
    re-run sends nothing twice, and the caller sends one message with the projects that were new.
    """
    if not ctx.admit(kind, [(period, recipient, str(record))]):  # a job's reminder budget may hold it back
        return False
    entry = NotificationLedger(kind=kind, period=period, recipient=recipient, record=str(record), created_at=ctx.now)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(entry)
            ctx.session.flush()
    except IntegrityError:
        return False
    return True
