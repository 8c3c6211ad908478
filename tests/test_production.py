"""Production paths: `create_app()` for gunicorn, the `worker` process, secret-free logs."""
import logging
import signal
import subprocess
import sys

import pytest
import requests

import app as app_module
from bot.logs import RedactSecrets
from tests.conftest import ROOT, ServerThread, wait_until


def test_create_app_for_gunicorn_reads_the_config_from_the_environment(config_file, monkeypatch, tmp_path):
    fresh = f"sqlite:///{tmp_path / 'gunicorn.db'}"
    config = config_file(database_url=fresh)
    monkeypatch.setenv("WECOM_BOT_CONFIG", str(config))
    with pytest.raises(app_module.NotMigrated):
        app_module.create_app()  # refuses an un-migrated database
    assert app_module.main(["db", "upgrade"]) == 0  # WECOM_BOT_CONFIG is honoured by the CLI too
    flask_app = app_module.create_app()
    server = ServerThread(flask_app)
    try:
        assert requests.get(f"{server.url}/healthz", timeout=5).json()["status"] == "ok"
        assert "scheduler" not in flask_app.extensions  # [scheduler] enabled = false in this config
    finally:
        server.stop()
        app_module.shutdown_app(flask_app)
        logging.getLogger().handlers[:] = []


def test_the_worker_runs_the_scheduler_and_stops_cleanly(config_file):
    proc = subprocess.Popen([sys.executable, "app.py", "worker", "--config", str(config_file())], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: "Scheduler running" in proc.stdout.readline(), timeout=30, message="worker started")
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output


def test_secrets_and_tokens_are_redacted_from_log_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1,
                               "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=%s failed; token %s; "
                               "POST message/send?access_token=abc123def", ("s3cr3t-value", "TokenXYZ"), None)
    RedactSecrets(["s3cr3t-value", "TokenXYZ"]).filter(record)
    message = record.getMessage()
    assert "s3cr3t-value" not in message and "TokenXYZ" not in message and "abc123def" not in message
    assert "corpsecret=***" in message and "access_token=***" in message
