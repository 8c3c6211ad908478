"""Conflicts end to end (P19): who mediates, the result, HR once when unresolved or late,
arbitration, and who may see a case."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import MediationCase
from scheduler import run_job
from tests.chat import texts, wait_text
from tests.conftest import clocked_bot

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)


@pytest.fixture
def case_bot(start_bot):
    return clocked_bot(start_bot, START)


def case(bot, number=1) -> MediationCase:
    with bot.session() as s:
        return s.get(MediationCase, number)


def run(bot, job_id, at):
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def test_same_group_goes_to_the_group_leader_and_a_resolution_closes_it(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 项目分工有分歧 对方 李四")
    reply = wait_text(bot, "zhangsan", "已登记调解申请 #1")
    assert "由 李组长（组长）调解" in reply and "7 天内" in reply
    assert "张三 申请调解（对方：李四），请你在" in wait_text(bot, "lizuzhang", "调解申请 #1")
    assert "｜项目分工有分歧" in wait_text(bot, "lizuzhang", "调解申请 #1")
    assert "由 李组长 调解" in wait_text(bot, "lisi", "申请了调解 #1")
    bot.say("wangzong", "调解结果 1 已解决 说开了")
    assert "只有调解人" in wait_text(bot, "wangzong", "调解 #1 由 李组长 调解")
    bot.say("lizuzhang", "调解结果 1 已解决 双方同意按模块分工")
    assert "张三、李四、王总监" in wait_text(bot, "lizuzhang", "已记录调解 #1 已解决")
    assert "双方同意按模块分工" in wait_text(bot, "lisi", "已由 李组长 调解解决")
    assert case(bot).status == "resolved"
    assert run(bot, "mediation_deadline", START + timedelta(days=8)) == []  # resolved: nothing goes to HR
    assert texts(bot, "yangrenshi") == []


def test_different_groups_or_no_counterpart_go_to_the_director(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 资源分配不公 对方 王五")
    assert "由 王总监（总监）调解" in wait_text(bot, "zhangsan", "已登记调解申请 #1")
    bot.say("qianqi", "申请调解 工作量安排有争议")
    wait_text(bot, "qianqi", "和你有分歧的是哪位同事？")
    bot.say("qianqi", "无")
    assert "由 王总监（总监）调解" in wait_text(bot, "qianqi", "已登记调解申请 #2")
    assert case(bot, 2).counterpart is None


def test_unresolved_goes_to_hr_once_with_its_history_and_hr_closes_it(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 项目分工有分歧 对方 李四")
    wait_text(bot, "zhangsan", "已登记调解申请 #1")
    bot.say("lizuzhang", "调解结果 1 未解决 双方坚持己见")
    assert "已转人力资源（杨人事）仲裁" in wait_text(bot, "lizuzhang", "已记录调解 #1 未解决")
    to_hr = wait_text(bot, "yangrenshi", "转人力资源仲裁")
    assert "调解人 李组长 调解未解决" in to_hr and "｜项目分工有分歧" in to_hr and "｜双方坚持己见" in to_hr
    assert "申请人：张三；对方：李四" in to_hr
    wait_text(bot, "lisi", "已转人力资源（杨人事）仲裁")
    assert run(bot, "mediation_deadline", START + timedelta(days=8)) == []  # HR once
    bot.say("lizuzhang", "调解结果 1 已解决 又谈好了")
    wait_text(bot, "lizuzhang", "目前人力资源仲裁中")
    bot.say("lisi", "仲裁结果 1 按组长方案")
    wait_text(bot, "lisi", "只有人力资源")
    bot.say("yangrenshi", "仲裁结果 1 按模块分工，每周复盘")
    assert "张三、李四、李组长、王总监" in wait_text(bot, "yangrenshi", "已记录调解 #1 的仲裁结果")
    assert "按模块分工，每周复盘" in wait_text(bot, "zhangsan", "已由人力资源 杨人事 仲裁")
    assert case(bot).status == "arbitrated"
    assert len([t for t in texts(bot, "yangrenshi") if "转人力资源仲裁" in t]) == 1


def test_no_result_in_time_reaches_hr_once(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 加班安排有分歧 对方 李四")
    wait_text(bot, "zhangsan", "已登记调解申请 #1")
    assert run(bot, "mediation_deadline", START + timedelta(days=6, hours=23)) == []
    sent = run(bot, "mediation_deadline", START + timedelta(days=7, minutes=50))
    assert len(sent) == 3  # HR; the parties in one message; the mediator in words addressed to them
    assert "在 7 天内没有给出调解结果" in wait_text(bot, "yangrenshi", "转人力资源仲裁")
    assert "人力资源会联系你" in wait_text(bot, "lisi", "已转人力资源（杨人事）仲裁")
    # Issue 14: the mediator got the parties' 「调解人 李组长 … 人力资源会联系你」.
    to_mediator = wait_text(bot, "lizuzhang", "你负责调解的 #1 已转人力资源（杨人事）仲裁")
    assert "你在 7 天内没有给出调解结果" in to_mediator
    assert not [t for t in texts(bot, "lizuzhang") if "人力资源会联系你" in t or "调解人 李组长" in t]
    assert run(bot, "mediation_deadline", START + timedelta(days=8)) == []
    assert case(bot).escalation_reason == "timeout"


def test_only_the_parties_mediator_director_and_hr_see_a_case(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 项目分工有分歧 对方 李四")
    wait_text(bot, "zhangsan", "已登记调解申请 #1")
    for outsider in ("wangwu", "zhaozuzhang", "liucaiwu"):
        bot.say(outsider, "调解记录 1")
        wait_text(bot, outsider, "没有你能查看的编号 1 的调解")  # as for a number that does not exist
        bot.say(outsider, "调解列表")
        wait_text(bot, outsider, "目前没有你能查看的调解")
    for insider in ("zhangsan", "lisi", "lizuzhang", "wangzong", "yangrenshi"):
        bot.say(insider, "调解记录 1")
        assert "｜项目分工有分歧" in wait_text(bot, insider, "调解 #1 · 调解中")


def test_bad_input_changes_nothing(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解")
    assert "申请调解 项目分工有分歧" in wait_text(bot, "zhangsan", "请写上事由")
    bot.say("zhangsan", "申请调解 有分歧 对方 不存在的人")
    wait_text(bot, "zhangsan", "通讯录里没有找到「不存在的人」")
    bot.say("zhangsan", "申请调解 有分歧 对方 张三")
    wait_text(bot, "zhangsan", "对方不能是你自己")
    bot.say("wangzong", "调解结果 1 好了")
    wait_text(bot, "wangzong", "请写成：调解结果 编号 已解决|未解决")
    assert case(bot) is None


def test_a_too_large_number_is_a_number_nobody_has(case_bot):
    bot = case_bot
    bot.say("zhangsan", "调解记录 9999999999999999999999")
    wait_text(bot, "zhangsan", "没有你能查看的编号 9999999999999999999999 的调解")
    bot.say("lizuzhang", "调解结果 99999999999 已解决 好了")
    wait_text(bot, "lizuzhang", "没有你能查看的编号 99999999999 的调解")
    bot.say("yangrenshi", "仲裁结果 ＃１２ 各让一步")
    wait_text(bot, "yangrenshi", "没有你能查看的编号 12 的调解")


# Issue 21: the other party is read from the sentence, or asked for — never silently left out.
def test_the_other_party_is_read_from_the_sentence(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 跟李四在分工上有点矛盾")
    assert "由 李组长（组长）调解" in wait_text(bot, "zhangsan", "已登记调解申请 #1")  # same group: the leader
    assert "张三 申请调解（对方：李四）" in wait_text(bot, "lizuzhang", "调解申请 #1")
    assert "由 李组长 调解" in wait_text(bot, "lisi", "申请了调解 #1")
    assert (case(bot).counterpart, case(bot).mediator, case(bot).matter) == ("lisi", "lizuzhang", "跟李四在分工上有点矛盾")


def test_without_the_other_party_it_is_asked_for(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 分工上有点矛盾")
    wait_text(bot, "zhangsan", "和你有分歧的是哪位同事？")
    assert case(bot) is None  # nothing registered yet
    bot.say("zhangsan", "不存在的人")
    wait_text(bot, "zhangsan", "通讯录里没有找到「不存在的人」")
    bot.say("zhangsan", "张三")
    wait_text(bot, "zhangsan", "对方不能是你自己")
    bot.say("zhangsan", "李四")
    assert "由 李组长（组长）调解" in wait_text(bot, "zhangsan", "已登记调解申请 #1")
    wait_text(bot, "lisi", "申请了调解 #1")
    assert case(bot).counterpart == "lisi" and case(bot).matter == "分工上有点矛盾"


def test_two_colleagues_named_ask_which_one(case_bot):
    bot = case_bot
    bot.say("zhangsan", "申请调解 李四和王五都不按约定交接")
    assert "你提到了 李四、王五" in wait_text(bot, "zhangsan", "哪一位")
    bot.say("zhangsan", "对方：王五")
    assert "由 王总监（总监）调解" in wait_text(bot, "zhangsan", "已登记调解申请 #1")  # different groups
    assert case(bot).counterpart == "wangwu"
