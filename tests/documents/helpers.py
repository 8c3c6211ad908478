"""Helpers the document tests share: a bot with a storage dir and a key, sending files as WeCom
does (the client uploads the file, then the callback carries its MediaId), reading what was stored."""
from __future__ import annotations

import base64
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import AuditEntry, Document
from tests.conftest import FixedClock, wait_until

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
KEY = base64.b64encode(b"k" * 32).decode()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def storage_dir(tmp_path) -> Path:
    return tmp_path / "documents"


@pytest.fixture
def start_docs_bot(start_bot, storage_dir, monkeypatch):
    """Start the bot with ``[documents]`` in a temporary directory (``key=None``: no key configured)."""
    monkeypatch.delenv("DOCUMENTS_KEY", raising=False)

    def start(key: str | None = KEY, max_mb: float = 20, **overrides):
        section = {"storage_dir": str(storage_dir), "max_mb": max_mb}
        if key:
            section["encryption_key"] = key
        clock = FixedClock(MONDAY)
        bot = start_bot(clock=clock, extra={"documents": section, "meetings": {"recurring": []}}, **overrides)
        bot.clock = clock
        return bot
    return start


@pytest.fixture
def docs_bot(start_docs_bot):
    return start_docs_bot()


def send_file(bot, userid: str, filename: str, data: bytes, content_type: str = DOCX) -> str:
    """Send a file to the app as a member's client does; returns its media_id."""
    media_id = bot.fake.state.add_media(filename, data, content_type)
    assert bot.wecom.file(userid, filename, media_id).status_code == 200
    return media_id


def documents(bot) -> list[Document]:
    with bot.session() as s:
        return list(s.scalars(select(Document).order_by(Document.id)))


def document_audit(bot) -> list[tuple[str, str, str, str]]:
    with bot.session() as s:
        return [(a.actor, a.action, a.record_id, (a.detail or {}).get("reason", "")) for a in
                s.scalars(select(AuditEntry).where(AuditEntry.record_type == "document").order_by(AuditEntry.id))]


def stored_files(storage_dir: Path) -> list[Path]:
    return sorted(p for p in storage_dir.rglob("*") if p.is_file()) if storage_dir.exists() else []


def received_file(bot, userid: str, count: int = 1) -> tuple[str, bytes]:
    """The ``count``-th file message the bot sent ``userid``: (file name, bytes as uploaded)."""
    files = wait_until(lambda: len(f := [m for m in bot.received(userid) if m["msgtype"] == "file"]) >= count and f,
                       message=f"file {count} to {userid}")
    state = bot.fake.state if bot.fake else bot.app.extensions["emulator"]
    filename, data, _ = state.media[files[count - 1]["media_id"]]
    return filename, data


def random_bytes(size: int, marker: bytes = b"") -> bytes:
    return marker + os.urandom(size) + marker
