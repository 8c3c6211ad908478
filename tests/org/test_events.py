"""change_contact callbacks (P1): each type, through an encrypted callback from ``sys``, changes
the org at once, is never answered, and changes nothing when it comes again."""
import itertools
import time

import pytest
from sqlalchemy import select

from models import InboundCallback
from scheduler import run_job
from tests.org.helpers import serve_contacts, wecom_org
from tests.org.test_sync import NIGHT, org_writes

_times = itertools.count(int(time.time()))  # distinct CreateTimes, as WeCom would give


def change(bot, kind: str, **fields):
    """Post one change_contact callback (each with its own CreateTime, as WeCom's would have)."""
    response = bot.wecom.change_contact(kind, fields, create_time=next(_times))
    assert response.status_code == 200 and response.content == b""
    return response


@pytest.fixture
def synced(start_bot, fake_wecom):
    serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org())
    run_job(bot.runtime, "org_sync", NIGHT)
    return bot


def test_member_events_add_move_rename_and_remove_people_at_once(synced):
    bot = synced
    change(bot, "create_user", UserID="xinren", Name="新人", Department="3", MainDepartment="3",
           IsLeaderInDept="0", Status="1")
    assert bot.runtime.org.get("xinren").group_id == "3"
    change(bot, "update_user", UserID="qianqi", Department="4", MainDepartment="4", IsLeaderInDept="0")
    assert bot.runtime.org.get("qianqi").group_id == "4"
    change(bot, "update_user", UserID="qianqi", Name="钱七七")  # only the changed field comes
    assert (bot.runtime.org.get("qianqi").name, bot.runtime.org.get("qianqi").group_id) == ("钱七七", "4")
    change(bot, "update_user", UserID="zhouba", Status="2")  # disabled: has left
    assert bot.runtime.org.get("zhouba") is None
    change(bot, "delete_user", UserID="wangwu")
    assert bot.runtime.org.get("wangwu") is None and bot.runtime.org.name("wangwu") == "王五"
    change(bot, "update_user", UserID="lisi", Position="高级专员")  # a later event does not bring him back
    assert bot.runtime.org.get("wangwu") is None and bot.runtime.org.get("zhouba") is None
    assert bot.fake.state.sent_to("sys") == []  # WeCom's own events are never answered


def test_a_new_leader_flag_makes_a_group_leader(synced):
    bot = synced
    change(bot, "update_user", UserID="lizuzhang", Department="3", IsLeaderInDept="0")
    change(bot, "update_user", UserID="lisi", Department="3", IsLeaderInDept="1")
    assert bot.runtime.org.group_leader("3").userid == "lisi"
    assert bot.runtime.org.get("lisi").has("group_leader") and not bot.runtime.org.get("lizuzhang").has("group_leader")


def test_department_events_create_rename_and_delete_a_group(synced):
    bot = synced
    change(bot, "create_party", Id="11", Name="新项目组", ParentId="2", Order="11")
    assert bot.runtime.org.groups["11"]["name"] == "新项目组"
    change(bot, "update_party", Id="11", Name="创新项目组")
    assert bot.runtime.org.groups["11"]["name"] == "创新项目组"
    change(bot, "delete_party", Id="11")
    assert "11" not in bot.runtime.org.groups


def test_a_tag_change_changes_the_role(synced):
    bot = synced
    change(bot, "update_tag", TagId="1", DelUserItems="liucaiwu")
    assert bot.runtime.org.finance_ids == ("zhoukuaiji",)


def test_the_same_event_again_writes_nothing(synced):
    bot = synced
    change(bot, "delete_user", UserID="wangwu")
    writes = org_writes(bot.runtime.engine)
    change(bot, "delete_user", UserID="wangwu")  # a new event, same content: idempotent
    assert writes == []
    with bot.session() as s:
        assert len(s.scalars(select(InboundCallback).where(InboundCallback.event == "change_contact")).all()) == 2


def test_with_the_org_from_the_config_contact_events_are_stored_and_ignored(bot):
    change(bot, "delete_user", UserID="zhangsan")
    assert bot.runtime.org.get("zhangsan") is not None
    with bot.session() as s:
        stored = s.scalars(select(InboundCallback).where(InboundCallback.event == "change_contact")).one()
        assert stored.userid == "sys" and stored.payload["ChangeType"] == "delete_user"
    assert bot.fake.state.sent_to("sys") == []
