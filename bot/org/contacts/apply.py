"""The address book as stored, ``change_contact`` events applied to it, and writing it as the org.

The stored org tables keep WeCom's own fields (departments with parent and leaders; members with
their departments, leader flags, direct leaders, position, status), so an event or a changed
config can be mapped again without calling WeCom. Applying an event twice gives the same book.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.org.contacts import ACTIVE, GONE, AddressBook, ContactDept, ContactUser, _ids, _int
from bot.org.contacts.mapping import build_snapshot
from bot.org.directory import OrgSnapshot
from bot.org.store import config_hash
from bot.org.write import WriteResult, write_org
from models import Department, OrgState, Person

USER_EVENTS = {"create_user", "update_user", "delete_user"}
PARTY_EVENTS = {"create_party", "update_party", "delete_party"}


@dataclass
class BookWrite:
    result: WriteResult
    snapshot: OrgSnapshot
    notes: list[str]


def stored_book(session: Session) -> AddressBook | None:
    """The address book as last read from WeCom (and changed by events); None if never read."""
    state = session.execute(select(OrgState.source, OrgState.synced_at, OrgState.tags).where(OrgState.id == 1)).first()
    if state is None or state.source != "wecom" or state.synced_at is None:
        return None
    book = AddressBook(tags=dict(state.tags or {}))
    d = Department.__table__.c
    for row in session.execute(select(d.id, d.name, d.parent_id, d.leaders).where(d.active).order_by(d.rank, d.id)):
        book.departments[row.id] = ContactDept(row.id, row.name, row.parent_id,
                                               list(row.leaders) if row.leaders is not None else None)
    p = Person.__table__.c
    rows = session.execute(select(p.userid, p.wecom_name, p.wecom_departments, p.is_leader_in_dept, p.main_department,
                                  p.direct_leader, p.position, p.status, p.active)
                           .where(p.wecom_departments.is_not(None)).order_by(p.rank, p.userid))
    for row in rows:
        if row.active or row.status in GONE:  # disabled or quit: still in WeCom; deleted ones are not
            book.users[row.userid] = ContactUser(row.userid, row.wecom_name, list(row.wecom_departments or []),
                                                 row.is_leader_in_dept, row.main_department, row.direct_leader,
                                                 row.position, row.status)
    return book


def apply_event(book: AddressBook, raw: dict) -> str | None:
    """Apply one ``change_contact`` callback (its decrypted fields) to ``book``; returns the change
    type, or None for a change type the org does not use."""
    kind = raw.get("ChangeType") or ""
    if kind in USER_EVENTS:
        userid = _known(book, str(raw.get("UserID") or ""))
        if not userid:
            return None
        if kind == "delete_user":
            book.users.pop(userid, None)
            return kind
        renamed = renamed_userid(raw)
        if renamed and userid not in book.users and _known(book, renamed[1]) in book.users:
            userid = _known(book, renamed[1])  # the same change again: already renamed
        user = book.users.get(userid)
        if user is None:
            user = book.users[userid] = ContactUser(userid, None, [], status=ACTIVE)
        if renamed and renamed[1] != userid:  # the same person under a new id (not a leaver)
            _rename(book, userid, renamed[1])
        _update_user(user, raw)
        if "IsLeaderInDept" in raw:
            _update_leaders(book, user)
        return kind
    if kind in PARTY_EVENTS:
        dept_id = str(raw.get("Id") or "")
        if not dept_id:
            return None
        if kind == "delete_party":
            book.departments.pop(dept_id, None)
            return kind
        dept = book.departments.setdefault(dept_id, ContactDept(dept_id, None, None, []))
        if raw.get("Name"):
            dept.name = str(raw["Name"])
        if raw.get("ParentId") not in (None, ""):
            dept.parent_id = str(raw["ParentId"]) if str(raw["ParentId"]) != "0" else None
        return kind
    if kind == "update_tag":
        tagid = _int(raw.get("TagId"))
        for tag in book.tags.values():
            if tag.get("tagid") == tagid and tagid is not None:
                _update_tag(book, tag, raw)
        return kind
    return None


def renamed_userid(raw: dict) -> tuple[str, str] | None:
    """(old, new) when ``raw`` is an ``update_user`` that changes the member's userid (NewUserID)."""
    old, new = str(raw.get("UserID") or ""), str(raw.get("NewUserID") or "")
    if raw.get("ChangeType") == "update_user" and old and new and old != new:
        return old, new
    return None


