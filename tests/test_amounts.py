"""Amounts and request texts (P3, P4): exact fen or a question — never an invented amount."""
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from bot.text.amounts import (AMBIGUOUS, ESTIMATE, NO_QUANTITY, NOT_POSITIVE, PRECISION, RANGE, TOO_LARGE, AmountProblem,
                         Money, format_money, parse_amount)
from bot.text.request_text import parse_request


def yuan(result):
    """Whole yuan of a Money (for the tables), the problem code of an AmountProblem, or None."""
    if isinstance(result, Money):
        return result.fen // 100 if result.fen % 100 == 0 else Decimal(result.fen) / 100
    return result.code if isinstance(result, AmountProblem) else result

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
    # yuan with 角/分
    ("35.5元", Decimal("35.5")), ("35元5角", Decimal("35.5")), ("12块3毛5", Decimal("12.35")), ("¥0.80", Decimal("0.8")),
    # more than one amount, a range, an estimate, zero, fractions of a fen: ask
    ("8万 或 9万", AMBIGUOUS), ("99999999999999元", TOO_LARGE), ("3500.555元", PRECISION), ("3000元到3500元", RANGE),
    ("2-3万", RANGE), ("2万~3万", RANGE), ("约8万", ESTIMATE), ("不超过5万", ESTIMATE), ("8万左右", ESTIMATE),
    ("8万多", ESTIMATE), ("0元", NOT_POSITIVE), ("负5000元", NOT_POSITIVE), ("-5000元", NOT_POSITIVE),
    # a unit price with its quantity gives the total; without one, ask
    ("服务器3台 每台2万", 60000), ("3台*2万", 60000), ("2万×3", 60000), ("单价2万 3台", 60000), ("2万/台 三台", 60000),
    ("显示器2台 各3500元", 7000), ("3台*2万=6万", 60000), ("3台*2万 共5万", AMBIGUOUS), ("每台2万", NO_QUANTITY),
]


@pytest.mark.parametrize("text,expected", REAL_PHRASINGS)
def test_real_phrasings(text, expected):
    assert yuan(parse_amount(text)) == expected


def test_a_unit_price_keeps_its_quantity():
    assert parse_amount("采购 服务器3台 每台2万") == Money(6_000_000, 3, 2_000_000)
    assert Money(6_000_000, 3, 2_000_000).shown() == "3 × ¥20,000 = ¥60,000"
    assert parse_amount("每台2万") == AmountProblem(NO_QUANTITY, "每台2万", 2_000_000)


@pytest.mark.parametrize("text,kind,item,amount,reason,emergency", [
    ("采购申请 测试服务器3台 8万元 用于压测环境", "procurement", "测试服务器3台", 80000, "用于压测环境", False),
    ("我要采购三台服务器，预算8万元", "procurement", "三台服务器", 80000, "", False),
    ("采购 笔记本电脑 ￥12,000", "procurement", "笔记本电脑", 12000, "", False),
    ("报销 差旅费 3500元", "reimbursement", "差旅费", 3500, "", False),
    ("报销 打车费 120元 因为加班", "reimbursement", "打车费", 120, "因为加班", False),
    ("紧急采购 备用电源 2万元 用于机房断电", "procurement", "备用电源", 20000, "用于机房断电", True),
    ("采购申请 服务器 理由：压测 8万", "procurement", "服务器", 80000, "压测", False),
    ("采购 显示器", "procurement", "显示器", None, "", False),
    # the words after the amount are the reason; with nothing before it, they are the item
    ("采购 显示器 3千5 设计用", "procurement", "显示器", 3500, "设计用", False),
    ("报销 3000元 差旅费", "reimbursement", "差旅费", 3000, "", False),
    ("采购 服务器3台 每台2万", "procurement", "服务器3台", 60000, "", False),
    ("买三台服务器 8万", "procurement", "三台服务器", 80000, "", False),
    ("报销 打车费 35.5元", "reimbursement", "打车费", Decimal("35.5"), "", False),
    ("采购 笔 0元", "procurement", "笔", NOT_POSITIVE, "", False),
    ("采购 服务器 约8万 用于压测", "procurement", "服务器", ESTIMATE, "用于压测", False),
])
def test_request_phrasings(text, kind, item, amount, reason, emergency):
    parsed = parse_request(text)
    assert (parsed.kind, parsed.item, yuan(parsed.amount), parsed.reason, parsed.emergency) == \
        (kind, item, amount, reason, emergency)


def test_format_money():
    assert format_money(8_000_000) == "¥80,000"
    assert format_money(3550) == "¥35.50" and format_money(5) == "¥0.05"


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
    assert parse_amount(phrase) == Money(yuan * 100), phrase


@settings(max_examples=300, deadline=None)
@given(yuan=AMOUNTS, lead=LEADS, item=ITEMS, reason=REASONS, data=st.data())
def test_a_request_gives_the_amount_exactly_or_asks(yuan, lead, item, reason, data):
    phrase = data.draw(st.sampled_from(_phrasings(yuan)))
    parsed = parse_request(f"{lead}{item} {phrase} {reason}".strip())
    assert parsed.amount in (Money(yuan * 100), AmountProblem(AMBIGUOUS)), (item, phrase, reason)
    if parsed.amount == Money(yuan * 100):
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
    assert result == (Money(a * 100) if a == b else AmountProblem(AMBIGUOUS))


def test_full_width_digits_are_amounts():
    # 全角 input methods: the amount must not be asked for again and again
    assert parse_amount("８万元") == Money(8_000_000)
    assert parse_request("采购申请　测试服务器３台　８万元").amount == Money(8_000_000)


def test_a_negative_amount_is_asked_for_not_taken():
    assert yuan(parse_request("采购 服务器 负5000元").amount) == NOT_POSITIVE
    assert yuan(parse_request("采购 服务器 -5000元").amount) == NOT_POSITIVE
