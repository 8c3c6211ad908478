"""The built-in WeCom emulator: the API the bot calls (``/emulator/cgi-bin/…``) and a chat page
(``/emulator/``) whose every message and tap reaches ``/wecom/callback`` as a real encrypted,
signed callback over HTTP — so the demo exercises the production path."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, jsonify, request, send_from_directory

from bot.config import ConfigError, Settings

from bot.emulator.api import EmulatorState, create_api_blueprint
from bot.emulator.callbacks import CallbackSender
from bot.emulator.clock import clock_blueprint
from bot.emulator.files import files_blueprint
from bot.emulator.log import DatabaseLog
from bot.emulator.contacts import demo_contacts
from bot.emulator.contacts_page import create_contacts_blueprint
from bot.conversation.menu import MENU
from bot.runtime import Runtime

STATIC = Path(__file__).with_name("static")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_emulator_settings(settings: Settings) -> None:
    """Refuse to serve the emulator unless the bot's WeCom API *is* this emulator: next to a real
    ``api_base_url`` its page would let anyone who reaches it post as anyone to a real company."""
    url = urlsplit(settings.wecom.api_base_url)
    if url.hostname not in LOOPBACK | {settings.host} or url.path.rstrip("/") != "/emulator/cgi-bin":
        raise ConfigError(f"emulator.enabled: wecom.api_base_url must point at this server's own emulator "
                          f"(http://127.0.0.1:{settings.port}/emulator/cgi-bin/), got {settings.wecom.api_base_url!r}; "
                          "with a real WeCom app, set [emulator] enabled = false")


def init_emulator(app: Flask, runtime: Runtime, clock=None) -> EmulatorState:
    """Serve the fake WeCom API and the chat page on ``app``. The chat log lives in the database
    (it survives a restart) and carries the demo's time; ``clock`` (a ``DemoClock``, handed in by
    the composition root) gives the page its movable clock."""
    wecom = runtime.settings.wecom
    contacts = demo_contacts()
    state = EmulatorState(wecom.corp_id, wecom.secret, wecom.agent_id,
                          known_users=set(runtime.org.members) | set(contacts.users),
                          log=DatabaseLog(runtime.session_factory), clock=lambda: runtime.now().timestamp(),
                          contacts=contacts, contacts_secret=wecom.contacts_secret or None)
    app.extensions["emulator"] = state
    if not runtime.settings.emulator_allow_remote:
        @app.before_request
        def emulator_from_loopback_only():
            # The emulator posts as anyone: only this machine may use it (unless allow_remote).
            if request.path.startswith("/emulator") and request.remote_addr not in LOOPBACK:
                abort(403)
    app.register_blueprint(create_api_blueprint(state), url_prefix="/emulator/cgi-bin")
    app.register_blueprint(_page_blueprint(state, runtime), url_prefix="/emulator")
    app.register_blueprint(files_blueprint(state, lambda userid: runtime.org.get(userid), _sender, _deliver), url_prefix="/emulator")
    app.register_blueprint(create_contacts_blueprint(state, runtime, _sender), url_prefix="/emulator")
    if clock is not None:
        app.extensions["demo_clock"] = clock
        from bot.emulator.reset import reset_demo
        app.register_blueprint(clock_blueprint(clock, lambda: reset_demo(runtime, state, clock)), url_prefix="/emulator")
    return state


def loopback(host: str) -> str:
    """Where this process can reach itself when it listens on ``host`` (a wildcard means loopback)."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host


def _deliver(response) -> tuple:
    if response.status_code != 200:
        return jsonify({"ok": False, "error": f"机器人回调返回了 HTTP {response.status_code}"}), 502
    return jsonify({"ok": True})


def _sender() -> CallbackSender:
    sender = current_app.extensions.get("emulator_sender")
    if sender is None:
        runtime = current_app.extensions["runtime"]
        url = current_app.config.get("EMULATOR_CALLBACK_URL") or \
            f"http://{loopback(runtime.settings.host)}:{runtime.settings.port}{runtime.settings.wecom.callback_path}"
        sender = current_app.extensions["emulator_sender"] = CallbackSender(runtime.settings.wecom, url)
        state = current_app.extensions["emulator"]
        # A passive reply is shown in the chat as WeCom shows it.
        sender.on_reply = lambda userid, text, _inner: state.add_message(userid, "out", "text", text=text)
    return sender


