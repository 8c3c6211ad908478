"""Quarterly evaluations by the superior (P13) end to end: one card at a time per rater with the
quarter's facts, the KPI figure and comment stored with the rating, four simultaneous taps stored
once, 评估 下一位, reminders and the director's missing list, 评估进度, and who may see a rating."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import AuditEntry
from tests.chat import tap, texts, wait_text
from tests.conftest import FixedClock, wait_until
from tests.people.helpers import TZ, eval_cards, evaluations, rate, run, tap_together, wait_eval_card

OPENS = datetime(2026, 10, 8, 10, 0, tzinfo=TZ)  # 2026Q3 opens after the National Day holiday
DEADLINE_PASSED = datetime(2026, 10, 21, 10, 0, tzinfo=TZ)  # due on the 10th working day: 10月20日


def _field(card, name):
    return next(f["value"] for f in card.get("horizontal_content_list", []) if f["keyname"] == name)


def test_a_leader_rates_on_cards_one_at_a_time_with_kpi_and_comment(start_bot):
    clock = FixedClock(datetime(2026, 9, 18, 10, 0, tzinfo=TZ))
    bot = start_bot(clock=clock)
    bot.say("zhangsan", "周报 本周完成：回访客户")  # on time, in the quarter
    wait_text(bot, "zhangsan", "已收到你的周报")
    clock.current = OPENS
    run(bot, "superior_evaluation_reminder", OPENS - timedelta(days=1))  # a holiday: nothing yet
    assert eval_cards(bot, "lizuzhang") == []
    run(bot, "superior_evaluation_reminder", OPENS)
    intro = wait_text(bot, "lizuzhang", "评估开始了")
    assert "2026年第3季度" in intro and "2 位同事" in intro and "10月20日（周二）18:00" in intro
    card = wait_eval_card(bot, "lizuzhang")
    assert card["main_title"]["title"] == "2026年第3季度评估 · 张三"
    assert [b["text"] for b in card["button_list"]] == ["优秀", "良好", "合格", "待改进", "下一位"]
    assert _field(card, "周报按时") == "1/13 周" and _field(card, "月度自评").startswith("0/3")
    assert len(eval_cards(bot, "lizuzhang")) == 1  # never a wall of cards
    assert wait_eval_card(bot, "wangzong")["main_title"]["title"].endswith("李组长")  # the director rates leaders
    tap(bot, "lizuzhang", card, "优秀")
    wait_until(lambda: [c for c in bot.fake.state.calls_to("message/update_template_card")
                        if c["json"]["button"]["replace_name"] == "已评：优秀"], message="the card greyed")
    assert "「服务满意度」的实际值（%），目标 90%" in wait_text(bot, "lizuzhang", "实际值")
    bot.say("lizuzhang", "九十")
    assert "请只回复数字" in wait_text(bot, "lizuzhang", "没看懂")
    bot.say("lizuzhang", "92.5%")
    wait_text(bot, "lizuzhang", "请写一句对 张三 的评语")
    bot.say("lizuzhang", "推进有力，<a href='x'>客户</a>反馈好")
    saved = wait_text(bot, "lizuzhang", "✅ 已保存对 张三 的评估")
    assert "优秀，服务满意度 92.5" in saved and "下一位的卡片已发给你" in saved
    assert wait_eval_card(bot, "lizuzhang", 2)["main_title"]["title"].endswith("李四")
    received = bot.received("lizuzhang")
    saved_at = next(i for i, m in enumerate(received) if "已保存对 张三" in (m.get("text") or ""))
    assert (received[saved_at + 1].get("card") or {}).get("main_title", {}).get("title", "").endswith("李四")
    row = next(r for r in evaluations(bot, "2026Q3") if r.subject == "zhangsan")
    assert (row.rating, row.kpis, row.rater) == ("excellent", {"服务满意度": 92.5}, "lizuzhang")
    assert row.comment.startswith("推进有力")
    # the person sees it, quoted; another specialist is refused (P13)
    bot.say("zhangsan", "评估结果")
    result = wait_text(bot, "zhangsan", "你的季度评估")
    assert "2026年第3季度】优秀（评估人 李组长）" in result and "｜推进有力，＜a href='x'＞客户＜/a＞反馈好" in result
    bot.say("lisi", "评估结果 张三")
    assert "只有本人、其评估人和总监" in wait_text(bot, "lisi", "评估结果")
    bot.say("yangrenshi", "评估结果 张三")
    assert "只有本人、其评估人和总监" in wait_text(bot, "yangrenshi", "评估结果")
    bot.say("zhaozuzhang", "评估结果 张三")
    assert "只有本人、其评估人和总监" in wait_text(bot, "zhaozuzhang", "评估结果")
    for viewer in ("lizuzhang", "wangzong"):
        bot.say(viewer, "评估结果 张三")
        assert "优秀" in wait_text(bot, viewer, "张三的季度评估")


def test_four_simultaneous_taps_store_one_rating(start_bot):
    bot = start_bot(clock=FixedClock(OPENS))
    run(bot, "superior_evaluation_reminder", OPENS)
    card = wait_eval_card(bot, "lizuzhang")
    tap_together(bot, "lizuzhang", card, ["优秀", "良好", "合格", "待改进"])
    wait_until(lambda: sum("没有生效" in t for t in texts(bot, "lizuzhang")) == 3, message="three losers told")
    with bot.session() as s:
        rated = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.record_type == "evaluation", AuditEntry.action == "rated"))
    assert rated == 1
    assert sum("实际值" in t for t in texts(bot, "lizuzhang")) == 1  # one KPI question, for the winner
    row = next(r for r in evaluations(bot, "2026Q3") if r.subject == "zhangsan")
    assert row.rating in ("excellent", "good", "pass", "improve") and row.status == "rated"


def test_skip_progress_reminders_and_the_directors_missing_list(start_bot):
    clock = FixedClock(OPENS)
    bot = start_bot(clock=clock)
    run(bot, "superior_evaluation_reminder", OPENS)
    wait_eval_card(bot, "lizuzhang")
    bot.say("lizuzhang", "评估 下一位")
    assert "张三 放到最后再评" in wait_text(bot, "lizuzhang", "放到最后")
    second = wait_eval_card(bot, "lizuzhang", 2)
    assert second["main_title"]["title"].endswith("李四")
    rate(bot, "lizuzhang", second, "良好", kpi="88", comment="稳定")
    assert wait_eval_card(bot, "lizuzhang", 3)["main_title"]["title"].endswith("张三")
    bot.say("wangzong", "评估进度")
    progress = wait_text(bot, "wangzong", "评估进度")
    assert "已评 1/9" in progress and "• 李组长：1/2，未评：张三" in progress
    assert "• 赵组长：0/2，未评：王五、赵六" in progress and "• 王总监：0/3" in progress
    bot.say("lizuzhang", "评估进度")
    own = wait_text(bot, "lizuzhang", "评估进度")
    assert "李组长" in own and "赵组长" not in own
    bot.say("zhangsan", "评估进度")
    assert "只有总监" in wait_text(bot, "zhangsan", "评估进度")
    # the next working day: each rater with open ratings is reminded and holds one card again
    before = len(eval_cards(bot, "zhaozuzhang"))
    run(bot, "superior_evaluation_reminder", OPENS + timedelta(days=1))
    assert "还有 2 位同事待评" in wait_text(bot, "zhaozuzhang", "待评")
    assert len(wait_until(lambda: len(c := eval_cards(bot, "zhaozuzhang")) == before + 1 and c)) == before + 1
    assert "还有 1 位同事待评" in wait_text(bot, "lizuzhang", "待评")
    assert run(bot, "superior_evaluation_reminder", OPENS + timedelta(days=1, hours=2)) == []  # once a day
    run(bot, "superior_evaluation_reminder", DEADLINE_PASSED)
    missing = wait_text(bot, "wangzong", "评估已截止")
    assert "还有 8 位未评" in missing and "• 李组长：张三" in missing and "• 赵组长：王五、赵六" in missing
    assert run(bot, "superior_evaluation_reminder", DEADLINE_PASSED + timedelta(days=1)) == []


def test_a_rating_tap_ends_a_question_the_bot_was_still_asking(start_bot):
    """An approver who rejects a purchase and taps a rating card instead of giving the reason: the
    requester is told of the rejection at once (no reason), and the rating's questions begin."""
    from tests.approvals.helpers import submit
    from tests.chat import wait_card
    bot = start_bot(clock=FixedClock(OPENS))
    submit(bot, "lizuzhang", "采购 投影仪 3000元")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    run(bot, "superior_evaluation_reminder", OPENS)
    tap(bot, "wangzong", wait_eval_card(bot, "wangzong"), "良好")
    assert "（审批人未填写）" in wait_text(bot, "lizuzhang", "驳回")
    wait_text(bot, "wangzong", "「服务满意度」的实际值")
    bot.say("wangzong", "95")
    wait_text(bot, "wangzong", "请写一句对 李组长 的评语")
