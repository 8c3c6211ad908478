"""Approvers with many cards (issue 21, P3): 「同意 5 6 7」 decides each and says what became of each;
「全部同意」 / 「全部驳回 理由」 list what they cover and wait for 确认; 「同意 12 备注」 passes the remark on."""
from __future__ import annotations

import pytest

from handlers.approvals.typed import numbers_and_words
from tests.approvals.helpers import audit_actions, request_row, submit
from tests.chat import texts, wait_card, wait_text
from tests.conftest import wait_until


def three_requests(bot) -> list[int]:
    ids = [submit(bot, userid, f"采购 白板{n} 800元") for n, userid in enumerate(("zhangsan", "lisi", "wangwu"))]
    wait_card(bot, "wangzong", count=3)
    return ids


def first_step(bot, request_id) -> str:
    return request_row(bot, request_id).steps[0].status


def test_several_numbers_approve_each_and_say_so(bot):
    a, b, c = three_requests(bot)
    bot.say("wangzong", f"同意 {a} {b}、#{c}")
    answer = wait_text(bot, "wangzong", "同意了")
    assert "同意了 3/3 件" in answer and all(f"已同意 #{i}" in answer for i in (a, b, c))
    assert [first_step(bot, i) for i in (a, b, c)] == ["approved"] * 3
    for userid, i in zip(("zhangsan", "lisi", "wangwu"), (a, b, c)):
        wait_text(bot, userid, f"#{i}（白板")  # each requester is told


def test_several_numbers_say_what_became_of_each(bot):
    a, b, _ = three_requests(bot)
    bot.say("wangzong", f"同意 {a}")
    wait_text(bot, "wangzong", f"已同意 #{a}")
    bot.say("wangzong", f"同意 {a} {b} 99999")
    answer = wait_text(bot, "wangzong", "同意了 1/3 件")
    assert f"#{a} 的初审已由 王总监 同意，这次操作没有生效" in answer
    assert f"已同意 #{b}" in answer and "没有找到申请 #99999" in answer


def test_several_rejections_take_one_reason_and_refuse_without_one(bot):
    a, b, c = three_requests(bot)
    bot.say("wangzong", f"驳回 {a} {b}")
    assert f"例如：驳回 {a} {b} 预算不足" in wait_text(bot, "wangzong", "请附上一个理由")
    assert [first_step(bot, i) for i in (a, b)] == ["pending"] * 2  # nothing changed
    bot.say("wangzong", f"驳回 {a} {b} 预算不足")
    wait_text(bot, "wangzong", "驳回了 2/2 件")
    assert "理由：预算不足" in wait_text(bot, "zhangsan", f"❌ 你的采购申请 #{a}")
    assert "理由：预算不足" in wait_text(bot, "lisi", f"❌ 你的采购申请 #{b}")
    assert first_step(bot, c) == "pending"


def test_approve_all_lists_what_it_covers_and_waits_for_confirmation(bot):
    a, b, c = three_requests(bot)
    bot.say("wangzong", "全部同意")
    question = wait_text(bot, "wangzong", "以下 3 件申请正等你审批，将全部同意")
    assert all(f"#{i} " in question for i in (a, b, c)) and "回复「确认」全部同意" in question
    assert [first_step(bot, i) for i in (a, b, c)] == ["pending"] * 3
    bot.say("wangzong", "好吧我再想想")
    wait_text(bot, "wangzong", "请回复「确认」全部同意")
    bot.say("wangzong", "确认")
    wait_text(bot, "wangzong", "同意了 3/3 件")
    assert [first_step(bot, i) for i in (a, b, c)] == ["approved"] * 3
    wait_card(bot, "liucaiwu", count=3)  # each goes on to its next step
    bot.say("liucaiwu", "全部驳回")
    wait_text(bot, "liucaiwu", "全部驳回请附上一个理由")
    bot.say("liucaiwu", "全部驳回 本季度预算已用完")
    wait_text(bot, "liucaiwu", "将全部驳回（理由：本季度预算已用完）")
    bot.say("liucaiwu", "确认")
    wait_text(bot, "liucaiwu", "驳回了 3/3 件")
    assert "理由：本季度预算已用完" in wait_text(bot, "wangwu", f"❌ 你的采购申请 #{c}")
    assert [request_row(bot, i).status for i in (a, b, c)] == ["rejected"] * 3


def test_approve_all_cancelled_changes_nothing_and_with_nothing_waiting_says_so(bot):
    bot.say("wangzong", "全部同意")
    wait_text(bot, "wangzong", "目前没有等你审批的申请，无需同意")
    a, _, _ = three_requests(bot)
    bot.say("wangzong", "全部同意")
    wait_text(bot, "wangzong", "将全部同意")
    bot.say("wangzong", "取消")
    wait_until(lambda: len([t for t in texts(bot, "wangzong") if "取消" in t]) >= 1)
    assert first_step(bot, a) == "pending"


def test_approve_with_a_remark_tells_the_requester(bot):
    request_id = submit(bot, "lisi", "采购 白板 800元")
    wait_card(bot, "wangzong")
    bot.say("wangzong", f"同意 {request_id} 请控制在预算内")
    assert "备注已转告申请人" in wait_text(bot, "wangzong", f"已同意 #{request_id}")
    told = wait_text(bot, "lisi", f"#{request_id}（白板）初审已由 王总监 同意")
    assert "王总监的备注：请控制在预算内" in told
    assert request_row(bot, request_id).steps[0].note == "请控制在预算内"
    assert audit_actions(bot, request_id)[-2:] == ["approved", "carded"]
    bot.say("lisi", f"审批记录 {request_id}")
    assert "王总监 同意 请控制在预算内" in wait_text(bot, "lisi", f"#{request_id} 采购")


@pytest.mark.parametrize("args,ids,words", [
    ("12", [12], ""), ("12 请控制在预算内", [12], "请控制在预算内"), ("5 6 7", [5, 6, 7], ""),
    ("#5、#6，7 预算不足", [5, 6, 7], "预算不足"), ("5,6,5", [5, 6], ""), ("12 3台以内", [12], "3台以内"),
    ("12:尽快", [12], "尽快"), ("请尽快", [], "请尽快"), ("", [], ""),
])
def test_numbers_and_words(args, ids, words):
    assert numbers_and_words(args) == (ids, words)
