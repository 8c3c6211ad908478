"""``[wecom]``: the app's credentials and callback settings (admin console → 应用管理 → the app)."""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bot.config.tables import ConfigError, Table


MARKDOWN_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class WeComSettings:
    corp_id: str
    agent_id: int
    secret: str
    token: str
    encoding_aes_key: str
    api_base_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    callback_path: str = "/wecom/callback"
    max_callback_age_hours: int = 24  # older callbacks are refused as stale (0: no limit)
    messages_per_person_minute: int = 30  # WeCom delivers at most this many to one person a minute…
    messages_per_person_hour: int = 1000  # …and an hour; the outbox holds the excess back (bot.outbox.pacing)
    contacts_secret: str = ""  # the 通讯录同步 secret; empty: the app's own secret (its visible range)
    markdown: str = "always"  # always | never | auto: markdown only for the managers' digests (微信插件 shows none)

    def __repr__(self) -> str:  # secrets never reach logs, even through repr()
        return f"WeComSettings(corp_id={self.corp_id!r}, agent_id={self.agent_id}, api_base_url={self.api_base_url!r})"


def parse_wecom(t: Table) -> WeComSettings:
    corp_id = t.get("corp_id", str, what="your CorpID (管理后台 → 我的企业 → 企业ID), or set WECOM_CORP_ID")
    agent_id = t.get("agent_id", int, what="the app's AgentId (an integer), or set WECOM_AGENT_ID")
    secret = t.get("secret", str, what="the app's Secret, or set WECOM_SECRET")
    token = t.get("token", str, what="the callback Token, or set WECOM_TOKEN")
    aes_key = t.get("encoding_aes_key", str, what="the callback EncodingAESKey (43 characters), or set WECOM_AES_KEY")
    api_base_url = t.get("api_base_url", str, "https://qyapi.weixin.qq.com/cgi-bin/")
    callback_path = t.get("callback_path", str, "/wecom/callback")
    max_age = t.get("max_callback_age_hours", int, 24)
    per_minute = t.get("messages_per_person_minute", int, 30)
    per_hour = t.get("messages_per_person_hour", int, 1000)
    contacts_secret = t.get("contacts_secret", str, "", "the 通讯录同步 Secret (optional)")
    markdown = t.get("markdown", str, "always")
    t.finish()
    try:
        key_ok = len(aes_key) == 43 and len(base64.b64decode(aes_key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        key_ok = False
    if not key_ok:
        raise ConfigError("wecom.encoding_aes_key: expected the 43-character EncodingAESKey from the admin console")
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", token):
        raise ConfigError("wecom.token: expected 1–32 letters or digits, as set in the admin console")
    if not api_base_url.startswith(("http://", "https://")):
        raise ConfigError(f"wecom.api_base_url: expected an http(s) URL, got {api_base_url!r}")
    if not callback_path.startswith("/"):
        raise ConfigError(f"wecom.callback_path: expected a path starting with '/', got {callback_path!r}")
    if max_age < 0:
        raise ConfigError(f"wecom.max_callback_age_hours: expected a number of hours ≥ 0, got {max_age}")
    if markdown not in MARKDOWN_MODES:
        raise ConfigError(f'wecom.markdown: expected "auto", "always" or "never", got {markdown!r}')
    if per_minute < 1 or per_hour < per_minute:
        raise ConfigError("wecom.messages_per_person_minute / _hour: expected 1 ≤ per minute ≤ per hour "
                          f"(WeCom: 30 and 1000), got {per_minute} and {per_hour}")
    return WeComSettings(corp_id, agent_id, secret, token, aes_key,
                         api_base_url.rstrip("/") + "/", callback_path, max_age,
                         messages_per_person_minute=per_minute, messages_per_person_hour=per_hour,
                         contacts_secret=contacts_secret, markdown=markdown)
