"""The quarterly audit (P16) over fixture quarters: a quarter with known breaches lists exactly
those (P3, P4, P5, P9, P10, P12, P15, P18), a clean quarter lists nothing; sampling with a printed
seed; the summary and the CSV file reach the director and compliance once; the command line."""
import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import ApprovalRequest, ApprovalStep, AuditEntry, Incident
from models.collaboration import SyncUpdate
from models.meeting import ActionItem, Meeting, Minutes
from models.report import Report
from bot.org.in_use import set_start
from scheduler import run_job
from tests.chat import texts

TZ = ZoneInfo("Asia/Shanghai")
OWERS = ["lizuzhang", "zhaozuzhang", "sunzuzhang", "zhangsan", "lisi", "wangwu", "zhaoliu", "qianqi", "zhouba"]
Q3_AUDIT = datetime(2026, 10, 8, 9, 0, tzinfo=TZ)  # the first working day after 2026Q3 (1–7 October off)


def at(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def in_service(s, moment):
    """The bot in use since ``moment`` (bot.org.in_use: a fresh install then)."""
    set_start(s, moment)


def approval(s, amount, steps, status="approved", emergency=False, submitted=at(7, 6), finished=None, actors=None):
    """steps: (role, label, approver, status); actors: who the audit log says decided each step."""
    request = ApprovalRequest(kind="procurement", requester="zhangsan", department_id="innovation", item="服务器",
                              amount_fen=amount * 100, reason="", emergency=emergency, status=status, created_at=submitted,
                              submitted_at=submitted, finished_at=finished or submitted + timedelta(hours=5))
    request.steps = [ApprovalStep(position=i + 1, role=role, label=label, approver=approver, status=st,
                                  started_at=submitted, decided_at=submitted + timedelta(hours=i + 1))
                     for i, (role, label, approver, st) in enumerate(steps)]
    s.add(request)
    s.flush()
    for i, (_, _, approver, st) in enumerate(steps):
        actor = (actors or {}).get(i + 1, approver)
        s.add(AuditEntry(at=submitted + timedelta(hours=i + 1), actor=actor, action=st, record_type="approval",
                         record_id=str(request.id), detail={"step": i + 1}))
    return request.id


def meeting(s, ends, minutes_at=None, status="scheduled", title="周会"):
    m = Meeting(title=title, starts_at=ends - timedelta(hours=1), ends_at=ends, chair="wangzong",
                minute_taker="lizuzhang", attendees=["wangzong", "lizuzhang"], status=status, created_by="wangzong",
                created_at=ends - timedelta(days=2), minutes_due_at=ends + timedelta(hours=24))
    s.add(m)
    s.flush()
    if minutes_at:
        m.status = "minuted"
        s.add(Minutes(meeting_id=m.id, author="lizuzhang", text="纪要", created_at=minutes_at, submitted_at=minutes_at,
                      due_at=m.minutes_due_at))
        s.flush()
    return m


def item(s, m, created, assigned, due=None, done=None):
    i = ActionItem(meeting_id=m.id, text="完成比价", owner="zhangsan", status="done" if done else "open",
                   created_at=created, owner_due_at=created + timedelta(hours=24), owner_assigned_at=assigned,
                   due_at=due, done_at=done)
    s.add(i)
    s.flush()
    return i.id


def reports(s, week, deadline, skip=(), late=()):
    for userid in OWERS:
        if userid in skip:
            continue
        when = deadline + timedelta(hours=3) if userid in late else deadline - timedelta(hours=3)
        s.add(Report(kind="weekly", period=week, userid=userid, content="本周完成", submitted_at=when,
                     first_submitted_at=when, deadline=deadline, late=userid in late))


def synced(s, week, department, userid, moment):
    s.add(SyncUpdate(collaboration="数据平台对接", week=week, department_id=department, userid=userid,
                     content="进展", submitted_at=moment))


def incident(s, reported, closed=None):
    s.add(Incident(reporter="zhangsan", description="名单外泄", status="closed" if closed else "open",
                   created_at=reported, last_update_at=closed or reported, closed_at=closed, alerted=["wangzong"]))


CHAIN_SMALL = [("department_head", "初审", "wangzong", "approved"), ("finance", "复审", "liucaiwu", "approved")]


def seed_breaches(bot) -> dict:
    """2026Q3 with one breach of each kind (and clean records beside them)."""
    ids = {}
    with bot.runtime.session_factory.begin() as s:
        in_service(s, at(9, 21, 9))
        ids["no_ceo"] = approval(s, 80_000, CHAIN_SMALL)  # P4: ≥ 5 万 without 终审
        ids["wrong_hand"] = approval(s, 10_000, CHAIN_SMALL, actors={1: "lizuzhang"})  # P3
        approval(s, 12_000, CHAIN_SMALL)  # clean
        ids["late_backfill"] = approval(s, 20_000, CHAIN_SMALL, emergency=True, submitted=at(8, 3),
                                        finished=at(8, 10))  # P5: 7 days > 48 h
        late = meeting(s, at(7, 6, 11), minutes_at=at(7, 8, 16), title="项目评审")  # P9: 29 h late
        ids["late_minutes"] = late.id
        ids["missing_minutes"] = meeting(s, at(7, 13, 11)).id  # P9: none
        clean = meeting(s, at(7, 20, 11), minutes_at=at(7, 20, 15))
        ids["clean_meeting"] = clean.id
        meeting(s, at(7, 27, 11), status="cancelled")
        ids["late_owner"] = item(s, late, at(7, 8, 16), assigned=at(7, 10, 9))  # P12: owner after 24 h
        ids["overdue_item"] = item(s, clean, at(7, 20, 15), assigned=at(7, 20, 15), due=at(8, 1, 18))  # P12
        item(s, clean, at(7, 20, 15), assigned=at(7, 20, 15), due=at(8, 1, 18), done=at(7, 30))  # clean
        reports(s, "2026-W39", at(9, 24, 17), skip={"zhangsan"})  # P10: missing
        reports(s, "2026-W40", at(9, 30, 17), late={"lisi"})  # P10: late
        synced(s, "2026-W39", "innovation", "zhangsan", at(9, 24))  # P18: tech side missing
        synced(s, "2026-W40", "innovation", "zhangsan", at(9, 29))  # clean: due Wed 30 September (国庆 Friday)
        synced(s, "2026-W40", "tech", "wujishu", at(9, 29))
        incident(s, at(9, 1))  # P15: still open
        incident(s, at(8, 1), closed=at(8, 2))  # clean
    return ids


def run(bot, job_id, now):
    ids = run_job(bot.runtime, job_id, now)
    bot.runtime.dispatcher.wait_for(ids, timeout=20)
    return ids


def received_csv(bot, userid) -> list[list[str]]:
    [message] = [m for m in bot.received(userid) if m["msgtype"] == "file"]
    filename, data, _ = bot.fake.state.media[message["media_id"]]
    assert filename == message["filename"] == "compliance-audit-2026Q3.csv"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def findings(rows) -> set[tuple[str, str]]:
    start = rows.index(["序号", "类别", "条款", "记录", "问题与证据"])
    return {(row[2], row[3]) for row in rows[start + 1:]}


def test_a_quarter_with_known_breaches_lists_exactly_those(bot):
    ids = seed_breaches(bot)
    assert run(bot, "quarterly_audit", datetime(2026, 10, 1, 9, 0, tzinfo=TZ)) == []  # 1 October: a holiday
    sent = run(bot, "quarterly_audit", Q3_AUDIT)
    assert len(sent) == 3  # director and compliance: one send of the (same) summary, and a file each
    rows = received_csv(bot, "wangzong")
    assert rows == received_csv(bot, "zhengfawu")
    assert findings(rows) == {
        ("P4", f"采购申请 #{ids['no_ceo']}（张三：服务器，¥80,000）"),
        ("P3", f"采购申请 #{ids['wrong_hand']}（张三：服务器，¥10,000）"),
        ("P5", f"紧急采购申请 #{ids['late_backfill']}（张三：服务器，¥20,000）"),
        ("P9", f"会议 #{ids['late_minutes']}「项目评审」7月6日（周一）10:00（记录人 李组长）"),
        ("P9", f"会议 #{ids['missing_minutes']}「周会」7月13日（周一）10:00（记录人 李组长）"),
        ("P12", f"决议 #{ids['late_owner']}「完成比价」（会议 #{ids['late_minutes']}）"),
        ("P12", f"决议 #{ids['overdue_item']}「完成比价」（会议 #{ids['clean_meeting']}），负责人 张三"),
        ("P10", "周报 第39周（9月21日—9月27日） · 张三"),
        ("P10", "周报 第40周（9月28日—10月4日） · 李四"),
        ("P18", "协作「数据平台对接」第39周"),
        ("P15", "数据泄露事件 #1（张三 报告于 9月1日（周二）10:00）"),
    }
    evidence = "\n".join(row[4] for row in rows if len(row) == 5)
    assert "审计日志" in evidence and "由 李组长" in evidence and "需要终审（CEO）" in evidence
    assert "纪要迟交 29 小时" in evidence and "纪要缺失" in evidence and "技术部（接口人 吴技术）" in evidence
    figures = {row[0]: row[2:] for row in rows if len(row) == 5 and row[2].isdigit()}
    assert figures["审批"] == ["4", "2", "4"] and figures["周报"] == ["18", "2", "18"]
    assert figures["会议纪要"] == ["3", "2", "3"]  # the cancelled meeting is not audited
    [summary] = [t for t in texts(bot, "wangzong") if "季度合规审计" in t]
    assert "2026年第3季度" in summary and "**审批**（P3/P4）：检查 4 · 违规 2" in summary
    assert "发现的问题（共 11 条）" in summary and len(summary.encode()) <= 2048
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", summary, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))  # numbered as shown, 1, 2, 3 … (issue 21)
    assert re.search(r"抽样种子 \d+", summary)
    assert run(bot, "quarterly_audit", Q3_AUDIT + timedelta(days=1)) == []  # once per quarter


def test_a_clean_quarter_lists_nothing(bot):
    with bot.runtime.session_factory.begin() as s:
        in_service(s, at(6, 22, 9))
        approval(s, 12_000, CHAIN_SMALL, submitted=at(6, 23))
        m = meeting(s, at(6, 23, 11), minutes_at=at(6, 23, 18))
        item(s, m, at(6, 23, 18), assigned=at(6, 23, 18), due=at(6, 29), done=at(6, 25))
        reports(s, "2026-W26", at(6, 26, 17))
        synced(s, "2026-W26", "innovation", "zhangsan", at(6, 25))
        synced(s, "2026-W26", "tech", "wujishu", at(6, 25))
        incident(s, at(6, 24), closed=at(6, 25))
    run(bot, "quarterly_audit", datetime(2026, 7, 1, 9, 0, tzinfo=TZ))
    [summary] = [t for t in texts(bot, "zhengfawu") if "季度合规审计" in t]
    assert "没有发现违规" in summary and "违规 0" in summary and "违规 1" not in summary
    assert "**周报**（P10）：检查 9 · 违规 0" in summary


def test_sampling_prints_its_seed_and_the_same_seed_draws_the_same_sample(bot, config_file, capsys):
    import app as app_module

    seed_breaches(bot)
    config = config_file()
    config.write_text(config.read_text(encoding="utf-8") + "\n[policy]\naudit_sample_size = 5\n", encoding="utf-8")
    outputs = []
    for _ in range(2):
        assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config), "--seed", "4242"]) == 0
        # (the 范围 line carries the time of the run)
        outputs.append("\n".join(line for line in capsys.readouterr().out.splitlines() if not line.startswith("范围")))
    assert outputs[0] == outputs[1]
    out = outputs[0]
    assert "抽样种子 4242" in out and "2026年第3季度" in out
    assert re.search(r"周报\s+P10\s+检查 18 · 违规 2，抽查 5", out)  # the figures cover every record
    assert "[P4]" in out and "[P15]" in out  # kinds with at most 5 records are listed whole
    assert app_module.main(["audit", "--quarter", "2026Q5", "--config", str(config)]) == 2
    assert "expected a quarter such as 2026Q4" in capsys.readouterr().err



