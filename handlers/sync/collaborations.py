"""Cross-department contact persons' weekly sync (P18): 登记协作, 同步, and the collaborations list.

Collaborations come from ``[[collaborations]]`` in the config and from chat (stored rows); the
Thursday prompt and Friday digest live in ``jobs`` (moved before a holiday: ``sync_days``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.config import ConfigError, config_section
from bot.conversation.context import BaseContext, Context
from bot.org.directory import AmbiguousName, Member
from bot.text.quoting import text_inline
from bot.text.workdays import is_working_day, working_day_on_or_before
from bot.conversation.router import intent, on_prompt
from models import NotificationLedger
from models.collaboration import Collaboration, SyncUpdate

REGISTER_EXAMPLE = "登记协作 数据平台对接 技术部 接口人 吴技术 本部门接口人 张三"
SYNC_EXAMPLE = "同步 {example} 本周完成接口联调，下周开始压测"
REGISTER_FORBIDDEN = "只有组长和总监可以登记协作（P18）。请联系你的组长登记。"
REGISTER_HOWTO = ("登记格式：登记协作 名称 对方部门 接口人 姓名 本部门接口人 姓名（可加：干系人 姓名、姓名）\n例如：" +
                  REGISTER_EXAMPLE)
UNKNOWN_DEPARTMENT = "没有找到部门「{name}」。可选：{choices}。例如：" + REGISTER_EXAMPLE
UNKNOWN_PERSON = "在{department}没有找到「{name}」，请写姓名或账号。例如：" + REGISTER_EXAMPLE
DUPLICATE = "已经有名为「{name}」的协作了，请换一个名称。发「协作列表」查看已登记的协作。"
REGISTERED = ("✅ 已登记协作「{name}」：{sides}。\n每周四我会请接口人同步进展，周五把汇总发给干系人和总监（P18）。")
CONTACT_NAMED = "你被 {registrar} 登记为协作「{name}」的{department}接口人（P18）。每周四我会请你同步进展，回复「同步 {name} 本周完成…」即可。"
NOT_THEIR_CONTACT = "你不是协作「{name}」的接口人（接口人：{contacts}），无需同步。"
NOT_A_CONTACT = "你不是任何协作的接口人，无需同步。发「协作列表」查看已登记的协作。"
UNKNOWN_COLLABORATION = "没有找到你负责的协作「{name}」。你是这些协作的接口人：{mine}。例如：" + SYNC_EXAMPLE
WHICH_ONE = "请写明是哪个协作：你是 {mine} 的接口人。例如：" + SYNC_EXAMPLE
EMPTY_SYNC = "请在协作名称后面写上本周进展，例如：" + SYNC_EXAMPLE
SYNCED = "✅ 已记录「{name}」{department}第{week}周的进展{again}。周五汇总会发给干系人和总监。"
NO_COLLABORATIONS = "还没有登记协作。组长或总监可以发：" + REGISTER_EXAMPLE
PROMPT_KIND = "sync_prompt"  # ledger kind of the Thursday prompt (record = collaboration name)
_REGISTER = re.compile(r"^(?P<name>\S+)\s+(?P<dept>\S+?)\s*接口人\s*(?P<other>\S+)\s+本部门接口人\s*(?P<own>\S+)"
                       r"(?:\s+干系人\s*(?P<stake>.+))?$")


@dataclass(frozen=True)
class CollaborationSpec:
    name: str
    contacts: dict  # department id → contact userid
    stakeholders: tuple[str, ...] = ()


@config_section("collaborations")
def parse_collaborations(raw) -> tuple[CollaborationSpec, ...]:
    """``[[collaborations]]``: name, departments, contacts (department id = userid), stakeholders."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError("collaborations: expected a list of [[collaborations]] tables")
    specs, names = [], set()
    for i, item in enumerate(raw):
        path = f"collaborations[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: expected a table with name, departments, contacts, stakeholders")
        unknown = sorted(set(item) - {"name", "departments", "contacts", "stakeholders"})
        if unknown:
            raise ConfigError(f"{path}.{unknown[0]}: unknown key (expected name, departments, contacts, stakeholders)")
        name, departments = item.get("name"), item.get("departments")
        contacts, stakeholders = item.get("contacts"), item.get("stakeholders", [])
        if not isinstance(name, str) or not name.strip() or " " in name.strip():
            raise ConfigError(f"{path}.name: expected a non-empty name without spaces, got {name!r}")
        if name in names:
            raise ConfigError(f"{path}.name: {name!r} appears twice")
        if not isinstance(departments, list) or len(departments) < 2 or not all(isinstance(d, str) for d in departments):
            raise ConfigError(f"{path}.departments: expected a list of at least two department ids")
        if not isinstance(contacts, dict) or set(contacts) != set(departments) \
                or not all(isinstance(u, str) and u for u in contacts.values()):
            raise ConfigError(f"{path}.contacts: expected one contact userid per department, "
                              f"e.g. {{ {departments[0]} = \"userid\", … }}")
        if not isinstance(stakeholders, list) or not all(isinstance(u, str) for u in stakeholders):
            raise ConfigError(f"{path}.stakeholders: expected a list of userids")
        names.add(name)
        specs.append(CollaborationSpec(name, {d: contacts[d] for d in departments}, tuple(stakeholders)))
    return tuple(specs)


