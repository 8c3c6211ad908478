"""WeCom's address book (通讯录) as the org's source (``[org] source = "wecom"``).

- ``fetch``: read it through the API (``department/list`` + ``user/list`` per department, or
  ``department/simplelist`` + ``user/list_id`` + ``user/get`` paced under WeCom's per-corp limit),
  never assuming a field is present;
- ``mapping``: turn it into the org (home department, its sub-departments as groups, leaders,
  roles from ``[org.roles]`` by userid or tag, ``[[org.people]]`` complements);
- ``apply``: the stored address book, ``change_contact`` events applied to it, and writing it.

The types below are the address book as read, before any mapping.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ACTIVE, DISABLED, NOT_ACTIVATED, QUIT = 1, 2, 4, 5
GONE = {DISABLED, QUIT}  # status of someone who has left: their work is handed over


@dataclass
class ContactDept:
    id: str
    name: str | None  # WeCom may leave it out
    parent_id: str | None
    leaders: list[str] | None = None  # department_leader; None when the API did not say
    order: int = 0


@dataclass
class ContactUser:
    userid: str
    name: str | None
    departments: list[str]
    is_leader_in_dept: list[int] | None = None  # aligned with ``departments``
    main_department: str | None = None
    direct_leader: list[str] | None = None
    position: str | None = None
    status: int | None = None  # None: the API did not say (treated as active)

    @property
    def gone(self) -> bool:
        return self.status in GONE


@dataclass
class AddressBook:
    departments: dict[str, ContactDept] = field(default_factory=dict)
    users: dict[str, ContactUser] = field(default_factory=dict)
    # "tag:<id or name>" as written in [org.roles] → {"tagid": int, "users": [...], "parties": [...]}
    tags: dict[str, dict] = field(default_factory=dict)


def _ids(value) -> list[str]:
    """WeCom gives id lists as JSON lists or, in callbacks, as "1,2,3"."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v) != ""]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def dept_from_api(data: dict) -> ContactDept:
    leaders = data.get("department_leader")
    return ContactDept(id=str(data["id"]), name=data.get("name") or None,
                       parent_id=str(data["parentid"]) if data.get("parentid") not in (None, "", 0, "0") else None,
                       leaders=_ids(leaders) if leaders is not None else None, order=_int(data.get("order")) or 0)


def user_from_api(data: dict, departments: list[str] | None = None) -> ContactUser:
    """A member from ``user/list`` or ``user/get``; any field but userid may be missing."""
    flags = data.get("is_leader_in_dept")
    leaders = data.get("direct_leader")
    main = data.get("main_department")
    return ContactUser(userid=str(data["userid"]), name=data.get("name") or None,
                       departments=_ids(data.get("department")) or list(departments or []),
                       is_leader_in_dept=[_int(f) or 0 for f in flags] if isinstance(flags, list) else None,
                       main_department=str(main) if main not in (None, "", 0) else None,
                       direct_leader=_ids(leaders) if leaders is not None else None,
                       position=data.get("position") or None, status=_int(data.get("status")))
