"""The digest's trends (P0): each figure against the week before and the 12-week median, what
changed most first with its cause; weeks before the bot was in use are not counted."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from handlers.trends import Figure
from models import ApprovalRequest, ApprovalStep, InboundCallback
from scheduler import run_job
from tests.chat import wait_text
from tests.conftest import FixedClock
from tests.test_digest import request

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # the digest's week: 11-23 … 11-29


def in_service(s, moment):
    s.add(InboundCallback(dedupe_key=f"seed:{moment.isoformat()}", received_at=moment, userid="zhangsan",
                          msg_type="text", content="我是谁", payload={}, handler="whoami", status="done"))


def weekly_approvals(s, weeks_back, hours):
    """One request a week, its one step decided in ``hours`` (the Tuesday of that week)."""
    for back, taken in zip(weeks_back, hours):
        start = datetime(2026, 11, 24, 10, tzinfo=TZ) - timedelta(weeks=back)
        request(s, "zhangsan", start, [("初审", start, start + timedelta(hours=taken), "approved")], "approved")


def backlog(s, count):
    """``count`` requests filed long ago whose 复审 waits for 刘财务 now."""
    old = datetime(2026, 8, 3, 10, tzinfo=TZ)
    for _ in range(count):
        r = ApprovalRequest(kind="procurement", requester="lisi", department_id="innovation", item="物品",
                            amount_fen=100000, reason="", status="pending", created_at=old, submitted_at=old,
                            current_step=2)
        r.steps = [ApprovalStep(position=1, role="department_head", label="初审", approver="wangzong",
                                status="approved", started_at=old, decided_at=old),
                   ApprovalStep(position=2, role="finance", label="复审", approver="liucaiwu", status="pending",
                                started_at=old)]
        s.add(r)


def digest(bot, userid="wangzong"):
    ids = run_job(bot.runtime, "manager_digest", MONDAY)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    return wait_text(bot, userid, "管理周报")


def test_what_changed_most_comes_first_with_its_cause(start_bot):
    bot = start_bot(clock=FixedClock(MONDAY))
    with bot.session() as s:
        in_service(s, datetime(2026, 9, 1, 9, tzinfo=TZ))
        weekly_approvals(s, range(1, 9), [3, 3, 2, 4, 3, 3, 3, 3])
        weekly_approvals(s, [0], [5])
        backlog(s, 6)
        s.commit()
    text = digest(bot)
    lines = text.split("\n")
    assert lines[2] == ("**变化最大**：审批用时中位数 ↑ 67%（5.0 小时，上周 3.0 小时，12 周中位 3.0 小时）"
                        "：复审（刘财务）积压 6 件")
    assert lines[3].startswith("与上周 · 12 周中位比：审批用时中位数 5.0 小时（3.0 小时 · 3.0 小时） · 提交申请 1 件（1 件 · 1 件）")
    leader = digest(bot, "lizuzhang")  # lisi's backlog is in 项目协调组 too; zhangsan's weeks are its figures
    assert "审批用时中位数 ↑ 67%" in leader and "复审（刘财务）积压 6 件" in leader


def test_weeks_before_the_bot_was_in_use_are_not_compared(start_bot):
    bot = start_bot(clock=FixedClock(MONDAY))
    with bot.session() as s:
        in_service(s, datetime(2026, 11, 24, 9, tzinfo=TZ))  # installed during the digest's week
        weekly_approvals(s, [0], [5])
        s.commit()
    text = digest(bot)
    assert "变化最大" not in text and "12 周中位比" not in text  # nothing to compare with yet
    assert "**审批**：提交 1" in text


def test_a_steady_week_says_nothing_moved_much(start_bot):
    bot = start_bot(clock=FixedClock(MONDAY))
    with bot.session() as s:
        in_service(s, datetime(2026, 9, 1, 9, tzinfo=TZ))
        weekly_approvals(s, range(0, 9), [3] * 9)
        s.commit()
    assert "**变化最大**：各项与上周相比变化都不到 20%" in digest(bot)


@given(st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=13, max_size=13))
def test_the_median_ignores_weeks_not_in_use_and_the_change_needs_both_weeks(series):
    figure = Figure("提交申请", "件", series)
    known = sorted(v for v in series[1:] if v is not None)
    if known:
        assert min(known) <= figure.median <= max(known)
    else:
        assert figure.median is None
    change = figure.change_percent()
    assert (change is None) == (series[0] is None or not series[1])
