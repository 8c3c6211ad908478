"""P7 end to end: a file sent to the app is checked against the naming rule, downloaded with
media/get only once the name is right, filed by department and project, listed and sent back."""
from __future__ import annotations

from tests.chat import texts, wait_text
from tests.documents.helpers import (documents, document_audit, random_bytes, received_file, send_file,
                                     stored_files)


def test_a_badly_named_file_is_refused_with_the_reason_and_nothing_is_stored(docs_bot, storage_dir):
    bot = docs_bot
    send_file(bot, "zhangsan", "需求说明.docx", b"draft")
    answer = wait_text(bot, "zhangsan", "还不能归档")
    assert "「需求说明.docx」还不能归档：文件名缺少项目名称、日期、版本" in answer
    assert "数据平台项目-需求说明-2026年11月-1.0版.docx" in answer  # an example built from what was sent
    assert "回复正确的文件名" in answer
    assert bot.fake.state.calls_to("media/get") == []  # nothing fetched, nothing stored
    assert documents(bot) == [] and stored_files(storage_dir) == [] and document_audit(bot) == []


def test_replying_with_the_corrected_name_files_the_same_file(docs_bot, storage_dir):
    bot = docs_bot
    data = random_bytes(3000)
    send_file(bot, "zhangsan", "需求说明.docx", data)
    wait_text(bot, "zhangsan", "还不能归档")
    bot.say("zhangsan", "数据平台项目-需求说明-2026年11月")
    assert "缺少版本" in wait_text(bot, "zhangsan", "缺少版本")
    bot.say("zhangsan", "数据平台项目-需求说明-2026年11月-1.0版")
    filed = wait_text(bot, "zhangsan", "已归档文件")
    assert "#1「数据平台项目-需求说明-2026年11月-1.0版.docx」" in filed and "项目：数据平台项目" in filed
    [document] = documents(bot)
    assert (document.filename, document.project_name, document.period, document.version, document.size) == \
        ("数据平台项目-需求说明-2026年11月-1.0版.docx", "数据平台项目", "2026-11", "1.0", 3000)
    assert (storage_dir / document.storage_key).read_bytes() == data


def test_a_well_named_file_is_filed_by_department_and_project_and_listed(docs_bot, storage_dir):
    bot = docs_bot
    bot.say("lizuzhang", "登记项目 数据平台 负责人 张三 计划立项 12月15日")
    wait_text(bot, "lizuzhang", "已登记项目")
    data = random_bytes(5000)
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", data)
    filed = wait_text(bot, "zhangsan", "已归档文件")
    assert "项目：数据平台项目（已登记项目 #1）" in filed and "部门：创新服务部" in filed and "发送文件 1" in filed
    [document] = documents(bot)
    assert (document.project_id, document.department_id, document.group_id, document.sensitive) == \
        (1, "innovation", "coordination", False)
    assert document.storage_key.startswith("innovation/数据平台项目/")
    assert [p.read_bytes() for p in stored_files(storage_dir)] == [data]
    assert document_audit(bot) == [("zhangsan", "filed", "1", "")]
    # the same department sees it and gets it back; finance, another department, does not
    bot.say("wangwu", "文件列表 数据平台")
    listing = wait_text(bot, "wangwu", "归档文件（1 份，项目「数据平台」）")
    assert "#1 数据平台项目-2026年11月-1.0版.docx · 数据平台项目 · 张三 · 11月30日（周一） · 5 KB" in listing
    bot.say("wangwu", "发送文件 1")
    assert "已发给你" in wait_text(bot, "wangwu", "已发给你")
    assert received_file(bot, "wangwu") == ("数据平台项目-2026年11月-1.0版.docx", data)
    [upload] = bot.fake.state.calls_to("media/upload")
    assert upload["params"] == {"type": "file"}
    bot.say("liucaiwu", "文件列表")
    assert "还没有你能查看的归档文件" in wait_text(bot, "liucaiwu", "归档文件")
    bot.say("liucaiwu", "发送文件 1")
    refused = wait_text(bot, "liucaiwu", "编号 1 的文件")
    assert refused.startswith("没有你能查看的编号 1 的文件") and "张三" not in refused  # issue 29: no uploader named
    bot.say("lizuzhang", "项目 1")
    assert "归档文件：1 份" in wait_text(bot, "lizuzhang", "归档文件：")
    assert document_audit(bot) == [("zhangsan", "filed", "1", ""), ("wangwu", "sent", "1", ""),
                                   ("liucaiwu", "refused", "1", "department")]


def test_a_new_version_is_a_new_row_and_never_overwrites(docs_bot, storage_dir):
    bot = docs_bot
    first, second = random_bytes(100), random_bytes(200)
    send_file(bot, "lisi", "数据平台项目-2026年11月-v1.docx", first)
    wait_text(bot, "lisi", "已归档文件 #1")
    send_file(bot, "lisi", "数据平台项目-2026年11月-v1.docx", second)
    wait_text(bot, "lisi", "已归档文件 #2")
    one, two = documents(bot)
    assert one.storage_key != two.storage_key
    assert (storage_dir / one.storage_key).read_bytes() == first
    assert (storage_dir / two.storage_key).read_bytes() == second