def _page_blueprint(state: EmulatorState, runtime: Runtime) -> Blueprint:
    bp = Blueprint("emulator", __name__, static_folder=str(STATIC), static_url_path="/static")
    tz = runtime.settings.tz

    def person_or_error(userid: str):
        return runtime.org.get(userid)

    deliver = _deliver

    @bp.get("/")
    def page():
        return send_from_directory(STATIC, "index.html")

    @bp.get("/api/people")
    def people():
        return jsonify({"people": [
            {"userid": m.userid, "name": m.name, "role": m.role_label, "group": m.group_name,
             "department": m.department_name} for m in runtime.org.members.values()]})

    @bp.get("/api/messages")
    def messages():
        userid = request.args.get("userid", "")
        after = request.args.get("after", "0")
        msgs = state.messages_for(userid, int(after) if after.isdigit() else 0)
        for m in msgs:
            m["time"] = datetime.fromtimestamp(m["time"], timezone.utc).astimezone(tz).isoformat()
        return jsonify({"messages": msgs, "last_id": msgs[-1]["id"] if msgs else int(after or 0)})

    @bp.get("/api/cards")
    def cards():
        userid = request.args.get("userid", "")
        return jsonify({"cards": {str(m["id"]): m["card_state"] for m in state.messages_for(userid)
                                  if m["msgtype"] == "template_card"}})

    @bp.get("/api/menu")
    def menu():
        return jsonify(state.menu or MENU)

    @bp.post("/api/send")
    def send():
        body = request.get_json(force=True, silent=True) or {}
        userid, text = body.get("userid", ""), (body.get("text") or "")
        if not person_or_error(userid):
            return jsonify({"ok": False, "error": "请先在左侧选择一个人"}), 400
        if not text.strip():
            return jsonify({"ok": False, "error": "消息不能为空"}), 400
        if len(text.encode()) > 2048:
            return jsonify({"ok": False, "error": "消息太长（企业微信限制 2048 字节）"}), 400
        state.add_message(userid, "in", "text", text=text)
        return deliver(_sender().text(userid, text))

    @bp.post("/api/tap")
    def tap():
        body = request.get_json(force=True, silent=True) or {}
        userid, key = body.get("userid", ""), body.get("key", "")
        card_msg = next((m for m in state.messages_for(userid)
                         if m["id"] == body.get("message_id") and m["msgtype"] == "template_card"), None)
        if card_msg is None:
            return jsonify({"ok": False, "error": "找不到这张卡片"}), 404
        card = (card_msg.get("card_state") or {}).get("template_card") or card_msg["card"]
        button = next((b for b in card.get("button_list", []) if b.get("key") == key), None)
        if button is None or (card_msg.get("card_state") or {}).get("replace_name"):
            return jsonify({"ok": False, "error": "这个按钮已不能点击"}), 400
        state.add_message(userid, "in", "event", event="template_card_event",
                          text=f"点击了按钮「{button['text']}」")
        code = state.issue_response_code(userid, card["task_id"])
        response = _sender().card_tap(userid, card["task_id"], key, code, card.get("card_type", ""))
        if response.status_code == 200 and response.content:
            _apply_passive_reply(state, userid, card["task_id"], response)
        return deliver(response)

    @bp.post("/api/menu")
    def click():
        body = request.get_json(force=True, silent=True) or {}
        userid, key = body.get("userid", ""), body.get("key", "")
        if not person_or_error(userid):
            return jsonify({"ok": False, "error": "请先在左侧选择一个人"}), 400
        names = {s["key"]: s["name"] for b in (state.menu or MENU)["button"]
                 for s in b.get("sub_button", [b]) if s.get("key")}
        state.add_message(userid, "in", "event", event="click", text=f"点击了菜单「{names.get(key, key)}」")
        return deliver(_sender().click(userid, key))

    return bp


def _apply_passive_reply(state: EmulatorState, userid: str, task_id: str, response) -> None:
    """WeCom greys the tapped button for the tapper when the callback answers ``update_button``."""
    import xmltodict

    try:
        reply = xmltodict.parse(_sender().decrypt_reply(response))["xml"]
    except Exception:  # not a reply WeCom would understand: WeCom shows nothing either
        return
    name = (reply.get("Button") or {}).get("ReplaceName") if reply.get("MsgType") == "update_button" else None
    if name:
        state.log.set_card_state(task_id, [userid], {"replace_name": name})
