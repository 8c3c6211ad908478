"""Split purchases (拆单, P4) and the approver's brief (P3–P5): three purchases of one thing, each
under the CEO's limit, are pointed out on the third card with their sum and get the CEO's step;
reimbursements and exempt items are not flagged; the quarterly audit (P16) lists the split."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from handlers.approvals.splits import item_head, same_thing
from models import ApprovalRequest, ApprovalStep
from tests.approvals.helpers import audit_actions, field, request_row, submit
from tests.chat import tap, texts, wait_card
from tests.compliance.test_audit import Q3_AUDIT, in_service, received_csv, run
from tests.conftest import BotServer, wait_until

TZ = ZoneInfo("Asia/Shanghai")


# ---- what counts as the same thing ------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("内存条", "服务器内存"), ("内存条", "内存（服务器用）"), ("服务器内存", "内存（服务器用）"),
    ("内存条2根", "内存条"), ("采购内存条", "内存条"), ("内存条", "服务器内村"),  # a pinyin-input typo (村 for 存)
    ("移动硬盘", "硬盘"), ("27寸显示器", "显示器"), ("ＳＳＤ", "ssd"),
])
def test_names_of_one_thing_are_the_same(a, b):
    assert same_thing(a, b) and same_thing(b, a)


@pytest.mark.parametrize("a, b", [
    ("服务器", "服务器内存"),  # a server is not memory: the head comes last
    ("显示器", "显示器支架"), ("内存条", "硬盘"), ("打印纸", "纸"),  # one syllable is too vague
    ("笔记本电脑", "台式电脑"), ("", "内存"),
])
def test_different_things_are_not(a, b):
    assert not same_thing(a, b)


@given(st.text(alphabet="内存服务器硬盘显示支架打印纸条根台 0123456789", max_size=12))
def test_sameness_is_symmetric_and_ignores_quantities_and_brackets(item):
    other = f"{item}（服务器用）2台"
    assert same_thing(item, other) == same_thing(other, item)
    if len(item_head(item)) >= 2:
        assert same_thing(item, item) and same_thing(item, other)


# ---- through the chat ---------------------------------------------------------------------------

def test_the_third_purchase_of_one_thing_is_pointed_out_with_the_sum_and_gets_the_ceo(bot):
    first = submit(bot, "zhangsan", "采购申请 内存条 2万元 扩容")
    second = submit(bot, "lisi", "采购 服务器内存 2万元")  # lisi is in zhangsan's group (coordination)
    card = wait_card(bot, "wangzong", "appr_", 2)
    assert "拆单" not in card.get("sub_title_text", "")  # ¥40,000 does not reach 5 万 yet
    bot.say("zhangsan", "采购申请 内存（服务器用） 2万元")
    summary = wait_card(bot, "zhangsan", "apprq_", 2)
    assert f"疑似拆单：#{first}、#{second} 与本单" in summary["sub_title_text"]
    assert "¥60,000" in summary["sub_title_text"]
    assert field(summary, "审批链") == "初审 王总监 → 复审 刘财务 → 终审 陈总"  # P4: the total's chain
    third = submit_summary(bot, "zhangsan", summary)
    card = wait_card(bot, "wangzong", "appr_", 3)
    brief = card["sub_title_text"].split("\n")
    assert len(brief) <= 3
    assert brief[0] == "张三 近90天采购申请 1 次，共 ¥20,000"
    assert f"疑似拆单：#{first}、#{second} 与本单合计 ¥60,000，达到 5 万元（P4），已加 CEO 终审" in brief[2]
    request = request_row(bot, third)
    assert [s.approver for s in request.steps] == ["wangzong", "liucaiwu", "chenzong"]
    assert "split_suspected" in audit_actions(bot, third)
    assert any("疑似拆单" in t and f"编号 {third}" in t for t in texts(bot, "zhangsan"))


def submit_summary(bot, userid, summary):
    """Tap 提交 on a summary card already received; the request's number."""
    before = len([t for t in texts(bot, userid) if "已提交" in t and "编号" in t])
    tap(bot, userid, summary, "提交")
    done = wait_until(lambda: [t for t in texts(bot, userid) if "已提交" in t and "编号" in t][before:])
    return int(re.search(r"编号 (\d+)", done[0]).group(1))


