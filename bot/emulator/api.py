"""The WeCom API side of the emulator: the endpoints the bot calls, with WeCom's rules.

It records every call by path (tests read ``state.calls``), keeps each person's chat, checks
the limits WeCom enforces (1000 recipients, 2048-byte texts, task_id rules, response codes
valid once for 72 h) and can be told to fail (HTTP 500, errcode -1, 42001, 45009) so tests can
prove that nothing is lost.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint, Flask, g, jsonify, make_response, request

from bot.emulator.log import DatabaseLog, MemoryLog
from bot.emulator.media import MAX_MEDIA_BYTES, add_media_routes
from bot.emulator.contacts import add_contacts_api

TASK_ID = re.compile(r"^[A-Za-z0-9_\-@]{1,128}$")
INTERACTIVE = {"button_interaction", "vote_interaction", "multiple_interaction"}
RESPONSE_CODE_TTL = 72 * 3600


@dataclass
class EmulatorState:
    corp_id: str
    secret: str
    agent_id: int
    known_users: set[str] | None = None  # None: everyone is valid
    unlicensed: set[str] = field(default_factory=set)  # members without a WeCom licence: never reached
    calls: list[dict] = field(default_factory=list)
    log: MemoryLog | DatabaseLog = field(default_factory=MemoryLog)  # each person's chat
    clock: Callable[[], float] = time.time  # the time a message carries (the demo clock may move it)
    media: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # media_id → (filename, data, content_type)
    menu: dict | None = None
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (epoch)
    task_ids: set[str] = field(default_factory=set)
    response_codes: dict[str, dict] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    token_faults: list[str] = field(default_factory=list)  # for gettoken only: "busy" answers -1
    contacts: object | None = None  # bot.emulator.contacts.EmulatorContacts: the address book, if served
    contacts_secret: str | None = None  # the 通讯录同步 secret gettoken also accepts
    recent: dict[str, float] = field(default_factory=dict)  # duplicate check: body hash → time
    lock: threading.RLock = field(default_factory=threading.RLock)

    # ---- for tests and the page ---------------------------------------------------------------
    def fail_next(self, *modes: str) -> None:
        """Queue faults for the next API calls: "http500", "busy" (-1), "expired" (42001), "limit" (45009),
        "lost" (the call is carried out, but its answer is lost: HTTP 502, as after a timeout), or
        "pass" (this call goes through: to aim a later fault at a later call)."""
        with self.lock:
            self.faults.extend(modes)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: 0.0 for t in self.tokens}

    def calls_to(self, path: str) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if c["path"] == path]

    @property
    def messages(self) -> list[dict]:
        """Every message of every chat, oldest first (copies)."""
        return self.log.all()

    def add_message(self, userid: str, direction: str, msgtype: str, **content) -> dict:
        """Log one chat line (see ``bot/emulator/log.py`` for its fields); returns it with its id."""
        return self.log.add(userid, direction, msgtype, self.clock(), content)

    def messages_for(self, userid: str, after: int = 0) -> list[dict]:
        return self.log.for_user(userid, after)

    def add_media(self, filename: str, data: bytes, content_type: str) -> str:
        """Keep a file as WeCom keeps temporary media; returns its media_id (for media/get)."""
        media_id = "M" + secrets.token_hex(16)
        with self.lock:
            self.media[media_id] = (filename, data, content_type)
        return media_id

    def sent_to(self, userid: str) -> list[dict]:
        return [m for m in self.messages_for(userid) if m["direction"] == "out"]

    def issue_response_code(self, userid: str | None, task_id: str) -> str:
        code = "RC" + secrets.token_hex(12)
        with self.lock:
            self.response_codes[code] = {"userid": userid, "task_id": task_id, "issued": time.time(), "used": False}
        return code


def _error(errcode: int, errmsg: str):
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def create_api_blueprint(state: EmulatorState) -> Blueprint:
    bp = Blueprint("wecom_api", __name__)

    @bp.before_request
    def record_and_inject():
        if request.path.endswith("/media/upload"):  # WeCom takes files up to 20 MB
            request.max_content_length = MAX_MEDIA_BYTES + 64 * 1024
        try:
            body = json.loads(request.data) if request.data[:1] == b"{" else None
        except ValueError:
            return _error(47001, "data format error")
        path = request.path.rsplit("/cgi-bin/", 1)[-1]
        with state.lock:
            state.calls.append({"path": path, "params": {k: v for k, v in request.args.items()
                                                        if k not in ("access_token", "corpsecret")},
                                "json": body, "at": time.time()})
            fault = state.faults.pop(0) if state.faults and path != "gettoken" else None
        if fault == "http500":
            return "Internal Server Error", 500
        if fault == "busy":
            return _error(-1, "system busy")
        if fault == "limit":
            return _error(45009, "api freq out of limit")
        if fault == "expired":
            return _error(42001, "access_token expired")
        if fault == "lost":
            g.lose_answer = True
        if path != "gettoken":
            token = request.args.get("access_token", "")
            with state.lock:
                expiry = state.tokens.get(token)
            if expiry is None:
                return _error(40014, "invalid access_token")
            if expiry < time.time():
                return _error(42001, "access_token expired")
        return None

    @bp.after_request
    def lose_answer(response):
        if g.pop("lose_answer", False):  # done, but the caller never hears so
            return make_response("Bad Gateway", 502)
        return response

    @bp.get("/gettoken")
    def gettoken():
        with state.lock:
            fault = state.token_faults.pop(0) if state.token_faults else None
        if fault == "busy":
            return _error(-1, "system busy")
        if request.args.get("corpid") != state.corp_id:
            return _error(40013, "invalid corpid")
        if request.args.get("corpsecret") not in (state.secret, state.contacts_secret):
            return _error(40001, "invalid credential")
        token = secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[token] = time.time() + 7200
        return jsonify({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    @bp.post("/message/send")
    def message_send():
        body = json.loads(request.data or b"{}")
        if body.get("agentid") != state.agent_id:
            return _error(40056, "invalid agentid")
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        if not users:
            return _error(40008, "touser empty")
        if len(users) > 1000:
            return _error(40058, "touser over 1000")
        msgtype = body.get("msgtype")
        if msgtype in ("text", "markdown"):
            content = (body.get(msgtype) or {}).get("content", "")
            if not content:
                return _error(44004, "empty content")
            if len(content.encode()) > 2048:
                return _error(45002, "content size out of limit")
        elif msgtype == "template_card":
            card = body.get("template_card") or {}
            if card.get("card_type") in INTERACTIVE:
                task_id = card.get("task_id", "")
                with state.lock:
                    if not TASK_ID.match(task_id) or task_id in state.task_ids:
                        return _error(42014, "invalid or duplicate task_id")
                    state.task_ids.add(task_id)
            if len(card.get("button_list", [])) > 6:
                return _error(40058, "too many buttons")
        elif msgtype in ("file", "image"):
            media_id = (body.get(msgtype) or {}).get("media_id", "")
            with state.lock:
                stored = state.media.get(media_id)
            if stored is None:
                return _error(40007, "invalid media_id")
        else:
            return _error(40008, f"invalid message type {msgtype}")
        if body.get("enable_duplicate_check"):
            digest = json.dumps({k: v for k, v in body.items() if k not in ("enable_duplicate_check",
                                                                             "duplicate_check_interval")},
                                sort_keys=True)
            interval = int(body.get("duplicate_check_interval") or 1800)
            with state.lock:
                if time.time() - state.recent.get(digest, -1e12) < interval:
                    return jsonify({"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "duplicate"})
                state.recent[digest] = time.time()
        else:
            with state.lock:
                state.recent[json.dumps({k: v for k, v in body.items()}, sort_keys=True)] = time.time()
        # doc 90236: errcode 0 with the recipients who did not get it listed (members without a
        # licence too, even when nobody else was addressed); all invalid → 81013.
        known = [u for u in users if state.known_users is None or u in state.known_users]
        invalid = [u for u in users if u not in known]
        unlicensed = [u for u in known if u in state.unlicensed]
        valid = [u for u in known if u not in unlicensed]
        if not known:
            return _error(81013, "user & party & tag all invalid")
        msgid = secrets.token_hex(8)
        media = {}
        if msgtype in ("file", "image"):
            media_id = body[msgtype]["media_id"]
            filename, data, content_type = state.media[media_id]
            media = {"media_id": media_id, "filename": filename, "content_type": content_type, "size": len(data)}
        for userid in valid:
            state.add_message(userid, "out", msgtype, msgid=msgid, text=(body.get("text") or {}).get("content"),
                              markdown=(body.get("markdown") or {}).get("content"),
                              card=body.get("template_card"), **media)
        answer = {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": msgid}
        if unlicensed:
            answer["unlicenseduser"] = "|".join(unlicensed)
        card = body.get("template_card") or {}
        if msgtype == "template_card" and card.get("card_type") in INTERACTIVE:
            # WeCom (doc 94888): the send's response_code can update the card once, within 72 h.
            answer["response_code"] = state.issue_response_code(None, card["task_id"])
        return jsonify(answer)

    @bp.post("/message/update_template_card")
    def update_template_card():
        body = json.loads(request.data or b"{}")
        code = body.get("response_code", "")
        with state.lock:
            issued = state.response_codes.get(code)
            if issued is None or time.time() - issued["issued"] > RESPONSE_CODE_TTL:
                return _error(42016, "response_code not found or expired")
            if issued["used"]:
                return _error(42022, "response_code already used")
            issued["used"] = True
        new_state = ({"replace_name": body["button"]["replace_name"]} if "button" in body
                     else {"template_card": body.get("template_card")})
        # doc 94945: the listed members' copies change, or every copy with "atall": 1.
        userids = None if body.get("atall") == 1 else list(body.get("userids", []))
        state.log.set_card_state(issued["task_id"], userids, new_state)
        return jsonify({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    @bp.post("/menu/create")
    def menu_create():
        body = json.loads(request.data or b"{}")
        if not 1 <= len(body.get("button", [])) <= 3:
            return _error(40054, "invalid menu")
        with state.lock:
            state.menu = body
        return jsonify({"errcode": 0, "errmsg": "ok"})

    add_media_routes(bp, state)

    add_contacts_api(bp, state)

    @bp.post("/_emulator/faults")
    def inject_faults():  # for tests that run the bot in another process
        state.fail_next(*(request.get_json(force=True).get("modes", [])))
        return jsonify({"ok": True})

    return bp


def create_fake_wecom_app(state: EmulatorState) -> Flask:
    """A standalone fake WeCom API (``/cgi-bin/…``) for tests and the benchmark."""
    app = Flask("fake_wecom")
    app.register_blueprint(create_api_blueprint(state), url_prefix="/cgi-bin")
    return app
