"""The WeCom callback endpoint: verify, decrypt, dedupe, dispatch — and answer fast.

Thin on purpose: the policy lives in ``handlers/``; sending happens in the outbox
dispatcher, never inside the 5-second window (unless it is the passive reply itself).

What is refused: a bad signature (403) or a body that cannot be decrypted (400) — nothing
stored; a signed body whose inner XML is malformed (400, stored as ``rejected``) or older than
``wecom.max_callback_age_hours`` (400, stored as ``stale``: a captured callback cannot be
replayed). A callback for another app on the same URL is stored as ``other_agent`` and answered
with an empty 200, nothing else.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from flask import Blueprint, Response, current_app, request
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.events import register_event
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.events import BaseEvent
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.fields import StringField

from bot.conversation.context import Message
from bot.conversation.inbound import process_message, store_only
from bot.text.names import one_line, visible_text
from bot.wecom.client import PassiveTextReply, UpdateButtonReply

log = logging.getLogger("bot.callback")
MAX_BODY = 1024 * 1024  # 1 MiB


@register_event("template_card_event")
class TemplateCardEvent(BaseEvent):
    """A tap on an interactive template card (wechatpy 1.8.18 has no class for it)."""

    event = "template_card_event"
    key = StringField("EventKey")
    task_id = StringField("TaskId")
    card_type = StringField("CardType")
    response_code = StringField("ResponseCode")


class BadCallback(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Refused(BadCallback):
    """A signed callback that is refused but kept: ``message`` is stored with status ``kind``."""

    def __init__(self, status: int, reason: str, message: Message, kind: str):
        super().__init__(status, reason)
        self.message, self.kind = message, kind


# Fields the bot reads as plain text: an element nested inside one, or one given twice, is malformed.
SCALAR_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "Content", "Event", "EventKey",
                 "TaskId", "CardType", "ResponseCode", "AgentID", "ChangeType", "UserID")
MAX_DEPTH = 12  # deepest real callback: SelectedItems > SelectedItem > OptionIds > OptionId
MAX_USERID = 64
STORED_INNER_CHARS = 2000  # of a rejected callback, for the operator to read


def create_blueprint(path: str) -> Blueprint:
    bp = Blueprint("wecom", __name__)
    bp.add_url_rule(path, "verify", verify_url, methods=["GET"])
    bp.add_url_rule(path, "receive", receive, methods=["POST"])
    return bp


def _crypto() -> WeChatCrypto:
    return current_app.extensions["wecom_crypto"]


def verify_url():
    """URL verification: answer the decrypted echostr as the whole body."""
    args = request.args
    try:
        # Flask turns a raw '+' in the query string into a space; base64 never contains spaces.
        echostr = args["echostr"].replace(" ", "+")
        plain = _crypto().check_signature(args["msg_signature"], args["timestamp"], args["nonce"], echostr)
    except KeyError:
        return Response("missing parameters", status=400)
    except (InvalidSignatureException, InvalidCorpIdException):
        log.warning("callback verify refused: bad signature or corp id")
        return Response("forbidden", status=403)
    except Exception:
        return Response("bad echostr", status=400)
    return Response(plain, mimetype="text/plain")


def receive():
    started = time.perf_counter()
    runtime = current_app.extensions["runtime"]
    try:
        message = _decrypt(request)
        _check_age(message, runtime.settings.wecom.max_callback_age_hours)
    except Refused as exc:  # signed: kept for the operator, never acted on
        stored = store_only(runtime, exc.message, exc.kind, exc.reason)
        log.warning("callback refused status=%d reason=%s user=%s stored=%s", exc.status, exc.reason,
                    exc.message.userid, exc.kind if stored else "duplicate")
        return Response(exc.reason, status=exc.status)
    except BadCallback as exc:
        log.warning("callback refused status=%d reason=%s", exc.status, exc.reason)
        return Response(exc.reason, status=exc.status)
    agent = str(message.raw.get("AgentID") or "").strip()
    if agent and agent != str(runtime.settings.wecom.agent_id):  # several apps share this URL
        stored = store_only(runtime, message, "other_agent")
        log.info("callback type=%s user=%s agent=%s status=%s", _kind(message), message.userid, agent,
                 "other_agent" if stored else "duplicate")
        return Response("", mimetype="text/plain")
    outcome = process_message(runtime, message)
    body, reply = "", None
    if outcome.passive:  # one short text: answered here, stored with the callback (a retry gets it again)
        reply = PassiveTextReply(source=runtime.settings.wecom.corp_id, target=outcome.userid or message.userid,
                                 content=outcome.passive)
    elif outcome.reply is not None and outcome.reply.button and not outcome.duplicate:
        reply = UpdateButtonReply(source=runtime.settings.wecom.corp_id, target=message.userid,
                                  replace_name=outcome.reply.button)
    if reply is not None:
        body = _crypto().encrypt_message(reply.render(), uuid.uuid4().hex[:10], str(int(time.time())))
    # P20: an anonymous submission's line names no sender (docs/security.md).
    log.info("callback type=%s user=%s handler=%s status=%s ms=%.1f", _kind(message),
             "-" if outcome.anonymous else message.userid,
             outcome.handler, "duplicate" if outcome.duplicate else outcome.status,
             (time.perf_counter() - started) * 1000)
    # An empty 200 tells WeCom the callback arrived; other replies go out through message/send.
    return Response(body, mimetype="application/xml" if body else "text/plain")


def _decrypt(req) -> Message:
    if req.content_length is not None and req.content_length > MAX_BODY:
        raise BadCallback(413, "body too large")
    raw = req.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise BadCallback(413, "body too large")
    args = req.args
    if not all(k in args for k in ("msg_signature", "timestamp", "nonce")):
        raise BadCallback(400, "missing parameters")
    outer = _safe_fields(raw)
    if not outer.get("Encrypt"):
        raise BadCallback(400, "no Encrypt element")
    try:
        inner = _crypto().decrypt_message({"Encrypt": outer["Encrypt"]}, args["msg_signature"],
                                          args["timestamp"], args["nonce"])
    except (InvalidSignatureException, InvalidCorpIdException):
        raise BadCallback(403, "bad signature or corp id") from None
    except Exception:
        raise BadCallback(400, "cannot decrypt") from None
    try:
        return _message(inner)
    except BadCallback as exc:  # signed by WeCom's token, so kept (as rejected), but never acted on
        raise Refused(exc.status, exc.reason, _rejected(inner, exc.reason), "rejected") from None


def _message(inner: str) -> Message:
    """The decrypted inner XML as a Message; BadCallback(400) when it is malformed."""
    # Entities (and so entity expansion, external entities) exist only with a DTD, and a DTD
    # only after "<!DOCTYPE": without one, expat in xmltodict sees nothing defusedxml refuses, so
    # the defusedxml pass runs only when there is a DOCTYPE (refused before xmltodict sees the
    # inner XML) or when parsing fails (so the answer names the same reason as before).
    if "<!DOCTYPE" in inner:
        _safe_fields(inner.encode("utf-8"))
    try:
        parsed = parse_message(inner)
        data = dict(parsed._data)
    except Exception:
        _safe_fields(inner.encode("utf-8"))  # malformed or unsafe XML, unexpected root: say so
        raise BadCallback(400, "malformed message") from None
    _check_shape(data)
    _sanitise(data)
    userid = data["FromUserName"]
    create_time = int(data.get("CreateTime") or 0)
    msg_type = data["MsgType"].lower()
    return Message(
        msg_type=msg_type, userid=userid, create_time=create_time,
        msg_id=str(data["MsgId"]) if data.get("MsgId") else None,
        text=data.get("Content") if msg_type == "text" else None,
        event=str(data.get("Event") or "").lower() or None,
        event_key=data.get("EventKey"), task_id=data.get("TaskId"),
        response_code=data.get("ResponseCode"), raw=_plain(data),
    )


def _check_shape(data: dict) -> None:
    """Refuse what parses but is not a callback: a text field holding elements or given twice
    (``<Content><b>x</b></Content>``, two FromUserName), deep nesting, a missing or odd sender."""
    if _depth(data) > MAX_DEPTH:
        raise BadCallback(400, "malformed message: nested too deep")
    for name in SCALAR_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise BadCallback(400, f"malformed message: {name} is not plain text")
    userid, msg_type = data.get("FromUserName"), data.get("MsgType")
    if not userid or len(userid) > MAX_USERID or not userid.strip() or not msg_type:
        raise BadCallback(400, "malformed message: no sender or type")
    if not (data.get("CreateTime") or "0").isdigit():
        raise BadCallback(400, "malformed message: CreateTime")


def _sanitise(data: dict) -> None:
    """What people typed loses the characters nobody sees (bidi overrides, zero-width, controls:
    ``bot.text.names``) before anything parses or stores it; a file's name is also one line."""
    if isinstance(data.get("Content"), str):
        data["Content"] = visible_text(data["Content"])
    if isinstance(data.get("FileName"), str):
        data["FileName"] = one_line(data["FileName"])