def _known(book: AddressBook, userid: str) -> str:
    """The id as the book spells it: WeCom's userids are unique regardless of letter case."""
    if userid in book.users or not userid:
        return userid
    folded = userid.casefold()
    return next((u for u in book.users if u.casefold() == folded), userid)


def _rename(book: AddressBook, old: str, new: str) -> None:
    """The member ``old`` is now ``new``: in the members, tags, department leaders, direct leaders."""
    user = book.users.pop(old)
    user.userid = new
    book.users[new] = user
    swap = lambda ids: [new if u == old else u for u in ids]  # noqa: E731
    for tag in book.tags.values():
        tag["users"] = swap(tag.get("users", []))
    for dept in book.departments.values():
        if dept.leaders is not None:
            dept.leaders = swap(dept.leaders)
    for other in book.users.values():
        if other.direct_leader:
            other.direct_leader = swap(other.direct_leader)


def _update_user(user: ContactUser, raw: dict) -> None:
    """update_user carries only what changed: a field absent from the event stays as it was."""
    if raw.get("Name"):
        user.name = str(raw["Name"])
    if "Department" in raw:
        user.departments = _ids(raw["Department"])
        if "IsLeaderInDept" not in raw:
            user.is_leader_in_dept = None
    if "IsLeaderInDept" in raw:
        user.is_leader_in_dept = [_int(f) or 0 for f in _ids(raw["IsLeaderInDept"])]
    if raw.get("MainDepartment") not in (None, ""):
        user.main_department = str(raw["MainDepartment"])
    if "DirectLeader" in raw:
        user.direct_leader = _ids(raw["DirectLeader"])
    if "Position" in raw:
        user.position = raw["Position"] or None
    if raw.get("Status") not in (None, ""):
        user.status = _int(raw["Status"])


def _update_leaders(book: AddressBook, user: ContactUser) -> None:
    """Keep each department's department_leader in step with the member's new leader flags."""
    flags = dict(zip(user.departments, user.is_leader_in_dept or []))
    for dept in book.departments.values():
        if dept.leaders is None:
            continue
        if flags.get(dept.id) and user.userid not in dept.leaders:
            dept.leaders.append(user.userid)
        elif not flags.get(dept.id) and user.userid in dept.leaders:
            dept.leaders.remove(user.userid)


def _update_tag(book: AddressBook, tag: dict, raw: dict) -> None:
    users, parties = list(tag.get("users", [])), list(tag.get("parties", []))
    removed = {u.casefold() for u in _ids(raw.get("DelUserItems"))}
    users = [u for u in users if u.casefold() not in removed]
    users += [u for u in (_known(book, u) for u in _ids(raw.get("AddUserItems"))) if u not in users]
    parties = [p for p in parties if p not in _ids(raw.get("DelPartyItems"))]
    parties += [p for p in _ids(raw.get("AddPartyItems")) if p not in parties]
    tag["users"], tag["parties"] = users, parties


def write_book(session: Session, settings: Settings, book: AddressBook,
               synced_at: datetime | None = None) -> BookWrite:
    """Map ``book`` to the org and write what changed (the caller holds ``lock_org``). Departments
    leaders learnt from the API are stored with the departments; ``synced_at`` marks a full read."""
    snapshot, notes = build_snapshot(book, settings.org)
    result = write_org(session, snapshot, source="wecom", config_hash=config_hash(settings.org), tags=book.tags,
                       synced_at=synced_at)
    return BookWrite(result, snapshot, notes)


def remap_stored(session: Session, settings: Settings) -> WriteResult | None:
    """A changed ``[org]`` section with ``source = "wecom"``: map the stored address book again."""
    book = stored_book(session)
    if book is None:
        return None
    return write_book(session, settings, book).result
