"""Issue 29, quiet disclosures: asking for a document number one may not open answers exactly as
for a number that does not exist — no uploader named, no sensitive file confirmed. The refusal is
still recorded and the director still told (P8)."""
from __future__ import annotations

from tests.chat import texts, wait_text
from tests.documents.helpers import document_audit, send_file


def answer_to(bot, userid: str, number: int) -> str:
    before = len(texts(bot, userid))
    bot.say(userid, f"发送文件 {number}")
    wait_text(bot, userid, f"编号 {number} 的文件")
    [answer] = [t for t in texts(bot, userid)[before:] if f"编号 {number} 的文件" in t]
    return answer


def test_not_yours_sensitive_and_not_there_read_the_same(docs_bot):
    bot = docs_bot
    send_file(bot, "zhangsan", "数据平台项目-需求说明-2026年11月-1.0版.docx", b"plain")
    wait_text(bot, "zhangsan", "已归档文件 #1")
    send_file(bot, "zhangsan", "数据平台项目-采购合同-2026年11月-1.0版.docx", b"secret")
    wait_text(bot, "zhangsan", "已加密归档敏感文件 #2")
    other_department = answer_to(bot, "liucaiwu", 1)  # finance: another department
    sensitive = answer_to(bot, "lisi", 2)  # the same department, but only the director opens it
    missing = answer_to(bot, "lisi", 3)
    assert other_department == missing.replace("3", "1") and sensitive == missing.replace("3", "2")
    assert missing.startswith("没有你能查看的编号 3 的文件")
    assert "张三" not in other_department + sensitive and "敏感" not in sensitive
    assert document_audit(bot)[-2:] == [("liucaiwu", "refused", "1", "department"), ("lisi", "refused", "2", "sensitive")]
    assert "李四 请求打开敏感文件 #2" in wait_text(bot, "wangzong", "请求打开敏感文件")  # P8: still told