def all_collaborations(ctx: BaseContext) -> list[CollaborationSpec]:
    """The configured collaborations, then those registered in chat."""
    stored = ctx.session.scalars(select(Collaboration).order_by(Collaboration.id))
    return list(ctx.settings.section("collaborations")) + [
        CollaborationSpec(c.name, dict(c.contacts), tuple(c.stakeholders)) for c in stored]


def week_key(moment: datetime, ctx: BaseContext) -> str:
    year, week, _ = moment.astimezone(ctx.settings.tz).isocalendar()
    return f"{year}-W{week:02d}"


PROMPT_DAY, DIGEST_DAY, SYNC_TIME = 3, 4, time(10, 0)  # P18: Thursday's prompt, Friday's digest, 10:00


def sync_days(moment: datetime, ctx: BaseContext) -> tuple[datetime | None, datetime | None]:
    """(prompt, digest) times of the week containing ``moment`` (P18, in ``settings.tz``): Thursday
    and Friday 10:00, each moved to the last working day before it when it is a holiday (P10's
    calendar); the prompt comes on a working day before the digest. None: no such day this week."""
    tz = ctx.settings.tz
    monday = moment.astimezone(tz).date() - timedelta(days=moment.astimezone(tz).weekday())
    digest = working_day_on_or_before(monday + timedelta(days=DIGEST_DAY))
    if digest < monday:
        return None, None
    prompt = working_day_on_or_before(min(monday + timedelta(days=PROMPT_DAY), digest - timedelta(days=1)))
    at = lambda day: datetime.combine(day, SYNC_TIME, tzinfo=tz)  # noqa: E731
    return (at(prompt) if prompt >= monday and is_working_day(prompt) else None), at(digest)


def is_sync_day(kind: int, ctx: BaseContext) -> bool:
    """Whether ``ctx.now`` falls on this week's prompt (``PROMPT_DAY``) or digest (``DIGEST_DAY``) day."""
    moment = sync_days(ctx.now, ctx)[0 if kind == PROMPT_DAY else 1]
    return moment is not None and moment.date() == ctx.now.astimezone(ctx.settings.tz).date() \
        and ctx.now >= moment


def department_name(ctx: BaseContext, department_id: str) -> str:
    return ctx.org.departments.get(department_id, {}).get("name", department_id)


def _find_member(ctx: Context, text: str, department_id: str) -> Member | None:
    """The member of ``department_id`` named ``text`` (a name or userid); two of that name there:
    AmbiguousName (the sender is asked which one)."""
    matches = [m for m in ctx.org.members.values() if m.department_id == department_id and text in (m.name, m.userid)]
    if len(matches) > 1:
        raise AmbiguousName(text, matches)
    return matches[0] if matches else None


@intent("sync.register", "登记协作", summary="登记跨部门协作及双方接口人（P18）", example=REGISTER_EXAMPLE,
        roles=("director", "group_leader"))
