"""The WeCom API client: wechatpy's ``WeChatClient`` plus what wechatpy 1.8.18 lacks.

Only speaks HTTP to WeCom. Errors come back as ``WeComError`` with ``retryable`` set, and
carry no secret (no access token, no corp secret) in their text.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.fields import StringField
from wechatpy.replies import BaseReply
from wechatpy.session import SessionStorage
from werkzeug.http import parse_options_header

from bot.config import WeComSettings
from models import KeyValue

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40014, 42001}  # invalid / expired access_token: fetch a new one and retry once
# Errors that no retry can fix: bad recipients, bad card, response code unknown or used.
PERMANENT_ERRORS = {40003, 40008, 42014, 42016, 42022, 44004, 45002, 60011, 81013}
MAX_RECIPIENTS = 1000  # per message/send
MEDIA_EXPIRED = 40007  # media/get: the media_id is unknown or its 3 days are over
# bad type / file type / size / media_id, empty file (44001): permanent (WxJava#242, go-workwx#155)
MEDIA_ERRORS = {40004, 40005, 40006, MEDIA_EXPIRED, 44001}


class WeComError(Exception):
    def __init__(self, errcode: int | None, errmsg: str, retryable: bool):
        super().__init__(f"WeCom errcode={errcode} errmsg={errmsg}")
        self.errcode, self.errmsg, self.retryable = errcode, errmsg, retryable


class MediaTooLarge(WeComError):
    """A temporary media file larger than the caller's limit (nothing of it is kept)."""

    def __init__(self, limit: int):
        super().__init__(None, f"media larger than {limit} bytes", False)
        self.limit = limit


@dataclass(frozen=True)
class Media:
    """A downloaded temporary media file: its name as WeCom gives it, the bytes, the MIME type."""

    filename: str
    data: bytes
    content_type: str


class DatabaseTokenStorage(SessionStorage):
    """wechatpy session storage in our database, so every process shares one access token."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self.session_factory = session_factory
        self._cache: dict[str, tuple[str, datetime | None]] = {}

    def get(self, key, default=None):
        now = datetime.now(timezone.utc)
        cached = self._cache.get(key)
        if cached and (cached[1] is None or cached[1] > now):
            return cached[0]
        with self.session_factory() as session:
            row = session.get(KeyValue, key)
            if row is None or (row.expires_at is not None and row.expires_at <= now):
                return default
            self._cache[key] = (row.value, row.expires_at)
            return row.value

    def set(self, key, value, ttl=None):
        # Keep a margin so a token is never used in its last minute.
        expires = datetime.now(timezone.utc) + timedelta(seconds=max(int(ttl) - 120, 60)) if ttl else None
        with self.session_factory.begin() as session:
            session.merge(KeyValue(key=key, value=value, expires_at=expires))
        self._cache[key] = (value, expires)

    def delete(self, key):
        self._cache.pop(key, None)
        with self.session_factory.begin() as session:
            row = session.get(KeyValue, key)
            if row is not None:
                session.delete(row)


class _Client(WeChatClient):
    """wechatpy's client with the base URL honoured everywhere and one locked token refresh."""

    def __init__(self, settings: WeComSettings, storage: SessionStorage, timeout: float):
        super().__init__(settings.corp_id, settings.secret, session=storage, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = settings.api_base_url
        self._refresh_lock = threading.Lock()
        _settle_environment(self._http, settings.api_base_url)

    @property
    def access_token(self):
        token = self.session.get(self.access_token_key)
        if token:
            return token
        with self._refresh_lock:  # one fetch per process; the others read what it stored
            token = self.session.get(self.access_token_key)
            if not token:
                self.fetch_access_token()
                token = self.session.get(self.access_token_key)
        return token

    def fetch_access_token(self):
        # wechatpy 1.8.18 hard-codes https://qyapi.weixin.qq.com/cgi-bin/gettoken here.
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )


def _settle_environment(http: requests.Session, base_url: str) -> None:
    """Read the proxy and CA-bundle environment once, not on every call.

    With ``trust_env`` on, requests looks up the proxy variables (and ~/.netrc) for every
    request, which costs about as much CPU as the request itself. The proxy that applies to
    the API base URL (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, honouring ``NO_PROXY``) and
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` are taken now, at start-up; a change to them later
    needs a restart. ~/.netrc is no longer consulted (WeCom authenticates with the token).
    """
    http.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and http.verify is True:
        http.verify = bundle
    http.trust_env = False