def test_another_groups_purchases_and_other_things_do_not_add_up(bot):
    submit(bot, "wangwu", "采购申请 内存条 2万元")  # resources group, not zhangsan's
    submit(bot, "zhangsan", "采购申请 显示器支架 2万元")  # another thing
    third = submit(bot, "zhangsan", "采购申请 内存条 2万元")
    assert "split_suspected" not in audit_actions(bot, third)
    assert [s.role for s in request_row(bot, third).steps] == ["department_head", "finance"]


def test_a_monthly_taxi_reimbursement_is_not_a_split(bot):
    ids = [submit(bot, "zhangsan", "报销 打车 公司到机场 2万元") for _ in range(3)]
    assert all("split_suspected" not in audit_actions(bot, i) for i in ids)
    assert [s.role for s in request_row(bot, ids[-1]).steps] == ["department_head", "finance"]


@pytest.fixture
def strict_bot(make_settings, fake_wecom):
    """Reimbursements checked too, and 云服务器月租 exempt: the two settings change the outcome."""
    settings = make_settings()
    policy = dataclasses.replace(settings.policy, split_kinds=("procurement", "reimbursement"),
                                 split_exempt_items=("云服务器月租",))
    server = BotServer(dataclasses.replace(settings, policy=policy), fake_wecom)
    yield server
    server.stop()


def test_the_kinds_and_exempt_items_are_settings(strict_bot):
    bot = strict_bot
    taxi = [submit(bot, "zhangsan", "报销 打车 2万元") for _ in range(3)]
    assert "split_suspected" in audit_actions(bot, taxi[-1])  # with reimbursements checked, it is one
    rent = [submit(bot, "lisi", "采购申请 云服务器月租 2万元") for _ in range(3)]
    assert "split_suspected" not in audit_actions(bot, rent[-1])


def test_an_amount_just_under_the_limit_is_unusual(bot):
    submit(bot, "zhangsan", "采购申请 投影仪 4.8万元")
    card = wait_card(bot, "wangzong", "appr_")
    assert "金额接近 5 万元 的审批线（P4）" in card["sub_title_text"]
    assert card["sub_title_text"].split("\n")[0] == "张三 近90天没有其他采购申请"


# ---- the quarterly audit -------------------------------------------------------------------------

def test_the_quarterly_audit_lists_a_split_as_a_p4_finding(bot):
    def at(day):
        return datetime(2026, 8, day, 10, tzinfo=TZ)
    with bot.runtime.session_factory.begin() as s:
        in_service(s, datetime(2026, 6, 22, 9, tzinfo=TZ))
        ids = []
        for day, item, who, kind in ((3, "内存条", "zhangsan", "procurement"), (10, "服务器内存", "lisi", "procurement"),
                                     (17, "内存（服务器用）", "zhangsan", "procurement"),
                                     (18, "打车", "zhangsan", "reimbursement"), (19, "打车", "zhangsan", "reimbursement"),
                                     (20, "打车", "zhangsan", "reimbursement")):
            request = ApprovalRequest(kind=kind, requester=who, department_id="innovation", item=item,
                                      amount_fen=2_000_000, reason="", status="approved", created_at=at(day),
                                      submitted_at=at(day), finished_at=at(day) + timedelta(hours=3))
            request.steps = [ApprovalStep(position=1, role="department_head", label="初审", approver="wangzong",
                                          status="approved"),
                             ApprovalStep(position=2, role="finance", label="复审", approver="liucaiwu",
                                          status="approved")]
            s.add(request)
            s.flush()
            ids.append(request.id)
    run(bot, "quarterly_audit", Q3_AUDIT)
    rows = received_csv(bot, "wangzong")
    split = [row for row in rows if len(row) == 5 and "拆单" in row[4]]
    assert [(row[2], row[3]) for row in split] == [("P4", f"采购申请 #{ids[2]}（张三：内存（服务器用），¥20,000）")]
    assert f"#{ids[0]}、#{ids[1]}" in split[0][4] and "¥60,000" in split[0][4] and "没有CEO签字" in split[0][4]
