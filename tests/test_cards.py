"""Template cards: send, tap through an encrypted callback, passive update_button reply, and
the card update with the callback's ResponseCode (valid once)."""
import time

import pytest
from sqlalchemy import select

import tests.support_handlers  # noqa: F401
from bot.wecom.cards import button_card
from models import AuditEntry
from tests.conftest import wait_until


def test_tap_updates_the_card_once_and_replies_passively(bot):
    bot.say("zhangsan", "测试卡片 服务器")
    card = bot.wait_messages("zhangsan", 1)[0]["card"]
    assert card["card_type"] == "button_interaction"
    assert [b["text"] for b in card["button_list"]] == ["确认", "拒绝"]
    code = bot.fake.state.issue_response_code("zhangsan", card["task_id"])
    response = bot.wecom.card_tap("zhangsan", card["task_id"], "testcard:ok", code)
    assert response.status_code == 200
    passive = bot.wecom.decrypt_reply(response)
    assert "<MsgType><![CDATA[update_button]]></MsgType>" in passive
    assert "<ReplaceName><![CDATA[已确认]]></ReplaceName>" in passive
    wait_until(lambda: bot.fake.state.calls_to("message/update_template_card"), message="card update")
    update = bot.fake.state.calls_to("message/update_template_card")[0]["json"]
    assert update["response_code"] == code and update["button"] == {"replace_name": "已确认"}
    assert bot.last_text("zhangsan", 2) == "你点了「已确认」"
    card_message = bot.received("zhangsan")[0]
    assert card_message["card_state"] == {"replace_name": "已确认"}
    with bot.session() as s:
        entry = s.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.record_id) == ("zhangsan", "tapped", card["task_id"])


def test_a_retried_tap_has_one_effect(bot):
    bot.say("lisi", "测试卡片")
    card = bot.wait_messages("lisi", 1)[0]["card"]
    code = bot.fake.state.issue_response_code("lisi", card["task_id"])
    inner = bot.wecom.inner_xml("lisi", "event", {"Event": "template_card_event", "EventKey": "testcard:no",
                                                  "TaskId": card["task_id"], "CardType": "button_interaction",
                                                  "ResponseCode": code}, create_time=int(time.time()))
    assert bot.wecom.post(inner).status_code == 200
    assert bot.wecom.post(inner).status_code == 200
    bot.wait_messages("lisi", 2)
    bot.settle()
    assert len(bot.fake.state.calls_to("message/update_template_card")) == 1
    assert len(bot.received("lisi")) == 2


def test_a_tap_on_an_unknown_card_is_answered(bot):
    response = bot.wecom.card_tap("wangwu", "gone_1", "retired:approve:1", "RCunknown")
    assert "<ReplaceName><![CDATA[已失效]]></ReplaceName>" in bot.wecom.decrypt_reply(response)
    assert "已失效" in bot.last_text("wangwu")


@pytest.mark.parametrize("task_id", ["", "has space", "中文", "x" * 129])
def test_task_ids_are_validated(task_id):
    with pytest.raises(ValueError):
        button_card(task_id, "t", buttons=[("ok", "k", "primary")])


def test_cards_need_one_to_six_unique_buttons():
    with pytest.raises(ValueError):
        button_card("t1", "t", buttons=[])
    with pytest.raises(ValueError):
        button_card("t1", "t", buttons=[(str(i), f"k{i}", "primary") for i in range(7)])
    with pytest.raises(ValueError):
        button_card("t1", "t", buttons=[("a", "same", "primary"), ("b", "same", "danger")])
