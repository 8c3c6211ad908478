"""Words people actually use: each phrasing reaches the command it means, through the callback
path (P1, P3, P10)."""
from __future__ import annotations

import pytest

from tests.approvals.helpers import request_row, submit
from tests.chat import wait_card, wait_text

SAME_AS = [
    # typed, what the answer contains
    ("我是谁", "你是 张三"),
    ("我 是 谁", "你是 张三"),
    ("请问我是谁", "你是 张三"),
    ("请问 我是谁", "你是 张三"),
    ("查看周报", "你还没有提交过周报"),
    ("看看我的申请", "你还没有提交过申请"),
    ("帮 助", "我是创新服务助手"),
]


@pytest.mark.parametrize("typed,answer", SAME_AS)
def test_phrasings_reach_the_command(bot, typed, answer):
    bot.say("zhangsan", typed)
    assert answer in bot.last_text("zhangsan")


@pytest.mark.parametrize("word", ["撤回", "撤销", "取消"])
def test_withdraw_words(bot, word):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("lisi", f"{word} {request_id}")
    assert f"已撤回申请 #{request_id}" in wait_text(bot, "lisi", "已撤回申请")
    assert request_row(bot, request_id).status == "withdrawn"


def test_approve_typed_by_the_current_approver(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("liucaiwu", f"同意 {request_id}")  # not yet finance's turn: nothing changes
    assert f"#{request_id} 的初审由 王总监 审批" in wait_text(bot, "liucaiwu", "没有生效")
    bot.say("wangzong", f"同意 {request_id}")
    wait_text(bot, "lisi", "初审已由 王总监 同意")
    wait_card(bot, "liucaiwu")
    bot.say("wangzong", f"同意 {request_id}")  # a second time: names the step
    assert f"#{request_id} 的初审已由 王总监 同意" in wait_text(bot, "wangzong", "没有生效")
    assert [s.status for s in request_row(bot, request_id).steps] == ["approved", "pending"]


def test_reject_typed_with_its_reason(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("wangzong", f"驳回 {request_id} 不需要")
    told = wait_text(bot, "lisi", f"❌ 你的采购申请 #{request_id}")
    assert "理由：不需要" in told
    wait_text(bot, "wangzong", "已把驳回结果和理由转告 李四")
    assert request_row(bot, request_id).status == "rejected"


def test_reject_typed_without_a_reason_asks_for_one(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("wangzong", f"驳回 {request_id}")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", "预算不足")
    assert "理由：预算不足" in wait_text(bot, "lisi", f"❌ 你的采购申请 #{request_id}")


def test_approve_without_a_number_says_which(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("wangzong", "同意")
    assert f"同意 {request_id}" in wait_text(bot, "wangzong", "请带上申请编号")


TYPOS = [
    # typed, the suggestion (never run)
    ("帮组", "你是不是想发「帮助」？"),
    ("采够 服务器 8万", "你是不是想发「采购 服务器 8万」？"),
    ("催半 12", "你是不是想发「催办 12」？"),
    ("我事谁", "你是不是想发「我是谁」？"),
]


@pytest.mark.parametrize("typed,suggestion", TYPOS)
def test_pinyin_typos_get_a_suggestion_and_nothing_runs(bot, typed, suggestion):
    from sqlalchemy import func, select

    from models import ApprovalDraft, ConversationState
    bot.say("zhangsan", typed)
    answer = bot.last_text("zhangsan")
    assert suggestion in answer and "没看懂" in answer
    with bot.session() as s:  # nothing was started on a guess
        assert s.scalar(select(func.count(ApprovalDraft.id))) == 0
        assert s.get(ConversationState, "zhangsan") is None


def test_unrelated_text_gets_no_suggestion(bot):
    bot.say("zhangsan", "今天天气怎么样")
    answer = bot.last_text("zhangsan")
    assert "没看懂" in answer and "你是不是想发" not in answer


def test_no_bot_text_carries_markdown_backticks():
    # Plain text messages show backticks raw: the bot's own texts (every upper-case string
    # constant of the handlers and the shared messages) use 「」 instead.
    import importlib
    import pkgutil

    import bot.messages
    import handlers
    modules = [bot.messages] + [importlib.import_module(m.name) for m in
                                pkgutil.walk_packages(handlers.__path__, "handlers.")]
    found = [(module.__name__, name) for module in modules for name, value in vars(module).items()
             if name.isupper() and isinstance(value, str) and "`" in value]
    assert found == []