def register(ctx: Context) -> str:
    """P18: register a collaboration with one contact person per department."""
    if not (ctx.userid == ctx.org.director_id or ctx.user.has("group_leader")):
        return REGISTER_FORBIDDEN
    match = _REGISTER.match(ctx.args.strip())
    if not match:
        return REGISTER_HOWTO
    home = ctx.org.home_department
    others = {d["name"]: d["id"] for d in ctx.org.departments.values() if d["id"] != home}
    dept = others.get(match["dept"]) or (match["dept"] if match["dept"] in others.values() else None)
    if dept is None:
        return UNKNOWN_DEPARTMENT.format(name=match["dept"], choices="、".join(others))
    other = _find_member(ctx, match["other"], dept)
    own = _find_member(ctx, match["own"], home)
    if other is None or own is None:
        missing, where = (match["other"], dept) if other is None else (match["own"], home)
        return UNKNOWN_PERSON.format(name=missing, department=department_name(ctx, where))
    stakeholders = [ctx.userid]
    for name in re.split(r"[、,，\s]+", match["stake"] or ""):
        member = next((m for m in ctx.org.members.values() if name and name in (m.name, m.userid)), None)
        if name and member is None:
            return UNKNOWN_PERSON.format(name=name, department="组织架构中")
        if member and member.userid not in stakeholders:
            stakeholders.append(member.userid)
    name = match["name"]
    if any(c.name == name for c in all_collaborations(ctx)):
        return DUPLICATE.format(name=name)
    row = Collaboration(name=name, contacts={dept: other.userid, home: own.userid}, stakeholders=stakeholders,
                        created_by=ctx.userid, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(ctx.userid, "collaboration_registered", "collaboration", row.id, name=name, contacts=row.contacts)
    for department_id, userid in row.contacts.items():
        if userid != ctx.userid:
            ctx.send_text(userid, CONTACT_NAMED.format(registrar=ctx.user.name, name=text_inline(name),
                                                       department=department_name(ctx, department_id)))
    sides = "，".join(f"{department_name(ctx, d)} 接口人 {ctx.org.name(u)}" for d, u in row.contacts.items())
    return REGISTERED.format(name=name, sides=sides)


@intent("sync.submit", "同步", summary="接口人同步本周协作进展（P18）", example=SYNC_EXAMPLE.format(example="数据平台对接"))
def submit_sync(ctx: Context) -> str:
    """P18: a contact person's weekly progress on a collaboration."""
    text = ctx.args.strip()
    collaborations = all_collaborations(ctx)
    mine = [c for c in collaborations if ctx.userid in c.contacts.values()]
    named = next((c for c in sorted(collaborations, key=lambda c: -len(c.name)) if text.startswith(c.name)), None)
    if named is not None:
        text = text[len(named.name):].lstrip(" :：,，")
    if named is not None and named not in mine:
        return NOT_THEIR_CONTACT.format(name=text_inline(named.name), contacts="、".join(ctx.org.name(u) for u in named.contacts.values()))
    if named is None:
        if not mine:
            return NOT_A_CONTACT
        waiting = [c for c in mine if _answers_prompt(ctx, c)]
        if len(waiting) != 1:
            return _which(text, mine)
        named = waiting[0]  # the answer to this week's only open prompt needs no name
    if not text:
        return EMPTY_SYNC.format(example=text_inline(named.name))
    department = next(d for d, u in named.contacts.items() if u == ctx.userid)
    week = week_key(ctx.now, ctx)
    update = ctx.session.scalar(select(SyncUpdate).where(SyncUpdate.collaboration == named.name,
                                                         SyncUpdate.week == week,
                                                         SyncUpdate.department_id == department))
    again = "（已更新）" if update else ""
    if update is None:
        update = SyncUpdate(collaboration=named.name, week=week, department_id=department, userid=ctx.userid,
                            content=text, submitted_at=ctx.now)
        ctx.session.add(update)
    update.userid, update.content, update.submitted_at = ctx.userid, text, ctx.now
    ctx.session.flush()
    ctx.audit(ctx.userid, "synced", "collaboration", named.name, week=week, department=department)
    return SYNCED.format(name=text_inline(named.name), department=department_name(ctx, department), week=week.split("W")[1],
                         again=again)


def _answers_prompt(ctx: Context, collaboration: CollaborationSpec) -> bool:
    """Prompted this week for ``collaboration`` and not yet answered."""
    week = week_key(ctx.now, ctx)
    prompted = ctx.session.scalar(select(NotificationLedger.id).where(
        NotificationLedger.kind == PROMPT_KIND, NotificationLedger.period == week,
        NotificationLedger.recipient == ctx.userid, NotificationLedger.record == collaboration.name))
    answered = ctx.session.scalar(select(SyncUpdate.id).where(
        SyncUpdate.collaboration == collaboration.name, SyncUpdate.week == week, SyncUpdate.userid == ctx.userid))
    return prompted is not None and answered is None


def _prompt_waiting(ctx: Context) -> bool:
    """P18: the sender was asked for this week's progress (Thursday's prompt) and has not answered."""
    names = set(ctx.session.scalars(select(NotificationLedger.record).where(
        NotificationLedger.kind == PROMPT_KIND, NotificationLedger.period == week_key(ctx.now, ctx),
        NotificationLedger.recipient == ctx.userid)))
    return bool(names) and any(_answers_prompt(ctx, c) for c in all_collaborations(ctx)
                               if c.name in names and ctx.userid in c.contacts.values())


@on_prompt("sync.answer", waiting=_prompt_waiting)
def answer_prompt(ctx: Context) -> str:
    """P18: the reply to Thursday's prompt, typed without 「同步」 (「数据平台对接这周进展：接口文档已更新」),
    is this week's progress, exactly as 「同步 …」."""
    return submit_sync(ctx)


def _which(text: str, mine: list[CollaborationSpec]) -> str:
    names, example = "、".join(text_inline(c.name) for c in mine), text_inline(mine[0].name)
    if not text:
        return WHICH_ONE.format(mine=names, example=example)
    return UNKNOWN_COLLABORATION.format(name=text.split()[0], mine=names, example=example)


@intent("sync.list", "协作列表", summary="查看已登记的跨部门协作和接口人", example="协作列表")
def list_collaborations(ctx: Context) -> str:
    """Every collaboration with its contact persons."""
    collaborations = all_collaborations(ctx)
    if not collaborations:
        return NO_COLLABORATIONS
    lines = ["已登记的协作："]
    for c in collaborations:
        sides = "，".join(f"{department_name(ctx, d)} {ctx.org.name(u)}" for d, u in c.contacts.items())
        lines.append(f"• {text_inline(c.name)}：{sides}")
    return "\n".join(lines)
