"""The org (P1) as the bot sees it: who is who, their group, their leader, who holds each role.

``OrgDirectory`` is built from an ``OrgSnapshot`` — the org as stored in the database (see
``bot/org/store.py``, which every process reads it through) — or, equally, from the config's
``OrgSettings``, which has the same shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.config import OrgSettings
from bot.text.names import one_line

ROLE_LABELS = {
    "director": "总监", "group_leader": "组长", "specialist": "专员", "finance": "财务",
    "ceo": "CEO", "hr": "人力资源", "compliance": "合规", "staff": "员工",
}


@dataclass(frozen=True)
class Member:
    userid: str
    name: str
    department_id: str
    department_name: str
    group_id: str | None = None
    group_name: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    phone: str | None = None
    joined: date | None = None  # P2: joined the department
    group_since: date | None = None  # P2: in the current group since (the rotation rule reads it)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def role_label(self) -> str:
        order = ["ceo", "director", "group_leader", "finance", "hr", "compliance", "specialist", "staff"]
        labels = [ROLE_LABELS[r] for r in order if r in self.roles]
        return "、".join(labels) or "员工"


@dataclass(frozen=True)
class OrgSnapshot:
    """The whole org as data: what is stored, and what ``OrgDirectory`` reads.

    ``departments``: dicts with id, name, head (a userid or None), parent_id, leaders;
    ``groups``: id, name, department, leader; ``people`` (the active ones): userid, name,
    department, group, roles (every role, derived ones included), phone, and the WeCom fields
    (wecom_name, wecom_departments, is_leader_in_dept, main_department, direct_leader, position,
    status); ``roles``: ceo (a userid or None), finance, hr, compliance (userids, in order);
    ``former``: userid → name of people no longer active (history keeps their names).
    """

    home_department: str
    departments: tuple[dict, ...]
    groups: tuple[dict, ...]
    people: tuple[dict, ...]
    roles: dict[str, Any]
    former: dict[str, str] = field(default_factory=dict)


class OrgDirectory:
    """Read-only lookups over one org (an ``OrgSnapshot`` or the config's ``OrgSettings``)."""

    def __init__(self, org: OrgSnapshot | OrgSettings):
        self.settings = org
        # Names come from the config or WeCom's address book: one line, nothing invisible (bot.text.names).
        self.departments = {d["id"]: _named(d) for d in org.departments}
        self.groups = {g["id"]: _named(g) for g in org.groups}
        self.home_department = org.home_department
        self.former: dict[str, str] = {u: one_line(n) for u, n in (getattr(org, "former", {}) or {}).items()}
        self.director_id = self.departments[org.home_department]["head"]
        self.ceo_id: str | None = org.roles.get("ceo")
        self.finance_ids = tuple(org.roles.get("finance", ()))
        self.hr_ids = tuple(org.roles.get("hr", ()))
        self.compliance_ids = tuple(org.roles.get("compliance", ()))
        self.members: dict[str, Member] = {}
        leaders = {g["leader"] for g in org.groups}
        derived: dict[str, set[str]] = {}
        for role, ids in (("director", (self.director_id,)), ("ceo", (self.ceo_id,)), ("finance", self.finance_ids),
                          ("hr", self.hr_ids), ("compliance", self.compliance_ids)):
            for userid in ids:
                derived.setdefault(userid, set()).add(role)
        for p in org.people:
            userid = p["userid"]
            if p.get("active") is False:  # a mapped leaver: kept for the name only
                self.former[userid] = one_line(p["name"])
                continue
            roles = set(p.get("roles") or ())
            roles |= derived.get(userid, set())
            if userid in leaders:
                roles.add("group_leader")
            group = self.groups.get(p.get("group")) if p.get("group") else None
            department = self.departments.get(p["department"])
            self.members[userid] = Member(
                userid=userid, name=one_line(p["name"]) or userid, department_id=p["department"],
                department_name=department["name"] if department else p["department"],
                group_id=group["id"] if group else None, group_name=group["name"] if group else None,
                roles=frozenset(roles), phone=p.get("phone"),
                joined=_day(p.get("joined")), group_since=_day(p.get("group_since")),
            )

    def get(self, userid: str) -> Member | None:
        return self.members.get(userid)

    def name(self, userid: str | None) -> str:
        """The person's name — also of someone who has left (history keeps it) — else the userid."""
        member = self.members.get(userid or "")
        if member:
            return member.name
        return self.former.get(userid or "") or userid or "（无）"

    @property
    def director(self) -> Member | None:
        return self.members.get(self.director_id)

    def group_leader(self, group_id: str | None) -> Member | None:
        group = self.groups.get(group_id or "")
        return self.members.get(group["leader"]) if group else None

    def department_head(self, department_id: str) -> Member | None:
        dept = self.departments.get(department_id)
        return self.members.get(dept["head"]) if dept else None

    def superior(self, member: Member) -> Member | None:
        """P1 reporting line: specialist → group leader → director → CEO."""
        if member.group_id:
            leader = self.group_leader(member.group_id)
            if leader and leader.userid != member.userid:
                return leader
        head = self.department_head(member.department_id)
        if head and head.userid != member.userid:
            return head
        if self.ceo_id and self.ceo_id != member.userid:
            return self.members.get(self.ceo_id)
        return None

    def find(self, token: str) -> Member | None:
        """The member ``token`` names: a userid (any letter case), a name (张三), or a name with
        what tells two people apart in brackets — their department, group or userid
        (张三（财务部）, 张三(数据分析组), 张三（zhangsan2）). None when nobody matches.

        Raises ``AmbiguousName`` when several people have that name: the sender is asked which
        one (bot.conversation.inbound), never told that nobody has it."""
        token = token.strip().lstrip("@＠").strip()
        if not token:
            return None
        member = self.members.get(token) or next(
            (m for m in self.members.values() if m.userid.casefold() == token.casefold()), None)
        if member is not None:
            return member
        qualified = _QUALIFIED.fullmatch(token)
        name, qualifier = (qualified["name"].strip(), qualified["which"].strip()) if qualified else (token, "")
        matches = [m for m in self.members.values() if m.name == name]
        if qualifier:
            matches = [m for m in matches if _describes(qualifier, m)]
        if len(matches) > 1:
            raise AmbiguousName(name, matches)
        return matches[0] if matches else None

    def group_members(self, group_id: str) -> list[Member]:
        return [m for m in self.members.values() if m.group_id == group_id]

    def with_role(self, role: str) -> list[Member]:
        return [m for m in self.members.values() if m.has(role)]


_QUALIFIED = re.compile(r"(?P<name>[^（(]+)[（(](?P<which>[^）)]+)[）)]")


def _describes(qualifier: str, member: Member) -> bool:
    """Whether 「财务部」「数据分析组」「数据分析」「zhangsan2」 says which one ``member`` is."""
    folded = qualifier.casefold()
    names = [member.department_name, member.department_id, member.group_name or "", member.group_id or ""]
    return folded == member.userid.casefold() or any(
        qualifier in (n, n.removesuffix("组"), n.removesuffix("部")) for n in names if n)


class AmbiguousName(Exception):
    """Several people have the name someone typed: ``name`` and the ``members`` who have it."""

    def __init__(self, name: str, members: list[Member]):
        super().__init__(name)
        self.name, self.members = name, members

    def choices(self) -> list[str]:
        """One line per person: 张三（财务部，userid zhangsan2）."""
        return [f"{m.name}（{m.department_name}{' · ' + m.group_name if m.group_name else ''}，userid {m.userid}）"
                for m in self.members]

    def qualified(self, member: Member) -> str:
        """How to write ``member`` so nobody else matches: 张三（数据分析组） or 张三（zhangsan2）."""
        for which in (member.group_name, member.department_name):
            if which and sum(_describes(which, m) for m in self.members) == 1:
                return f"{member.name}（{which}）"
        return f"{member.name}（{member.userid}）"


def _named(record: dict) -> dict:
    """A department or group record with its name on one line, without invisible characters."""
    return {**record, "name": one_line(record.get("name")) or record["id"]} if "name" in record else record


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def snapshot_from_config(org: OrgSettings) -> OrgSnapshot:
    """The configured org as a snapshot, each person's derived roles (director, group leader,
    CEO, finance…) written out."""
    directory = OrgDirectory(org)
    people = tuple({"userid": m.userid, "name": m.name, "department": m.department_id, "group": m.group_id,
                    "roles": sorted(m.roles), "phone": m.phone, "joined": m.joined, "group_since": m.group_since}
                   for m in directory.members.values())
    departments = tuple({"id": d["id"], "name": d["name"], "head": d["head"], "parent_id": None, "leaders": None}
                        for d in org.departments)
    groups = tuple({"id": g["id"], "name": g["name"], "department": g["department"], "leader": g["leader"]}
                   for g in org.groups)
    roles = {"ceo": org.roles.get("ceo"), **{key: list(org.roles.get(key, ())) for key in ("finance", "hr", "compliance")}}
    return OrgSnapshot(org.home_department, departments, groups, people, roles)
