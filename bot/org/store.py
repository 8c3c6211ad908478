"""The org in the database, as every process reads it: loaded once, cached, reloaded when it changes.

Whoever writes the org (the config at start-up, ``org sync``, a ``change_contact`` callback) bumps
``org_state.version`` in the same transaction. ``OrgStore.current()`` re-reads that version at
most once per ``check_interval`` seconds (so several web workers agree within a second) and at
once after a write committed by this process.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import dataclasses

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import OrgSettings, Settings
from bot.org.directory import OrgDirectory, OrgSnapshot, snapshot_from_config
from models import Department, Group, OrgState, Person

log = logging.getLogger(__name__)

MAPPING_VERSION = "1"  # bump when the way the config maps to the stored org changes
ADVISORY_LOCK_ID = 0x6F7267  # PostgreSQL advisory lock held by every org writer (seeding, sync, events)
PERSON_COLUMNS = ("userid", "name", "department_id", "group_id", "roles", "phone", "active", "rank", "wecom_name",
                  "wecom_departments", "is_leader_in_dept", "main_department", "direct_leader", "position", "status",
                  "joined", "group_since")
EMPTY = OrgSnapshot("", ({"id": "", "name": "（组织架构尚未同步）", "head": None},), (), (), {})
_local_generation = 0  # bumped after this process commits an org write
_generation_lock = threading.Lock()


def config_hash(org: OrgSettings) -> str:
    """A digest of the ``[org]`` section: the org is written again only when it changes."""
    fields = {f.name: getattr(org, f.name) for f in dataclasses.fields(org)}  # tuples of dicts: JSON as is
    text = json.dumps({"mapping": MAPPING_VERSION, "org": fields}, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(text.encode()).hexdigest()


def lock_org(session: Session) -> None:
    """Serialise org writers: on PostgreSQL an advisory lock until the transaction ends; SQLite's
    BEGIN IMMEDIATE already gives the one writer the whole database."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_ID})")


def invalidate_after_commit(session: Session) -> None:
    """Make every ``OrgStore`` of this process reload once ``session`` commits."""
    def bump(_session):
        global _local_generation
        with _generation_lock:
            _local_generation += 1
    if not session.info.get("org_invalidation"):
        session.info["org_invalidation"] = True
        event.listen(session, "after_commit", bump, once=True)


def org_state(session: Session) -> OrgState | None:
    return session.get(OrgState, 1, populate_existing=True)


def load_snapshot(session: Session) -> tuple[OrgSnapshot | None, int]:
    """(the stored org, its version); (None, 0) before anything was written."""
    state = session.execute(select(OrgState.version, OrgState.home_department, OrgState.roles)
                            .where(OrgState.id == 1)).first()
    if state is None or state.home_department is None:
        return None, state.version if state else 0
    d, g, p = Department.__table__.c, Group.__table__.c, Person.__table__.c
    departments = tuple({"id": r.id, "name": r.name, "head": r.head, "parent_id": r.parent_id, "leaders": r.leaders}
                        for r in session.execute(select(d.id, d.name, d.head, d.parent_id, d.leaders)
                                                 .where(d.active).order_by(d.rank, d.id)))
    groups = tuple({"id": r.id, "name": r.name, "department": r.department_id, "leader": r.leader}
                   for r in session.execute(select(g.id, g.name, g.department_id, g.leader)
                                            .where(g.active).order_by(g.rank, g.id)))
    people, former = [], {}
    rows = session.execute(select(p.userid, p.name, p.department_id, p.group_id, p.roles, p.phone, p.active,
                                  p.joined, p.group_since).order_by(p.rank, p.userid))
    for userid, name, department, group, roles, phone, active, joined, group_since in rows:
        if not active:
            former[userid] = name
            continue
        people.append({"userid": userid, "name": name, "department": department, "group": group, "roles": roles,
                       "phone": phone, "joined": joined, "group_since": group_since})
    roles = state.roles or {}
    return OrgSnapshot(state.home_department, departments, groups, tuple(people), roles, former), state.version


class OrgStore:
    """The current ``OrgDirectory`` of this process, read from the database and cached."""

    def __init__(self, session_factory: sessionmaker[Session], check_interval: float = 1.0):
        self.session_factory = session_factory
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._directory: OrgDirectory | None = None
        self._version = -1
        self._generation = -1
        self._checked = 0.0

    def current(self) -> OrgDirectory:
        fresh = time.monotonic() - self._checked < self.check_interval
        if self._directory is not None and fresh and self._generation == _local_generation:
            return self._directory
        with self._lock:
            generation = _local_generation
            with self.session_factory() as session:
                version = session.scalar(select(OrgState.version).where(OrgState.id == 1)) or 0
                if self._directory is None or version != self._version or generation != self._generation:
                    snapshot, version = load_snapshot(session)
                    self._directory = OrgDirectory(snapshot or EMPTY)
                    self._version = version
            self._generation, self._checked = generation, time.monotonic()
            return self._directory

    def invalidate(self) -> None:
        self._checked = 0.0
        self._version = -1


def seed_org(session_factory: sessionmaker[Session], settings: Settings) -> bool:
    """Write the configured org when the ``[org]`` section changed since it was last written
    (a hash in ``org_state``); True if it wrote. Safe when several processes start at once: the
    writer holds the org lock and checks the hash again under it.

    With ``source = "wecom"`` the address book stays the source: only the complements of the
    config (names, phones, roles) are mapped again onto the stored address book, by ``remap``.
    """
    from bot.org.write import write_org

    digest = config_hash(settings.org)
    with session_factory() as session:
        if session.scalar(select(OrgState.config_hash).where(OrgState.id == 1)) == digest:
            return False
    with session_factory.begin() as session:
        lock_org(session)
        state = org_state(session)
        if state is not None and state.config_hash == digest:
            return False
        if settings.org.source == "config":
            result = write_org(session, snapshot_from_config(settings.org), source="config", config_hash=digest)
        else:
            from bot.org.contacts.apply import remap_stored
            result = remap_stored(session, settings)
            if result is None:
                log.warning("org source is wecom but the address book was never read: run `python app.py org sync`")
                return False
        invalidate_after_commit(session)
    log.info("org written from the %s: %d row(s)", "config" if settings.org.source == "config" else "address book",
             result.rows)
    return True


def sync_org(session: Session, org: OrgSettings) -> None:
    """Write the configured org in ``session`` (no hash check, no lock): for tools and benchmarks."""
    from bot.org.write import write_org

    write_org(session, snapshot_from_config(org), source="config", config_hash=config_hash(org))
    invalidate_after_commit(session)