def _depth(value) -> int:
    """How deeply ``value`` (xmltodict output) nests, without recursion (no stack to overflow)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def _rejected(inner: str, reason: str) -> Message:
    """What is kept of a signed but malformed callback: the reason, a digest and the start of the XML."""
    sender = re.search(r"<FromUserName>\s*(?:<!\[CDATA\[)?([^<\]]{1,64})", inner)
    return Message(msg_type="invalid", userid=sender.group(1).strip() if sender else "?", create_time=0,
                   raw={"reason": reason, "sha256": hashlib.sha256(inner.encode("utf-8")).hexdigest(),
                        "inner": inner[:STORED_INNER_CHARS]})


def _check_age(message: Message, max_hours: int) -> None:
    """Refuse a callback older than ``max_hours`` (0: no limit): WeCom retries within minutes, so an
    old one is a replay. Wall-clock time on purpose: the handlers' clock may be set (tests, jobs)."""
    if max_hours and message.create_time and time.time() - message.create_time > max_hours * 3600:
        raise Refused(400, "stale callback", message, "stale")


def _safe_fields(xml: bytes) -> dict:
    """Parse with defusedxml (no entities, no DTD) and return the root's child texts."""
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, ValueError):
        raise BadCallback(400, "malformed or unsafe XML") from None
    if root.tag != "xml":
        raise BadCallback(400, "unexpected XML root")
    return {child.tag: (child.text or "") for child in root}


def _plain(value):
    """xmltodict output (OrderedDicts, nested) as plain JSON-able data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _kind(message: Message) -> str:
    return f"event/{message.event}" if message.msg_type == "event" else message.msg_type
