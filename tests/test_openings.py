"""A message's opening says what it is (issue 21): a command word further inside is content, never a
hijack; the answer to the question the bot just asked (the Thursday sync prompt, P18) is that
answer; traditional characters are read as simplified ones. Through the callback path."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import ApprovalDraft, ConversationState, InboundCallback
from models.collaboration import SyncUpdate
from models.report import Report
from tests.approvals.helpers import field
from tests.chat import wait_card, wait_text
from tests.conftest import FixedClock
from tests.sync.test_collaborations import CONFIGURED, FRIDAY, THURSDAY, run

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # week 48


@pytest.fixture
def wednesday_bot(start_bot):
    return start_bot(clock=FixedClock(WEDNESDAY))


def reports(bot, userid):
    with bot.session() as s:
        return list(s.scalars(select(Report.content).where(Report.userid == userid).order_by(Report.id)))


def nothing_started(bot, userid):
    with bot.session() as s:
        assert s.scalar(select(func.count(ApprovalDraft.id))) == 0
        assert s.get(ConversationState, userid) is None


# (typed, the report content stored): the week or a verb before 周报 opens a weekly report
REPORT_OPENINGS = [
    ("这周周报：整理需求清单，跟进采购。下周继续", "整理需求清单，跟进采购。下周继续"),
    ("本周周报 回访客户3家", "回访客户3家"),
    ("这周的周报：回访客户3家", "回访客户3家"),
    ("提交周报 本周完成：回访客户3家", "本周完成：回访客户3家"),
    ("交一下周报：回访客户3家", "回访客户3家"),
    ("周報 本周完成：数据清洗", "本周完成：数据清洗"),  # traditional 報
    ("週報 本周完成：數據清洗", "本周完成：数据清洗"),
]


@pytest.mark.parametrize("typed,content", REPORT_OPENINGS)
def test_the_opening_names_the_report(wednesday_bot, typed, content):
    bot = wednesday_bot
    bot.say("zhangsan", typed)
    assert "第48周" in wait_text(bot, "zhangsan", "已收到你的周报")
    assert reports(bot, "zhangsan") == [content]
    nothing_started(bot, "zhangsan")


# A command word inside a sentence is content: no how-to, nothing run, 「没看懂」 with the help.
INSIDE = ["今天主要在跟进采购的事", "本周完成：数据清洗", "数据平台对接这周进展：接口文档已更新", "昨天的纪要写好了吗"]


@pytest.mark.parametrize("typed", INSIDE)
def test_a_command_word_inside_a_sentence_does_not_hijack_it(wednesday_bot, typed):
    bot = wednesday_bot
    bot.say("lisi", typed)
    answer = bot.last_text("lisi")
    assert "没看懂" in answer and "想用「" not in answer
    nothing_started(bot, "lisi")
    assert reports(bot, "lisi") == []
    with bot.session() as s:
        assert s.scalars(select(InboundCallback.status).where(InboundCallback.userid == "lisi")).one() == "unrouted"


# Only reads: answered, not explained
READS = [("帮我查一下我的申请", "你还没有提交过申请"), ("请帮我查一下我的申请", "你还没有提交过申请"),
         ("帮我看看我的周报", "你还没有提交过周报"), ("幫我查一下我的申請", "你还没有提交过申请")]


@pytest.mark.parametrize("typed,answer", READS)
def test_a_request_to_look_something_up_is_answered(bot, typed, answer):
    bot.say("lisi", typed)
    assert answer in bot.last_text("lisi")


def test_traditional_characters_reach_the_request(bot):
    bot.say("zhangsan", "採購 顯示器 3500元 設計用")
    summary = wait_card(bot, "zhangsan", "apprq_")
    assert (field(summary, "事项"), field(summary, "金额"), field(summary, "事由")) == ("显示器", "¥3,500", "设计用")
    with bot.session() as s:  # what was typed is kept as typed
        assert s.scalars(select(InboundCallback.content)).all() == ["採購 顯示器 3500元 設計用"]


WISHES = [
    # typed by a specialist, the command suggested (never run)
    ("我想轮岗到数据分析师组", "你是不是想发「申请轮岗 数据分析师组」？"),
    ("我想申请轮岗去资源支持组", "你是不是想发「申请轮岗 资源支持组」？"),
    ("我想提建议：会议室太少", "你是不是想发「提建议 会议室太少」？"),
]


@pytest.mark.parametrize("typed,suggestion", WISHES)
def test_a_wish_gets_the_command_it_names(bot, typed, suggestion):
    from models import RotationRequest
    bot.say("zhangsan", typed)
    assert suggestion in bot.last_text("zhangsan")
    with bot.session() as s:
        assert s.scalars(select(RotationRequest)).all() == []


@pytest.fixture
def sync_bot(start_bot, make_settings):
    base = make_settings()
    bot = start_bot(clock=FixedClock(THURSDAY), extra={**base.extra, "collaborations": CONFIGURED}, sections={})
    bot.say("lizuzhang", "登记协作 数据平台对接 技术部 接口人 吴技术 本部门接口人 张三")
    wait_text(bot, "lizuzhang", "已登记协作「数据平台对接」")
    run(bot, "weekly_sync_prompt", THURSDAY)
    wait_text(bot, "zhangsan", "📝 协作「数据平台对接」")
    return bot


def synced(bot):
    with bot.session() as s:
        return [(u.collaboration, u.userid, u.content) for u in s.scalars(select(SyncUpdate).order_by(SyncUpdate.id))]


@pytest.mark.parametrize("typed,content", [
    ("数据平台对接这周进展：接口文档已更新", "这周进展：接口文档已更新"),
    ("完成了接口联调，下周压测", "完成了接口联调，下周压测"),  # 完成 glued to more words is no command here
    ("进展：接口文档已更新", "进展：接口文档已更新"),
])
def test_the_answer_to_the_sync_prompt_is_the_sync(sync_bot, typed, content):
    bot = sync_bot
    bot.say("zhangsan", typed)
    assert "第48周" in wait_text(bot, "zhangsan", "已记录「数据平台对接」创新服务部")
    assert synced(bot) == [("数据平台对接", "zhangsan", content)]
    run(bot, "weekly_sync_digest", FRIDAY)  # the digest shows it: the department is not 未同步
    digest = wait_text(bot, "lizuzhang", "跨部门协作周同步")
    assert content in digest and "缺少：技术部" in digest and "缺少：创新服务部" not in digest


def test_a_command_while_the_prompt_waits_is_that_command_and_after_the_answer_words_are_words(sync_bot):
    bot = sync_bot
    bot.say("zhangsan", "我的申请")
    wait_text(bot, "zhangsan", "你还没有提交过申请")
    assert synced(bot) == []
    bot.say("zhangsan", "接口文档已更新")
    wait_text(bot, "zhangsan", "已记录「数据平台对接」")
    bot.say("zhangsan", "今天天气不错")  # answered already: no second sync, 「没看懂」
    wait_text(bot, "zhangsan", "没看懂「今天天气不错」")
    bot.say("qianqi", "今天天气不错")  # qianqi was asked about 客户数据治理: her answer
    wait_text(bot, "qianqi", "已记录「客户数据治理」")
    bot.say("wangwu", "今天天气不错")  # not a contact: nothing waits for him
    wait_text(bot, "wangwu", "没看懂「今天天气不错」")
    assert [(name, user) for name, user, _ in synced(bot)] == [("数据平台对接", "zhangsan"), ("客户数据治理", "qianqi")]
