"""User text can never pose as the bot or as someone else (issue 9): every example goes in as an
encrypted callback and is checked in what the fake WeCom API delivered to the other person.

Text messages: WeCom renders ``<a href>``, so tags must arrive defused, and a line break must not
start a line that looks like the bot's own. Markdown: links, ``<font>``, ``>`` quotes and headings
must arrive as plain characters, typed text as a quoted block under the bot's label.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler import run_job
from tests.approvals.helpers import request_row, submit
from tests.chat import tap, texts, wait_card, wait_text
from tests.conftest import FixedClock
from tests.meetings.helpers import MONDAY, WEEKLY, count_meetings, end_meeting_and_submit, meetings

TZ = ZoneInfo("Asia/Shanghai")
LINK = '<a href="http://evil.example/x">点此查看审批</a>'
FORGED = "🎉 你的采购申请 #1 已全部审批通过！"
MD_LINK = "[点我领取报销款](http://evil.example)"


def assert_plain_text(message: str) -> None:
    """No live tag and no line of the message starts with the forged bot line."""
    assert "<a" not in message and "</a>" not in message, message
    assert not any(line.startswith("🎉") for line in message.splitlines()), message


def run(bot, job_id: str, at: datetime) -> None:
    ids = run_job(bot.runtime, job_id, at)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)


# ---- approvals (P3, P5): the alert, 催办, the card, 驳回 ---------------------------------------

def test_an_emergency_request_with_a_link_reaches_the_chain_as_plain_text(bot):
    request_id = submit(bot, "zhangsan", f"紧急采购 {LINK} 2万元 因为机房断电")
    alert = wait_text(bot, "wangzong", "⚠️ 紧急采购")
    assert_plain_text(alert)
    assert "＜a href" in alert  # the characters stay readable, the tag is dead
    card = wait_card(bot, "wangzong")
    assert all("<" not in f["value"] for f in card["horizontal_content_list"])

    bot.say("zhangsan", f"催办 {request_id}")
    assert_plain_text(wait_text(bot, "wangzong", "催办："))

    tap(bot, "wangzong", card, "驳回")
    wait_text(bot, "wangzong", "请回复驳回理由")
    bot.say("wangzong", f"预算不足 {LINK}\n{FORGED}")
    rejected = wait_text(bot, "zhangsan", "❌ 你的采购申请")
    assert_plain_text(rejected)
    assert "预算不足" in rejected and "🎉 你的采购申请 #1" in rejected  # kept, but inside the 理由 line


def test_a_tap_on_a_later_step_says_it_is_not_yet_their_turn(bot):
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器3台 8万元 用于压测环境")
    card = wait_card(bot, "wangzong")
    # Finance taps step 2 (a key as a re-sent or forged card would carry it) before step 1 is decided.
    code = bot.fake.state.issue_response_code("liucaiwu", card["task_id"])
    bot.wecom.card_tap("liucaiwu", card["task_id"], f"approval:approve:{request_id}:2", code)
    answer = wait_text(bot, "liucaiwu", f"#{request_id}")
    assert "还没轮到你" in answer and "初审（王总监）" in answer and "已处理过" not in answer
    row = request_row(bot, request_id)
    assert (row.status, row.current_step, [s.status for s in row.steps]) == ("pending", 1,
                                                                             ["pending", "waiting", "waiting"])


# ---- meetings (P11, P9, P12): titles, who registered, minutes, 决议, 进展 --------------------------

def _meeting_bot(start_bot, weekly: bool = False):
    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, extra={"meetings": WEEKLY if weekly else {"recurring": []}})
    bot.clock = clock
    return bot


def test_a_meeting_title_cannot_forge_a_bot_line_in_the_invitation(start_bot):
    bot = _meeting_bot(start_bot)
    for answer, question in ((None, "会议叫什么"), (f"{LINK}\n{FORGED}", "什么时候开"),
                             ("明天14:00-15:00", "参会人"), ("张三", "记录纪要")):
        bot.say("lizuzhang", answer or "登记会议")
        wait_text(bot, "lizuzhang", question)
    bot.say("lizuzhang", "张三")
    invitation = wait_text(bot, "zhangsan", "邀请你参加会议")
    assert_plain_text(invitation)
    assert invitation.startswith("📅 李组长 邀请你参加会议") and "主持：李组长" in invitation


def test_only_the_director_or_a_group_leader_registers_a_meeting_someone_else_chairs(start_bot):
    bot = _meeting_bot(start_bot)
    bot.say("zhangsan", "登记会议 预算评审 明天14:00-15:00 参会 李四 记录人 李四 主持 王总监")
    refused = wait_text(bot, "zhangsan", "只有总监和组长可以登记由别人主持的会议")
    assert "去掉「主持 王总监」" in refused
    assert count_meetings(bot) == 0 and texts(bot, "lisi") == [] and texts(bot, "wangzong") == []

    bot.say("lizuzhang", "登记会议 预算评审 明天14:00-15:00 参会 李四 记录人 李四 主持 王总监")
    invitation = wait_text(bot, "wangzong", "邀请你参加会议")
    assert invitation.startswith("📅 李组长 邀请你参加会议") and "主持：王总监" in invitation
    [meeting] = meetings(bot)
    assert (meeting.chair, meeting.created_by) == ("wangzong", "lizuzhang")


def test_minutes_reach_the_attendees_as_quoted_text_not_markup(start_bot):
    bot = _meeting_bot(start_bot, weekly=True)
    minutes = ("纪要\n议题：" + MD_LINK + "\n讨论：<font color=\"info\">已批准</font>\n> 主持：王总监\n### 紧急\n"
               "决议：" + MD_LINK + " 负责人：张三")
    meeting = end_meeting_and_submit(bot, minutes)
    sent = wait_text(bot, "zhaozuzhang", "会议纪要 #")
    lines = sent.splitlines()
    assert "](" not in sent and "<font" not in sent
    assert not any(line.startswith("#") for line in lines)
    assert lines.count("> 主持：王总监") == 1  # the bot's own fact line; the typed one is quoted
    assert "> ＞ 主持：王总监" in lines and "> ＃＃＃ 紧急" in lines
    assert_plain_text(wait_text(bot, "zhangsan", "你是决议 #"))

    bot.say("zhaozuzhang", f"查看纪要 {meeting.id}")
    shown = wait_text(bot, "zhaozuzhang", f"会议纪要 #{meeting.id}「")
    body = shown.split("\n\n", 1)[1].splitlines()
    assert body and all(line.startswith("｜") for line in body)  # every typed line barred

    bot.say("zhangsan", f"进展 1 已联系供应商\n{FORGED}")
    wait_text(bot, "zhangsan", "已记录决议 #1 的进展")
    bot.say("zhaozuzhang", f"决议列表 {meeting.id}")
    assert_plain_text(wait_text(bot, "zhaozuzhang", "的决议："))


# ---- reports (P10), weekly sync (P18), notices (P17) ----------------------------------------

REPORT = f"本周完成：{MD_LINK}\n### 假标题\n<font color=\"info\">全部按时</font>\n**技术部**（吴技术）：已完成"


def _assert_quoted_markdown(markdown: str) -> None:
    assert "](" not in markdown and '<font color="info">' not in markdown
    assert not any(line.startswith(("### 假", "**技术部**（吴技术）：已完成")) for line in markdown.splitlines())


def test_a_weekly_report_reaches_the_leader_and_the_director_as_a_quoted_block(start_bot):
    bot = start_bot(clock=FixedClock(datetime(2026, 11, 26, 9, 0, tzinfo=TZ)))
    bot.say("zhangsan", "周报 " + REPORT)
    wait_text(bot, "zhangsan", "已收到")
    bot.say("lizuzhang", "周报 汇总")
    summary = wait_text(bot, "lizuzhang", "**张三**")
    _assert_quoted_markdown(summary)
    assert "> ＃＃＃ 假标题" in summary.splitlines()
    run(bot, "weekly_report_overdue", datetime(2026, 11, 27, 18, 0, tzinfo=TZ))
    _assert_quoted_markdown(wait_text(bot, "wangzong", "**张三**"))


def test_a_sync_cannot_forge_the_other_sides_line_in_the_digest(start_bot, make_settings):
    configured = [{"name": "客户数据治理", "departments": ["innovation", "finance"],
                   "contacts": {"innovation": "qianqi", "finance": "liucaiwu"}, "stakeholders": ["sunzuzhang"]}]
    bot = start_bot(clock=FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=TZ)),
                    extra={**make_settings().extra, "collaborations": configured}, sections={})
    bot.say("qianqi", "同步 客户数据治理 对账完成\n**财务部**（刘财务）：已完成")
    wait_text(bot, "qianqi", "已记录「客户数据治理」")
    run(bot, "weekly_sync_digest", datetime(2026, 11, 27, 10, 0, tzinfo=TZ))
    digest = wait_text(bot, "sunzuzhang", "跨部门协作周同步")
    lines = digest.splitlines()
    assert "**财务部**（刘财务）：已完成" not in lines and "> ＊＊财务部＊＊（刘财务）：已完成" in lines
    assert any(line.startswith("**财务部**（刘财务）：<font") for line in lines)  # the real missing side


def test_a_notice_keeps_every_typed_line_under_its_senders_label(bot):
    bot.say("wangzong", f"通知 周五开会\n{FORGED}\n{LINK}")
    notice = wait_text(bot, "zhouba", "【通知】")
    assert_plain_text(notice)
    first, *rest = notice.splitlines()
    assert first == "📢【通知】（王总监 发给全部门）" and rest and all(line.startswith("｜") for line in rest)
