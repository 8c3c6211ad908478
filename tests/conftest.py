"""Fixtures: a migrated database (temp SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
a fake WeCom API on loopback that records calls by path, and the bot served over real HTTP
with a helper that posts encrypted, signed callbacks."""
from __future__ import annotations

import dataclasses
import logging
import os
import selectors
import socket
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bot.config import load_settings
from bot.emulator.api import EmulatorState, create_fake_wecom_app
from bot.emulator.callbacks import CallbackSender
from tests.databases import PostgresTemplate, SqliteTemplate, worker_id, worker_url

GIVEN_PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_URL = GIVEN_PG_URL and worker_url(GIVEN_PG_URL, worker_id())  # this xdist worker's own database
if PG_URL:  # a test database needs no durability: commits need not wait for the disk (libpq reads this)
    os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake servers' access log is noise


class ServerThread:
    """A WSGI app served on 127.0.0.1 (a free port) in a background thread.

    ``stop()`` returns at once: the accept loop also waits on a wake-up socket, where werkzeug's
    ``serve_forever`` would notice ``shutdown()`` only at its next 0.5 s poll."""

    def __init__(self, app, port: int = 0):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._wake_r, self._wake_w = socket.socketpair()
        self.thread = threading.Thread(target=self._serve, name=f"test-server-{self.port}", daemon=True)
        self.thread.start()

    def _serve(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self.server, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                self.server._handle_request_noblock()  # accept; ThreadingMixIn answers in a thread

    def stop(self):
        if self.thread.is_alive():
            self._wake_w.send(b"x")
            self.thread.join()
        self.server.server_close()
        self._wake_r.close()
        self._wake_w.close()


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02, message: str = "condition"):
    """Poll until ``predicate()`` is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file for the session (per xdist worker); ``.fresh(path)`` copies it."""
    return SqliteTemplate(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="session")
def migrated_template(request):
    """The session's migrated database (per xdist worker): see tests/databases.py."""
    if not PG_URL:
        yield request.getfixturevalue("sqlite_template")
        return
    template = PostgresTemplate(PG_URL, GIVEN_PG_URL)
    yield template
    template.close()


@pytest.fixture
def fresh_database(migrated_template, tmp_path):
    """``fresh_database()`` → the URL of a database exactly as a fresh migration leaves it
    (the test's own SQLite file under ``tmp_path``, or this worker's PostgreSQL database put back)."""
    def fresh(name: str = "bot.db") -> str:
        if PG_URL:
            return migrated_template.fresh()
        return migrated_template.fresh(tmp_path / name)
    return fresh


@pytest.fixture
def db_url(fresh_database):
    """A freshly migrated database for one test."""
    return fresh_database()


@pytest.fixture
def fake_wecom():
    """The emulator's WeCom API alone, on loopback: ``.state`` records calls by path."""
    base = load_settings(None)
    state = EmulatorState(base.wecom.corp_id, base.wecom.secret, base.wecom.agent_id)
    server = ServerThread(create_fake_wecom_app(state))
    server.state = state
    server.passive_shown = set()  # callbacks whose passive reply the chat shows already
    server.api_base_url = f"{server.url}/cgi-bin/"
    yield server
    server.stop()


@pytest.fixture
def make_settings(db_url, fake_wecom):
    """Demo-org settings pointed at the test database and the fake WeCom API."""
    def make(**overrides):
        base = load_settings(None)
        wecom_overrides = overrides.pop("wecom", {})
        wecom = dataclasses.replace(base.wecom, **{"api_base_url": fake_wecom.api_base_url, **wecom_overrides})
        values = dict(database_url=db_url, scheduler_enabled=False, emulator_enabled=False, demo=False, wecom=wecom)
        values.update(overrides)
        return dataclasses.replace(base, **values)
    return make


