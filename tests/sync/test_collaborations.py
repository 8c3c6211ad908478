"""Weekly sync of cross-department contact persons (P18): register, prompt, answer, digest."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import ConfigError
from handlers.sync.collaborations import parse_collaborations
from models.collaboration import Collaboration, SyncUpdate
from scheduler import run_job
from tests.conftest import FixedClock
from tests.chat import wait_text

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
CONFIGURED = [{"name": "客户数据治理", "departments": ["innovation", "finance"],
               "contacts": {"innovation": "qianqi", "finance": "liucaiwu"}, "stakeholders": ["sunzuzhang"]}]


def run(bot, job_id, now):
    ids = run_job(bot.runtime, job_id, now)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def updates(bot):
    with bot.session() as s:
        return list(s.scalars(select(SyncUpdate).order_by(SyncUpdate.id)))


@pytest.fixture
def sync_bot(start_bot, make_settings):
    base = make_settings()
    extra = {**base.extra, "collaborations": CONFIGURED}
    return start_bot(clock=FixedClock(THURSDAY), extra=extra, sections={})


def test_a_contact_is_prompted_answers_and_the_digest_shows_the_missing_side(sync_bot):
    bot = sync_bot
    bot.say("lizuzhang", "登记协作 数据平台对接 技术部 接口人 吴技术 本部门接口人 张三")
    assert "技术部 接口人 吴技术" in wait_text(bot, "lizuzhang", "已登记协作「数据平台对接」")
    wait_text(bot, "wujishu", "登记为协作「数据平台对接」的技术部接口人")
    run(bot, "weekly_sync_prompt", THURSDAY)
    assert "同步 数据平台对接" in wait_text(bot, "zhangsan", "📝 协作「数据平台对接」")
    wait_text(bot, "wujishu", "📝 协作「数据平台对接」")
    wait_text(bot, "qianqi", "📝 协作「客户数据治理」")
    assert run(bot, "weekly_sync_prompt", THURSDAY) == []  # a re-run sends nothing twice
    bot.say("zhangsan", "本周完成接口联调")  # no command, but the prompt waits for it: the answer (issue 21)
    assert "第48周" in wait_text(bot, "zhangsan", "已记录「数据平台对接」创新服务部")
    bot.say("zhangsan", "同步 数据平台对接 本周完成接口联调，下周压测")  # typed again with 同步: it replaces the answer
    wait_text(bot, "zhangsan", "的进展（已更新）")
    bot.say("liucaiwu", "同步 客户数据治理 对账口径已确认")
    wait_text(bot, "liucaiwu", "已记录「客户数据治理」财务部")
    run(bot, "weekly_sync_digest", FRIDAY)
    digest = wait_text(bot, "lizuzhang", "跨部门协作周同步")
    assert "本周完成接口联调，下周压测" in digest and "**技术部**（吴技术）：<font" in digest
    assert "缺少：技术部" in digest and "客户数据治理" not in digest
    director = wait_text(bot, "wangzong", "跨部门协作周同步")
    assert "数据平台对接" in director and "对账口径已确认" in director and "缺少：创新服务部" in director
    assert "客户数据治理" in wait_text(bot, "sunzuzhang", "跨部门协作周同步")
    assert run(bot, "weekly_sync_digest", FRIDAY) == []


def test_bad_sync_and_registration_input_changes_nothing(sync_bot):
    bot = sync_bot
    bot.say("qianqi", "同步 不存在的协作 进展")  # not prompted this week: the name is required
    reply = wait_text(bot, "qianqi", "没有找到你负责的协作「不存在的协作」")
    assert "同步 客户数据治理 本周完成" in reply
    bot.say("zhouba", "同步 客户数据治理 我来同步")
    wait_text(bot, "zhouba", "不是协作「客户数据治理」的接口人")
    bot.say("zhangsan", "登记协作 X 技术部 接口人 吴技术 本部门接口人 张三")
    wait_text(bot, "zhangsan", "只有组长和总监可以登记协作")
    bot.say("wangzong", "登记协作 X 市场部 接口人 某人 本部门接口人 张三")
    assert "技术部" in wait_text(bot, "wangzong", "没有找到部门「市场部」")
    bot.say("wangzong", "登记协作 客户数据治理 技术部 接口人 吴技术 本部门接口人 张三")
    wait_text(bot, "wangzong", "已经有名为「客户数据治理」的协作")
    bot.say("wangzong", "登记协作 数据平台对接")
    wait_text(bot, "wangzong", "登记格式")
    assert updates(bot) == []
    with bot.session() as s:
        assert s.scalars(select(Collaboration)).all() == []


def test_config_errors_name_the_key():
    assert parse_collaborations(None) == ()
    with pytest.raises(ConfigError, match=r"^collaborations\[0\]\.contacts: expected one contact"):
        parse_collaborations([{**CONFIGURED[0], "contacts": {"innovation": "qianqi"}}])
    with pytest.raises(ConfigError, match=r"^collaborations\[1\]\.name: '客户数据治理' appears twice"):
        parse_collaborations(CONFIGURED * 2)
    with pytest.raises(ConfigError, match=r"^collaborations\[0\]\.owner: unknown key"):
        parse_collaborations([{**CONFIGURED[0], "owner": "x"}])
