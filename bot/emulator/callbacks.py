"""Build WeCom callbacks exactly as WeCom does — inner XML, AES-encrypted, signed — and POST
them over real HTTP. Used by the emulator page, the tests and the benchmark."""
from __future__ import annotations

import random
import time
import uuid
from typing import Callable

import requests
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.config import WeComSettings


def _cdata(value: str) -> str:
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


class CallbackSender:
    def __init__(self, wecom: WeComSettings, callback_url: str, timeout: float = 10.0):
        self.wecom = wecom
        self.url = callback_url
        self.crypto = WeChatCrypto(wecom.token, wecom.encoding_aes_key, wecom.corp_id)
        self.http = requests.Session()
        self.timeout = timeout
        # Called with (userid, text, the callback's inner XML) for each passive text reply, as
        # WeCom shows it in the chat (WeCom shows one answer per callback, however often it retried).
        self.on_reply: Callable[[str, str, str], None] | None = None

    # ---- building ---------------------------------------------------------------------------
    def inner_xml(self, userid: str, msg_type: str, fields: dict[str, object], create_time: int | None = None,
                  msg_id: int | None = None) -> str:
        parts = [f"<ToUserName>{_cdata(self.wecom.corp_id)}</ToUserName>",
                 f"<FromUserName>{_cdata(userid)}</FromUserName>",
                 f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
                 f"<MsgType>{_cdata(msg_type)}</MsgType>"]
        parts += [f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items()]
        if msg_type != "event":
            parts.append(f"<MsgId>{msg_id or random.getrandbits(62)}</MsgId>")
        parts.append(f"<AgentID>{self.wecom.agent_id}</AgentID>")
        return "<xml>" + "".join(parts) + "</xml>"

    def envelope(self, inner: str) -> tuple[dict[str, str], bytes]:
        """Encrypt ``inner`` and return (query params, outer XML body) of a POST callback."""
        nonce = uuid.uuid4().hex[:10]
        timestamp = str(int(time.time()))
        reply = self.crypto.encrypt_message(inner, nonce, timestamp)
        # encrypt_message yields the reply form (Encrypt + MsgSignature…); a callback carries
        # the same Encrypt with ToUserName and AgentID, and the signature in the query string.
        encrypt = reply.split("<Encrypt><![CDATA[")[1].split("]]></Encrypt>")[0]
        signature = reply.split("<MsgSignature><![CDATA[")[1].split("]]></MsgSignature>")[0]
        body = (f"<xml><ToUserName>{_cdata(self.wecom.corp_id)}</ToUserName>"
                f"<Encrypt>{_cdata(encrypt)}</Encrypt><AgentID>{_cdata(self.wecom.agent_id)}</AgentID></xml>")
        return {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}, body.encode()

    # ---- sending ----------------------------------------------------------------------------
    def post(self, inner: str) -> requests.Response:
        params, body = self.envelope(inner)
        response = self.http.post(self.url, params=params, data=body, timeout=self.timeout,
                                  headers={"Content-Type": "text/xml"})
        if self.on_reply is not None and response.status_code == 200 and response.content:
            fields = self.reply_fields(response)
            if fields.get("MsgType") == "text":
                self.on_reply(fields.get("ToUserName") or "", fields.get("Content") or "", inner)
        return response

    def reply_fields(self, response: requests.Response) -> dict[str, str]:
        """The fields of a passive reply (text or update_button), decrypted as WeCom would."""
        from defusedxml import ElementTree
        root = ElementTree.fromstring(self.decrypt_reply(response).encode())
        return {child.tag: child.text or "" for child in root}

    def text(self, userid: str, content: str, **kw) -> requests.Response:
        return self.post(self.inner_xml(userid, "text", {"Content": content}, **kw))

    def image(self, userid: str, media_id: str | None = None,
              pic_url: str = "http://example.invalid/p.jpg", **kw) -> requests.Response:
        return self.post(self.inner_xml(userid, "image", {"PicUrl": pic_url, "MediaId": media_id or uuid.uuid4().hex},
                                        **kw))

    def file(self, userid: str, filename: str, media_id: str, **kw) -> requests.Response:
        """A file sent to the app: ``MsgType=file`` with its ``FileName`` and ``MediaId`` (for media/get)."""
        return self.post(self.inner_xml(userid, "file", {"FileName": filename, "MediaId": media_id}, **kw))

    def click(self, userid: str, key: str, **kw) -> requests.Response:
        return self.post(self.inner_xml(userid, "event", {"Event": "click", "EventKey": key}, **kw))

    def enter_agent(self, userid: str) -> requests.Response:
        return self.post(self.inner_xml(userid, "event", {"Event": "enter_agent", "EventKey": ""}))

    def card_tap(self, userid: str, task_id: str, key: str, response_code: str,
                 card_type: str = "button_interaction", **kw) -> requests.Response:
        return self.post(self.inner_xml(userid, "event", {
            "Event": "template_card_event", "EventKey": key, "TaskId": task_id,
            "CardType": card_type, "ResponseCode": response_code}, **kw))

    def change_contact(self, change_type: str, fields: dict[str, object], **kw) -> requests.Response:
        """An address-book change as WeCom sends it: from ``sys``, Event=change_contact."""
        return self.post(self.inner_xml("sys", "event", {"Event": "change_contact", "ChangeType": change_type,
                                                         **fields}, **kw))

    def decrypt_reply(self, response: requests.Response) -> str:
        """Decrypt a passive reply body (e.g. update_button) the way WeCom would."""
        from defusedxml import ElementTree
        root = ElementTree.fromstring(response.content)
        fields = {c.tag: c.text for c in root}
        return self.crypto.decrypt_message({"Encrypt": fields["Encrypt"]}, fields["MsgSignature"],
                                           fields["TimeStamp"], fields["Nonce"])


