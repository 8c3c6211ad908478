"""Deploying safely (issue 9): workers booting together on a fresh PostgreSQL database, the
emulator kept away from real companies and other machines, waitress not starved by idle clients,
config errors that never print a secret."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import create_engine, func, pool, select

import app as app_module
from bot.config import ConfigError, load_settings, parse_settings
from models import Person
from tests.conftest import PG_URL, ROOT, free_port, wait_until
from tests.test_config import example


# ---- config errors --------------------------------------------------------------------------

@pytest.mark.parametrize("section, key, value", [
    ("wecom", "token", 20262026), ("wecom", "secret", 12345678), ("wecom", "encoding_aes_key", 4242424242),
    ("database", "url", 31415926),
])
def test_a_config_error_names_the_key_but_never_prints_a_secret(section, key, value):
    config = example()
    config.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError) as info:
        parse_settings(config)
    message = str(info.value)
    assert message.startswith(f"{section}.{key}: expected") and str(value) not in message
    assert "value not shown" in message


# ---- the emulator -----------------------------------------------------------------------------

def test_the_emulator_refuses_to_start_next_to_a_real_wecom_api(make_settings):
    settings = make_settings(emulator_enabled=True, wecom={"api_base_url": "https://qyapi.weixin.qq.com/cgi-bin/"})
    with pytest.raises(ConfigError, match=r"^emulator\.enabled: wecom\.api_base_url must point at this server"):
        app_module.create_app(settings, start_background=False)
    elsewhere = make_settings(emulator_enabled=True, wecom={"api_base_url": "http://10.9.8.7/emulator/cgi-bin/"})
    with pytest.raises(ConfigError):  # another machine's emulator (or something posing as one)
        app_module.create_app(elsewhere, start_background=False)


def test_the_command_line_says_so_in_one_line(config_file):
    config = config_file()
    text = config.read_text(encoding="utf-8").replace("[emulator]\nenabled = false", "[emulator]\nenabled = true")
    config.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "app.py", "serve", "--config", str(config)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("config error: emulator.enabled: wecom.api_base_url must point at")


def test_the_emulator_answers_this_machine_only(make_settings):
    port = free_port()
    settings = make_settings(emulator_enabled=True, port=port,
                             wecom={"api_base_url": f"http://127.0.0.1:{port}/emulator/cgi-bin/"})
    flask_app = app_module.create_app(settings, start_background=False)
    try:
        client = flask_app.test_client()
        body = {"userid": "wangzong", "text": "紧急通知 全体停工"}
        remote = client.post("/emulator/api/send", json=body, environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert remote.status_code == 403
        assert client.get("/emulator/api/people", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
        assert client.get("/emulator/api/people", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
        assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    finally:
        app_module.shutdown_app(flask_app)


def _serve(config, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "app.py", "serve", "--config", str(config), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output


def test_serve_binds_the_emulator_to_loopback_unless_told_otherwise(config_file):
    port = free_port()
    config = config_file(port=port)
    text = config.read_text(encoding="utf-8")
    text = re.sub(r'^api_base_url = .*$', f'api_base_url = "http://127.0.0.1:{port}/emulator/cgi-bin/"', text,
                  count=1, flags=re.M)
    text = text.replace('host = "127.0.0.1"', 'host = "0.0.0.0"', 1)
    config.write_text(text.replace("[emulator]\nenabled = false", "[emulator]\nenabled = true"), encoding="utf-8")
    output = _started_output(_serve(config))  # server.host = 0.0.0.0 in the file: not enough
    assert "serving on 127.0.0.1 instead of 0.0.0.0" in output
    assert f"Emulator: http://127.0.0.1:{port}/emulator/" in output
    told = _started_output(_serve(config, "--host", "0.0.0.0"))  # on the command line: as told
    assert "instead of" not in told and "Listening on all interfaces (0.0.0.0)" in told


def _started_output(proc: subprocess.Popen) -> str:
    lines: list[str] = []
    try:
        wait_until(lambda: lines.append(proc.stdout.readline()) or "Callback URL" in lines[-1], timeout=60,
                   message="server started")
    finally:
        output = "".join(lines) + _stop(proc)
    return output


# ---- waitress under idle connections ---------------------------------------------------------

def test_idle_connections_do_not_starve_the_callbacks(config_file):
    port = free_port()
    proc = _serve(config_file(port=port))
    idle: list[socket.socket] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base), timeout=60, message="server up")
        for _ in range(150):  # more than waitress's default connection_limit (100), each silent
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        assert requests.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        for sock in idle:
            sock.close()
        _stop(proc)


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


# ---- three gunicorn workers on a fresh PostgreSQL database ------------------------------------

GUNICORN_HOOKS = "def post_worker_init(worker):\n    worker.log.info('worker ready pid=%s', worker.pid)\n"


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_three_gunicorn_workers_boot_together_on_an_empty_postgresql_database(config_file, fresh_database, tmp_path):
    pytest.importorskip("gunicorn")

    hooks = tmp_path / "hooks.py"
    hooks.write_text(GUNICORN_HOOKS, encoding="utf-8")
    for attempt in range(3):  # the race showed in 2 boots of 6: boot a few times, each on a fresh database
        fresh_database()
        port = free_port()
        config = config_file(port=port, database_url=PG_URL)
        env = {**os.environ, "WECOM_BOT_CONFIG": str(config)}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}",
                                 "-c", str(hooks), "app:create_app()"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        try:
            wait_until(lambda: proc.poll() is not None or _ready(proc, lines) >= 3, timeout=90,
                       message="three workers ready")
            assert proc.poll() is None, "".join(lines)  # the master halts when a worker fails to boot
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
        finally:
            proc.send_signal(signal.SIGTERM)
            output = "".join(lines) + proc.communicate(timeout=30)[0]
        assert "UniqueViolation" not in output and "Traceback" not in output, output
        engine = create_engine(PG_URL, poolclass=pool.NullPool)
        with engine.connect() as conn:  # every configured person, once
            assert conn.scalar(select(func.count()).select_from(Person)) == len(load_settings(None).org.people)
        engine.dispose()


def _ready(proc: subprocess.Popen, lines: list[str]) -> int:
    line = proc.stdout.readline()
    if line:
        lines.append(line)
    return sum("worker ready" in l for l in lines)


# ---- a busy port ------------------------------------------------------------------------------

def test_a_busy_port_is_named_with_a_free_one_instead_of_a_traceback(config_file):
    # Issue 30: `make run` on a busy port printed the URL and then a traceback.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run([sys.executable, "app.py", "serve", "--config", str(config_file(port=port))],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        demo = subprocess.run([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=config_file().parent,
                              capture_output=True, text=True, timeout=60)
    for run in (result, demo):
        assert run.returncode == 1 and "Traceback" not in run.stderr and "Callback URL" not in run.stdout
    free = int(re.search(r"--port (\d+)$", result.stderr.strip()).group(1))
    assert result.stderr.startswith(f"端口 {port} 已被占用，请用 --port ") and free != port
    assert demo.stderr.strip() == f"端口 {port} 已被占用，请用 make run PORT={free}"
