"""Amounts mean what the requester meant (P3, P4): through the callback path, each phrasing gives
the summary the requester confirms, or a question that says why — never a guessed amount."""
from __future__ import annotations

import pytest

from models import ApprovalRequest
from tests.approvals.helpers import field, submit
from tests.chat import wait_card, wait_text

SUMMARIES = [
    # text, 事项, 金额, 事由, 审批链 ends with
    ("采购 服务器3台 每台2万", "服务器3台", "3 × ¥20,000 = ¥60,000", "（未填写）", "终审 陈总"),  # P4: ≥ 5万 → CEO
    ("采购 服务器 3台*2万 用于压测", "服务器", "3 × ¥20,000 = ¥60,000", "用于压测", "终审 陈总"),
    ("采购 显示器2台 各3500元", "显示器2台", "2 × ¥3,500 = ¥7,000", "（未填写）", "复审 刘财务"),
    ("报销 打车费 35.5元", "打车费", "¥35.50", "（未填写）", "复审 刘财务"),
    ("报销 餐费 35元5角", "餐费", "¥35.50", "（未填写）", "复审 刘财务"),
    ("采购 显示器 3千5 设计用", "显示器", "¥3,500", "设计用", "复审 刘财务"),
    ("买三台服务器 8万", "三台服务器", "¥80,000", "（未填写）", "终审 陈总"),
    # issue 21: small sums as typed — a bare figure after the item is the amount in yuan
    ("报销 打车 86", "打车", "¥86", "（未填写）", "复审 刘财务"),
    ("报销 打车 86.5", "打车", "¥86.50", "（未填写）", "复审 刘财务"),
    ("报销 打车 86块5", "打车", "¥86.50", "（未填写）", "复审 刘财务"),
    ("报销 打车 八十六块五", "打车", "¥86.50", "（未填写）", "复审 刘财务"),
    ("报销 打车 86 因为加班", "打车", "¥86", "因为加班", "复审 刘财务"),
    ("采购个显示器 两万五", "显示器", "¥25,000", "（未填写）", "复审 刘财务"),  # a measure word is no item
    ("采购 显示器 5万整", "显示器", "¥50,000", "（未填写）", "终审 陈总"),  # 整 is no reason
]


@pytest.mark.parametrize("text,item,amount,reason,chain_end", SUMMARIES)
def test_the_summary_shows_what_was_meant(bot, text, item, amount, reason, chain_end):
    bot.say("zhangsan", text)
    summary = wait_card(bot, "zhangsan", "apprq_")
    assert (field(summary, "事项"), field(summary, "金额"), field(summary, "事由")) == (item, amount, reason)
    assert summary_chain(summary).endswith(chain_end)


QUESTIONS = [
    # text, what the bot asks, the answer, the amount then shown
    ("采购 服务器 2-3万", "「2-3万」是一个范围", "2.5万", "¥25,000"),
    ("采购 服务器 约8万", "「约8万」是估计", "8万元", "¥80,000"),
    ("采购 服务器 不超过5万", "「不超过5万」是估计", "49000元", "¥49,000"),
    ("采购 笔 0元", "「0元」不是可以审批的金额：金额要大于 0", "15元", "¥15"),
    ("采购 笔 -20元", "金额要大于 0", "20元", "¥20"),
    ("采购 服务器 每台2万", "看到了单价「每台2万」，但没看到数量", "3台", "3 × ¥20,000 = ¥60,000"),
    ("报销 差旅费 3000元 或 3500元", "不止一个金额", "3500元", "¥3,500"),
    ("报销 打车费 35.555元", "比「分」还细", "35.56元", "¥35.56"),
    # issue 21: the answer to the question is a bare figure; two figures, a range, an estimate are asked about
    ("报销 打车", "金额是多少？", "86.5", "¥86.50"),
    ("报销 打车", "金额是多少？", "86块5", "¥86.50"),
    ("报销 打车", "金额是多少？", "八十六", "¥86"),
    ("报销 打车 86 120", "不止一个金额", "86", "¥86"),
    ("报销 打车 80-90", "「80-90」是一个范围", "86", "¥86"),
    ("报销 打车 大概86", "「大概86」是估计", "86", "¥86"),
    ("采购 服务器 每台2万", "没看到数量", "3", "3 × ¥20,000 = ¥60,000"),  # a bare 3 is the quantity asked for
]


@pytest.mark.parametrize("text,question,answer,amount", QUESTIONS)
def test_an_amount_that_is_not_one_figure_is_asked_about(bot, text, question, answer, amount):
    bot.say("lisi", text)
    assert question in bot.last_text("lisi")
    bot.say("lisi", answer)
    summary = wait_card(bot, "lisi", "apprq_")
    assert field(summary, "金额") == amount


def test_fen_are_kept_end_to_end(bot):
    request_id = submit(bot, "wangwu", "报销 打车费 35.5元")
    bot.say("wangwu", "我的申请")
    assert f"#{request_id} 报销 打车费 ¥35.50" in wait_text(bot, "wangwu", "你最近的申请")
    card = wait_card(bot, "wangzong")
    assert field(card, "金额") == "¥35.50"
    with bot.session() as s:
        request = s.get(ApprovalRequest, request_id)
        assert (request.amount_fen, request.quantity, request.unit_fen) == (3550, None, None)


def test_quantity_and_unit_price_reach_the_approver(bot):
    request_id = submit(bot, "wangwu", "采购 服务器3台 每台2万")
    card = wait_card(bot, "wangzong")
    assert field(card, "金额") == "3 × ¥20,000 = ¥60,000"
    with bot.session() as s:
        request = s.get(ApprovalRequest, request_id)
        assert (request.amount_fen, request.quantity, request.unit_fen) == (6_000_000, 3, 2_000_000)


def summary_chain(card: dict) -> str:
    return field(card, "审批链")
