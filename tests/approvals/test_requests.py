"""Approvals end to end (P3, P4, P5, P16): encrypted callbacks in, the fake WeCom API out."""
from __future__ import annotations

import time

from sqlalchemy import select

from models import ApprovalDraft, ApprovalRequest
from tests.chat import card_state, cards, delivered, tap, texts, wait_card, wait_text
from tests.conftest import wait_until
from tests.approvals.helpers import approval_updates, audit_actions, field, request_row, submit


# ---- requesting --------------------------------------------------------------------------

def test_a_full_request_is_summarised_before_anything_is_submitted(bot):
    bot.say("zhangsan", "采购申请 测试服务器3台 8万元 用于压测环境")
    summary = wait_card(bot, "zhangsan", "apprq_")
    assert summary["main_title"]["title"] == "请确认采购申请"
    assert field(summary, "事项") == "测试服务器3台" and field(summary, "金额") == "¥80,000"
    assert field(summary, "事由") == "用于压测环境"
    # P4: 8万 ≥ the director's limit, so the CEO signs last
    assert field(summary, "审批链") == "初审 王总监 → 复审 刘财务 → 终审 陈总"
    assert [b["key"].split(":")[:2] for b in summary["button_list"]] == [["draft", "submit"], ["draft", "cancel"]]
    time.sleep(0.2)
    assert cards(bot, "wangzong") == []  # nothing goes to an approver before 提交


def test_a_missing_amount_is_asked_for_not_guessed(bot):
    bot.say("lisi", "我要采购三台服务器")
    assert "金额是多少？" in bot.last_text("lisi")
    bot.say("lisi", "大概吧")
    wait_text(bot, "lisi", "没看出金额")
    bot.say("lisi", "两万五")
    summary = wait_card(bot, "lisi", "apprq_")
    assert field(summary, "事项") == "三台服务器" and field(summary, "金额") == "¥25,000"


def test_a_missing_item_is_asked_for_and_two_amounts_are_not_guessed(bot):
    bot.say("wangwu", "报销 3000元 或 3500元")
    assert "要报销什么" in bot.last_text("wangwu")
    bot.say("wangwu", "差旅费")
    wait_text(bot, "wangwu", "不止一个金额")
    bot.say("wangwu", "3500元")
    summary = wait_card(bot, "wangwu", "apprq_")
    assert summary["main_title"]["title"] == "请确认报销申请"
    assert field(summary, "事项") == "差旅费" and field(summary, "金额") == "¥3,500"


def test_cancel_on_the_summary_card_submits_nothing(bot):
    bot.say("zhaoliu", "采购 笔记本电脑 ￥12,000")
    summary = wait_card(bot, "zhaoliu", "apprq_")
    response = tap(bot, "zhaoliu", summary, "取消")
    assert "已取消" in bot.wecom.decrypt_reply(response)
    wait_text(bot, "zhaoliu", "已取消这份申请")
    tap(bot, "zhaoliu", summary, "提交")  # a late 提交 on the cancelled draft changes nothing
    wait_text(bot, "zhaoliu", "这份申请已取消，没有提交，无需再操作")
    with bot.session() as s:  # a draft is not a request: nothing numbered, nothing listed
        assert s.scalars(select(ApprovalRequest.status)).all() == []
        assert s.scalars(select(ApprovalDraft.status)).all() == ["cancelled"]


# ---- the chain ---------------------------------------------------------------------------

def test_above_the_limit_the_chain_reaches_the_ceo(bot):
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器3台 8万元 用于压测环境")
    assert "初审 王总监 → 复审 刘财务 → 终审 陈总" in wait_text(bot, "zhangsan", "编号")
    for n, (approver, next_label) in enumerate([("wangzong", "复审"), ("liucaiwu", "终审"), ("chenzong", None)]):
        card = wait_card(bot, approver)
        assert card["main_title"]["title"] == f"采购审批 #{request_id}"
        assert card["task_id"].startswith(f"appr_{request_id}_{n + 1}_")
        assert field(card, "申请人") == "张三" and field(card, "金额") == "¥80,000"
        response = tap(bot, approver, card, "同意")
        assert "已同意" in bot.wecom.decrypt_reply(response)  # the passive update_button reply
        if next_label:
            wait_text(bot, "zhangsan", f"下一步：{next_label}")
    assert "已全部审批通过" in wait_text(bot, "zhangsan", "已全部审批通过")
    updates = wait_until(lambda: len(u := approval_updates(bot, "已同意")) == 3 and u)
    assert {u["json"]["userids"][0] for u in updates} == {"wangzong", "liucaiwu", "chenzong"}
    assert request_row(bot, request_id).status == "approved"
    assert audit_actions(bot, request_id) == ["created", "carded", "approved", "carded", "approved", "carded",
                                              "approved", "completed"]


