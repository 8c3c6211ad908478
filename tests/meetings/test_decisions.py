"""Decisions (P12) end to end: owners by card and by text, escalation of unowned resolutions,
completion and progress by the owner only, and the owners' follow-up."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import wait_until
from tests.chat import cards, tap, texts, wait_text
from tests.meetings.helpers import MONDAY, audit, end_meeting_and_submit, items, run

SUBMITTED = MONDAY + timedelta(hours=2, minutes=10)  # when end_meeting_and_submit sends the minutes
THREE = "纪要\n决议：完成供应商比价 负责人：张三 截止：12月5日\n决议：整理需求清单\n决议：准备季度汇报材料"


def test_unowned_resolutions_are_escalated_to_chair_and_director_after_24_hours(start_bot, clock):
    bot = start_bot(clock=clock, extra={"meetings": {"recurring": [
        {"title": "部门周会", "schedule": "0 10 * * mon", "chair": "lizuzhang", "minute_taker": "lizuzhang",
         "attendees": ["zhangsan", "lisi"]}]}})
    bot.clock = clock
    end_meeting_and_submit(bot, THREE)
    assert run(bot, "decision_owner_check", SUBMITTED + timedelta(hours=23)) == []
    # one message each to the chair and the director, listing both items (not one per item)
    assert run(bot, "decision_owner_check", SUBMITTED + timedelta(hours=25))
    for userid in ("lizuzhang", "wangzong"):
        [warning] = wait_until(lambda: [x for x in texts(bot, userid) if x.startswith("⚠️")])
        assert "以下 2 项决议" in warning and "整理需求清单" in warning and "准备季度汇报材料" in warning
        assert "仍没有负责人" in warning and "指派" in warning
    assert run(bot, "decision_owner_check", SUBMITTED + timedelta(hours=26)) == []  # once
    assert audit(bot, "action_item").count(("system:decision_owner_check", "escalated")) == 2


def test_the_chair_assigns_an_owner_by_card_and_by_text(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    _, second, third = items(bot)
    card = wait_until(lambda: [c for c in cards(bot, "wangzong", "decision_") if f":{second.id}:" in
                               c["button_list"][0]["key"]])[0]
    tap(bot, "wangzong", card, "赵组长")
    assert "已指派 赵组长 负责决议" in wait_text(bot, "wangzong", "已指派")
    assert f"你是决议 #{second.id} 的负责人：整理需求清单" in wait_text(bot, "zhaozuzhang", "📌")
    bot.say("wangzong", f"指派 {third.id} 孙组长")
    wait_until(lambda: [t for t in texts(bot, "wangzong") if "已指派 孙组长" in t])
    assert [i.owner for i in items(bot)] == ["zhangsan", "zhaozuzhang", "sunzuzhang"]
    # nothing is escalated now: every resolution has an owner
    assert run(bot, "decision_owner_check", SUBMITTED + timedelta(hours=25)) == []


def test_reassigning_tells_the_previous_owner(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    first, _, _ = items(bot)  # 张三 owns it from the minutes (负责人：张三)
    bot.say("wangzong", f"指派 {first.id} 王五")
    assert f"你是决议 #{first.id} 的负责人：完成供应商比价" in wait_text(bot, "wangwu", "📌")
    told = wait_text(bot, "zhangsan", "你不再负责")
    assert f"决议 #{first.id}（完成供应商比价）已由 王总监 改派给 王五" in told
    assert "已联系三家供应商" not in wait_text(bot, "wangwu", "📌")  # the hint does not invent progress


def test_only_the_chair_assigns_and_names_must_be_known(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    _, second, _ = items(bot)
    bot.say("zhangsan", f"指派 {second.id} 张三")
    assert "只能由会议主持人 王总监 或总监指派" in wait_text(bot, "zhangsan", "只能由")
    bot.say("wangzong", f"指派 {second.id} 张3")
    assert f"例如：指派 {second.id} " in wait_text(bot, "wangzong", "通讯录里没有「张3」")
    bot.say("wangzong", "指派")
    wait_text(bot, "wangzong", "请这样写：指派 决议编号 姓名")
    assert items(bot)[1].owner is None


def test_the_owner_reports_progress_and_completion(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    first = items(bot)[0]
    bot.say("zhangsan", "我的待办")
    mine = wait_text(bot, "zhangsan", "你负责的待办（1 项）")
    assert f"#{first.id} 完成供应商比价（截止 12月5日（周六））" in mine
    bot.say("zhangsan", f"进展 {first.id} 已联系三家供应商")
    wait_text(bot, "zhangsan", f"已记录决议 #{first.id} 的进展")
    bot.say("zhangsan", f"完成 {first.id}")
    assert "完成" in wait_text(bot, "zhangsan", "👍 已记录")
    assert f"张三 已完成决议 #{first.id}" in wait_text(bot, "wangzong", "✅")
    done = items(bot)[0]
    assert done.status == "done" and done.done_at == bot.clock.current and done.progress == "已联系三家供应商"
    assert ("zhangsan", "completed") in audit(bot, "action_item")
    bot.say("zhangsan", "我的待办")
    wait_text(bot, "zhangsan", "没有待办")


def test_completing_someone_elses_item_changes_nothing(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    first, second, _ = items(bot)
    bot.say("lizuzhang", f"完成 {first.id}")
    answer = wait_text(bot, "lizuzhang", "只有负责人")
    assert f"决议 #{first.id} 的负责人是 张三" in answer and "我的待办" in answer
    bot.say("lizuzhang", f"完成 {second.id}")
    assert "（尚未指派）" in wait_text(bot, "lizuzhang", "（尚未指派）")
    bot.say("lizuzhang", "完成 999")
    wait_text(bot, "lizuzhang", "没有找到决议 #999")
    assert [i.status for i in items(bot)] == ["open", "open", "open"]


def test_owners_are_followed_up_weekly_and_daily_once_past_due(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)
    tuesday = MONDAY.replace(hour=9, minute=30) + timedelta(days=1)
    assert run(bot, "action_item_followup", tuesday) == []  # not due, not Monday
    next_monday = MONDAY.replace(hour=9, minute=30) + timedelta(days=7)  # due 12-05 has passed
    assert len(run(bot, "action_item_followup", next_monday)) == 1
    assert "已过截止日期" in wait_text(bot, "zhangsan", "⏰")
    assert run(bot, "action_item_followup", next_monday + timedelta(minutes=5)) == []  # a re-run sends nothing
    assert len(run(bot, "action_item_followup", next_monday + timedelta(days=1))) == 1  # daily once past due


def test_cards_settled_by_typing_show_it(weekly_bot):
    # Cards never offer a button that no longer works: the minutes prompt once the minutes are in,
    # the chair's pick-an-owner card once an owner is named by text.
    from tests.chat import card_state, delivered, wait_card
    from tests.meetings.helpers import ENDED
    bot = weekly_bot
    run(bot, "meeting_reminder", ENDED)
    prompt = wait_card(bot, "lizuzhang", "minutes_")
    delivered(bot)
    bot.clock.current = ENDED + timedelta(minutes=5)
    bot.say("lizuzhang", THREE)
    wait_text(bot, "lizuzhang", "已归档会议")
    assert wait_until(lambda: card_state(bot, "lizuzhang", prompt)) == {"replace_name": "已提交纪要"}
    _, second, _ = items(bot)
    card = wait_until(lambda: [c for c in cards(bot, "wangzong", "decision_")
                               if f":{second.id}:" in c["button_list"][0]["key"]])[0]
    delivered(bot)
    bot.say("wangzong", f"指派 {second.id} 孙组长")
    assert wait_until(lambda: card_state(bot, "wangzong", card)) == {"replace_name": "已指派 孙组长"}


def test_a_long_overdue_item_goes_to_the_chair_once_and_leaves_the_owners_list(weekly_bot):
    bot = weekly_bot
    end_meeting_and_submit(bot, THREE)  # 完成供应商比价 (张三) is due 12-05
    five_weeks = MONDAY.replace(hour=9, minute=30) + timedelta(weeks=5)  # overdue > stale_item_weeks (4)
    assert len(run(bot, "action_item_followup", five_weeks)) == 1
    handed = wait_text(bot, "wangzong", "逾期超过 4 周")  # the weekly meeting's chair
    assert "完成供应商比价" in handed and "负责人 张三" in handed and "指派 编号 姓名" in handed
    assert not any("⏰" in t for t in texts(bot, "zhangsan"))  # the owner is not reminded of it any more
    assert run(bot, "action_item_followup", five_weeks + timedelta(days=1)) == []
    assert run(bot, "action_item_followup", five_weeks + timedelta(days=7)) == []  # not even on Monday
    assert [i.stale_at is not None for i in items(bot)] == [True, False, False]
    bot.clock.current = five_weeks + timedelta(days=8)
    bot.say("wangzong", f"指派 {items(bot)[0].id} 李四")  # re-planned: back on the (new) owner's list
    wait_text(bot, "lisi", "你是决议")
    assert len(run(bot, "action_item_followup", five_weeks + timedelta(days=9))) == 1
    assert "完成供应商比价" in wait_text(bot, "lisi", "⏰")
    assert [i.stale_at is not None for i in items(bot)] == [False, False, False]
