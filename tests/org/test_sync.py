"""Syncing the org from WeCom's address book (P1) against the fake WeCom API: the first sync, a
second with nothing changed (writes nothing), one with a joiner, a leaver and a mover, one that
fails part-way (changes nothing), both API paths, and missing fields."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.wecom.client import WeComError
from models import KeyValue, Person
from scheduler import run_job
from tests.chat import wait_text
from tests.org.helpers import serve_contacts, wecom_org

NIGHT = datetime(2026, 12, 1, 2, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ORG_TABLES = ("departments", "groups", "people", "org_state")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr("bot.org.contacts.fetch.BACKOFF", 0.01)


def org_writes(engine) -> list[str]:
    seen = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        head = statement.lstrip().upper()
        if head.startswith(("INSERT", "UPDATE", "DELETE")) and any(f" {t.upper()}" in head for t in ORG_TABLES):
            seen.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    return seen


def calls(fake, path: str) -> int:
    return len(fake.state.calls_to(path))


def test_the_first_sync_builds_the_org_from_the_address_book_and_a_second_writes_nothing(start_bot, fake_wecom):
    serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org())
    assert bot.runtime.org.get("zhangsan") is None  # never synced: nobody is a member yet
    run_job(bot.runtime, "org_sync", NIGHT)
    org = bot.runtime.org
    assert org.home_department == "2" and org.director_id == "wangzong"
    assert {g["id"]: (g["name"], g["leader"]) for g in org.groups.values()} == {
        "3": ("项目协调组", "lizuzhang"), "4": ("资源支持组", "zhaozuzhang"), "5": ("数据分析师组", "sunzuzhang")}
    zhangsan = org.get("zhangsan")
    assert (zhangsan.group_id, zhangsan.roles, zhangsan.phone) == ("3", {"specialist"}, "13800000011")
    assert org.finance_ids == ("liucaiwu", "zhoukuaiji") and org.compliance_ids == ("zhengfawu",)  # by tag
    assert org.department_head("6").userid == "liucaiwu" and org.ceo_id == "chenzong"
    # P1 list path: one department/list, one user/list per department, the tags once
    assert (calls(fake_wecom, "department/list"), calls(fake_wecom, "user/list")) == (1, 10)
    assert calls(fake_wecom, "user/get") == 0 and calls(fake_wecom, "tag/get") == 2
    bot.say("zhangsan", "我是谁")
    assert "项目协调组" in wait_text(bot, "zhangsan", "项目协调组")

    writes = org_writes(bot.runtime.engine)
    run_job(bot.runtime, "org_sync", NIGHT.replace(day=2))
    assert writes == []  # nothing changed: nothing written


def test_a_joiner_a_leaver_and_a_mover_are_applied_and_the_leaver_keeps_a_name(start_bot, fake_wecom):
    contacts = serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org())
    run_job(bot.runtime, "org_sync", NIGHT)
    contacts.add_user({"userid": "xinren", "name": "新人", "department": [3]})
    del contacts.users["wangwu"]
    contacts.users["qianqi"].update(department=[4], main_department=4)
    run_job(bot.runtime, "org_sync", NIGHT.replace(day=2))
    org = bot.runtime.org
    assert org.get("xinren").group_id == "3" and org.get("xinren").has("specialist")
    assert org.get("wangwu") is None and org.name("wangwu") == "王五"
    assert org.get("qianqi").group_id == "4"
    with bot.session() as s:
        assert s.get(Person, "wangwu").active is False  # nothing is deleted


def test_a_sync_that_fails_part_way_changes_nothing(start_bot, fake_wecom):
    contacts = serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org())
    run_job(bot.runtime, "org_sync", NIGHT)
    del contacts.users["wangwu"]
    contacts.failing.add(("user/list", "5"))  # departments 2, 3, 4 were read, then WeCom keeps failing
    with pytest.raises(WeComError):
        run_job(bot.runtime, "org_sync", NIGHT.replace(day=2))
    assert bot.runtime.org.get("wangwu") is not None
    with bot.session() as s:
        assert s.get(Person, "wangwu").active is True


def test_the_id_list_path_reads_each_member_and_gives_the_same_org(start_bot, fake_wecom):
    serve_contacts(fake_wecom, mode="ids")  # a contacts-sync secret from a new server IP
    bot = start_bot(org=wecom_org(), wecom={"contacts_secret": "contacts-sync-secret"})
    fake_wecom.state.contacts_secret = "contacts-sync-secret"
    run_job(bot.runtime, "org_sync", NIGHT)
    org = bot.runtime.org
    assert org.director_id == "wangzong" and org.get("zhouba").group_id == "5"
    assert org.finance_ids == ("liucaiwu", "zhoukuaiji")
    assert calls(fake_wecom, "user/list_id") == 1 and calls(fake_wecom, "user/get") == 16
    assert calls(fake_wecom, "department/simplelist") == 1 and calls(fake_wecom, "department/get") == 10
    with bot.session() as s:  # the address book was read with a token of the contacts-sync secret
        keys = set(s.scalars(select(KeyValue.key)))
    assert any(k.endswith("_contacts-s_access_token") for k in keys)


def test_missing_names_fall_back_to_the_config_then_the_userid(start_bot, fake_wecom):
    contacts = serve_contacts(fake_wecom)
    del contacts.users["lisi"]["name"]
    del contacts.users["zhouba"]["name"]
    del contacts.departments[4]["name"]
    people = ({"userid": "lisi", "name": "李四（配置）"},)
    bot = start_bot(org=wecom_org(people=people, groups=({"id": "4", "name": "资源组", "department": "2",
                                                        "leader": "zhaozuzhang"},)))
    run_job(bot.runtime, "org_sync", NIGHT)
    org = bot.runtime.org
    assert org.name("lisi") == "李四（配置）" and org.name("zhouba") == "zhouba"
    assert org.groups["4"]["name"] == "资源组"


def test_the_home_department_is_the_one_a_director_leads_when_not_set(start_bot, fake_wecom):
    serve_contacts(fake_wecom)
    bot = start_bot(org=wecom_org(home=None, people=({"userid": "wangzong", "roles": ["director"]},)))
    run_job(bot.runtime, "org_sync", NIGHT)
    assert bot.runtime.org.home_department == "2"


def test_an_ambiguous_home_department_is_one_line_and_changes_nothing(start_bot, fake_wecom):
    from bot.config import ConfigError
    serve_contacts(fake_wecom)
    people = ({"userid": "wangzong", "roles": ["director"]}, {"userid": "wujishu", "roles": ["director"]})
    bot = start_bot(org=wecom_org(home=None, people=people))
    with pytest.raises(ConfigError, match="org.home_department: missing, and 2 departments are led by a director"):
        run_job(bot.runtime, "org_sync", NIGHT)
    assert bot.runtime.org.members == {}
