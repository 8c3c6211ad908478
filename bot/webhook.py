"""The WeCom callback endpoint: verify, decrypt, dedupe, dispatch — and answer fast.

Thin on purpose: the policy lives in ``handlers/``; sending happens in the outbox
dispatcher, never inside the 5-second window (unless it is the passive reply itself).
"""
from __future__ import annotations

import logging
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

from bot.context import Message
from bot.inbound import process_message
from bot.wecom import UpdateButtonReply

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
    except BadCallback as exc:
        log.warning("callback refused status=%d reason=%s", exc.status, exc.reason)
        return Response(exc.reason, status=exc.status)
    outcome = process_message(runtime, message)
    body = ""
    if outcome.reply is not None and outcome.reply.button and not outcome.duplicate:
        reply = UpdateButtonReply(source=runtime.settings.wecom.corp_id, target=message.userid,
                                  replace_name=outcome.reply.button)
        body = _crypto().encrypt_message(reply.render(), uuid.uuid4().hex[:10], str(int(time.time())))
    log.info("callback type=%s user=%s handler=%s status=%s ms=%.1f", _kind(message), message.userid,
             outcome.handler, "duplicate" if outcome.duplicate else outcome.status,
             (time.perf_counter() - started) * 1000)
    # An empty 200 tells WeCom the callback arrived; replies go out through message/send.
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
    # Entities (and so entity expansion, external entities) exist only with a DTD, and a DTD
    # only after "<!DOCTYPE": without one, expat in xmltodict sees nothing defusedxml refuses, so
    # the defusedxml pass runs only when there is a DOCTYPE (refused before xmltodict sees the
    # inner XML) or when parsing fails (so the answer names the same reason as before).
    if "<!DOCTYPE" in inner:
        _safe_fields(inner.encode("utf-8"))
    try:
        parsed = parse_message(inner)
        data = dict(parsed._data)
        userid = data["FromUserName"]
        create_time = int(data.get("CreateTime") or 0)
        msg_type = str(data["MsgType"]).lower()
    except Exception:
        _safe_fields(inner.encode("utf-8"))  # malformed or unsafe XML, unexpected root: say so
        raise BadCallback(400, "malformed message") from None
    return Message(
        msg_type=msg_type, userid=userid, create_time=create_time,
        msg_id=str(data["MsgId"]) if data.get("MsgId") else None,
        text=data.get("Content") if msg_type == "text" else None,
        event=str(data.get("Event") or "").lower() or None,
        event_key=data.get("EventKey"), task_id=data.get("TaskId"),
        response_code=data.get("ResponseCode"), raw=_plain(data),
    )


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
