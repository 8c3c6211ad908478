"""Amounts and request texts (P3, P4): exact yuan or a question — never an invented amount."""
from dataclasses import astuple
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from bot.amounts import AMBIGUOUS, format_yuan, parse_amount, parse_request

REAL_PHRASINGS = [
    ("8万", 80000), ("8万元", 80000), ("1.2万", 12000), ("80000", 80000), ("80,000元", 80000),
    ("¥3.5k", 3500), ("￥12,000", 12000), ("三万", 30000), ("五千元", 5000), ("3500元", 3500),
    ("十二万", 120000), ("两万五", 25000), ("1.5w", 15000), ("三千五", 3500), ("1万5", 15000),
    ("两万零五百元", 20500), ("人民币5000元", 5000), ("3500块", 3500), ("8万元（80000元）", 80000),
    ("预算80000,用于压测", 80000), ("1,234,567元", 1234567), ("十万八千", 108000),
    # no amount: quantities, sizes, models, dates, phone numbers
    ("测试服务器3台", None), ("4K显示器", None), ("16G内存", None), ("ThinkPad X1", None),
    ("一万个螺丝", None), ("2026年11月", None), ("3块硬盘", None), ("13800000011", None), ("万一", None),
    ("采购 显示器", None),
    # more than one amount, or fen: ask
    ("8万 或 9万", AMBIGUOUS), ("99999999999999元", AMBIGUOUS), ("3500.5元", AMBIGUOUS), ("3000元到3500元", AMBIGUOUS),
]


@pytest.mark.parametrize("text,expected", REAL_PHRASINGS)
def test_real_phrasings(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text,kind,item,amount,reason,emergency", [
    ("采购申请 测试服务器3台 8万元 用于压测环境", "procurement", "测试服务器3台", 80000, "用于压测环境", False),
    ("我要采购三台服务器，预算8万元", "procurement", "三台服务器", 80000, "", False),
    ("采购 笔记本电脑 ￥12,000", "procurement", "笔记本电脑", 12000, "", False),
    ("报销 差旅费 3500元", "reimbursement", "差旅费", 3500, "", False),
    ("报销 打车费 120元 因为加班", "reimbursement", "打车费", 120, "因为加班", False),
    ("紧急采购 备用电源 2万元 用于机房断电", "procurement", "备用电源", 20000, "用于机房断电", True),
    ("采购申请 服务器 理由：压测 8万", "procurement", "服务器", 80000, "压测", False),
    ("采购 显示器", "procurement", "显示器", None, "", False),
])
def test_request_phrasings(text, kind, item, amount, reason, emergency):
    assert astuple(parse_request(text)) == (kind, item, amount, reason, emergency)


def test_format_yuan():
    assert format_yuan(80000) == "¥80,000"


# ---- properties --------------------------------------------------------------------------

CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """n (1 … 99,999,999) in Chinese numerals, the formal way (一万零五百)."""
    def below_10k(k: int) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = k // unit % 10
            if digit:
                out += ("零" if zero and out else "") + CN[digit] + name
                zero = False
            else:
                zero = True
        return out
    high, low = divmod(n, 10000)
    if not high:
        return below_10k(low)
    return below_10k(high) + "万" + (("零" if low < 1000 and low else "") + below_10k(low) if low else "")


def _phrasings(yuan: int):
    forms = [f"{yuan}元", f"¥{yuan:,}", f"￥{yuan}", f"{yuan:,}元", _chinese(yuan) + "元"]
    if yuan % 10000 == 0:
        forms += [f"{yuan // 10000}万", f"{yuan // 10000}万元", f"{yuan // 10000}w", _chinese(yuan // 10000) + "万"]
    elif yuan % 1000 == 0:
        forms += [f"{Decimal(yuan) / 10000}万", f"{yuan // 1000}k", f"{Decimal(yuan) / 1000}K"]
    if yuan >= 100:
        forms.append(str(yuan))
    return forms


ITEMS = st.sampled_from(["测试服务器3台", "笔记本电脑", "ThinkPad X1 两台", "16G内存条4根", "差旅费", "4K显示器",
                         "2026年度软件授权", "一批办公椅"])
REASONS = st.sampled_from(["", "用于压测环境", "因为加班", "理由：第3季度项目"])
LEADS = st.sampled_from(["采购申请 ", "采购 ", "报销 ", "我要采购", "紧急采购 "])
AMOUNTS = st.one_of(st.integers(1, 99_999_999), st.integers(1, 9_999).map(lambda w: w * 10000),
                    st.integers(1, 99).map(lambda k: k * 1000))


@settings(max_examples=300, deadline=None)
@given(yuan=AMOUNTS, data=st.data())
def test_every_phrasing_of_an_amount_gives_it_back_exactly(yuan, data):
    phrase = data.draw(st.sampled_from(_phrasings(yuan)))
    assert parse_amount(phrase) == yuan, phrase


@settings(max_examples=300, deadline=None)
@given(yuan=AMOUNTS, lead=LEADS, item=ITEMS, reason=REASONS, data=st.data())
def test_a_request_gives_the_amount_exactly_or_asks(yuan, lead, item, reason, data):
    phrase = data.draw(st.sampled_from(_phrasings(yuan)))
    parsed = parse_request(f"{lead}{item} {phrase} {reason}".strip())
    assert parsed.amount in (yuan, AMBIGUOUS), (item, phrase, reason)
    if parsed.amount == yuan:
        assert parsed.item == item  # the amount is taken out of the text, the item left whole


@settings(max_examples=300, deadline=None)
@given(lead=LEADS, item=ITEMS, reason=REASONS)
def test_without_an_amount_none_is_invented(lead, item, reason):
    assert parse_request(f"{lead}{item} {reason}".strip()).amount is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters=
                                      "零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿")))
def test_text_without_numerals_has_no_amount(text):
    assert parse_amount(text) is None


@settings(max_examples=200, deadline=None)
@given(a=AMOUNTS, b=AMOUNTS)
def test_two_different_amounts_are_never_collapsed_into_one(a, b):
    result = parse_amount(f"采购 服务器 {a}元 或者 {b}元")
    assert result == (a if a == b else AMBIGUOUS)


def test_full_width_digits_are_amounts():
    # 全角 input methods: the amount must not be asked for again and again
    assert parse_amount("８万元") == 80000
    assert parse_request("采购申请　测试服务器３台　８万元").amount == 80000


def test_a_negative_amount_is_asked_for_not_taken():
    assert parse_request("采购 服务器 负5000元").amount == AMBIGUOUS
    assert parse_request("采购 服务器 -5000元").amount in (None, AMBIGUOUS)
