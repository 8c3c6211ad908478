"""Nothing judged before the bot was in use (issue 30, bot.org.in_use): a period whose deadline had
passed before the bot was in use for a person — a fresh install, or someone who came later — is
neither chased, counted late nor shown as missing (P10 reports, P13 self-evaluations and the
quarterly card, P0 digest, P16 audit). Each case through the callback or job path, clock set."""
import dataclasses
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import load_settings
from scheduler import run_job
from tests.chat import texts, wait_text
from tests.conftest import FixedClock, clocked_bot, wait_until
from tests.org.helpers import serve_contacts, wecom_org
from tests.org.test_events import change
from tests.people.helpers import eval_cards

TZ = ZoneInfo("Asia/Shanghai")
INSTALLED = datetime(2026, 12, 8, 9, 0, tzinfo=TZ)  # a Tuesday: November and week 49 are already due


def run(bot, job_id, at):
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return ids


def fresh(start_bot, at=INSTALLED, **overrides):
    """A bot installed at ``at`` (its first run), its handlers' clock reading ``at``."""
    return clocked_bot(start_bot, at, in_use_since=at, **overrides)


def test_leaders_are_not_told_novembers_self_evaluations_are_missing(start_bot):
    """P13: November's self-evaluations were due on 3 December, before the install."""
    bot = fresh(start_bot)
    assert run(bot, "self_evaluation_reminder", datetime(2026, 12, 8, 10, 0, tzinfo=TZ)) == []
    old = clocked_bot(start_bot, INSTALLED)  # the same day in a department using the bot since January
    run(old, "self_evaluation_reminder", datetime(2026, 12, 8, 10, 0, tzinfo=TZ))
    assert "2026年11月自评已截止" in wait_text(old, "lizuzhang", "自评已截止")


def test_the_first_self_evaluation_after_install_is_this_months_and_not_late(start_bot):
    bot = fresh(start_bot, datetime(2026, 12, 8, 10, 0, tzinfo=TZ))
    bot.say("zhangsan", "自评")
    draft = wait_text(bot, "zhangsan", "自评的草稿")
    assert "2026年12月自评的草稿" in draft and "第49周" not in draft  # week 49 was due 4 December
    assert "第50周：未交周报" in draft  # this week is the bot's: still to be written
    bot.say("zhangsan", "自评 本月完成客户回访12家")
    assert "已收到你2026年12月的自评，按时提交" in wait_text(bot, "zhangsan", "已收到你")
    bot.say("lisi", "自评 11月 补上十一月的总结")  # naming November: kept, not counted late
    assert "已收到你2026年11月的自评，截止时助手尚未启用，不计迟交" in wait_text(bot, "lisi", "已收到你")
    bot.say("wangzong", "评估进度")  # the director's progress: December's, not November's missing list
    progress = wait_text(bot, "wangzong", "自评（截止")
    assert "2026年12月自评" in progress and "2026年11月" not in progress


def test_a_report_for_a_week_due_before_install_is_not_late(start_bot):
    bot = fresh(start_bot, datetime(2026, 12, 8, 10, 0, tzinfo=TZ))
    bot.say("zhangsan", "周报 上周 完成客户回访")  # week 49, due Friday 4 December
    assert "截止时助手尚未启用，不计迟交" in wait_text(bot, "zhangsan", "周报")


def test_installed_on_friday_evening_nobody_is_chased_for_that_week_or_last_month(start_bot):
    """P10: installed after Friday's deadline: no overdue lists for that week or for November's 月报."""
    bot = fresh(start_bot, datetime(2026, 12, 4, 18, 0, tzinfo=TZ))
    assert run(bot, "weekly_report_overdue", datetime(2026, 12, 5, 17, 0, tzinfo=TZ)) == []
    assert run(bot, "monthly_report_reminder", datetime(2026, 12, 5, 10, 0, tzinfo=TZ)) == []
    run(bot, "weekly_report_reminder", datetime(2026, 12, 11, 15, 0, tzinfo=TZ))  # the next week is chased
    assert "第50周" in wait_text(bot, "zhangsan", "周报提醒")


