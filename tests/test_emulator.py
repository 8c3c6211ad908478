"""The emulator: its page API delivers real encrypted callbacks to /wecom/callback, shows the
bot's answers, lets a person tap card buttons — and shows no secret."""
import pytest
import requests

import tests.support_handlers  # noqa: F401
from tests.conftest import BotServer, free_port, wait_until


@pytest.fixture
def demo(make_settings, fake_wecom):
    """The bot with the built-in emulator as its WeCom (as `make run` starts it)."""
    port = free_port()
    # the API client talks to the emulator served by this very app, as in demo mode
    settings = make_settings(emulator_enabled=True, port=port,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    bot = BotServer(settings, None, port=port)
    yield bot
    bot.stop()


def page_messages(bot, userid, after=0):
    return requests.get(f"{bot.http.url}/emulator/api/messages", params={"userid": userid, "after": after},
                        timeout=5).json()["messages"]


def test_the_page_is_served_and_lists_the_org(demo):
    page = requests.get(f"{demo.http.url}/emulator/", timeout=5)
    assert page.status_code == 200 and "static/app.js" in page.text
    assert requests.get(f"{demo.http.url}/emulator/static/app.js", timeout=5).status_code == 200
    people = requests.get(f"{demo.http.url}/emulator/api/people", timeout=5).json()["people"]
    roles = {p["userid"]: p["role"] for p in people}
    assert roles["wangzong"] == "总监" and roles["lizuzhang"] == "组长" and roles["zhangsan"] == "专员"
    assert roles["chenzong"] == "CEO" and roles["liucaiwu"] == "财务" and roles["yangrenshi"] == "人力资源"


def test_typing_in_the_page_goes_through_the_callback_and_the_answer_comes_back(demo, caplog):
    caplog.set_level("INFO")
    response = requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "我是谁"},
                             timeout=10)
    assert response.json() == {"ok": True}
    messages = wait_until(lambda: (m := page_messages(demo, "zhangsan")) and len(m) == 2 and m, message="answer")
    assert (messages[0]["direction"], messages[0]["text"]) == ("in", "我是谁")
    assert messages[1]["direction"] == "out" and "直属上级：李组长" in messages[1]["text"]
    # it really went through the signed callback endpoint
    assert any("callback type=text user=zhangsan handler=whoami" in r.getMessage() for r in caplog.records)


def test_tapping_a_card_button_in_the_page(demo):
    requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "lisi", "text": "测试卡片 打印机"}, timeout=10)
    card = wait_until(lambda: [m for m in page_messages(demo, "lisi") if m["msgtype"] == "template_card"],
                      message="card")[0]
    tap = requests.post(f"{demo.http.url}/emulator/api/tap",
                        json={"userid": "lisi", "message_id": card["id"], "key": "testcard:ok"}, timeout=10)
    assert tap.json() == {"ok": True}
    wait_until(lambda: requests.get(f"{demo.http.url}/emulator/api/cards", params={"userid": "lisi"}, timeout=5)
               .json()["cards"][str(card["id"])] == {"replace_name": "已确认"}, message="card updated")
    wait_until(lambda: any(m.get("text") == "你点了「已确认」" for m in page_messages(demo, "lisi")), message="reply")
    again = requests.post(f"{demo.http.url}/emulator/api/tap",
                          json={"userid": "lisi", "message_id": card["id"], "key": "testcard:ok"}, timeout=10)
    assert again.status_code == 400 and "不能点击" in again.json()["error"]


def test_menu_clicks_from_the_page(demo):
    menu = requests.get(f"{demo.http.url}/emulator/api/menu", timeout=5).json()
    assert [b["name"] for b in menu["button"]] == ["审批", "周报纪要", "帮助"]
    requests.post(f"{demo.http.url}/emulator/api/menu", json={"userid": "qianqi", "key": "help"}, timeout=10)
    messages = wait_until(lambda: (m := page_messages(demo, "qianqi")) and len(m) == 2 and m, message="help")
    assert messages[0]["text"] == "点击了菜单「使用帮助」"
    assert "我是创新服务助手" in messages[1]["text"]


def test_bad_input_from_the_page_is_explained(demo):
    empty = requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "  "}, timeout=5)
    nobody = requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "", "text": "hi"}, timeout=5)
    assert empty.status_code == 400 and "不能为空" in empty.json()["error"]
    assert nobody.status_code == 400 and "选择一个人" in nobody.json()["error"]


def test_no_secret_reaches_the_page(demo):
    texts = [requests.get(f"{demo.http.url}{path}", timeout=5).text for path in
             ("/emulator/", "/emulator/static/app.js", "/emulator/api/people", "/emulator/api/menu", "/healthz")]
    requests.post(f"{demo.http.url}/emulator/api/send", json={"userid": "zhangsan", "text": "帮助"}, timeout=10)
    wait_until(lambda: len(page_messages(demo, "zhangsan")) == 2, message="answer")
    texts.append(requests.get(f"{demo.http.url}/emulator/api/messages", params={"userid": "zhangsan"}, timeout=5).text)
    for secret in demo.settings.secrets():
        assert all(secret not in text for text in texts)
