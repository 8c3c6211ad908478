"""The org (P1) as the bot sees it: who is who, their group, their leader, who holds each role.

Built from the config; ``sync_org`` mirrors it into the database so reports can join on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from bot.config import OrgSettings
from models import Department, Group, Person

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


class OrgDirectory:
    """Read-only lookups over the configured org."""

    def __init__(self, org: OrgSettings):
        self.settings = org
        self.departments = {d["id"]: d for d in org.departments}
        self.groups = {g["id"]: g for g in org.groups}
        self.home_department = org.home_department
        self.director_id = self.departments[org.home_department]["head"]
        self.ceo_id: str | None = org.roles.get("ceo")
        self.finance_ids = tuple(org.roles.get("finance", ()))
        self.hr_ids = tuple(org.roles.get("hr", ()))
        self.compliance_ids = tuple(org.roles.get("compliance", ()))
        self.members: dict[str, Member] = {}
        for p in org.people:
            roles = set(p.get("roles", []))
            if p["userid"] == self.director_id:
                roles.add("director")
            if any(g["leader"] == p["userid"] for g in org.groups):
                roles.add("group_leader")
            if p["userid"] == self.ceo_id:
                roles.add("ceo")
            for role, ids in (("finance", self.finance_ids), ("hr", self.hr_ids), ("compliance", self.compliance_ids)):
                if p["userid"] in ids:
                    roles.add(role)
            group = self.groups.get(p.get("group")) if p.get("group") else None
            self.members[p["userid"]] = Member(
                userid=p["userid"], name=p["name"], department_id=p["department"],
                department_name=self.departments[p["department"]]["name"],
                group_id=group["id"] if group else None, group_name=group["name"] if group else None,
                roles=frozenset(roles), phone=p.get("phone"),
                joined=_day(p.get("joined")), group_since=_day(p.get("group_since")),
            )

    def get(self, userid: str) -> Member | None:
        return self.members.get(userid)

    def name(self, userid: str | None) -> str:
        member = self.members.get(userid or "")
        return member.name if member else (userid or "（无）")

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

    def group_members(self, group_id: str) -> list[Member]:
        return [m for m in self.members.values() if m.group_id == group_id]

    def with_role(self, role: str) -> list[Member]:
        return [m for m in self.members.values() if m.has(role)]


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def sync_org(session: Session, org: OrgSettings) -> None:
    """Mirror the configured org into the database (people not in the config become inactive)."""
    directory = OrgDirectory(org)
    for d in org.departments:
        session.merge(Department(id=d["id"], name=d["name"], head=d["head"]))
    session.flush()
    for g in org.groups:
        session.merge(Group(id=g["id"], name=g["name"], department_id=g["department"], leader=g["leader"]))
    session.flush()
    configured = set()
    for member in directory.members.values():
        configured.add(member.userid)
        session.merge(Person(userid=member.userid, name=member.name, department_id=member.department_id,
                             group_id=member.group_id, roles=sorted(member.roles), phone=member.phone, active=True))
    for person in session.query(Person).filter(Person.userid.not_in(configured)):
        person.active = False
    session.flush()