def test_the_monday_digest_does_not_count_the_week_before_install(start_bot):
    """P0: installed Monday 08:00, the 09:00 digest covers week 49, due before the install."""
    bot = fresh(start_bot, datetime(2026, 12, 7, 8, 0, tzinfo=TZ))
    run(bot, "manager_digest", datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    digest = wait_text(bot, "wangzong", "管理周报")
    assert "**周报**：按时 0 · 迟交 0 · 未交 0" in digest
    assert "**协作同步**：无需同步的协作" in digest  # nobody owed week 49's sync either


def test_the_quarterly_card_counts_only_the_weeks_since_install(start_bot):
    """P13: the Q4 card after a December install: weeks 50–53 and December's self-evaluation."""
    bot = fresh(start_bot)
    bot.clock.current = datetime(2027, 1, 4, 10, 0, tzinfo=TZ)
    run(bot, "superior_evaluation_reminder", datetime(2027, 1, 4, 10, 0, tzinfo=TZ))
    card = wait_until(lambda: next((c for c in eval_cards(bot, "lizuzhang") if "张三" in json.dumps(c, ensure_ascii=False)),
                                   None), message="張三's card")
    shown = json.dumps(card, ensure_ascii=False)
    assert "0/4 周" in shown and "0/13 周" not in shown
    assert "0/1 个月" in shown


def test_the_audit_counts_from_the_install(start_bot):
    """P16: 2026Q4 audited after a December install: only weeks 50–53, 「此前助手尚未启用」."""
    bot = fresh(start_bot)
    run(bot, "quarterly_audit", datetime(2027, 1, 4, 9, 0, tzinfo=TZ))
    summary = wait_text(bot, "wangzong", "季度合规审计")
    assert "周报与协作同步自 12月8日（周二）09:00 起审计（此前助手尚未启用）" in summary
    assert "**周报**（P10）：检查 36 · 违规 36" in summary  # 9 owers × weeks 50–53, none before


def test_someone_who_came_later_is_not_judged_for_what_was_due_before(start_bot, fake_wecom):
    """P1/P10/P13: 新人 comes into the address book on Saturday 5 December: week 49 (due the 4th),
    November's 月报 and 自评 (due the 3rd) are not theirs; the others are still listed."""
    serve_contacts(fake_wecom)
    clock = FixedClock(datetime(2026, 12, 1, 2, 30, tzinfo=TZ))
    policy = dataclasses.replace(load_settings(None).policy, audit_sample_size=1000)  # the audit lists every week
    bot = start_bot(clock=clock, org=wecom_org(), policy=policy)
    run_job(bot.runtime, "org_sync", datetime(2026, 12, 1, 2, 30, tzinfo=TZ))
    clock.current = datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    change(bot, "create_user", UserID="xinren", Name="新人", Department="3", MainDepartment="3",
           IsLeaderInDept="0", Status="1", Position="专员")
    assert bot.runtime.org.get("xinren") is not None
    run(bot, "weekly_report_overdue", datetime(2026, 12, 5, 17, 0, tzinfo=TZ))
    run(bot, "monthly_report_reminder", datetime(2026, 12, 5, 10, 0, tzinfo=TZ))
    run(bot, "self_evaluation_reminder", datetime(2026, 12, 7, 10, 0, tzinfo=TZ))
    leader = bot.runtime.org.group_leader("3").userid
    told = "\n".join(texts(bot, leader))
    assert "已截止" in told and "新人" not in told
    assert texts(bot, "xinren") == []
    run(bot, "weekly_report_reminder", datetime(2026, 12, 11, 15, 0, tzinfo=TZ))  # the week after: theirs
    assert "第50周" in wait_text(bot, "xinren", "周报提醒")
    run(bot, "quarterly_audit", datetime(2027, 1, 4, 9, 0, tzinfo=TZ))  # P16: 新人 owes from week 50 on
    [csv_message] = [m for m in bot.received("wangzong") if m["msgtype"] == "file"]
    report = bot.fake.state.media[csv_message["media_id"]][1].decode("utf-8-sig")
    assert "第50周（12月7日—12月13日） · 新人" in report and "第49周（11月30日—12月6日） · 新人" not in report
    assert "第49周（11月30日—12月6日） · 张三" in report
