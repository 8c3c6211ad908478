"""P8 end to end: sensitive files are encrypted at rest (AES-GCM), their plaintext appears nowhere
on disk or in the database, only the director opens them, and every attempt is logged."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError
from handlers.documents.storage import MAGIC, parse_documents
from models import Base, OutboxMessage
from tests.chat import texts, wait_text
from tests.conftest import wait_until
from tests.documents.helpers import (KEY, document_audit, documents, random_bytes, received_file, send_file,
                                     stored_files)

MARKER = b"CONTRACT-PLAINTEXT-7f3a9c"
CONTRACT = "数据平台项目-采购合同-2026年11月-1.0版.docx"


def plaintext_anywhere(bot, tmp_path: Path, needle: bytes) -> list[str]:
    """Where ``needle`` appears: any file under the test's directory (storage, SQLite database and
    its WAL), or any row of any table (also on PostgreSQL)."""
    found = [str(p) for p in tmp_path.rglob("*") if p.is_file() and needle in p.read_bytes()]
    with bot.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)):
                if needle.decode() in repr(tuple(row)):
                    found.append(f"table {table.name}")
    return found


def test_a_contract_is_stored_encrypted_and_only_the_director_opens_it(docs_bot, storage_dir, tmp_path, caplog):
    bot = docs_bot
    caplog.set_level(logging.DEBUG)
    contract = random_bytes(20_000, MARKER)
    send_file(bot, "zhangsan", CONTRACT, contract)
    filed = wait_text(bot, "zhangsan", "已加密归档敏感文件")
    assert "#1「数据平台项目-采购合同-2026年11月-1.0版.docx」（文件名含「合同」）" in filed and "只有总监可以打开" in filed
    [document] = documents(bot)
    assert document.sensitive and document.storage_key.endswith(".enc") and "合同" not in document.storage_key
    [stored] = stored_files(storage_dir)
    assert stored.read_bytes().startswith(MAGIC) and len(stored.read_bytes()) > len(contract)
    assert plaintext_anywhere(bot, tmp_path, MARKER) == []
    # a specialist asks for it: refused, and the director is told who asked
    bot.say("zhangsan", "发送文件 1")
    assert wait_text(bot, "zhangsan", "编号 1 的文件").startswith("没有你能查看的编号 1 的文件")  # as if none
    told = wait_text(bot, "wangzong", "请求打开敏感文件")
    assert "张三 请求打开敏感文件 #1「数据平台项目-采购合同-2026年11月-1.0版.docx」" in told
    bot.say("zhangsan", "文件列表")
    assert "还没有你能查看的归档文件" in wait_text(bot, "zhangsan", "归档文件")
    # the director opens it: the file message carries the original bytes
    bot.say("wangzong", "文件列表")
    assert "#1 🔒 数据平台项目-采购合同-2026年11月-1.0版.docx" in wait_text(bot, "wangzong", "归档文件（1 份")
    bot.say("wangzong", "发送文件 1")
    wait_text(bot, "wangzong", "已发给你")
    assert received_file(bot, "wangzong") == (CONTRACT, contract)
    assert [m for m in bot.received("zhangsan") if m["msgtype"] == "file"] == []
    assert plaintext_anywhere(bot, tmp_path, MARKER) == []
    assert document_audit(bot) == [("zhangsan", "filed", "1", ""), ("zhangsan", "refused", "1", "sensitive"),
                                   ("wangzong", "sent", "1", "")]
    bot.say("wangzong", "文件访问记录 1")
    trail = wait_text(bot, "wangzong", "的记录（共 3 条）")
    assert "张三 归档" in trail and "张三 被拒绝（敏感文件）" in trail and "王总监 打开（已发送）" in trail
    bot.say("zhangsan", "文件访问记录 1")
    assert "只有总监可以查看文件访问记录" in wait_text(bot, "zhangsan", "文件访问记录")
    assert KEY not in caplog.text


def test_repeated_refusals_are_all_logged_but_the_director_is_told_once_a_day(docs_bot):
    bot = docs_bot
    send_file(bot, "zhangsan", "数据平台项目-服务协议-2026年11月-1.0版.pdf", b"agreement")
    wait_text(bot, "zhangsan", "已加密归档")
    for _ in range(4):
        bot.say("lisi", "发送文件 1")
    wait_until(lambda: len([t for t in texts(bot, "lisi") if "没有你能查看的编号 1 的文件" in t]) == 4, message="4 refusals")
    assert "李四 请求打开" in wait_text(bot, "wangzong", "请求打开")
    with bot.session() as s:  # everything the four refusals queued is committed with their answers
        to_director = [row.payload["text"]["content"] for row in s.scalars(select(OutboxMessage))
                       if row.recipients == "wangzong"]
    assert len([t for t in to_director if "请求打开" in t]) == 1
    assert [a[1] for a in document_audit(bot)].count("refused") == 4


def test_marking_a_file_sensitive_before_sending_it(docs_bot, storage_dir):
    bot = docs_bot
    bot.say("lisi", "敏感")
    assert "请发送文件，我会加密保存" in wait_text(bot, "lisi", "加密保存")
    bot.say("lisi", "好的")
    wait_text(bot, "lisi", "正在等你发送敏感文件")
    send_file(bot, "lisi", "数据平台项目-客户名单-2026年11月-1.0版.xlsx", b"secret customers")
    assert "（你标记了敏感）" in wait_text(bot, "lisi", "已加密归档敏感文件")
    assert documents(bot)[0].sensitive
    assert all(b"secret customers" not in p.read_bytes() for p in stored_files(storage_dir))
    # the mark covers one file only
    send_file(bot, "lisi", "数据平台项目-会议照片-2026年11月-1.0版.png", b"png")
    wait_text(bot, "lisi", "✅ 已归档文件 #2")
    assert not documents(bot)[1].sensitive


def test_without_a_key_a_sensitive_file_is_refused_not_stored_in_plaintext(start_docs_bot, storage_dir):
    bot = start_docs_bot(key=None)
    send_file(bot, "zhangsan", CONTRACT, MARKER)
    answer = wait_text(bot, "zhangsan", "没有保存")
    assert "必须加密保存" in answer and "documents.encryption_key" in answer
    assert documents(bot) == [] and stored_files(storage_dir) == []
    assert bot.fake.state.calls_to("media/get") == []
    bot.say("zhangsan", "敏感")
    assert "还没有配置加密密钥" in wait_text(bot, "zhangsan", "加密密钥")
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", b"plain")
    wait_text(bot, "zhangsan", "已归档文件 #1")  # ordinary files are still filed


def test_the_key_may_come_from_the_environment(start_docs_bot, storage_dir, monkeypatch):
    monkeypatch.setenv("DOCUMENTS_KEY", KEY)
    bot = start_docs_bot(key=None)
    send_file(bot, "zhangsan", CONTRACT, MARKER)
    wait_text(bot, "zhangsan", "已加密归档")
    assert MARKER not in stored_files(storage_dir)[0].read_bytes()
    bot.say("wangzong", "发送文件 1")
    wait_text(bot, "wangzong", "已发给你")
    assert received_file(bot, "wangzong")[1] == MARKER


def test_a_wrong_key_cannot_open_the_file_and_says_so(start_bot, start_docs_bot, storage_dir):
    bot = start_docs_bot()
    send_file(bot, "zhangsan", CONTRACT, MARKER)
    wait_text(bot, "zhangsan", "已加密归档")
    bot.stop()
    import base64
    other = start_docs_bot(key=base64.b64encode(b"x" * 32).decode())
    other.say("wangzong", "发送文件 1")
    assert "无法解密" in wait_text(other, "wangzong", "无法解密")
    assert [m for m in other.received("wangzong") if m["msgtype"] == "file"] == []
    assert document_audit(other)[-1] == ("wangzong", "open_failed", "1", "decrypt")


@pytest.mark.parametrize("section, expected", [
    ({"encryption_key": "c2hvcnQ="}, "documents.encryption_key (or DOCUMENTS_KEY): expected 32 random bytes"),
    ({"encryption_key": "not base64 at all!"}, "documents.encryption_key (or DOCUMENTS_KEY): expected 32"),
    ({"max_mb": 50}, "documents.max_mb: expected a number of MB above 0 and at most 20"),
    ({"max_mb": 0}, "documents.max_mb"),
    ({"colour": "blue"}, "documents.colour: unknown key"),
])
def test_a_bad_documents_section_names_the_key_and_never_shows_it(section, expected):
    with pytest.raises(ConfigError) as info:
        parse_documents(section, env={})
    assert expected in str(info.value)
    if "encryption_key" in section:
        assert section["encryption_key"] not in str(info.value)
    assert KEY not in repr(parse_documents({"encryption_key": KEY}, env={}))


def test_marking_sensitive_twice_keeps_one_mark_and_says_so(docs_bot):
    """P8: 敏感文件 then 敏感 — the answers agree with what happens to the next file."""
    bot = docs_bot
    bot.say("zhangsan", "敏感文件")
    wait_text(bot, "zhangsan", "加密保存")
    bot.say("zhangsan", "敏感")
    wait_text(bot, "zhangsan", "敏感标记仍然有效")
    assert all("作废" not in t and "已取消" not in t for t in texts(bot, "zhangsan"))
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", b"secret")
    assert "（你标记了敏感）" in wait_text(bot, "zhangsan", "已加密归档敏感文件")
    assert documents(bot)[0].sensitive


def test_a_cancelled_sensitive_mark_says_the_next_file_is_not_sensitive(docs_bot):
    bot = docs_bot
    bot.say("lisi", "敏感")
    wait_text(bot, "lisi", "加密保存")
    bot.say("lisi", "取消")
    cancelled = wait_text(bot, "lisi", "敏感标记已取消")
    assert "之后发的文件按普通文件归档（文件名含合同、协议、报价等词的仍会加密）" in cancelled
    send_file(bot, "lisi", "数据平台项目-2026年11月-1.0版.docx", b"plain")
    wait_text(bot, "lisi", "✅ 已归档文件 #1")
    assert not documents(bot)[0].sensitive
    # a command that asks a question of its own replaces the mark, and says so in the same words
    bot.say("lisi", "敏感")
    bot.say("lisi", "登记会议 评审会")
    wait_text(bot, "lisi", "什么时候开")
    wait_until(lambda: len([t for t in texts(bot, "lisi") if "敏感标记已取消" in t]) == 2, message="the second note")
