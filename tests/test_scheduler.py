"""Scheduler and the command line: the job table, `jobs run` with --now, the ledger that makes
a re-run send nothing twice, one scheduler per deployment, migrations, the menu."""
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

import app as app_module
from bot.conversation.menu import MENU
from models import NotificationLedger
from scheduler import SchedulerService, run_job
from scheduler.table import JOB_IDS
from tests.conftest import ROOT
from tests.support_handlers import install_test_job

DESIGN_JOB_IDS = {"weekly_report_reminder", "weekly_report_overdue", "monthly_report_reminder", "minutes_overdue",
                  "decision_owner_check", "action_item_followup", "approval_reminder",
                  "emergency_backfill_reminder", "weekly_sync_prompt", "weekly_sync_digest", "meeting_reminder",
                  "manager_digest", "quarterly_audit", "self_evaluation_reminder", "superior_evaluation_reminder",
                  "project_review_reminder", "project_kickoff_reminder", "project_acceptance_reminder",
                  "org_sync"}


@pytest.fixture
def test_job():
    undo = install_test_job("quarterly_audit")
    yield "quarterly_audit"
    undo()


def test_the_job_table_has_every_job_of_the_design():
    assert DESIGN_JOB_IDS <= set(JOB_IDS)  # plus the jobs later issues named (promotion_review, …)


def test_a_job_run_twice_for_the_same_period_sends_once(bot, test_job):
    now = datetime(2026, 11, 27, 15, 0, tzinfo=timezone(timedelta(hours=8)))
    first = run_job(bot.runtime, test_job, now)
    second = run_job(bot.runtime, test_job, now + timedelta(hours=1))
    assert len(first) == 1 and second == []  # the same text to both: one batched send
    bot.wait_messages("zhangsan", 1)
    assert bot.received("zhangsan")[0]["text"] == "2026-W48 的测试提醒"
    next_week = run_job(bot.runtime, test_job, now + timedelta(days=7))
    assert len(next_week) == 1
    with bot.session() as s:
        periods = sorted({row.period for row in s.scalars(select(NotificationLedger))
                          if row.kind != "reminder_budget"})  # the budget counts each person's day too
    assert periods == ["2026-W48", "2026-W49"]


def test_jobs_run_on_the_command_line_waits_and_prints_what_it_sent(config_file, fake_wecom, test_job, capsys):
    config = config_file()
    code = app_module.main(["jobs", "run", test_job, "--config", str(config), "--now", "2026-11-27T15:00:00+08:00"])
    out = capsys.readouterr().out
    assert code == 0
    assert "job quarterly_audit ran at 2026-11-27T15:00:00+08:00: 1 message(s)" in out  # one send to both
    assert "[sent] to zhangsan|lisi: text: 2026-W48 的测试提醒" in out
    assert fake_wecom.state.sent_to("lisi")[0]["text"] == "2026-W48 的测试提醒"
    # the same period again: nothing more
    assert app_module.main(["jobs", "run", test_job, "--config", str(config), "--now", "2026-11-27T16:00:00+08:00"]) == 0
    assert "0 message(s)" in capsys.readouterr().out
    assert len(fake_wecom.state.sent_to("lisi")) == 1


def test_jobs_list_and_an_unbuilt_job_in_a_real_process(config_file):
    config = config_file()
    listing = subprocess.run([sys.executable, "app.py", "jobs", "list", "--config", str(config)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    for job_id in DESIGN_JOB_IDS:
        assert job_id in listing.stdout
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in listing.stdout.splitlines()}
    # the schedule in words; a job that wakes daily says what it really does (holidays move it)
    assert lines["weekly_report_reminder"] == ("每周五 15:00，遇节假日提前到之前的最后一个工作日（每天 15:00 检查） "
                                               "implemented: yes")
    assert lines["self_evaluation_reminder"] == "每天 10:00 implemented: yes"  # P13: daily, reads the calendar
    assert lines["approval_reminder"].startswith("周一至周五 9:00–18:00 每小时")
    assert lines["meeting_reminder"].startswith("每 5 分钟")
    unbuilt = [job_id for job_id, rest in lines.items() if rest.endswith("not yet (no-op)")]
    # a job that has nothing to do today (or is not built yet) runs, sends nothing and exits 0
    for job_id, now in [("self_evaluation_reminder", "2026-11-25T10:00:00+08:00")] + [(j, "2026-11-25T10:00:00+08:00")
                                                                                        for j in unbuilt[:1]]:
        run = subprocess.run([sys.executable, "app.py", "jobs", "run", job_id, "--config", str(config), "--now", now],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert f"job {job_id} ran at {now}: 0 message(s)" in run.stdout
    unknown = subprocess.run([sys.executable, "app.py", "jobs", "run", "no_such_job", "--config", str(config)],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "unknown job" in unknown.stderr


def test_only_one_scheduler_runs_jobs(bot):
    first, second = SchedulerService(bot.runtime), SchedulerService(bot.runtime)
    first._heartbeat()
    second._heartbeat()
    assert (first.has_lock, second.has_lock) == (True, False)
    from scheduler import release_lease, LOCK_NAME
    release_lease(bot.runtime, LOCK_NAME, first.holder)  # the first one stops
    second._heartbeat()
    assert second.has_lock


def test_a_scheduler_without_the_lease_skips_jobs(bot, test_job):
    first, second = SchedulerService(bot.runtime), SchedulerService(bot.runtime)
    first._heartbeat(), second._heartbeat()
    second._run(test_job)
    bot.settle()
    assert bot.received("zhangsan") == []
    first._run(test_job)
    bot.wait_messages("zhangsan", 1)


def test_db_upgrade_is_idempotent_and_serve_refuses_an_unmigrated_database(config_file, tmp_path, capsys):
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    config = config_file(database_url=fresh)
    refused = subprocess.run([sys.executable, "app.py", "serve", "--config", str(config)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "run `python app.py db upgrade --config" in refused.stderr and "Traceback" not in refused.stderr
    assert app_module.main(["db", "upgrade", "--config", str(config)]) == 0
    assert app_module.main(["db", "upgrade", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.count("database at revision") == 2


def test_menu_install_creates_the_menu(config_file, fake_wecom, capsys):
    assert app_module.main(["menu", "install", "--config", str(config_file())]) == 0
    assert fake_wecom.state.menu == MENU
    assert [b["name"] for b in MENU["button"]] == ["审批", "周报纪要", "帮助"]
    assert "menu installed: 审批 / 周报纪要 / 帮助" in capsys.readouterr().out
    call = fake_wecom.state.calls_to("menu/create")[0]
    assert call["params"]["agentid"] == "1000002"


def test_healthz(bot):
    import requests
    body = requests.get(f"{bot.http.url}/healthz", timeout=5).json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["outbox_pending"] == 0
