"""Small sums as people type them (issue 21, P3): after 报销/采购, and in the answer to 「金额是多少？」,
a bare figure is the amount in yuan (86, 86.5, 八十六), 块 without 角 is understood (86块5, 八十六块五);
two figures, a range or an estimate are still asked about, and a quantity, a date or a model
number is never taken for money."""
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from bot.text.amounts import AMBIGUOUS, ESTIMATE, NOT_POSITIVE, RANGE, AmountProblem, Money, parse_amount
from bot.text.request_text import parse_request
from tests.test_amounts import _chinese, yuan

REQUESTS = [
    # text, item, amount (yuan or problem code), reason
    ("报销 打车 86", "打车", 86, ""),
    ("报销 打车 86.5", "打车", Decimal("86.5"), ""),
    ("报销 打车 86块5", "打车", Decimal("86.5"), ""),
    ("报销 打车 八十六块五", "打车", Decimal("86.5"), ""),
    ("报销 打车 八十六", "打车", 86, ""),
    ("报销 打车86", "打车", 86, ""),
    ("报销 打车 86 因为加班", "打车", 86, "因为加班"),
    ("报销 打车 0.5", "打车", Decimal("0.5"), ""),
    ("报销 打车 两块五", "打车", Decimal("2.5"), ""),
    ("报销一下打车费 86", "打车费", 86, ""),
    ("采购个显示器 两万五", "显示器", 25000, ""),
    ("买个键盘 199", "键盘", 199, ""),
    ("买些文具 200", "文具", 200, ""),
    ("采购 显示器 5万整", "显示器", 50000, ""),
    ("采购 显示器 5万元整 设计用", "显示器", 50000, "设计用"),
    ("报销 打车 86元整", "打车", 86, ""),
    # what is not money stays where it was
    ("采购 个人电脑 5000", "个人电脑", 5000, ""),
    ("采购 台式机 5000", "台式机", 5000, ""),
    ("采购 显示器 3 台 2万", "显示器 3 台", 20000, ""),
    ("采购 iPhone 15 8000", "iPhone 15", 8000, ""),
    ("报销 2026-11-27 打车 86", "2026-11-27 打车", 86, ""),
    ("采购 白板2 800元", "白板2", 800, ""),
    ("采购 3块5寸硬盘 600", "3块5寸硬盘", 600, ""),
    ("报销 第3季度 打车 86", "第3季度 打车", 86, ""),
    # really ambiguous: asked about
    ("报销 打车 86 120", "打车", AMBIGUOUS, ""),
    ("报销 打车 86 或 96", "打车", AMBIGUOUS, ""),
    ("报销 打车 80-90", "打车", RANGE, ""),
    ("报销 打车 80到90", "打车", RANGE, ""),
    ("报销 打车 约86", "打车", ESTIMATE, ""),
    ("报销 打车 86左右", "打车", ESTIMATE, ""),
    ("报销 打车 0", "打车", NOT_POSITIVE, ""),
]


@pytest.mark.parametrize("text,item,amount,reason", REQUESTS)
def test_a_small_request(text, item, amount, reason):
    parsed = parse_request(text)
    assert (parsed.item, yuan(parsed.amount), parsed.reason) == (item, amount, reason)


ANSWERS = [("86", 86), ("86.5", Decimal("86.5")), ("86块5", Decimal("86.5")), ("八十六块五", Decimal("86.5")),
           ("86元", 86), ("¥86.50", Decimal("86.5")), ("两万五", 25000), ("约86", ESTIMATE), ("86 96", AMBIGUOUS),
           ("好的", None), ("3台", None)]


@pytest.mark.parametrize("answer,amount", ANSWERS)
def test_the_answer_to_how_much(answer, amount):
    assert yuan(parse_amount(answer, bare=True)) == amount


def test_outside_a_request_a_bare_small_figure_is_not_money():
    # 「会议室 3 12 人」: only where the text is about money does a bare figure mean yuan
    assert parse_amount("86") is None and parse_amount("86.5") is None
    assert parse_amount("86块5") == Money(8650)  # 块 says it is money anywhere


def _small(fen: int) -> list[str]:
    """Ways to say ``fen`` (under ¥100,000) bare, as people type a small sum."""
    whole, cents = divmod(fen, 100)
    jiao, rest = divmod(cents, 10)
    forms = [f"{whole}.{cents:02d}"] if cents else [str(whole)]
    if cents and not rest:
        forms += [f"{whole}.{jiao}", f"{whole}块{jiao}", f"{whole}元{jiao}角"]
        if whole:
            forms.append(_chinese(whole) + "块" + "零一二三四五六七八九"[jiao])
    elif not cents:
        forms += [f"{whole}元", f"{whole}块", _chinese(whole)]
    return forms


SMALL = st.one_of(st.integers(1, 99_99), st.integers(1, 9_999).map(lambda y: y * 100),
                  st.integers(1, 9_999).map(lambda j: j * 10))
ITEMS = st.sampled_from(["打车", "打车费", "餐费", "显示器", "测试服务器3台", "ThinkPad X1", "2026年度软件授权"])
REASONS = st.sampled_from(["", "因为加班", "用于压测", "理由：第3季度项目"])


@settings(max_examples=300, deadline=None)
@given(fen=SMALL, lead=st.sampled_from(["报销 ", "采购 ", "买", "报销一下"]), item=ITEMS, reason=REASONS,
       data=st.data())
def test_a_small_sum_after_the_item_is_the_amount(fen, lead, item, reason, data):
    phrase = data.draw(st.sampled_from(_small(fen)))
    parsed = parse_request(f"{lead}{item} {phrase} {reason}".strip())
    assert parsed.amount == Money(fen), (item, phrase)
    assert parsed.item == item and parsed.reason == reason.removeprefix("理由：")


@settings(max_examples=300, deadline=None)
@given(fen=SMALL, data=st.data())
def test_a_small_sum_answers_how_much(fen, data):
    phrase = data.draw(st.sampled_from(_small(fen)))
    assert parse_amount(phrase, bare=True) == Money(fen), phrase


@settings(max_examples=200, deadline=None)
@given(a=st.integers(1, 99_999), b=st.integers(1, 99_999), sep=st.sampled_from([" ", " 或 ", "，"]))
def test_two_bare_figures_are_never_collapsed_into_one(a, b, sep):
    result = parse_request(f"报销 打车 {a}{sep}{b}").amount
    assert result == (Money(a * 100) if a == b else AmountProblem(AMBIGUOUS))