def test_the_command_line_audit_takes_now_and_follows_the_demo_clock(bot, config_file, capsys):
    """Issue 14: `audit` had no --now and ignored the demo's moved clock that `jobs run` follows."""
    import json
    from datetime import timezone

    import app as app_module
    from bot.text.dates import format_datetime
    from models import KeyValue

    config = config_file()
    assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config),
                            "--now", "2026-10-08T09:00:00+08:00"]) == 0
    assert f"截至 {format_datetime(Q3_AUDIT, TZ)}" in capsys.readouterr().out
    assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config), "--now", "明天"]) == 2
    assert "--now: expected an ISO time" in capsys.readouterr().err
    moved_to = Q3_AUDIT + timedelta(days=20, seconds=20)
    with bot.runtime.session_factory.begin() as s:  # what the emulator stores when its clock is moved
        s.add(KeyValue(key="emulator.clock_offset", value=json.dumps(
            {"offset_seconds": (moved_to - datetime.now(timezone.utc)).total_seconds()})))
    demo = config.read_text(encoding="utf-8").replace("[emulator]\nenabled = false", "[emulator]\nenabled = true")
    config.write_text(demo, encoding="utf-8")
    assert app_module.main(["audit", "--quarter", "2026Q3", "--config", str(config)]) == 0
    assert f"截至 {format_datetime(moved_to, TZ)}" in capsys.readouterr().out


