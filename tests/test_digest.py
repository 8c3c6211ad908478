"""The managers' digest (P0): every number reproduced from known records and audit entries."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import ApprovalRequest, ApprovalStep, AuditEntry
from models.collaboration import Collaboration, SyncUpdate
from models.meeting import ActionItem, Meeting, Minutes
from models.report import Report
from scheduler import run_job
from tests.conftest import FixedClock
from tests.chat import texts, wait_text

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # the digest covers week 48: 11-23 … 11-29


def at(day, hour=10):
    return datetime(2026, 11, day, hour, 0, tzinfo=TZ)


def request(s, requester, created, steps, status):
    """steps: (label, started, decided, status)."""
    r = ApprovalRequest(kind="procurement", requester=requester, department_id="innovation", item="物品",
                        amount_fen=100000, reason="", status=status, created_at=created, submitted_at=created)
    r.steps = [ApprovalStep(position=i + 1, role="director", label=label, approver="wangzong", status=st,
                            started_at=start, decided_at=decided) for i, (label, start, decided, st) in enumerate(steps)]
    s.add(r)
    s.flush()
    s.add(AuditEntry(at=created, actor=requester, action="created", record_type="approval", record_id=str(r.id)))
    for i, (_, _, decided, st) in enumerate(steps):
        if decided:
            s.add(AuditEntry(at=decided, actor="wangzong", action=st, record_type="approval", record_id=str(r.id),
                             detail={"step": i + 1}))
    if status == "approved":
        s.add(AuditEntry(at=steps[-1][2], actor="system:approval", action="completed", record_type="approval",
                         record_id=str(r.id)))


def meeting(s, taker, due, attendees, minutes_at=None, status="scheduled"):
    m = Meeting(title="周会", starts_at=due - timedelta(hours=25), ends_at=due - timedelta(hours=24), chair="wangzong",
                minute_taker=taker, attendees=attendees, agenda="", status=status, created_by="wangzong",
                created_at=due - timedelta(days=3), minutes_due_at=due)
    s.add(m)
    s.flush()
    if minutes_at:
        s.add(Minutes(meeting_id=m.id, author=taker, text="纪要", created_at=minutes_at, submitted_at=minutes_at,
                      due_at=due))
    return m


def item(s, m, owner, due, status="open"):
    s.add(ActionItem(meeting_id=m.id, text="决议", owner=owner, status=status, created_at=m.ends_at,
                     owner_due_at=m.ends_at + timedelta(hours=24), due_at=due))


@pytest.fixture
def seeded_bot(start_bot, make_settings):
    collaborations = [{"name": "客户数据治理", "departments": ["innovation", "finance"],
                       "contacts": {"innovation": "qianqi", "finance": "liucaiwu"}}]
    bot = start_bot(clock=FixedClock(MONDAY), extra={"collaborations": collaborations}, sections={})
    with bot.session() as s:
        request(s, "zhangsan", at(24), [("初审", at(24), at(24, 12), "approved"),
                                        ("复审", at(24, 12), at(24, 18), "approved")], "approved")  # 2 h, 6 h
        request(s, "wangwu", at(25, 9), [("初审", at(25, 9), at(25, 13), "rejected")], "rejected")  # 4 h
        request(s, "lisi", at(26), [("初审", at(26), None, "pending")], "pending")
        request(s, "zhangsan", at(16), [("初审", at(16), at(23), "approved")], "approved")  # 168 h, submitted earlier
        m1 = meeting(s, "zhangsan", at(25), ["lizuzhang", "zhangsan", "lisi"], minutes_at=at(25, 9))  # on time
        m2 = meeting(s, "wangwu", at(26), ["zhaozuzhang", "wangwu"], minutes_at=at(26, 12))  # late
        meeting(s, "qianqi", at(27), ["sunzuzhang", "qianqi"])  # missing
        meeting(s, "zhouba", at(27), ["sunzuzhang", "zhouba"], status="cancelled")  # not counted
        meeting(s, "zhouba", datetime(2026, 12, 1, 10, tzinfo=TZ), ["zhouba"])  # due this week: not counted
        item(s, m1, None, None)  # a resolution without an owner
        item(s, m2, "wangwu", at(28))  # overdue
        item(s, m2, "wangwu", at(20), status="done")
        item(s, m1, "lisi", datetime(2026, 12, 5, tzinfo=TZ))  # not yet due
        for userid, group, late in (("zhangsan", "coordination", False), ("lisi", "coordination", True),
                                    ("wangwu", "resources", False)):
            s.add(Report(kind="weekly", period="2026-W48", userid=userid, group_id=group, content="…",
                         submitted_at=at(27), first_submitted_at=at(27), deadline=at(27, 17), late=late))
        s.add(Collaboration(name="数据平台对接", contacts={"tech": "wujishu", "innovation": "zhangsan"},
                            stakeholders=["lizuzhang"], created_by="lizuzhang", created_at=at(20)))
        for department, userid in (("innovation", "zhangsan"), ("tech", "wujishu")):
            s.add(SyncUpdate(collaboration="数据平台对接", week="2026-W48", department_id=department, userid=userid,
                             content="进展", submitted_at=at(26)))
        s.commit()
    return bot


def test_the_digest_numbers_match_the_records(seeded_bot):
    bot = seeded_bot
    ids = run_job(bot.runtime, "manager_digest", MONDAY)
    bot.runtime.dispatcher.wait_for(ids, timeout=10)
    # the director and three group leaders; and the owner of the overdue resolution (issue 30: what
    # still waits for someone is in their weekly digest, not repeated day after day)
    assert len(ids) == 5
    assert texts(bot, "wangwu") == ["📋 第49周 仍在等你处理（已提醒过，不再逐条重复）：\n"
                                    "• 你负责的决议 1 项已过截止日期（P12）：发「我的待办」查看"]
    director = wait_text(bot, "wangzong", "管理周报")
    assert "第48周（11月23日—11月29日）" in director and "范围：创新服务部" in director
    assert "**审批**：提交 3 · 通过 2 · 驳回 1" in director
    assert "每步审批用时中位数：5.0 小时（初审 4.0 小时 · 复审 6.0 小时）" in director  # of 2, 6, 4, 168 h
    assert "**会议纪要**：按时 1 · 迟交 1 · 缺失 1" in director
    assert "**决议**：无负责人 1 · 逾期待办 1" in director
    assert "**周报**：按时 2 · 迟交 1 · 未交 6" in director
    assert "**协作同步**：2/4 方已同步（50%）" in director
    coordination = wait_text(bot, "lizuzhang", "管理周报")
    assert "范围：项目协调组" in coordination and "**审批**：提交 2 · 通过 2 · 驳回 0" in coordination
    assert "每步审批用时中位数：6.0 小时（初审 85.0 小时 · 复审 6.0 小时）" in coordination
    assert "**会议纪要**：按时 1 · 迟交 0 · 缺失 0" in coordination
    assert "**决议**：无负责人 1 · 逾期待办 0" in coordination
    assert "**周报**：按时 1 · 迟交 1 · 未交 1" in coordination
    assert "**协作同步**：1/1 方已同步（100%）" in coordination
    resources = wait_text(bot, "zhaozuzhang", "管理周报")
    assert "**审批**：提交 1 · 通过 0 · 驳回 1" in resources and "初审 4.0 小时" in resources
    assert "**决议**：无负责人 0 · 逾期待办 1" in resources and "无需同步的协作" in resources
    analysts = wait_text(bot, "sunzuzhang", "管理周报")
    assert "上周无审批决定" in analysts and "**会议纪要**：按时 0 · 迟交 0 · 缺失 1" in analysts
    assert "**周报**：按时 0 · 迟交 0 · 未交 3" in analysts and "0/1 方已同步（0%）" in analysts
    assert run_job(bot.runtime, "manager_digest", MONDAY) == []  # a re-run sends nothing twice