def test_below_the_limit_the_chain_ends_with_finance(bot):
    request_id = submit(bot, "qianqi", "采购 显示器 1.2万 用于数据看板")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu"), "同意")
    wait_text(bot, "qianqi", "已全部审批通过")
    assert cards(bot, "chenzong") == []
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "liucaiwu"]


def test_the_director_does_not_approve_his_own_request(bot):
    # P3/P4: the department-head step would fall to the director himself: it goes up to the CEO,
    # whose own 终审 step is then already signed.
    request_id = submit(bot, "wangzong", "采购申请 会议平板 8万元 用于培训")
    assert "初审 陈总 → 复审 刘财务 → 终审 陈总（已在前序步骤审批，跳过）" in wait_text(bot, "wangzong", "编号")
    card = wait_card(bot, "chenzong")
    assert field(card, "进度") == "陈总 → 刘财务"
    assert cards(bot, "wangzong") == []
    steps = request_row(bot, request_id).steps
    assert [(s.approver, s.status) for s in steps] == [("chenzong", "pending"), ("liucaiwu", "waiting"),
                                                        ("chenzong", "skipped")]


def test_finance_staff_requests_go_up_instead_of_failing(bot):
    request_id = submit(bot, "liucaiwu", "报销 差旅费 3000元")
    assert "初审 陈总 → 复审 陈总（已在前序步骤审批，跳过）" in wait_text(bot, "liucaiwu", "编号")
    tap(bot, "chenzong", wait_card(bot, "chenzong"), "同意")
    wait_text(bot, "liucaiwu", "已全部审批通过")
    assert request_row(bot, request_id).status == "approved"


def test_rejection_at_each_step_stops_the_chain_and_passes_the_reason_on(bot):
    for step, approvers in enumerate([["wangzong"], ["wangzong", "liucaiwu"], ["wangzong", "liucaiwu", "chenzong"]]):
        request_id = submit(bot, "zhouba", f"采购 服务器{step} 6万元")
        for approver in approvers[:-1]:
            tap(bot, approver, wait_card(bot, approver, f"appr_{request_id}_"), "同意")
        rejecter = approvers[-1]
        response = tap(bot, rejecter, wait_card(bot, rejecter, f"appr_{request_id}_"), "驳回")
        assert "已驳回" in bot.wecom.decrypt_reply(response)
        wait_text(bot, rejecter, f"已驳回 #{request_id}。请回复驳回理由")
        bot.say(rejecter, f"预算不足{step}" if step != 1 else "跳过")
        told = wait_text(bot, "zhouba", f"❌ 你的采购申请 #{request_id}（")
        assert ("（审批人未填写）" if step == 1 else f"预算不足{step}") in told
        row = request_row(bot, request_id)
        assert row.status == "rejected" and [s.status for s in row.steps][step] == "rejected"
        assert all(s.status == "waiting" for s in row.steps[step + 1:])


def test_a_tap_by_someone_else_changes_nothing(bot):
    request_id = submit(bot, "zhangsan", "采购 键盘 500元")
    card = wait_card(bot, "wangzong")
    response = tap(bot, "liucaiwu", card, "同意")  # finance is not the approver of step 1
    assert response.content == b""  # no update_button: the card is not greyed for a stranger to it
    assert "由 王总监 审批" in wait_text(bot, "liucaiwu", "没有生效")
    tap(bot, "zhangsan", card, "同意")  # nor may the requester approve his own request
    wait_text(bot, "zhangsan", "没有生效")
    row = request_row(bot, request_id)
    assert (row.status, row.current_step, row.steps[0].status) == ("pending", 1, "pending")


