"""Media in the fake WeCom API and the client (WECOM.md): media/get answers the bytes with a
Content-Disposition file name or errcode 40007 as JSON; media/upload takes the multipart field
`media`; a file message needs a known media_id. And the done-when scenario in the emulator."""
from __future__ import annotations

import pytest
import requests

from bot.wecom.client import MediaTooLarge, WeComClient, WeComError
from tests.chat import wait_text
from tests.conftest import BotServer, free_port
from tests.documents.helpers import KEY, received_file


class MemoryStorage:
    def __init__(self):
        self.values = {}

    def get(self, key, default=None):
        return self.values.get(key, default)

    def set(self, key, value, ttl=None):
        self.values[key] = value

    def delete(self, key):
        self.values.pop(key, None)


@pytest.fixture
def client(make_settings):
    return WeComClient(make_settings().wecom, MemoryStorage())


def token(fake_wecom) -> str:
    answer = requests.get(f"{fake_wecom.api_base_url}gettoken", params={"corpid": fake_wecom.state.corp_id,
                                                                        "corpsecret": fake_wecom.state.secret}, timeout=5)
    return answer.json()["access_token"]


def test_the_fake_api_serves_uploads_and_downloads_like_wecom(fake_wecom):
    state, base = fake_wecom.state, fake_wecom.api_base_url
    access = token(fake_wecom)
    uploaded = requests.post(f"{base}media/upload", params={"access_token": access, "type": "file"},
                             files={"media": ("数据平台项目-2026年11月-1.0版.docx", b"hello", "application/msword")},
                             timeout=5).json()
    assert uploaded["errcode"] == 0 and uploaded["type"] == "file" and uploaded["created_at"].isdigit()
    assert state.media[uploaded["media_id"]] == ("数据平台项目-2026年11月-1.0版.docx", b"hello", "application/msword")
    got = requests.get(f"{base}media/get", params={"access_token": access, "media_id": uploaded["media_id"]}, timeout=5)
    assert got.content == b"hello" and "filename*=UTF-8''" in got.headers["Content-Disposition"]
    expired = requests.get(f"{base}media/get", params={"access_token": access, "media_id": "nope"}, timeout=5)
    assert expired.json() == {"errcode": 40007, "errmsg": "invalid media_id"}
    missing = requests.post(f"{base}media/upload", params={"access_token": access, "type": "file"}, timeout=5)
    assert missing.json()["errcode"] != 0
    send = {"touser": "zhangsan", "agentid": state.agent_id, "msgtype": "file", "file": {"media_id": "nope"}}
    assert requests.post(f"{base}message/send", params={"access_token": access}, json=send,
                         timeout=5).json()["errcode"] == 40007
    send["file"]["media_id"] = uploaded["media_id"]
    assert requests.post(f"{base}message/send", params={"access_token": access}, json=send,
                         timeout=5).json()["errcode"] == 0
    [message] = state.sent_to("zhangsan")
    assert message["msgtype"] == "file" and (message["media_id"], message["filename"]) == \
        (uploaded["media_id"], "数据平台项目-2026年11月-1.0版.docx")


def test_the_client_downloads_and_uploads_media(client, fake_wecom):
    state = fake_wecom.state
    media_id = state.add_media("需求说明.docx", b"x" * 3000, "application/msword")
    media = client.download_media(media_id, max_bytes=10_000)
    assert (media.filename, media.data, media.content_type) == ("需求说明.docx", b"x" * 3000, "application/msword")
    with pytest.raises(MediaTooLarge):
        client.download_media(media_id, max_bytes=2999)
    with pytest.raises(WeComError) as expired:
        client.download_media("gone", max_bytes=10_000)
    assert expired.value.errcode == 40007 and not expired.value.retryable
    state.expire_tokens()  # an expired token is fetched again once, for media as for messages
    new_id = client.upload_media("报告.pdf", b"%PDF", "application/pdf")
    assert state.media[new_id] == ("报告.pdf", b"%PDF", "application/pdf")
    assert [c["path"] for c in state.calls].count("gettoken") == 2
    assert all("access_token" not in str(c["params"]) for c in state.calls)


def test_in_the_emulator_a_badly_named_file_is_explained_then_filed_and_a_contract_reaches_only_the_director(
        make_settings, tmp_path):
    """The done-when of issue 12, through the emulator the demo uses (its API serves media itself)."""
    port = free_port()
    settings = make_settings(emulator_enabled=True, wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"},
                             extra={"documents": {"storage_dir": str(tmp_path / "docs"), "encryption_key": KEY}})
    bot = BotServer(settings, None, port=port)
    try:
        state = bot.app.extensions["emulator"]
        media = state.add_media("需求说明.docx", b"draft", "application/msword")
        assert bot.wecom.file("zhangsan", "需求说明.docx", media).status_code == 200
        assert "数据平台项目-需求说明-" in wait_text(bot, "zhangsan", "还不能归档")
        good = state.add_media("数据平台项目-2026年11月-1.0版.docx", b"final", "application/msword")
        assert bot.wecom.file("zhangsan", "数据平台项目-2026年11月-1.0版.docx", good).status_code == 200
        wait_text(bot, "zhangsan", "已归档文件 #1")
        big = b"c" * (2 * 1024 * 1024)  # above the app's 1 MiB callback limit: uploads still pass
        contract = state.add_media("数据平台项目-合同-2026年11月-1.0版.docx", big, "application/msword")
        assert bot.wecom.file("zhangsan", "数据平台项目-合同-2026年11月-1.0版.docx", contract).status_code == 200
        wait_text(bot, "zhangsan", "已加密归档敏感文件 #2")
        bot.say("zhangsan", "发送文件 2")
        wait_text(bot, "zhangsan", "只有总监可以打开")
        bot.say("wangzong", "发送文件 2")
        wait_text(bot, "wangzong", "已发给你")
        assert received_file(bot, "wangzong") == ("数据平台项目-合同-2026年11月-1.0版.docx", big)
        page = requests.get(f"{bot.http.url}/emulator/api/messages", params={"userid": "wangzong"}, timeout=5).json()
        [shown] = [m for m in page["messages"] if m["msgtype"] == "file"]
        assert shown["filename"] == "数据平台项目-合同-2026年11月-1.0版.docx"
    finally:
        bot.stop()