def test_a_picture_is_filed_under_the_name_given_in_reply(docs_bot, storage_dir):
    bot = docs_bot
    media_id = bot.fake.state.add_media("IMG_0001.jpg", b"\xff\xd8\xff picture", "image/jpeg")
    assert bot.wecom.image("qianqi", media_id).status_code == 200
    ask = wait_text(bot, "qianqi", "收到图片")
    assert "数据平台项目-2026年11月-1.0版.jpg" in ask
    bot.say("qianqi", "数据平台项目-现场照片-202611-V1")
    assert "#1「数据平台项目-现场照片-202611-V1.jpg」" in wait_text(bot, "qianqi", "已归档文件")
    assert documents(bot)[0].content_type == "image/jpeg"
    assert [p.read_bytes() for p in stored_files(storage_dir)] == [b"\xff\xd8\xff picture"]


def test_bad_input_gets_a_clear_answer_and_changes_nothing(start_docs_bot, storage_dir):
    bot = start_docs_bot(max_mb=1)
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.zip", random_bytes(1024 * 1024 + 1))
    assert "文件超过 1 MB，没有保存" in wait_text(bot, "zhangsan", "没有保存")
    # a media id WeCom no longer has (temporary media live 3 days): media/get answers errcode 40007
    assert bot.wecom.file("zhangsan", "数据平台项目-2026年11月-2.0版.docx", "MDexpired").status_code == 200
    assert "已经过期或找不到了" in wait_text(bot, "zhangsan", "过期")
    bot.say("zhangsan", "发送文件 99")
    assert "没有你能查看的编号 99 的文件" in wait_text(bot, "zhangsan", "编号 99 的文件")
    bot.say("zhangsan", "发送文件 合同")
    assert "请写文件编号，例如：发送文件 3" in wait_text(bot, "zhangsan", "请写文件编号")
    bot.say("zhangsan", "发送文件 99999999999999999999")
    wait_text(bot, "zhangsan", "没有你能查看的编号 99999999999999999999")
    assert documents(bot) == [] and stored_files(storage_dir) == [] and document_audit(bot) == []
    # 取消 leaves a pending rename without filing anything
    send_file(bot, "zhangsan", "草稿.docx", b"x")
    wait_text(bot, "zhangsan", "还不能归档")
    bot.say("zhangsan", "取消")
    assert "「草稿.docx」没有归档" in wait_text(bot, "zhangsan", "没有归档")
    assert documents(bot) == [] and len(bot.fake.state.calls_to("media/get")) == 2
    assert all("Traceback" not in t for t in texts(bot, "zhangsan"))


def test_a_storage_failure_after_the_download_tells_the_sender_and_keeps_no_row(start_docs_bot, storage_dir):
    storage_dir.parent.mkdir(parents=True, exist_ok=True)
    storage_dir.write_text("a file where the storage directory should be")
    bot = start_docs_bot()
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", b"content")
    answer = wait_text(bot, "zhangsan", "没有保存")  # issue 29: said plainly, never 「你的消息已保存」
    assert answer.startswith("文件「数据平台项目-2026年11月-1.0版.docx」没有保存") and "重新发送" in answer
    assert documents(bot) == [] and document_audit(bot) == []


def test_a_file_sent_in_the_middle_of_another_question_leaves_it_open(docs_bot):
    bot = docs_bot
    bot.say("zhaozuzhang", "登记会议 工具选型")
    wait_text(bot, "zhaozuzhang", "什么时候开")
    send_file(bot, "zhaozuzhang", "数据平台项目-2026年11月-1.0版.docx", b"doc")
    wait_text(bot, "zhaozuzhang", "已归档文件 #1")
    bot.say("zhaozuzhang", "下周一")  # still the meeting's question
    wait_text(bot, "zhaozuzhang", "12月7日 几点开始")
    send_file(bot, "zhaozuzhang", "草稿.docx", b"draft")  # a bad name replaces it, and says so
    assert wait_text(bot, "zhaozuzhang", "还不能归档").startswith("（刚才登记的会议没有等到回复，已作废")


def test_documents_filed_before_their_project_was_registered_join_it(docs_bot):
    """P7: a project registered later takes the documents whose name already named it."""
    bot = docs_bot
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", random_bytes(100))
    wait_text(bot, "zhangsan", "已归档文件 #1")
    send_file(bot, "zhangsan", "工具平台项目-2026年11月-1.0版.docx", random_bytes(100))
    wait_text(bot, "zhangsan", "已归档文件 #2")
    bot.say("lizuzhang", "登记项目 数据平台 负责人 张三 计划立项 12月15日")
    assert "已归入之前归档的该项目文件 1 份" in wait_text(bot, "lizuzhang", "已登记项目")
    assert [d.project_id for d in documents(bot)] == [1, None]
    bot.say("lizuzhang", "项目 1")
    assert "归档文件：1 份" in wait_text(bot, "lizuzhang", "归档文件：")


def test_the_sensitive_legend_shows_only_beside_sensitive_entries(docs_bot):
    bot = docs_bot
    send_file(bot, "zhangsan", "数据平台项目-2026年11月-1.0版.docx", random_bytes(100))
    wait_text(bot, "zhangsan", "已归档文件 #1")
    send_file(bot, "zhangsan", "数据平台项目-采购合同-2026年11月-1.0版.docx", random_bytes(100))
    wait_text(bot, "zhangsan", "已加密归档敏感文件 #2")
    bot.say("lisi", "文件列表")
    assert "🔒" not in wait_text(bot, "lisi", "归档文件（1 份）")
    bot.say("wangzong", "文件列表")
    listing = wait_text(bot, "wangzong", "归档文件（2 份）")
    assert "#2 🔒" in listing and "🔒 为敏感文件，仅总监可打开（P8）" in listing