def test_a_second_tap_changes_nothing_and_says_why(bot):
    request_id = submit(bot, "zhangsan", "采购 鼠标 200元")
    card = wait_card(bot, "wangzong")
    tap(bot, "wangzong", card, "同意")
    wait_card(bot, "liucaiwu")
    tap(bot, "wangzong", card, "驳回")
    # the answer names the step, not "已通过", which would read as the whole request
    assert f"#{request_id} 的初审已由 王总监 同意" in wait_text(bot, "wangzong", "没有生效")
    row = request_row(bot, request_id)
    assert (row.status, row.current_step) == ("pending", 2)
    assert audit_actions(bot, request_id).count("approved") == 1 and "rejected" not in audit_actions(bot, request_id)


# ---- 我的申请, 待我审批, 如何申请, 催办, 撤回, 审批记录 ---------------------------------------------

def test_my_requests_pending_for_me_and_howto(bot):
    request_id = submit(bot, "lisi", "报销 差旅费 3500元")
    assert bot.wecom.click("lisi", "approval.mine").status_code == 200
    mine = wait_text(bot, "lisi", "你最近的申请")
    assert f"#{request_id} 报销 差旅费 ¥3,500 — 待 王总监 初审" in mine
    wait_card(bot, "wangzong")
    bot.say("wangzong", "待我审批")
    assert f"#{request_id} 李四 报销 差旅费" in wait_text(bot, "wangzong", "待审批")
    resent = wait_card(bot, "wangzong", count=2)  # a new card with a fresh task_id
    assert resent["task_id"] != cards(bot, "wangzong")[0]["task_id"]
    tap(bot, "wangzong", resent, "同意")
    wait_card(bot, "liucaiwu")
    bot.say("lisi", "如何申请")
    howto = wait_text(bot, "lisi", "发一句话就能申请")
    assert "5万元及以上" in howto and "紧急采购" in howto


def test_urge_reminds_the_approver_once_per_interval(start_bot):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import FixedClock
    clock = FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    bot = start_bot(clock=clock)
    request_id = submit(bot, "zhangsan", "采购 投影仪 9000元")
    bot.say("zhangsan", f"催办 {request_id}")
    assert "已提醒 王总监" in wait_text(bot, "zhangsan", "已提醒")
    assert "张三 催办" in wait_text(bot, "wangzong", "催办")
    clock.advance(hours=1)
    bot.say("zhangsan", f"催办 #{request_id}")
    assert "4 小时内只催办一次" in wait_text(bot, "zhangsan", "只催办一次")
    clock.advance(hours=4)
    bot.say("zhangsan", f"催办 {request_id}")
    wait_until(lambda: len([t for t in texts(bot, "wangzong") if "催办" in t]) == 2)
    assert audit_actions(bot, request_id).count("urged") == 2
    bot.say("lisi", f"催办 {request_id}")  # not lisi's request
    assert "没有找到你的申请" in wait_text(bot, "lisi", "没有找到")


def test_withdraw_greys_the_approvers_card(bot):
    request_id = submit(bot, "zhaoliu", "采购 白板 800元")
    card = wait_card(bot, "wangzong")
    # the response_code message/send returned for the card is what the withdrawal may use (doc 94888)
    with bot.session() as s:
        from models import ApprovalStep, OutboxMessage
        step = s.scalars(select(ApprovalStep).where(ApprovalStep.request_id == request_id)).first()
        # rollback() ends the read transaction, so the next look sees the dispatcher's commit (SQLite WAL)
        code = wait_until(lambda: (s.get(OutboxMessage, step.card_outbox_id).response or {}).get("response_code")
                          or s.rollback())
    bot.say("zhaoliu", f"撤回 {request_id}")
    assert "已撤回申请" in wait_text(bot, "zhaoliu", "已撤回")
    update = wait_until(lambda: approval_updates(bot, "已撤回"))[0]["json"]
    assert update["response_code"] == code and update["button"]["replace_name"] == "已撤回"
    tap(bot, "wangzong", card, "同意")  # too late: nothing changes
    assert "已撤回" in wait_text(bot, "wangzong", "没有生效")
    assert request_row(bot, request_id).status == "withdrawn"
    bot.say("zhaoliu", f"撤回 {request_id}")
    wait_text(bot, "zhaoliu", "已撤回，无需撤回")


