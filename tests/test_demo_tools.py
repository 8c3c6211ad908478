"""A tool run while the demo serves delivers to that demo's emulator, wherever it listens
(`make run PORT=8031`, then `make job …`): not to the demo config's default port 8000."""
from __future__ import annotations

import subprocess
import sys
import time

import requests

from tests.conftest import ROOT, free_port


def test_jobs_run_delivers_to_the_emulator_of_the_demo_serving_on_another_port(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise AssertionError("the demo did not start")
        # P10: the Friday reminder, through the same demo database (tmp_path/var/demo.db)
        run = subprocess.run([sys.executable, str(ROOT / "app.py"), "jobs", "run", "weekly_report_reminder",
                              "--now", "2026-11-27T15:00:00+08:00", "--timeout", "20"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "[sent] to " in run.stdout and "zhangsan" in run.stdout and "pending" not in run.stdout
        shown = requests.get(f"{base}/emulator/api/messages", params={"userid": "zhangsan"}, timeout=5).json()
        assert any("周报提醒" in (m.get("text") or m.get("content") or str(m)) for m in shown["messages"])
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_without_a_running_demo_the_tool_keeps_the_configs_url(sqlite_template, tmp_path):
    from bot import demo_server
    from bot.config import load_settings
    from models.db import make_engine, make_session_factory

    url = sqlite_template.fresh(tmp_path / "demo.db")
    factory = make_session_factory(make_engine(url))
    assert demo_server.running_api_base_url(factory) is None  # nothing recorded
    demo_server.remember(factory, f"http://127.0.0.1:{free_port()}/emulator/cgi-bin/")
    assert demo_server.running_api_base_url(factory, timeout=0.5) is None  # recorded, but nobody answers
    assert load_settings(None).wecom.api_base_url.startswith("http://127.0.0.1:8000/")
