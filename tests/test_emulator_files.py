"""The emulator page sends files and pictures as WeCom's real callbacks, serves what the bot
uploads, keeps the chat across a restart, and updates every copy of a card the way WeCom does."""
import pytest
import requests

from bot.conversation.context import Reply
from bot.conversation.router import on_card
from models import InboundCallback
from tests.conftest import BotServer, free_port, wait_until
from tests.test_emulator import page_messages


@on_card("passivecard")
def _grey_only_by_passive_reply(ctx) -> Reply:
    """A tap answered only by the passive update_button reply (no update_template_card)."""
    return Reply(button="已阅")


def start_demo(make_settings) -> BotServer:
    port = free_port()
    return BotServer(make_settings(emulator_enabled=True,
                                   wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"}),
                     None, port=port)


@pytest.fixture
def demo(make_settings):
    bot = start_demo(make_settings)
    yield bot
    bot.stop()


def token(bot) -> str:
    wecom = bot.settings.wecom
    return requests.get(f"{bot.http.url}/emulator/cgi-bin/gettoken", timeout=5,
                        params={"corpid": wecom.corp_id, "corpsecret": wecom.secret}).json()["access_token"]


def api(bot, path, **kw):
    return requests.post(f"{bot.http.url}/emulator/cgi-bin/{path}", params={"access_token": token(bot),
                                                                             **kw.pop("params", {})}, timeout=5, **kw).json()


def upload(bot, userid, kind, name, data, content_type):
    return requests.post(f"{bot.http.url}/emulator/api/upload", data={"userid": userid, "kind": kind},
                         files={"file": (name, data, content_type)}, timeout=10)


def test_a_file_from_the_page_is_a_file_callback_whose_media_id_media_get_serves(demo):
    assert upload(demo, "zhangsan", "file", "合同.pdf", b"%PDF-1.4 demo", "application/pdf").json() == {"ok": True}
    with demo.session() as session:
        stored = wait_until(lambda: session.query(InboundCallback).filter_by(msg_type="file").all())[0]
    assert stored.userid == "zhangsan" and stored.payload["FileName"] == "合同.pdf"
    got = requests.get(f"{demo.http.url}/emulator/cgi-bin/media/get", timeout=5,
                       params={"access_token": token(demo), "media_id": stored.payload["MediaId"]})
    assert got.content == b"%PDF-1.4 demo" and got.headers["Content-Type"] == "application/pdf"
    chat = wait_until(lambda: (m := page_messages(demo, "zhangsan")) and len(m) == 2 and m, message="answer")
    assert (chat[0]["msgtype"], chat[0]["filename"], chat[0]["size"]) == ("file", "合同.pdf", 13)
    assert chat[1]["direction"] == "out"  # the bot answered the file


def test_a_picture_from_the_page_is_an_image_callback(demo):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    assert upload(demo, "lisi", "image", "白板.png", png, "image/png").json() == {"ok": True}
    with demo.session() as session:
        stored = wait_until(lambda: session.query(InboundCallback).filter_by(msg_type="image").all())[0]
    assert stored.payload["PicUrl"].endswith("/emulator/api/media/" + stored.payload["MediaId"])
    assert requests.get(stored.payload["PicUrl"], timeout=5).content == png


def test_bad_uploads_are_explained_and_send_nothing(demo):
    nobody = upload(demo, "", "file", "a.txt", b"x", "text/plain")
    empty = upload(demo, "zhangsan", "file", "a.txt", b"", "text/plain")
    not_a_picture = upload(demo, "zhangsan", "image", "a.txt", b"x", "text/plain")
    assert nobody.status_code == 400 and "选择一个人" in nobody.json()["error"]
    assert empty.status_code == 400 and "空的" in empty.json()["error"]
    assert not_a_picture.status_code == 400 and "不是图片" in not_a_picture.json()["error"]
    assert page_messages(demo, "zhangsan") == []


def test_a_file_the_bot_sends_is_a_downloadable_item(demo):
    media = requests.post(f"{demo.http.url}/emulator/cgi-bin/media/upload", timeout=5,
                          params={"access_token": token(demo), "type": "file"},
                          files={"media": ("汇总.csv", b"a,b\n1,2\n", "text/csv")}).json()
    sent = api(demo, "message/send", json={"touser": "zhangsan", "agentid": demo.settings.wecom.agent_id,
                                           "msgtype": "file", "file": {"media_id": media["media_id"]}})
    unknown = api(demo, "message/send", json={"touser": "zhangsan", "agentid": demo.settings.wecom.agent_id,
                                              "msgtype": "file", "file": {"media_id": "nope"}})
    assert sent["errcode"] == 0 and unknown["errcode"] == 40007
    item = page_messages(demo, "zhangsan")[0]
    assert (item["msgtype"], item["filename"]) == ("file", "汇总.csv")
    download = requests.get(f"{demo.http.url}/emulator/api/media/{item['media_id']}?download=1", timeout=5)
    assert download.content == b"a,b\n1,2\n" and "attachment" in download.headers["Content-Disposition"]
    assert requests.get(f"{demo.http.url}/emulator/api/media/gone", timeout=5).status_code == 404


def test_the_chat_survives_a_restart(make_settings):
    first = start_demo(make_settings)
    requests.post(f"{first.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "我是谁"}, timeout=10)
    wait_until(lambda: len(page_messages(first, "zhangsan")) == 2, message="answer")
    first.stop()
    second = start_demo(make_settings)
    try:
        chat = page_messages(second, "zhangsan")
        assert [m["direction"] for m in chat] == ["in", "out"] and chat[0]["text"] == "我是谁"
    finally:
        second.stop()


def card(task_id: str, key: str) -> dict:
    return {"card_type": "button_interaction", "task_id": task_id, "main_title": {"title": "测试"},
            "button_list": [{"text": "好", "style": 1, "key": key}]}


def test_update_template_card_changes_the_listed_copies_or_every_copy(demo):
    agent = demo.settings.wecom.agent_id
    one = api(demo, "message/send", json={"touser": "zhangsan|lisi", "agentid": agent, "msgtype": "template_card",
                                          "template_card": card("t_one", "x:1")})
    two = api(demo, "message/send", json={"touser": "zhangsan|lisi", "agentid": agent, "msgtype": "template_card",
                                          "template_card": card("t_two", "x:2")})
    api(demo, "message/update_template_card", json={"userids": ["zhangsan"], "agentid": agent,
                                                    "response_code": one["response_code"],
                                                    "button": {"replace_name": "已处理"}})
    api(demo, "message/update_template_card", json={"atall": 1, "agentid": agent,
                                                    "response_code": two["response_code"],
                                                    "button": {"replace_name": "已结束"}})
    states = {(m["userid"], m["card"]["task_id"]): m["card_state"] for u in ("zhangsan", "lisi")
              for m in page_messages(demo, u)}
    assert states == {("zhangsan", "t_one"): {"replace_name": "已处理"}, ("lisi", "t_one"): None,
                      ("zhangsan", "t_two"): {"replace_name": "已结束"}, ("lisi", "t_two"): {"replace_name": "已结束"}}


def test_a_passive_update_button_reply_greys_the_tappers_copy(demo):
    agent = demo.settings.wecom.agent_id
    api(demo, "message/send", json={"touser": "zhangsan|lisi", "agentid": agent, "msgtype": "template_card",
                                    "template_card": card("t_passive", "passivecard:ok")})
    mine = page_messages(demo, "zhangsan")[0]
    tap = requests.post(f"{demo.http.url}/emulator/api/tap", timeout=10,
                        json={"userid": "zhangsan", "message_id": mine["id"], "key": "passivecard:ok"})
    assert tap.json() == {"ok": True}
    assert page_messages(demo, "zhangsan")[0]["card_state"] == {"replace_name": "已阅"}
    assert page_messages(demo, "lisi")[0]["card_state"] is None  # WeCom greys it for the tapper only


@pytest.mark.parametrize("host, api_host", [(None, "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("192.168.1.5", "192.168.1.5")])
def test_the_demo_listens_where_it_is_told(host, api_host, monkeypatch):
    """``make run PORT=8011 HOST=…``: the demo's own WeCom API follows the port and the host."""
    import subprocess

    from app import settings_from_environment
    monkeypatch.delenv("WECOM_BOT_CONFIG", raising=False)
    monkeypatch.delenv("WECOM_CORP_ID", raising=False)
    settings = settings_from_environment(None, 8011, host)
    assert (settings.host, settings.port) == (host or "127.0.0.1", 8011)
    assert settings.wecom.api_base_url == f"http://{api_host}:8011/emulator/cgi-bin/"
    if host:
        dry = subprocess.run(["make", "-n", "run", "PORT=8011", f"HOST={host}"], capture_output=True, text=True,
                             check=True).stdout
        assert f"app.py --host {host} --port 8011" in dry