def test_withdraw_without_a_usable_code_tells_the_approver_by_text(start_bot):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.conftest import FixedClock
    clock = FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    bot = start_bot(clock=clock)
    request_id = submit(bot, "zhaoliu", "采购 白板 800元")
    wait_card(bot, "wangzong")
    wait_until(lambda: len(bot.fake.state.calls_to("message/send")) >= 3)
    time.sleep(0.2)
    # WeCom: a response_code works for 72 hours after the card was sent (the outbox's real clock).
    from tests.approvals.test_cards_settled import sent_hours_ago
    sent_hours_ago(bot, 73)
    bot.say("zhaoliu", f"撤回 {request_id}")
    wait_text(bot, "wangzong", f"赵六 已撤回采购申请 #{request_id}")


def test_the_audit_trail_is_shown_to_the_people_involved_only(bot):
    request_id = submit(bot, "zhangsan", "采购 网线 300元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "liucaiwu")
    bot.say("liucaiwu", f"审批记录 {request_id}")
    trail = wait_text(bot, "liucaiwu", f"#{request_id} 采购")
    assert "张三 提交申请" in trail and "王总监 同意" in trail and "系统 送审 刘财务" in trail
    bot.say("lisi", f"审批记录 {request_id}")
    assert "只有申请人、审批人、总监和被请来处理的人" in wait_text(bot, "lisi", "只有")


# ---- emergency (P5) and restart ----------------------------------------------------------

def test_an_emergency_alerts_the_whole_chain_and_a_rejection_is_flagged(bot):
    request_id = submit(bot, "wangwu", "紧急采购 备用电源 6万元 机房断电")
    summary = cards(bot, "wangwu", "apprq_")[0]
    assert summary["main_title"]["title"] == "请确认紧急采购（先执行，后补办）"
    for approver in ("wangzong", "liucaiwu", "chenzong"):
        assert "需按正常流程补办审批" in wait_text(bot, approver, "紧急采购（P5）")
    card = wait_card(bot, "wangzong")
    assert card["main_title"]["title"] == f"紧急采购补办审批 #{request_id}"
    tap(bot, "wangzong", card, "驳回")
    for person in ("wangzong", "zhengfawu"):
        assert "补办审批被 王总监 驳回" in wait_text(bot, person, "补办审批被")
    assert "emergency_recorded" in audit_actions(bot, request_id)
    assert "emergency_flagged" in audit_actions(bot, request_id)


def test_restart_mid_chain_delivers_the_next_card(start_bot):
    first = start_bot()
    request_id = submit(first, "zhangsan", "采购申请 测试服务器3台 8万元 用于压测环境")
    tap(first, "wangzong", wait_card(first, "wangzong"), "同意")
    first.stop()  # the next card may still be in the outbox
    second = start_bot()  # same database, new process state
    card = wait_card(second, "liucaiwu")
    assert card["task_id"].startswith(f"appr_{request_id}_2_")
    tap(second, "liucaiwu", card, "同意")
    tap(second, "chenzong", wait_card(second, "chenzong"), "同意")
    wait_text(second, "zhangsan", "已全部审批通过")


def test_the_summary_can_be_answered_by_typing(bot):
    bot.say("lisi", "采购 投影仪 6000元")
    summary = wait_card(bot, "lisi", "apprq_")
    bot.say("lisi", "好的吧")
    wait_text(bot, "lisi", "也可以直接回复「提交」或「取消」")
    bot.say("lisi", "提交")
    assert "已提交采购申请" in wait_text(bot, "lisi", "已提交采购申请")
    wait_card(bot, "wangzong")
    tap(bot, "lisi", summary, "取消")  # the card is stale now: nothing changes
    wait_text(bot, "lisi", "无需再操作")
    with bot.session() as s:
        assert s.scalars(select(ApprovalRequest.status)).all() == ["pending"]


def test_typing_cancel_on_the_summary_cancels_the_draft(bot):
    bot.say("wangwu", "报销 打车费 120元")
    summary = wait_card(bot, "wangwu", "apprq_")
    delivered(bot)
    bot.say("wangwu", "取消")
    wait_text(bot, "wangwu", "已取消这份申请")
    # the card settled by typing shows it too, through its send's response_code
    assert wait_until(lambda: card_state(bot, "wangwu", summary)) == {"replace_name": "已取消"}
    tap(bot, "wangwu", summary, "提交")  # a late tap on the card cannot resurrect it
    wait_text(bot, "wangwu", "无需再操作")
    with bot.session() as s:
        assert s.scalars(select(ApprovalRequest.status)).all() == []
        assert s.scalars(select(ApprovalDraft.status)).all() == ["cancelled"]
    assert cards(bot, "wangzong") == []


def test_cancel_instead_of_a_reason_still_tells_the_requester(bot):
    request_id = submit(bot, "qianqi", "采购 键盘 300元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", "取消")
    told = wait_text(bot, "qianqi", f"❌ 你的采购申请 #{request_id}（")
    assert "（审批人未填写）" in told


def test_a_reason_that_never_comes_is_announced_when_the_conversation_times_out(start_bot):
    from datetime import datetime, timedelta, timezone

    from scheduler import sweep_conversations
    from tests.conftest import FixedClock
    clock = FixedClock(datetime.now(timezone.utc))
    bot = start_bot(clock=clock)
    request_id = submit(bot, "zhaoliu", "采购 鼠标 200元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    assert sweep_conversations(bot.runtime, clock.current + timedelta(minutes=31)) == 1
    assert "（审批人未填写）" in wait_text(bot, "zhaoliu", f"❌ 你的采购申请 #{request_id}（")
    assert "已告诉 赵六 驳回结果（未附理由）" in wait_text(bot, "wangzong", "未附理由")


def test_a_half_asked_request_times_out_with_a_note(start_bot):
    from datetime import datetime, timedelta, timezone

    from scheduler import sweep_conversations
    from tests.conftest import FixedClock
    clock = FixedClock(datetime.now(timezone.utc))
    bot = start_bot(clock=clock)
    bot.say("lisi", "采购")
    wait_text(bot, "lisi", "要采购什么")
    assert sweep_conversations(bot.runtime, clock.current + timedelta(minutes=31)) == 1
    assert "没有提交" in wait_text(bot, "lisi", "已取消，没有提交")


def test_a_bare_command_during_a_question_runs_and_the_question_stays_open(bot):
    bot.say("zhangsan", "采购")
    wait_text(bot, "zhangsan", "要采购什么")
    bot.say("zhangsan", "我的申请")
    assert "你还没有提交过申请" in wait_text(bot, "zhangsan", "你还没有提交过申请")
    wait_text(bot, "zhangsan", "刚才的申请还在等你回复：要采购什么？")
    bot.say("zhangsan", "白板 800元")  # still the answer
    assert field(wait_card(bot, "zhangsan", "apprq_"), "事项") == "白板"


def test_a_command_instead_of_a_reason_does_not_become_the_reason(bot):
    request_id = submit(bot, "zhouba", "采购 耳机 500元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", "待我审批")
    wait_text(bot, "wangzong", "目前没有需要你审批的申请")
    wait_text(bot, "wangzong", "驳回理由还在等你回复")
    bot.say("wangzong", "跳过")
    told = wait_text(bot, "zhouba", f"❌ 你的采购申请 #{request_id}（")
    assert "待我审批" not in told and "（审批人未填写）" in told


def test_huge_ids_are_not_found_instead_of_crashing(bot):
    from models import InboundCallback
    for text in ("审批记录 99999999999999999999999", "催办 99999999999999999999999", "撤回 99999999999999999999999"):
        bot.say("lisi", text)
    wait_until(lambda: len(bot.received("lisi")) == 3)
    with bot.session() as s:
        assert s.scalars(select(InboundCallback.status)).all() == ["done"] * 3
    assert all("出错了" not in (m.get("text") or "") for m in bot.received("lisi"))


def test_a_second_rejection_while_the_first_reason_is_asked_says_the_first_went_without_one(bot):
    # P3: the first rejection is passed on without a reason, and the approver is told so.
    first = submit(bot, "zhangsan", "采购 白板 800元")
    first_card = wait_card(bot, "wangzong", f"appr_{first}_")
    second = submit(bot, "zhaoliu", "采购 键盘 300元")
    second_card = wait_card(bot, "wangzong", f"appr_{second}_")
    tap(bot, "wangzong", first_card, "驳回")
    wait_text(bot, "wangzong", f"已驳回 #{first}")
    tap(bot, "wangzong", second_card, "驳回")
    assert f"#{first} 的驳回理由没有等到，已转告 张三：理由未填写" in wait_text(bot, "wangzong", "驳回理由没有等到")
    assert "（审批人未填写）" in wait_text(bot, "zhangsan", "❌ 你的采购申请")
    bot.say("wangzong", "预算不足")
    assert "理由：预算不足" in wait_text(bot, "zhaoliu", "❌ 你的采购申请")
