"""Issue 29, files: one limit for a file name's project part, checked where names are parsed (the
same on SQLite and PostgreSQL); a full disk leaves nothing behind and the sender is told the file
was not saved, and /healthz says the disk is full; every filed document is 0600."""
from __future__ import annotations

import errno
import os
from collections import namedtuple

import requests

from handlers.documents import storage
from models.document import PROJECT_NAME_LENGTH
from tests.chat import texts, wait_text
from tests.documents.helpers import documents, send_file, stored_files


def test_a_project_part_over_the_limit_is_refused_where_the_name_is_read(docs_bot, storage_dir):
    bot = docs_bot
    longest = "数" * (PROJECT_NAME_LENGTH - 2) + "项目"
    send_file(bot, "zhangsan", f"{longest}-2026年11月-1.0版.docx", b"fits")
    wait_text(bot, "zhangsan", "已归档文件 #1")  # exactly the limit: filed (on PostgreSQL too)
    too_long = "数" * (PROJECT_NAME_LENGTH - 1) + "项目"
    send_file(bot, "zhangsan", f"{too_long}-2026年11月-1.0版.docx", b"too long")
    refused = wait_text(bot, "zhangsan", "项目名称太长了")
    assert f"最多 {PROJECT_NAME_LENGTH} 个字，现在 {PROJECT_NAME_LENGTH + 1} 个" in refused and "例如" in refused
    assert [d.project_name for d in documents(bot)] == [longest] and len(stored_files(storage_dir)) == 1


def test_a_full_disk_keeps_no_partial_file_says_not_saved_and_healthz_tells(docs_bot, storage_dir, monkeypatch):
    bot = docs_bot
    real_write = storage._write_all

    def disk_full(descriptor, data):
        os.write(descriptor, data[:len(data) // 2])  # half of it reaches the disk, then no space
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(storage, "_write_all", disk_full)
    name = "数据平台项目-需求说明-2026年11月-1.0版.docx"
    send_file(bot, "zhangsan", name, b"x" * 4096)
    answer = wait_text(bot, "zhangsan", "没有保存")
    assert f"文件「{name}」没有保存" in answer and "请稍后重新发送" in answer
    assert not any("你的消息已保存" in t for t in texts(bot, "zhangsan"))
    assert documents(bot) == [] and stored_files(storage_dir) == []  # no partial file behind
    monkeypatch.setattr(storage, "_write_all", real_write)
    send_file(bot, "zhangsan", name, b"x" * 4096)  # the disk has room again: the next file is filed
    wait_text(bot, "zhangsan", "已归档文件 #1")
    assert len(stored_files(storage_dir)) == 1 and stored_files(storage_dir)[0].read_bytes() == b"x" * 4096

    health = requests.get(f"{bot.http.url}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["documents"]["ok"] is True
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(storage.shutil, "disk_usage", lambda path: usage(10 ** 9, 10 ** 9 - 1024, 1024))
    health = requests.get(f"{bot.http.url}/healthz", timeout=5)
    assert health.status_code == 503
    assert health.json()["status"] == "degraded" and health.json()["documents"] == {"free_mb": 0.0, "ok": False}


def test_every_filed_document_is_readable_by_the_bot_alone(docs_bot, storage_dir):
    bot = docs_bot
    send_file(bot, "zhangsan", "数据平台项目-需求说明-2026年11月-1.0版.docx", b"plain")
    wait_text(bot, "zhangsan", "已归档文件 #1")
    send_file(bot, "zhangsan", "数据平台项目-采购合同-2026年11月-1.0版.docx", b"secret")
    wait_text(bot, "zhangsan", "已加密归档敏感文件 #2")
    files = stored_files(storage_dir)
    assert len(files) == 2 and [oct(f.stat().st_mode & 0o777) for f in files] == ["0o600", "0o600"]