class WeComClient:
    def __init__(self, settings: WeComSettings, storage: SessionStorage, timeout: float = 10.0):
        self.agent_id = settings.agent_id
        self._client = _Client(settings, storage, timeout)

    def call(self, endpoint: str, data: dict | None, params: dict | None = None, files: dict | None = None) -> dict:
        """POST ``data`` (JSON) or ``files`` (multipart) to ``endpoint``; refresh the token once
        on 40014/42001."""
        for attempt in (1, 2):
            try:
                if files is not None:
                    return self._client.post(endpoint, params=dict(params or {}), files=files)
                return self._client.post(endpoint, data=data, params=dict(params or {}))
            except WeChatClientException as exc:
                errcode = exc.errcode
                if errcode in TOKEN_ERRORS and attempt == 1:
                    log.info("access token rejected (errcode %s); fetching a new one", errcode)
                    self._client.session.delete(self._client.access_token_key)
                    continue
                if errcode is None:  # an HTTP error status, wrapped by wechatpy
                    status = getattr(exc.response, "status_code", "?")
                    raise WeComError(None, f"HTTP {status}", True) from None
                raise WeComError(errcode, str(exc.errmsg), errcode not in PERMANENT_ERRORS) from None
            except requests.RequestException as exc:
                # The exception text holds the URL with the access token: keep only its kind.
                raise WeComError(None, type(exc).__name__, True) from None
        raise WeComError(42001, "access token still rejected after refresh", True)

    def get(self, endpoint: str, params: dict | None = None) -> dict:
        """GET ``endpoint`` (the address-book reads); the same errors and token refresh as ``call``."""
        for attempt in (1, 2):
            try:
                return self._client.get(endpoint, params=dict(params or {}))
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    self._client.session.delete(self._client.access_token_key)
                    continue
                if exc.errcode is None:
                    raise WeComError(None, f"HTTP {getattr(exc.response, 'status_code', '?')}", True) from None
                raise WeComError(exc.errcode, str(exc.errmsg), exc.errcode not in PERMANENT_ERRORS) from None
            except requests.RequestException as exc:
                raise WeComError(None, type(exc).__name__, True) from None
        raise WeComError(42001, "access token still rejected after refresh", True)

    def send(self, recipients: list[str], body: dict, duplicate_check: bool = False) -> dict:
        """``message/send`` to at most 1000 userids; ``body`` is the msgtype part of the request."""
        if not 0 < len(recipients) <= MAX_RECIPIENTS:
            raise ValueError(f"message/send takes 1..{MAX_RECIPIENTS} recipients, got {len(recipients)}")
        data = {"touser": "|".join(recipients), "agentid": self.agent_id, **body}
        if duplicate_check:
            data.update(enable_duplicate_check=1, duplicate_check_interval=1800)
        return self.call("message/send", data)

    def update_template_card(self, userids: list[str], response_code: str, update: dict) -> dict:
        """``message/update_template_card``: ``update`` is {"button": {...}} or {"template_card": {...}}."""
        data = {"userids": userids, "agentid": self.agent_id, "response_code": response_code, **update}
        return self.call("message/update_template_card", data)

    def create_menu(self, menu: dict) -> dict:
        return self.call("menu/create", menu, params={"agentid": self.agent_id})

    def download_media(self, media_id: str, max_bytes: int) -> Media:
        """``GET media/get``: the temporary media file ``media_id`` (they live 3 days).

        Raises ``MediaTooLarge`` past ``max_bytes`` (the download stops there), and
        ``WeComError`` with errcode 40007 for an unknown or expired id (WeCom answers JSON then).
        """
        response = self._media_request("GET", "media/get", {"media_id": media_id}, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge(max_bytes)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise MediaTooLarge(max_bytes)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise WeComError(None, type(exc).__name__, True) from None
        finally:
            response.close()
        data = b"".join(chunks)
        disposition = response.headers.get("Content-Disposition", "")
        filename = parse_options_header(disposition)[1].get("filename", "") if disposition else ""
        content_type = response.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
        if not disposition:
            _raise_for_json_error(data)
        return Media(filename, data, content_type)

    def upload_media(self, filename: str, data: bytes, content_type: str = "application/octet-stream",
                     kind: str = "file") -> str:
        """``POST media/upload?type=kind`` (multipart field ``media``, ≤ 20 MB); returns the media_id,
        valid for 3 days, for a ``file`` (or ``image``) message."""
        response = self._media_request("POST", "media/upload", {"type": kind},
                                       files={"media": (filename, data, content_type)})
        try:
            answer = response.json()
        except ValueError:
            raise WeComError(None, "media/upload answered no JSON", True) from None
        _raise_for_json_error(json.dumps(answer).encode())
        if not answer.get("media_id"):
            raise WeComError(None, "media/upload answered no media_id", True)
        return answer["media_id"]

    def _media_request(self, method: str, endpoint: str, params: dict, **options) -> requests.Response:
        """A raw media call (bytes, not JSON); a rejected token is fetched again once."""
        client = self._client
        for attempt in (1, 2):
            try:
                token = client.access_token
            except WeChatClientException as exc:  # gettoken refused (-1 busy, 40001…): say so, no traceback
                errcode = exc.errcode
                raise WeComError(errcode, f"gettoken: {exc.errmsg}", errcode not in (40001, 40013)) from None
            except requests.RequestException as exc:
                raise WeComError(None, f"gettoken: {type(exc).__name__}", True) from None
            try:
                response = client._http.request(method, f"{client.API_BASE_URL}{endpoint}", timeout=client.timeout,
                                                params={"access_token": token, **params}, **options)
            except requests.RequestException as exc:
                # The exception text holds the URL with the access token: keep only its kind.
                raise WeComError(None, type(exc).__name__, True) from None
            if response.status_code != 200:
                response.close()
                raise WeComError(None, f"HTTP {response.status_code}", True)
            kind = response.headers.get("Content-Type", "")
            if attempt == 1 and ("json" in kind or kind.startswith("text/")) \
                    and not response.headers.get("Content-Disposition"):
                errcode = _errcode(response.content)
                if errcode in TOKEN_ERRORS:
                    log.info("access token rejected (errcode %s); fetching a new one", errcode)
                    client.session.delete(client.access_token_key)
                    continue
            return response
        raise WeComError(42001, "access token still rejected after refresh", True)


class UpdateButtonReply(BaseReply):
    """The passive reply to a card tap that greys the tapped button for the tapping user."""

    type = "update_button"
    replace_name = StringField("ReplaceName")

    def render(self):
        now = int(time.time())
        return (
            "<xml>"
            f"<ToUserName><![CDATA[{self.target}]]></ToUserName>"
            f"<FromUserName><![CDATA[{self.source}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime>"
            "<MsgType><![CDATA[update_button]]></MsgType>"
            f"<Button><ReplaceName><![CDATA[{self.replace_name}]]></ReplaceName></Button>"
            "</xml>"
        )


class PassiveTextReply(BaseReply):
    """A text answered in the callback's HTTP response (doc 96469): WeCom shows it at once."""

    type = "text"
    content = StringField("Content")

    def render(self):
        def cdata(value: str) -> str:
            return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"
        return (f"<xml><ToUserName>{cdata(self.target)}</ToUserName><FromUserName>{cdata(self.source)}</FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content>{cdata(self.content)}</Content></xml>")
def _errcode(body: bytes) -> int | None:
    """The errcode of a JSON error answer (WeCom answers errors as JSON even where bytes were asked for)."""
    try:
        answer = json.loads(body) if body[:1] == b"{" else None
    except ValueError:
        return None
    return answer.get("errcode") if isinstance(answer, dict) else None


def _raise_for_json_error(body: bytes) -> None:
    errcode = _errcode(body)
    if errcode:
        errmsg = json.loads(body).get("errmsg", "")
        raise WeComError(errcode, str(errmsg), errcode not in PERMANENT_ERRORS | MEDIA_ERRORS)


def is_linked_corp(userid: str) -> bool:
    """A member of a linked corp (互联企业) appears as ``corpid/userid``: ``message/send`` refuses
    them (81013 every time), so they are answered passively or not at all (WECOM.md)."""
    return "/" in userid


def batches(userids: list[str], size: int = MAX_RECIPIENTS) -> list[list[str]]:
    """``userids`` (without blanks, repeats and linked-corp members) in groups of ≤ ``size``."""
    unique = list(dict.fromkeys(u for u in userids if u and not is_linked_corp(u)))
    return [unique[i:i + size] for i in range(0, len(unique), size)]
