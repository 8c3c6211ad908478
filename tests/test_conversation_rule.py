"""Nothing typed is lost while the bot waits for an answer: a message that starts with a command
is that command — the open question stays open and the bot says so, or is closed with a note when
the command asks a question of its own; only other text answers the question."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import ApprovalRequest
from models.meeting import Meeting
from models.report import Report
from tests.approvals.helpers import field
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import wait_until
from tests.meetings.helpers import MINUTES, MONDAY, WEEKLY, run, running_since

REPORT = "周报 本周完成：回访客户3家 下周计划：整理需求 问题与风险：无"


@pytest.fixture
def monday_bot(start_bot):
    from tests.conftest import FixedClock
    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, extra={"meetings": WEEKLY})
    bot.clock = clock
    running_since(bot)  # the bot ran before the weekly meeting, so it asks for its minutes
    return bot


def open_replace_question(bot, userid: str) -> None:
    bot.say(userid, REPORT)
    wait_text(bot, userid, "已收到你的周报")
    bot.say(userid, "周报 本周完成：回访客户5家")
    wait_text(bot, userid, "回复「确认」用新内容替换")


def open_summary(bot, userid: str, text: str = "采购 显示器 3500元") -> dict:
    before = len(cards(bot, userid, "apprq_"))
    bot.say(userid, text)
    return wait_card(bot, userid, "apprq_", before + 1)


# (how the question is opened, what is typed meanwhile, what the command answers, the note)
KEPT_OPEN = [
    ("replace", "登记会议 项目评审 明天14:00-15:00 参会 张三 记录人 张三", "已登记会议", "替换报告的确认还在等你回复"),
    ("replace", "我的申请", "你还没有提交过申请", "替换报告的确认还在等你回复"),
    ("summary", REPORT, "已收到你的周报", "刚才的申请还在等你回复"),
    ("item", "我 是 谁", "你是 李组长", "刚才的申请还在等你回复：要采购什么？"),
    ("reason", "待我审批", "目前没有需要你审批的申请", "驳回理由还在等你回复：已驳回"),
]


@pytest.mark.parametrize("opened,typed,answer,note", KEPT_OPEN)
def test_a_command_runs_and_the_open_question_stays_open(monday_bot, opened, typed, answer, note):
    bot, user = monday_bot, "lizuzhang"
    if opened == "replace":
        open_replace_question(bot, user)
    elif opened == "summary":
        open_summary(bot, user)
    elif opened == "item":
        bot.say(user, "采购")
        wait_text(bot, user, "要采购什么")
    else:
        bot.say("zhangsan", "采购 耳机 500元")
        tap(bot, "zhangsan", wait_card(bot, "zhangsan", "apprq_"), "提交")
        tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
        wait_text(bot, "wangzong", "请回复驳回理由")
        user = "wangzong"
    bot.say(user, typed)
    wait_text(bot, user, answer)
    assert note in wait_text(bot, user, note)
    # …and the question still takes its answer
    if opened == "replace":
        bot.say(user, "确认")
        wait_text(bot, user, "已用新内容替换你的周报")
        with bot.session() as s:
            assert s.scalars(select(Report.content).where(Report.userid == user)).all() == ["本周完成：回访客户5家"]
    elif opened == "summary":
        bot.say(user, "提交")
        wait_text(bot, user, "已提交采购申请")
    elif opened == "item":
        bot.say(user, "显示器 3500元")
        assert field(wait_card(bot, user, "apprq_"), "事项") == "显示器"
    else:
        bot.say(user, "预算不足")
        assert "理由：预算不足" in wait_text(bot, "zhangsan", "❌ 你的采购申请")


def test_minutes_typed_during_a_replace_question_are_archived(monday_bot):
    bot = monday_bot
    run(bot, "meeting_reminder", MONDAY + timedelta(hours=2, minutes=5))  # the weekly meeting ended
    bot.clock.current = MONDAY + timedelta(hours=2, minutes=10)
    open_replace_question(bot, "lizuzhang")
    bot.say("lizuzhang", MINUTES)
    wait_text(bot, "lizuzhang", "已归档会议")
    wait_text(bot, "lizuzhang", "替换报告的确认还在等你回复")
    with bot.session() as s:
        assert "minuted" in s.scalars(select(Meeting.status)).all()


def test_a_second_request_replaces_the_open_summary_with_a_note(bot):
    first = open_summary(bot, "zhaoliu", "采购 显示器 3500元")
    second = open_summary(bot, "zhaoliu", "采购 键盘 300元")
    wait_text(bot, "zhaoliu", "刚才那份申请没有提交，已取消")
    assert field(second, "事项") == "键盘"
    tap(bot, "zhaoliu", first, "提交")  # the replaced summary cannot submit any more
    wait_text(bot, "zhaoliu", "这份申请已取消")
    bot.say("zhaoliu", "提交")
    wait_text(bot, "zhaoliu", "已提交采购申请")
    with bot.session() as s:
        assert s.scalars(select(ApprovalRequest.item).where(ApprovalRequest.status == "pending")).all() == ["键盘"]


def test_a_command_with_a_question_of_its_own_closes_the_open_one_with_a_note(monday_bot):
    bot = monday_bot
    open_replace_question(bot, "lizuzhang")
    bot.say("lizuzhang", "登记会议 项目评审 明天14:00-15:00 参会 张三")
    wait_text(bot, "lizuzhang", "谁来记录纪要")
    wait_text(bot, "lizuzhang", "替换报告的确认没有等到回复，已作废")
    bot.say("lizuzhang", "张三")
    wait_text(bot, "lizuzhang", "已登记会议")


def test_text_that_is_not_a_command_answers_the_question(bot):
    # 「采购数量太多」 starts with the word 采购 but is not the command: it is the reason.
    bot.say("zhouba", "采购 耳机 500元")
    tap(bot, "zhouba", wait_card(bot, "zhouba", "apprq_"), "提交")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", "采购数量太多")
    assert "理由：采购数量太多" in wait_text(bot, "zhouba", "❌ 你的采购申请")
    wait_until(lambda: any("已把驳回结果和理由转告" in t for t in texts(bot, "wangzong")))


# Words that are commands only with a record number after them (「项目 3」, 「完成 12」) start
# ordinary sentences too: while the bot waits for a reason, such a sentence is the reason.
NUMBERED_WORDS_AS_ANSWERS = ["项目 收尾前需要你", "完成 时间太紧", "进展 不明确", "事件 还没定性", "驳回 预算不足",
                             "同意 下季度再买", "撤回 后重新提交", "催办 也没用",
                             "建议 用库存"]  # 建议 is a command elsewhere; a reason flow takes it as the reason


@pytest.mark.parametrize("reason", NUMBERED_WORDS_AS_ANSWERS)
def test_a_numbered_commands_word_without_a_number_answers_the_question(bot, reason):
    bot.say("zhouba", "采购 耳机 500元")
    tap(bot, "zhouba", wait_card(bot, "zhouba", "apprq_"), "提交")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", reason)
    assert f"理由：{reason}" in wait_text(bot, "zhouba", "❌ 你的采购申请")


def test_a_numbered_command_with_its_number_is_the_command(bot):
    bot.say("zhouba", "采购 耳机 500元")
    tap(bot, "zhouba", wait_card(bot, "zhouba", "apprq_"), "提交")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", "项目 99")
    wait_text(bot, "wangzong", "驳回理由还在等你回复")
    bot.say("wangzong", "预算不足")
    assert "理由：预算不足" in wait_text(bot, "zhouba", "❌ 你的采购申请")
