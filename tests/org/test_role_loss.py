"""Losing a role moves that role's work (issue 22; WeiXinMPSDK#2369, easywechat PR#2141): P3 says
only the role's holder signs. Taken out of the 财务 tag, no longer the department's leader, or no
longer finance in the config: the pending step moves as it does for a leaver, and a tap from
someone who no longer holds the role is refused."""
from __future__ import annotations

import dataclasses

import requests

from bot.config import load_settings
from scheduler import run_job
from tests.approvals.helpers import request_row, submit
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import BotServer, free_port
from tests.org.helpers import wecom_org
from tests.org.test_events import change
from tests.org.test_handover import synced_bot
from tests.org.test_sync import NIGHT


def test_taken_out_of_the_finance_tag_the_review_goes_to_the_other_finance_member(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    old_card = wait_card(bot, "liucaiwu")  # 复审 waits for 刘财务

    change(bot, "update_tag", TagId="1", DelUserItems="liucaiwu")

    card = wait_card(bot, "zhoukuaiji")
    assert f"#{request_id}" in card["main_title"]["title"]
    assert f"刘财务 已不再担任财务，以下审批转由你处理：#{request_id}" in wait_text(bot, "zhoukuaiji", "转由你处理")
    summary = wait_text(bot, "wangzong", "组织架构变动")
    assert "刘财务 已不再担任财务" in summary and f"采购申请 #{request_id} 复审 → 周会计" in summary
    tap(bot, "liucaiwu", old_card, "同意")  # no longer finance: refused, nothing changes
    assert "你的操作没有生效" in wait_text(bot, "liucaiwu", "没有生效")
    assert request_row(bot, request_id).status == "pending"
    tap(bot, "zhoukuaiji", card, "同意")
    assert "全部审批通过" in wait_text(bot, "zhangsan", "全部审批通过")
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "zhoukuaiji"]


def test_a_waiting_finance_step_moves_before_its_turn_and_a_new_department_leader_takes_the_first(
        start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "报销 差旅费 3000元")
    wait_card(bot, "wangzong")
    change(bot, "update_tag", TagId="1", DelUserItems="liucaiwu")  # 复审 still waiting: it moves too
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "zhoukuaiji"]
    assert cards(bot, "zhoukuaiji") == []  # its turn has not come: no card yet
    change(bot, "update_user", UserID="wangzong", Department="2", IsLeaderInDept="0")
    change(bot, "update_user", UserID="lizuzhang", Department="2", IsLeaderInDept="1")  # the new head of 创新服务部
    assert bot.runtime.org.director_id == "lizuzhang"
    card = wait_card(bot, "lizuzhang")
    assert f"#{request_id}" in card["main_title"]["title"]
    assert request_row(bot, request_id).steps[0].approver == "lizuzhang"
    tap(bot, "lizuzhang", card, "同意")
    tap(bot, "zhoukuaiji", wait_card(bot, "zhoukuaiji"), "同意")
    assert "全部审批通过" in wait_text(bot, "zhangsan", "全部审批通过")


def test_with_the_org_from_the_config_a_tap_from_a_former_finance_member_is_refused_and_the_step_moves(
        start_bot):
    bot = start_bot()
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    card = wait_card(bot, "liucaiwu")
    bot.stop()
    base = load_settings(None).org
    after = start_bot(org=dataclasses.replace(base, roles={**base.roles, "finance": ("zhaoliu",)}))  # the config changed
    tap(after, "liucaiwu", card, "同意")
    refused = wait_text(after, "liucaiwu", "没有生效")
    assert "你已不再担任财务" in refused and "已转给 赵六 处理" in refused
    assert request_row(after, request_id).status == "pending"
    tap(after, "zhaoliu", wait_card(after, "zhaoliu"), "同意")
    assert "全部审批通过" in wait_text(after, "zhangsan", "全部审批通过")
    assert not [t for t in texts(after, "zhangsan") if "liucaiwu" in t]


def test_the_emulator_page_renames_a_person_and_takes_them_out_of_a_tag(make_settings):
    """The demo: 改账号 keeps the step with the person; 移出财务 moves it to the role's other member."""
    port = free_port()
    settings = make_settings(org=wecom_org(), emulator_enabled=True,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    bot = BotServer(settings, None, port=port)
    bot.fake = dataclasses.make_dataclass("Fake", ["state"])(bot.app.extensions["emulator"])
    page = f"{bot.http.url}/emulator/api/contacts"
    try:
        run_job(bot.runtime, "org_sync", NIGHT)
        request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
        tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
        wait_card(bot, "liucaiwu")
        bad = requests.post(f"{page}/rename", json={"userid": "liucaiwu", "new_userid": "刘 2"}, timeout=10)
        assert bad.status_code == 400 and "例如：liucaiwu2" in bad.json()["error"]
        answer = requests.post(f"{page}/rename", json={"userid": "liucaiwu", "new_userid": "liucaiwu2"}, timeout=10)
        assert answer.json() == {"ok": True, "change": "update_user"}
        assert request_row(bot, request_id).steps[1].approver == "liucaiwu2"  # the step follows the person
        people = {u["userid"]: u for u in requests.get(page, timeout=5).json()["users"]}
        assert people["liucaiwu2"]["tags"] == [{"id": 1, "name": "财务"}] and "liucaiwu" not in people
        answer = requests.post(f"{page}/untag", json={"userid": "liucaiwu2", "tag": 1}, timeout=10)
        assert answer.json() == {"ok": True, "change": "update_tag"}
        card = wait_card(bot, "zhoukuaiji")  # moved to the role's other member
        assert f"#{request_id}" in card["main_title"]["title"]
        assert "刘财务 已不再担任财务" in wait_text(bot, "wangzong", "组织架构变动")
    finally:
        bot.stop()
