"""Write an org snapshot to the database: only what changed, in bulk, and say what changed.

Rows are compared with what is stored; new ones are inserted and changed ones updated with one
executemany per table, so a 10,000-person org costs a handful of statements, and writing the same
org again writes nothing. Nobody is deleted: someone missing from the snapshot becomes inactive
(history keeps their name); the same for departments and groups.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bot.org.directory import OrgSnapshot
from bot.org.store import PERSON_COLUMNS
from models import Department, Group, OrgState, Person


@dataclass(frozen=True)
class OrgChange:
    """One change a write made. ``kind``: joined, left, moved (department or group), renamed, or
    leader (``where`` = "group:<id>" / "department:<id>", ``before``/``after`` = userids)."""

    kind: str
    userid: str | None
    name: str
    before: dict | None = None
    after: dict | None = None
    where: str = ""


@dataclass
class WriteResult:
    changes: list[OrgChange] = field(default_factory=list)
    rows: int = 0  # rows inserted or updated, org_state included
    version: int = 0


def _department_rows(snapshot: OrgSnapshot) -> dict[str, dict]:
    return {d["id"]: dict(id=d["id"], name=d["name"][:128], head=d.get("head"), parent_id=d.get("parent_id"),
                          leaders=d.get("leaders"), active=True, rank=i) for i, d in enumerate(snapshot.departments)}


def _group_rows(snapshot: OrgSnapshot) -> dict[str, dict]:
    return {g["id"]: dict(id=g["id"], name=g["name"][:128], department_id=g["department"], leader=g.get("leader"),
                          active=True, rank=i) for i, g in enumerate(snapshot.groups)}


def _person_rows(snapshot: OrgSnapshot) -> dict[str, dict]:
    rows = {}
    for i, p in enumerate(snapshot.people):
        rows[p["userid"]] = dict(
            userid=p["userid"], name=p["name"][:64], department_id=p["department"], group_id=p.get("group"),
            roles=sorted(p.get("roles") or []), phone=p.get("phone"), active=p.get("active", True) is not False,
            rank=i, wecom_name=(p.get("wecom_name") or None) and p["wecom_name"][:64],
            wecom_departments=p.get("wecom_departments"), is_leader_in_dept=p.get("is_leader_in_dept"),
            main_department=p.get("main_department"), direct_leader=p.get("direct_leader"),
            position=(p.get("position") or None) and p["position"][:128], status=p.get("status"),
            joined=_iso(p.get("joined")), group_since=_iso(p.get("group_since")))
    return rows


DEPARTMENT_COLUMNS = ("id", "name", "head", "parent_id", "leaders", "active", "rank")
GROUP_COLUMNS = ("id", "name", "department_id", "leader", "active", "rank")


def _iso(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _sync_table(session: Session, table: Table, key: str, columns: tuple[str, ...],
                wanted: dict[str, dict]) -> tuple[dict, dict, int]:
    """Insert and update ``columns`` of ``table`` to hold ``wanted`` (rows missing from it become
    inactive). Returns (rows before, rows after, rows written)."""
    before = {row[key]: row for row in (r._asdict() for r in session.execute(select(*(table.c[c] for c in columns))))}
    after = dict(wanted)
    for k, row in before.items():
        if k not in after:
            after[k] = {**row, "active": False}
    inserts = [row for k, row in after.items() if k not in before]
    updates = [row for k, row in after.items() if k in before and any(row[c] != before[k][c] for c in row)]
    if inserts:
        session.execute(table.insert(), inserts)
    if updates:
        columns = [c for c in updates[0] if c != key]
        statement = table.update().where(table.c[key] == bindparam("k_" + key)).values(
            {c: bindparam("v_" + c, type_=table.c[c].type) for c in columns})
        session.execute(statement, [{"k_" + key: row[key], **{"v_" + c: row[c] for c in columns}} for row in updates])
    return before, after, len(inserts) + len(updates)


def _changes(people_before: dict, people_after: dict, groups_before: dict, groups_after: dict,
             depts_before: dict, depts_after: dict) -> list[OrgChange]:
    old = {u: r for u, r in people_before.items() if r["active"]}
    new = {u: r for u, r in people_after.items() if r["active"]}
    place = lambda r: {"department": r["department_id"], "group": r["group_id"], "name": r["name"]}  # noqa: E731
    changes = [OrgChange("joined", u, r["name"], None, place(r)) for u, r in new.items() if u not in old]
    changes += [OrgChange("left", u, r["name"], place(r), None) for u, r in old.items() if u not in new]
    for u in old.keys() & new.keys():
        a, b = old[u], new[u]
        if (a["department_id"], a["group_id"]) != (b["department_id"], b["group_id"]):
            changes.append(OrgChange("moved", u, b["name"], place(a), place(b)))
        elif a["name"] != b["name"]:
            changes.append(OrgChange("renamed", u, b["name"], place(a), place(b)))
    for kind, before, after, field_name in (("group", groups_before, groups_after, "leader"),
                                            ("department", depts_before, depts_after, "head")):
        for k, row in after.items():
            was = before.get(k, {}).get(field_name) if before.get(k, {}).get("active") else None
            now = row[field_name] if row["active"] else None
            if was != now and now is not None:
                changes.append(OrgChange("leader", now, row["name"], {"userid": was}, {"userid": now},
                                         f"{kind}:{k}"))
    return changes


def write_org(session: Session, snapshot: OrgSnapshot, *, source: str, config_hash: str | None = None,
              tags: dict | None = None, synced_at: datetime | None = None, now: datetime | None = None) -> WriteResult:
    """Make the stored org equal ``snapshot`` (the caller holds ``lock_org``); bump the version
    when anything changed. Nothing is written when nothing changed. Someone who comes into an org
    that had people already gets ``added_at`` = ``now`` (aware; default: the real time): the bot
    is in use for them from then (``bot.org.in_use``)."""
    depts_before, depts_after, n1 = _sync_table(session, Department.__table__, "id", DEPARTMENT_COLUMNS,
                                                _department_rows(snapshot))
    groups_before, groups_after, n2 = _sync_table(session, Group.__table__, "id", GROUP_COLUMNS, _group_rows(snapshot))
    people_before, people_after, n3 = _sync_table(session, Person.__table__, "userid", PERSON_COLUMNS,
                                                  _person_rows(snapshot))
    rows = n1 + n2 + n3
    if any(r["active"] for r in people_before.values()):  # not the install: who came in is new to the bot
        arrived = [u for u, r in people_after.items()
                   if r["active"] and not (people_before.get(u) or {}).get("active")]
        for start in range(0, len(arrived), 500):
            session.execute(update(Person).where(Person.userid.in_(arrived[start:start + 500]))
                            .values(added_at=now or datetime.now(timezone.utc)).execution_options(synchronize_session=False))
    state = session.get(OrgState, 1)
    fresh = state is None
    if fresh:
        state = OrgState(id=1, version=0, source=source)
        session.add(state)
    values = {"source": source, "home_department": snapshot.home_department, "roles": snapshot.roles}
    if config_hash is not None:
        values["config_hash"] = config_hash
    if tags is not None:
        values["tags"] = tags
    changed = [k for k, v in values.items() if getattr(state, k) != v]
    for k in changed:
        setattr(state, k, values[k])
    if rows or changed or fresh:
        state.version = (state.version or 0) + 1
        if synced_at is not None:
            state.synced_at = synced_at
        rows += 1
        session.flush()
    return WriteResult(_changes(people_before, people_after, groups_before, groups_after, depts_before, depts_after),
                       rows, state.version)
