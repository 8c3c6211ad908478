"""Monthly self-evaluations (P13) end to end: the prefilled draft from the month's weekly reports
and action items, 自评 with replace-after-confirm, reminders until the due day, the leaders'
missing lists, and who may read a self-evaluation."""
import re
from datetime import datetime, timedelta

from tests.chat import texts, wait_text
from tests.conftest import FixedClock
from tests.people.helpers import AFTER_DUE, ASK_DAY, DUE_DAY, TZ, run


def _november_log(bot, clock):
    """张三's November: two weekly reports, a meeting whose minutes give him two action items,
    one of which he finishes."""
    clock.current = datetime(2026, 11, 13, 10, 0, tzinfo=TZ)
    bot.say("zhangsan", "周报 本周完成：回访客户3家 下周计划：整理需求")
    wait_text(bot, "zhangsan", "已收到你的周报")
    clock.current = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
    bot.say("zhangsan", "周报 本周完成：<b>需求清单</b>初稿")
    clock.current = datetime(2026, 11, 16, 9, 0, tzinfo=TZ)
    bot.say("lizuzhang", "登记会议 项目评审 今天14:00-15:00 参会 张三 李四 记录人 李四")
    wait_text(bot, "lizuzhang", "已登记会议")
    clock.current = datetime(2026, 11, 16, 16, 0, tzinfo=TZ)
    bot.say("lisi", "纪要\n决议：完成供应商比价 负责人：张三 截止：11月20日\n决议：整理培训材料 负责人：张三 截止：11月24日")
    wait_text(bot, "lisi", "已归档会议")
    clock.current = datetime(2026, 11, 19, 10, 0, tzinfo=TZ)
    first = re.search(r"决议 #(\d+) 的负责人：完成供应商比价", wait_text(bot, "zhangsan", "完成供应商比价")).group(1)
    bot.say("zhangsan", f"完成 {first}")
    wait_text(bot, "zhangsan", "完成。")


def test_the_reminder_carries_a_draft_of_the_months_reports_and_items(start_bot):
    clock = FixedClock(datetime(2026, 11, 13, 10, 0, tzinfo=TZ))
    bot = start_bot(clock=clock)
    _november_log(bot, clock)
    assert run(bot, "self_evaluation_reminder", ASK_DAY - timedelta(days=1)) == []  # P13: not before the day
    run(bot, "self_evaluation_reminder", ASK_DAY)
    ask = wait_text(bot, "zhangsan", "自评提醒")
    assert "2026年11月自评提醒" in ask and "12月3日（周四）18:00" in ask
    assert "· 第46周：本周完成：回访客户3家 下周计划：整理需求" in ask
    assert "· 第47周：本周完成：＜b＞需求清单＜/b＞初稿" in ask  # quoted, not markup
    assert "· 第48周：未交周报" in ask
    assert "· 已完成：" in ask and "完成供应商比价" in ask
    assert "· 已逾期：" in ask and "整理培训材料（截止 11月24日（周二））" in ask
    assert "\n自评\n【本月工作】" in ask and len(ask.encode()) <= 2048
    # every specialist gets one draft; leaders and the director write none (P13: specialists)
    for userid in ("lisi", "wangwu", "zhaoliu", "qianqi", "zhouba"):
        assert "自评提醒" in wait_text(bot, userid, "自评提醒")
    assert not any("自评" in t for t in texts(bot, "lizuzhang") + texts(bot, "wangzong"))
    assert run(bot, "self_evaluation_reminder", ASK_DAY + timedelta(hours=1)) == []  # once a day


def test_a_submitter_is_not_reminded_and_a_second_one_replaces_after_confirm(start_bot):
    clock = FixedClock(ASK_DAY)
    bot = start_bot(clock=clock)
    run(bot, "self_evaluation_reminder", ASK_DAY)
    clock.current = ASK_DAY + timedelta(hours=2)
    bot.say("zhangsan", "自评\n【本月工作】回访客户\n【自我评价】亮点：响应快")
    assert "✅ 已收到你2026年11月的自评，按时提交" in wait_text(bot, "zhangsan", "已收到你")
    bot.say("zhangsan", "自评 改过的版本")
    assert "回复「确认」" in wait_text(bot, "zhangsan", "提交过2026年11月的自评")
    bot.say("zhangsan", "确认")
    assert "已用新内容替换" in wait_text(bot, "zhangsan", "已用新内容替换")
    bot.say("zhangsan", "自评 查看")
    assert "改过的版本" in wait_text(bot, "zhangsan", "你最近的自评")
    # the next working day: only those still missing are reminded, in one batched send
    run(bot, "self_evaluation_reminder", datetime(2026, 11, 27, 10, 0, tzinfo=TZ))
    reminder = wait_text(bot, "lisi", "的自评还没有提交")
    assert "截止 12月3日（周四）18:00" in reminder
    assert not any("还没有提交" in t for t in texts(bot, "zhangsan"))
    sends = [c["json"] for c in bot.fake.state.calls_to("message/send")
             if "还没有提交" in (c["json"].get("text") or {}).get("content", "")]
    assert len(sends) == 1 and set(sends[0]["touser"].split("|")) == {"lisi", "wangwu", "zhaoliu", "qianqi", "zhouba"}
    assert run(bot, "self_evaluation_reminder", datetime(2026, 11, 28, 10, 0, tzinfo=TZ)) == []  # Saturday


def test_after_the_due_day_each_leader_gets_the_missing_list(start_bot):
    clock = FixedClock(ASK_DAY)
    bot = start_bot(clock=clock)
    run(bot, "self_evaluation_reminder", ASK_DAY)
    for userid in ("zhangsan", "wangwu", "zhaoliu"):
        bot.say(userid, "自评 本月按计划完成")
        wait_text(bot, userid, "已收到你")
    assert run(bot, "self_evaluation_reminder", DUE_DAY)  # the last reminder, on the due day itself
    clock.current = DUE_DAY + timedelta(hours=9)  # 19:00, after the deadline
    bot.say("qianqi", "自评 晚了一点")
    assert "记为迟交" in wait_text(bot, "qianqi", "已收到你")
    run(bot, "self_evaluation_reminder", AFTER_DUE)
    assert "项目协调组还有 1 人未交：李四" in wait_text(bot, "lizuzhang", "自评已截止")
    assert "资源支持组全部已交" in wait_text(bot, "zhaozuzhang", "自评已截止")
    assert "数据分析师组还有 1 人未交：周八" in wait_text(bot, "sunzuzhang", "自评已截止")
    assert run(bot, "self_evaluation_reminder", AFTER_DUE + timedelta(days=3)) == []  # once


def test_bare_self_evaluation_gives_the_draft_and_others_may_not_read_it(start_bot):
    bot = start_bot(clock=FixedClock(ASK_DAY))
    bot.say("zhangsan", "自评")
    assert "复制下面整段" in wait_text(bot, "zhangsan", "自评的草稿")
    bot.say("zhangsan", "自评 本月完成回访")
    wait_text(bot, "zhangsan", "已收到你")
    bot.say("lisi", "查看自评 张三")
    assert "只有本人、其组长和总监" in wait_text(bot, "lisi", "自评")
    bot.say("zhaozuzhang", "查看自评 张三")  # another group's leader
    assert "只有本人、其组长和总监" in wait_text(bot, "zhaozuzhang", "自评")
    bot.say("lizuzhang", "查看自评 张三")
    assert "｜本月完成回访" in wait_text(bot, "lizuzhang", "张三 最近的自评")
    bot.say("lizuzhang", "自评 我也写")
    assert "你无需提交" in wait_text(bot, "lizuzhang", "无需提交")
