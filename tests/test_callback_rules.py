"""Which callbacks act, and for whom (issue 9): only a person's message, menu click or card tap is
answered; WeCom's own events, other apps' callbacks, events nobody typed, malformed and stale
callbacks are stored and never answered. Every case goes in as an encrypted, signed callback."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select

from models import InboundCallback
from tests.chat import texts, wait_text
from tests.conftest import FixedClock, wait_until

TZ = ZoneInfo("Asia/Shanghai")


def rows(bot) -> list[InboundCallback]:
    with bot.session() as s:
        return list(s.scalars(select(InboundCallback).order_by(InboundCallback.id)))


def sends(bot) -> list[dict]:
    return bot.fake.state.calls_to("message/send")


def settle(bot, count: int) -> list[InboundCallback]:
    """Wait until ``count`` callbacks are stored and whatever they send has been sent."""
    found = wait_until(lambda: len(r := rows(bot)) >= count and r, message=f"{count} stored callback(s)")
    bot.settle()
    return found


def event(bot, userid: str, name: str, fields: dict | None = None, **kw) -> str:
    return bot.wecom.inner_xml(userid, "event", {"Event": name, **(fields or {})}, **kw)


# ---- WeCom's own events and events nobody typed ------------------------------------------------

def test_events_from_sys_are_stored_and_never_answered(bot):
    now = int(time.time())
    for inner in (event(bot, "sys", "change_contact", {"ChangeType": "create_user", "UserID": "newbie"},
                        create_time=now),
                  # P1: a second, different event in the same second is a different callback
                  event(bot, "sys", "change_contact", {"ChangeType": "update_user", "UserID": "newbie"},
                        create_time=now),
                  event(bot, "sys", "batch_job_result", {"BatchJob": "x"}, create_time=now),
                  event(bot, "sys", "sys_approval_change", {"ApprovalInfo": "x"}, create_time=now)):
        response = bot.wecom.post(inner)
        assert response.status_code == 200 and response.content == b""
    stored = settle(bot, 4)
    assert [(r.userid, r.event, r.status) for r in stored] == [
        ("sys", "change_contact", "system"), ("sys", "change_contact", "system"),
        ("sys", "batch_job_result", "system"), ("sys", "sys_approval_change", "system")]
    assert len({r.dedupe_key for r in stored}) == 4
    assert sends(bot) == []


def test_the_same_event_posted_twice_is_stored_once(bot):
    inner = event(bot, "sys", "change_contact", {"ChangeType": "delete_user", "UserID": "leaver"})
    for _ in range(3):
        assert bot.wecom.post(inner).status_code == 200
    assert len(settle(bot, 1)) == 1


def test_events_nobody_typed_are_not_answered_even_for_strangers(bot):
    base = int(time.time())  # one base time: each event a second apart, whatever the clock does meanwhile
    for index, name in enumerate(("LOCATION", "LOCATION", "subscribe", "unsubscribe", "enter_agent", "view")):
        fields = {"Latitude": "23.1", "Longitude": "113.3", "Precision": "30"} if name == "LOCATION" else \
            {"EventKey": "https://example.invalid/x"} if name == "view" else {}
        bot.wecom.post(event(bot, "passerby", name, fields, create_time=base - index))
    stored = settle(bot, 6)
    assert len(stored) == 6 and {r.status for r in stored} == {"ignored"}
    assert sends(bot) == []


def test_a_stranger_is_answered_at_most_once_a_day_and_only_for_what_a_person_does(start_bot):
    clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=TZ))
    bot = start_bot(clock=clock)
    bot.say("outsider", "你好")
    bot.say("outsider", "帮助")
    bot.wecom.click("outsider", "help")
    bot.wecom.card_tap("outsider", "appr_1_1_x", "approval:approve:1:1", "RC1")
    settle(bot, 4)
    assert len(texts(bot, "outsider")) == 1 and "不在本部门的组织架构" in texts(bot, "outsider")[0]
    clock.advance(days=1)
    bot.say("outsider", "你好")
    wait_text(bot, "outsider", "不在本部门的组织架构")
    settle(bot, 5)
    assert len(texts(bot, "outsider")) == 2


# ---- several apps on one URL ------------------------------------------------------------------

def test_a_callback_for_another_agent_is_stored_logged_and_left_alone(bot, caplog):
    caplog.set_level("INFO")
    inner = bot.wecom.inner_xml("zhangsan", "text", {"Content": "我是谁"})
    inner = inner.replace(f"<AgentID>{bot.settings.wecom.agent_id}</AgentID>", "<AgentID>1000099</AgentID>")
    response = bot.wecom.post(inner)
    assert response.status_code == 200 and response.content == b""
    [row] = settle(bot, 1)
    assert (row.userid, row.status, row.handler) == ("zhangsan", "other_agent", None)
    assert sends(bot) == []
    assert any("agent=1000099" in r.getMessage() and "status=other_agent" in r.getMessage()
               for r in caplog.records if r.name == "bot.callback")


# ---- userids ignore letter case -----------------------------------------------------------------

def test_a_sender_is_found_whatever_the_letter_case_and_known_by_the_configured_id(bot):
    bot.say("ZhangSan", "我是谁")
    assert "你是 张三（zhangsan）" in wait_text(bot, "zhangsan", "你是")
    bot.say("ZHANGSAN", "采购申请")
    wait_text(bot, "zhangsan", "要采购什么")
    bot.say("zhangsan", "测试服务器3台")  # the same conversation, whatever the case it was started in
    wait_text(bot, "zhangsan", "金额是多少")
    assert {r.userid for r in rows(bot)} == {"ZhangSan", "ZHANGSAN", "zhangsan"}  # stored as received
    assert not any("不在本部门" in t for t in texts(bot, "zhangsan"))


# ---- malformed and stale callbacks ---------------------------------------------------------------

def _signed(bot, inner: str) -> requests.Response:
    return bot.wecom.post(inner)


def test_malformed_inner_xml_with_a_valid_signature_is_a_400_stored_as_rejected(bot):
    base = bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"}, msg_id=5151)
    nested = base.replace("<![CDATA[帮助]]>", "<b>x</b>")
    doubled = base.replace("<MsgType>", "<FromUserName>wangzong</FromUserName><MsgType>")
    deep = base.replace("<![CDATA[帮助]]>", "<a>" * 5000 + "x" + "</a>" * 5000)
    for inner in (nested, doubled, deep, deep):  # the last one again: a retry is stored once
        response = _signed(bot, inner)
        assert response.status_code == 400, response.text
    stored = settle(bot, 3)
    assert [r.status for r in stored] == ["rejected"] * 3
    assert all(r.msg_type == "invalid" and r.error for r in stored)
    assert sends(bot) == []


def test_a_callback_older_than_the_limit_is_refused_as_stale(bot):
    old = int(time.time()) - 25 * 3600
    response = bot.wecom.post(bot.wecom.inner_xml("zhangsan", "text", {"Content": "我是谁"}, create_time=old))
    assert response.status_code == 400 and "stale" in response.text
    recent = int(time.time()) - 23 * 3600
    assert bot.wecom.post(bot.wecom.inner_xml("lisi", "text", {"Content": "我是谁"},
                                              create_time=recent)).status_code == 200
    wait_text(bot, "lisi", "你是")
    assert [(r.userid, r.status) for r in settle(bot, 2)] == [("zhangsan", "stale"), ("lisi", "done")]
    assert texts(bot, "zhangsan") == []


def test_the_age_limit_is_a_setting(start_bot):
    bot = start_bot(wecom={"max_callback_age_hours": 1})
    two_hours_ago = int(time.time()) - 2 * 3600
    response = bot.wecom.post(bot.wecom.inner_xml("zhangsan", "text", {"Content": "我是谁"},
                                                  create_time=two_hours_ago))
    assert response.status_code == 400 and "stale" in response.text


def test_nothing_refused_reaches_the_log_as_a_traceback(bot, caplog):
    caplog.set_level(logging.WARNING)
    base = bot.wecom.inner_xml("zhangsan", "text", {"Content": "帮助"})
    _signed(bot, base.replace("<![CDATA[帮助]]>", "<b>x</b>"))
    assert not any(r.exc_info for r in caplog.records)
