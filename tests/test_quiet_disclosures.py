"""Issue 29, quiet disclosures: two people with one name are asked about, never reported missing;
a system event acts only when WeCom (``sys``) sent it; numbers one may not see read as missing."""
from __future__ import annotations

import dataclasses
import itertools
import time

import pytest
from sqlalchemy import select

from bot.config import load_settings
from models import InboundCallback
from models.meeting import Meeting
from scheduler import run_job
from tests.chat import texts, wait_text
from tests.conftest import clocked_bot, wait_until
from tests.org.helpers import serve_contacts, wecom_org
from tests.org.test_sync import NIGHT
from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def twins_bot(start_bot):
    """The demo org with a second 张三, in finance (userid zhangsan2)."""
    org = load_settings(None).org
    finance = next(p for p in org.people if p["userid"] == "liucaiwu")
    twin = {**finance, "userid": "zhangsan2", "name": "张三", "roles": ()}
    return clocked_bot(start_bot, datetime(2026, 11, 30, 9, 0, tzinfo=TZ),
                       org=dataclasses.replace(org, people=(*org.people, twin)), extra={"meetings": {"recurring": []}})


def test_a_meeting_naming_two_people_of_one_name_asks_which_and_registers_nothing(twins_bot):
    bot = twins_bot
    line = "登记会议 评审 明天14:00-15:00 参会 张三 李四 记录人 李四"
    bot.say("lizuzhang", line)
    asked = wait_text(bot, "lizuzhang", "通讯录里有 2 位「张三」")
    assert "通讯录里没有" not in asked and "userid zhangsan）" in asked and "userid zhangsan2）" in asked
    assert "登记会议 评审 明天14:00-15:00 参会 张三（财务部） 李四 记录人 李四" in asked  # their line, written right
    assert "这次什么都没有做" in asked
    with bot.session() as s:
        assert s.scalars(select(Meeting)).all() == []
        stored = s.scalars(select(InboundCallback).where(InboundCallback.userid == "lizuzhang")).one()
        assert (stored.content, stored.status) == (line, "ambiguous")  # what they typed is kept
    bot.say("lizuzhang", "登记会议 评审 明天14:00-15:00 参会 张三（财务部） 李四 记录人 李四")
    wait_text(bot, "lizuzhang", "已登记会议")
    with bot.session() as s:
        [meeting] = s.scalars(select(Meeting)).all()
    assert "zhangsan2" in meeting.attendees and "zhangsan" not in meeting.attendees


def test_every_command_naming_a_person_asks_the_same_way(twins_bot):
    bot = twins_bot
    for userid, line in (("wangzong", "表彰 张三 客户满意度季度第一"),  # people
                         ("wangzong", "查看自评 张三"),
                         ("lizuzhang", "登记项目 数据平台五期 负责人 张三 计划立项 12月20日"),  # projects
                         ("zhangsan2", "申请调解 分工有分歧 对方 张三")):  # voice (the other 张三 is still 2 people)
        before = len(texts(bot, userid))
        bot.say(userid, line)
        asked = wait_until(lambda: next((t for t in texts(bot, userid)[before:] if "2 位「张三」" in t), None),
                           message=f"the question to {userid}")
        assert "这次什么都没有做" in asked and "通讯录里没有" not in asked


def test_a_step_answer_naming_two_people_keeps_the_question_open(twins_bot):
    bot = twins_bot
    bot.say("lizuzhang", "登记会议 评审 明天14:00-15:00")
    wait_text(bot, "lizuzhang", "请发参会人的姓名")
    bot.say("lizuzhang", "张三 李四")
    wait_text(bot, "lizuzhang", "通讯录里有 2 位「张三」")
    bot.say("lizuzhang", "张三(项目协调组) 李四")  # the group, half-width brackets
    wait_text(bot, "lizuzhang", "谁来记录纪要")
    bot.say("lizuzhang", "zhangsan")
    wait_text(bot, "lizuzhang", "已登记会议")
    with bot.session() as s:
        [meeting] = s.scalars(select(Meeting)).all()
    assert meeting.minute_taker == "zhangsan" and "zhangsan2" not in meeting.attendees


_times = itertools.count(int(time.time()))


def test_change_contact_acts_only_when_wecom_itself_sent_it(start_bot, fake_wecom):
    serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org())
    run_job(bot.runtime, "org_sync", NIGHT)
    assert not bot.runtime.org.get("lisi").has("group_leader")
    demote = {"Event": "change_contact", "ChangeType": "update_user", "UserID": "lizuzhang", "Department": "3",
              "IsLeaderInDept": "0"}
    promote = {**demote, "UserID": "lisi", "IsLeaderInDept": "1"}
    for event in (demote, promote):  # lisi makes himself his group's leader
        response = bot.wecom.post(bot.wecom.inner_xml("lisi", "event", event, create_time=next(_times)))
        assert response.status_code == 200
    with bot.session() as s:
        stored = s.scalars(select(InboundCallback).where(InboundCallback.userid == "lisi")).all()
    assert [c.status for c in stored] == ["ignored", "ignored"]  # kept for the operator, never applied
    assert not bot.runtime.org.get("lisi").has("group_leader") and bot.runtime.org.get("lizuzhang").has("group_leader")
    for event in (demote, promote):  # the same changes from WeCom are applied
        assert bot.wecom.post(bot.wecom.inner_xml("sys", "event", event, create_time=next(_times))).status_code == 200
    assert bot.runtime.org.get("lisi").has("group_leader")