def test_sensitive_documents_opened_by_anyone_but_the_director_are_listed(bot):
    pytest.importorskip("handlers.documents", reason="P8 is audited once the documents feature is installed")
    with bot.runtime.session_factory.begin() as s:
        in_service(s, at(9, 21, 9))
        s.add(AuditEntry(at=at(8, 3), actor="zhangsan", action="filed", record_type="document", record_id="7",
                         detail={"filename": "客户合同-2026年8月-1.0版.pdf"}))
        s.add(AuditEntry(at=at(8, 4), actor="wangzong", action="sent", record_type="document", record_id="7",
                         detail={"to": "wangzong", "sensitive": True}))
        s.add(AuditEntry(at=at(8, 5), actor="lisi", action="sent", record_type="document", record_id="7",
                         detail={"to": "lisi", "sensitive": True}))
        s.add(AuditEntry(at=at(8, 6), actor="lisi", action="sent", record_type="document", record_id="8",
                         detail={"to": "lisi", "sensitive": False}))
    run(bot, "quarterly_audit", Q3_AUDIT)
    rows = received_csv(bot, "wangzong")
    p8 = [row for row in rows if len(row) == 5 and row[2] == "P8"]
    assert len(p8) == 1 and "文件 #7「客户合同-2026年8月-1.0版.pdf」" in p8[0][3] and "李四" in p8[0][4]
    figures = {row[0]: row[2:] for row in rows if len(row) == 5 and row[2].isdigit()}
    assert figures["敏感文件"] == ["2", "1", "2"]