class BotServer:
    """The bot behind real HTTP, plus what a test needs to talk to it and look inside."""

    def __init__(self, settings, fake_wecom, clock=None, port: int = 0):
        from app import create_app

        self.settings = settings
        self.app = create_app(settings)
        self.runtime = self.app.extensions["runtime"]
        self.runtime.clock = clock
        self.http = ServerThread(self.app, port)
        self.callback_url = f"{self.http.url}{settings.wecom.callback_path}"
        self.app.config["EMULATOR_CALLBACK_URL"] = self.callback_url
        self.wecom = CallbackSender(settings.wecom, self.callback_url)
        self.fake = fake_wecom
        # A passive reply (answered in the HTTP response) reaches the chat as WeCom shows it.
        state = fake_wecom.state if fake_wecom else self.app.extensions["emulator"]
        shown = fake_wecom.passive_shown if fake_wecom else set()

        def show(userid: str, text: str, inner: str) -> None:  # one answer per callback, as WeCom shows it
            if inner not in shown:
                shown.add(inner)
                state.add_message(userid, "out", "text", text=text, passive=True)
        self.wecom.on_reply = show

    def say(self, userid: str, content: str, **kw):
        response = self.wecom.text(userid, content, **kw)
        assert response.status_code == 200, response.text
        return response

    def received(self, userid: str) -> list[dict]:
        """What the bot sent to ``userid`` through the fake WeCom API (text, markdown, cards)."""
        state = self.fake.state if self.fake else self.app.extensions["emulator"]
        return state.sent_to(userid)

    def wait_messages(self, userid: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        return wait_until(lambda: (m := self.received(userid)) and len(m) >= count and m,
                          timeout, message=f"{count} message(s) to {userid}")

    def last_text(self, userid: str, count: int = 1) -> str:
        message = self.wait_messages(userid, count)[count - 1]
        return message.get("text") or message.get("markdown") or ""

    def session(self):
        return self.runtime.session_factory()

    def stop(self):
        from app import shutdown_app
        self.http.stop()
        shutdown_app(self.app)


@pytest.fixture
def start_bot(make_settings, fake_wecom):
    started = []

    def start(clock=None, **overrides):
        bot = BotServer(make_settings(**overrides), fake_wecom, clock=clock)
        started.append(bot)
        return bot
    yield start
    for bot in started:
        try:
            bot.stop()
        except Exception:
            pass


@pytest.fixture
def bot(start_bot):
    return start_bot()


def clocked_bot(start_bot, at, **overrides):
    """A bot whose handlers' clock reads ``at`` (``bot.clock``, a FixedClock, moves it)."""
    clock = FixedClock(at)
    bot = start_bot(clock=clock, **overrides)
    bot.clock = clock
    return bot


class FixedClock:
    """A settable clock for handlers (``runtime.clock``)."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta):
        from datetime import timedelta
        self.current += timedelta(**delta)


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def config_file(tmp_path, make_settings):
    """A real TOML config (example keys + the demo org) for command-line tests."""
    import re

    def write(port: int | None = None, database_url: str | None = None, **overrides) -> Path:
        settings = make_settings(**overrides)
        example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
        demo = (ROOT / "bot" / "demo.toml").read_text(encoding="utf-8")
        head = example[:example.index("[policy]")]
        values = {"url": database_url or settings.database_url, "api_base_url": settings.wecom.api_base_url,
                  "corp_id": settings.wecom.corp_id, "secret": settings.wecom.secret,
                  "token": settings.wecom.token, "encoding_aes_key": settings.wecom.encoding_aes_key}
        for key, value in values.items():
            head = re.sub(rf'^{key} = .*$', f'{key} = "{value}"', head, count=1, flags=re.M)
        head = re.sub(r"^enabled = true", "enabled = false", head, flags=re.M)
        head = re.sub(r"^port = 8000", f"port = {port or free_port()}", head, flags=re.M)
        path = tmp_path / "bot.toml"
        path.write_text(head + demo[demo.index("[org]"):], encoding="utf-8")
        return path
    return write
