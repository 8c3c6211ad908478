"""The page's address-book controls (``static/contacts.js``): add, remove, move or re-id a person,
or take them out of a tag, in the emulator's address book; each change fires the
``change_contact`` callback WeCom would send."""
from __future__ import annotations

import re
import secrets
from typing import Callable

from flask import Blueprint, jsonify, request

from bot.emulator.contacts import EmulatorContacts

MAX_NAME = 32
USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")  # WeCom: letters, digits and _-.@, ≤ 64 bytes


def _fields(user: dict) -> dict:
    return {"UserID": user["userid"], "Name": user["name"], "Department": ",".join(map(str, user["department"])),
            "MainDepartment": user.get("main_department", user["department"][0]),
            "IsLeaderInDept": ",".join(str(f) for f in user.get("is_leader_in_dept", [])),
            "Position": user.get("position", ""), "Status": user.get("status", 1)}


def create_contacts_blueprint(state, runtime, sender: Callable) -> Blueprint:
    """``/emulator/api/contacts…``; ``sender()`` gives the ``CallbackSender`` to the bot."""
    bp = Blueprint("emulator_contacts", __name__)

    def book() -> EmulatorContacts:
        return state.contacts

    def fire(change: str, fields: dict):
        response = sender().change_contact(change, fields)
        if response.status_code != 200:
            return jsonify({"ok": False, "error": f"机器人回调返回了 HTTP {response.status_code}"}), 502
        return jsonify({"ok": True, "change": change})

    def department(value) -> int | None:
        try:
            dept = int(value)
        except (TypeError, ValueError):
            return None
        return dept if dept in book().departments else None

    @bp.get("/api/contacts")
    def contacts():
        c = book()
        with c.lock:
            return jsonify({"source": runtime.settings.org.source, "mode": c.mode,
                            "departments": [{"id": d["id"], "name": d["name"], "parentid": d["parentid"]}
                                            for d in c.departments.values()],
                            "users": [{"userid": u["userid"], "name": u["name"], "department": u["department"],
                                       "leader": any(u.get("is_leader_in_dept", [])),
                                       "tags": [{"id": k, "name": t["tagname"]} for k, t in c.tags.items()
                                                if u["userid"] in t["userlist"]]} for u in c.users.values()]})

    @bp.post("/api/contacts/add")
    def add():
        body = request.get_json(force=True, silent=True) or {}
        name = str(body.get("name") or "").strip()
        dept = department(body.get("department"))
        if not name or len(name) > MAX_NAME or dept is None:
            return jsonify({"ok": False, "error": "请填写姓名（最多 32 个字）并选择部门"}), 400
        userid = str(body.get("userid") or "").strip() or "u" + secrets.token_hex(3)
        if userid in book().users:
            return jsonify({"ok": False, "error": f"账号 {userid} 已存在"}), 400
        user = {"userid": userid, "name": name, "department": [dept], "main_department": dept,
                "is_leader_in_dept": [0], "position": "", "direct_leader": []}
        book().add_user(user)
        if state.known_users is not None:
            state.known_users.add(userid)
        return fire("create_user", _fields(book().users[userid]))

    @bp.post("/api/contacts/remove")
    def remove():
        userid = str((request.get_json(force=True, silent=True) or {}).get("userid") or "")
        c = book()
        with c.lock:
            user = c.users.pop(userid, None)
            if user is None:
                return jsonify({"ok": False, "error": "通讯录里没有这个人"}), 404
            for d in c.departments.values():
                d["department_leader"] = [u for u in d.get("department_leader", []) if u != userid]
            for tag in c.tags.values():
                tag["userlist"] = [u for u in tag["userlist"] if u != userid]
        if state.known_users is not None:
            state.known_users.discard(userid)
        return fire("delete_user", {"UserID": userid})

    @bp.post("/api/contacts/move")
    def move():
        body = request.get_json(force=True, silent=True) or {}
        userid, dept = str(body.get("userid") or ""), department(body.get("department"))
        c = book()
        with c.lock:
            user = c.users.get(userid)
            if user is None or dept is None:
                return jsonify({"ok": False, "error": "请选择通讯录里的人和要调入的部门"}), 400
            for d in c.departments.values():
                d["department_leader"] = [u for u in d.get("department_leader", []) if u != userid]
            user.update(department=[dept], main_department=dept, is_leader_in_dept=[0])
            fields = _fields(user)
        return fire("update_user", {k: fields[k] for k in ("UserID", "Department", "MainDepartment", "IsLeaderInDept")})

    @bp.post("/api/contacts/rename")
    def rename():
        body = request.get_json(force=True, silent=True) or {}
        userid, new = str(body.get("userid") or ""), str(body.get("new_userid") or "").strip()
        if not USERID.match(new):
            return jsonify({"ok": False, "error": "新账号只能用字母、数字和 _-.@，最多 64 个字符，例如：liucaiwu2"}), 400
        c = book()
        if new.lower() in {u.lower() for u in c.users}:  # WeCom: unique regardless of letter case
            return jsonify({"ok": False, "error": f"账号 {new} 已存在"}), 400
        if c.rename(userid, new) is None:
            return jsonify({"ok": False, "error": "通讯录里没有这个人"}), 404
        if state.known_users is not None:
            state.known_users.discard(userid)
            state.known_users.add(new)
        return fire("update_user", {"UserID": userid, "NewUserID": new})

    @bp.post("/api/contacts/untag")
    def untag():
        body = request.get_json(force=True, silent=True) or {}
        userid = str(body.get("userid") or "")
        try:
            tagid = int(body.get("tag"))
        except (TypeError, ValueError):
            tagid = None
        if tagid is None or not book().untag(tagid, userid):
            return jsonify({"ok": False, "error": "这个人不在该标签里"}), 400
        return fire("update_tag", {"TagId": tagid, "DelUserItems": userid})

    return bp
