"""The emulator's address book (通讯录): WeCom's contacts endpoints served from its demo org, and
the page's controls that add, remove or move a person — each firing the real ``change_contact``
callback (from ``sys``), as WeCom does when an administrator edits the address book.

The demo org is ``bot/demo.toml``'s, with WeCom's numeric department ids: 1 the company,
2 创新服务部 (the home department), its groups below it, then the other departments — plus a
second finance member, 周会计 (zhoukuaiji); tag 1 财务 holds both finance members, tag 2 合规.
``mode = "ids"`` makes the list calls refuse (errcode 48009) as WeCom does for a contacts-sync
secret used from a server IP added after 2022-08-15, so only the id-list path works.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from flask import Blueprint, jsonify, request

REFUSED = {"errcode": 48009, "errmsg": "api forbidden for this ip (contacts sync: list ids, then user/get)"}


@dataclass
class EmulatorContacts:
    departments: dict[int, dict] = field(default_factory=dict)  # id → {id, name, parentid, order, department_leader}
    users: dict[str, dict] = field(default_factory=dict)  # userid → user/get's fields
    tags: dict[int, dict] = field(default_factory=dict)  # tagid → {tagname, userlist, partylist}
    mode: str = "list"  # list | ids
    failing: set = field(default_factory=set)  # (endpoint, id) pairs that answer -1 (system busy): for tests
    lock: threading.RLock = field(default_factory=threading.RLock)

    def add_user(self, user: dict) -> None:
        with self.lock:
            self.users[user["userid"]] = {"status": 1, "is_leader_in_dept": [0] * len(user["department"]), **user}

    def rename(self, old: str, new: str) -> dict | None:
        """An administrator corrects a userid (WeCom's ``update_user`` with NewUserID): the same
        member, now under ``new`` in the members, department leaders, direct leaders and tags."""
        with self.lock:
            user = self.users.pop(old, None)
            if user is None:
                return None
            user["userid"] = new
            self.users[new] = user
            swap = lambda ids: [new if u == old else u for u in ids]  # noqa: E731
            for dept in self.departments.values():
                dept["department_leader"] = swap(dept.get("department_leader", []))
            for other in self.users.values():
                other["direct_leader"] = swap(other.get("direct_leader", []))
            for tag in self.tags.values():
                tag["userlist"] = swap(tag["userlist"])
            return user

    def untag(self, tagid: int, userid: str) -> bool:
        """Take ``userid`` out of tag ``tagid``; False when they were not in it."""
        with self.lock:
            tag = self.tags.get(tagid)
            if tag is None or userid not in tag["userlist"]:
                return False
            tag["userlist"] = [u for u in tag["userlist"] if u != userid]
            return True

    def members_of(self, dept: int) -> list[dict]:
        with self.lock:
            return [u for u in self.users.values() if dept in u["department"]]


def demo_contacts() -> EmulatorContacts:
    """The demo org of ``bot/demo.toml`` as WeCom would hold it."""
    from bot.config import load_settings

    org = load_settings(None).org
    contacts = EmulatorContacts()
    ids: dict[str, int] = {}
    contacts.departments[1] = {"id": 1, "name": "示例科技有限公司", "parentid": 0, "order": 1, "department_leader": []}
    home = org.home_department
    ordered = [d for d in org.departments if d["id"] == home] + [d for d in org.departments if d["id"] != home]
    next_id = 2
    for dept in ordered:
        ids[dept["id"]] = next_id
        contacts.departments[next_id] = {"id": next_id, "name": dept["name"], "parentid": 1, "order": next_id,
                                         "department_leader": [dept["head"]]}
        next_id += 1
        if dept["id"] == home:
            for group in (g for g in org.groups if g["department"] == home):
                ids[group["id"]] = next_id
                contacts.departments[next_id] = {"id": next_id, "name": group["name"], "parentid": ids[home],
                                                 "order": next_id, "department_leader": [group["leader"]]}
                next_id += 1
    positions = {"director": "总监", "group_leader": "组长", "specialist": "创新服务专员", "finance": "财务",
                 "ceo": "总经理", "hr": "人事", "compliance": "法务合规"}
    for person in org.people:
        dept = ids[person.get("group") or person["department"]]
        leads = person["userid"] in contacts.departments[dept]["department_leader"]
        role = next((positions[r] for r in person.get("roles", []) if r in positions), "")
        contacts.add_user({"userid": person["userid"], "name": person["name"], "department": [dept],
                           "main_department": dept, "is_leader_in_dept": [1 if leads else 0], "position": role,
                           "direct_leader": []})
    # A second finance member, so removing the first shows a pending card moving on (the hand-over demo).
    finance_dept = ids.get(next((p["department"] for p in org.people if "finance" in p.get("roles", [])), ""), 2)
    contacts.add_user({"userid": "zhoukuaiji", "name": "周会计", "department": [finance_dept],
                       "main_department": finance_dept, "is_leader_in_dept": [0], "position": "会计", "direct_leader": []})
    finance = list(org.roles.get("finance", ())) + ["zhoukuaiji"]
    contacts.tags[1] = {"tagname": "财务", "userlist": finance, "partylist": []}
    contacts.tags[2] = {"tagname": "合规", "userlist": list(org.roles.get("compliance", ())), "partylist": []}
    return contacts


def _ok(**data):
    return jsonify({"errcode": 0, "errmsg": "ok", **data})


def _err(errcode: int, errmsg: str):
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def add_contacts_api(bp: Blueprint, state) -> None:
    """Register the contacts endpoints on the emulator's API blueprint (``state.contacts``)."""

    def book() -> EmulatorContacts | None:
        return getattr(state, "contacts", None)

    def public(user: dict) -> dict:  # since 2022-06-20 new apps get no mobile, email or avatar
        return {k: v for k, v in user.items() if k not in ("mobile", "email", "avatar")}

    @bp.get("/department/list")
    def department_list():
        c = book()
        if c is None:
            return _err(60011, "no privilege to access/modify contact/party/agent")
        if c.mode == "ids":
            return jsonify(REFUSED)
        with c.lock:
            return _ok(department=[dict(d) for d in c.departments.values()])

    @bp.get("/department/simplelist")
    def department_simplelist():
        c = book()
        if c is None:
            return _err(60011, "no privilege")
        with c.lock:
            return _ok(department_id=[{"id": d["id"], "parentid": d["parentid"], "order": d["order"]}
                                      for d in c.departments.values()])

    @bp.get("/department/get")
    def department_get():
        c = book()
        dept = c.departments.get(int(request.args.get("id", "0") or 0)) if c else None
        return _ok(department=dict(dept)) if dept else _err(60003, "department not found")

    @bp.get("/user/list")
    def user_list():
        c = book()
        if c is None:
            return _err(60011, "no privilege")
        if c.mode == "ids":
            return jsonify(REFUSED)
        dept = int(request.args.get("department_id", "0") or 0)
        if ("user/list", str(dept)) in c.failing:
            return _err(-1, "system busy")
        return _ok(userlist=[public(u) for u in c.members_of(dept)])

    @bp.post("/user/list_id")
    def user_list_id():
        c = book()
        if c is None:
            return _err(60011, "no privilege")
        body = json.loads(request.data or b"{}")
        limit = max(1, min(int(body.get("limit") or 1000), 10000))
        start = int(body.get("cursor") or 0)
        with c.lock:
            pairs = [{"userid": u["userid"], "department": d} for u in c.users.values() for d in u["department"]]
        page = pairs[start:start + limit]
        more = start + limit < len(pairs)
        return _ok(next_cursor=str(start + limit) if more else "", dept_user=page)

    @bp.get("/user/get")
    def user_get():
        c = book()
        user = c.users.get(request.args.get("userid", "")) if c else None
        if c and ("user/get", request.args.get("userid", "")) in c.failing:
            return _err(-1, "system busy")
        return _ok(**public(user)) if user else _err(60111, "userid not found")

    @bp.get("/tag/list")
    def tag_list():
        c = book()
        return _ok(taglist=[{"tagid": k, "tagname": t["tagname"]} for k, t in (c.tags.items() if c else [])])

    @bp.get("/tag/get")
    def tag_get():
        c = book()
        tag = c.tags.get(int(request.args.get("tagid", "0") or 0)) if c else None
        if tag is None:
            return _err(40068, "invalid tagid")
        names = {u: c.users[u]["name"] for u in tag["userlist"] if u in c.users}
        return _ok(tagname=tag["tagname"], userlist=[{"userid": u, "name": n} for u, n in names.items()],
                   partylist=list(tag["partylist"]))
