"""Files and pictures sent to the app (P7, P8): the name is checked first (nothing is downloaded or
stored until it is right), then the file is fetched with ``media/get`` and filed by department and
project; a sensitive one (a keyword in its name, or 敏感 sent first) is encrypted at rest."""
from __future__ import annotations

import logging
import mimetypes

from sqlalchemy import select

from bot import messages
from bot.conversation.context import Context, Reply
from bot.text.quoting import text_inline
from bot.conversation.router import intent, on_flow, on_flow_cancel, on_flow_timeout, on_message_type, registry
from bot.wecom.client import MEDIA_EXPIRED, MediaTooLarge, WeComError
from handlers.documents.access import MEDIA_REFUSALS
from handlers.documents import storage
from handlers.documents.storage import documents_settings, size_text
from handlers.documents.naming import (NameCheck, check_name, example_period, good_example, normalise_project,
                                      split_extension)
from models import Document, Project
from models.document import PROJECT_NAME_LENGTH

log = logging.getLogger(__name__)
RENAME_FLOW = "documents.rename"
SENSITIVE_FLOW = "documents.sensitive"
MISSING_LABELS = {"project": "项目名称", "date": "日期", "version": "版本"}
BAD_MONTH = "日期里的月份「{month}」不对（应为 1–12 月）"
NAME_HELP = ("「{name}」还不能归档：{problem}。\n按制度（P7），文件名要写明项目名称、日期和版本，例如：\n{example}\n"
             "（日期也可写 {year}{month:02d} 或 {year}-{month:02d}，版本也可写 v1.2 或 V2；项目名称以「项目」结尾{registered}。）\n"
             "请改名后重新发送，或直接回复正确的文件名；发「取消」放弃。")
REGISTERED_HINT = "，或用已登记的项目：{names}"
TOO_LONG = "文件名太长了（最多 200 个字），没有归档。请改短后重新发送，例如：{example}"
IMAGE_ASK = ("收到图片。按制度（P7），归档的文件要有名称：项目名称、日期和版本。请回复文件名，例如：\n{example}\n"
             "不需要归档就发「取消」。")
NAMELESS_FILE = "收到文件，但没有文件名。按制度（P7），请回复文件名（项目名称、日期和版本），例如：\n{example}\n不需要归档就发「取消」。"
NO_MEDIA = "收到的{kind}缺少媒体编号（MediaId），没法取回。请重新发送一次。"
NO_KEY = ("这是敏感文件（{why}），按制度（P8）必须加密保存，但系统还没有配置加密密钥，所以没有保存。"
          "请联系管理员在配置里设置 documents.encryption_key（或 DOCUMENTS_KEY）后再发。")
TOO_BIG = "文件超过 {mb} MB，没有保存。请压缩或拆分后再发。"
EXPIRED = "企业微信里这个文件已经过期或找不到了（临时文件只保留 3 天），没有保存。请重新发送文件。"
NOT_SAVED = ("文件「{name}」没有保存：服务器暂时写不下（存储空间不足或出错），已通知管理员。"
             "请稍后重新发送这个文件。")
PROJECT_TOO_LONG = ("文件名里的项目名称太长了（最多 {limit} 个字，现在 {count} 个），没有归档。"
                    "请改短后重新发送，例如：{example}")
DOWNLOAD_FAILED = "暂时没能从企业微信取回文件，没有保存。请稍后重新发送。"
DOWNLOAD_REFUSED = "企业微信拒绝提供这个文件（{why}），没有保存。重新发送同一个文件也不会成功，请检查文件后再发。"
FILED = ("✅ 已归档文件 #{id}「{name}」\n项目：{project}{linked}\n部门：{department}\n大小：{size}\n"
         "发「文件列表」查看，发「发送文件 {id}」取回。")
FILED_SENSITIVE = ("🔒 已加密归档敏感文件 #{id}「{name}」（{why}）\n项目：{project}{linked}\n部门：{department}\n"
                   "按制度（P8），只有总监可以打开，每次打开或被拒绝都会记录。")
LINKED = "（已登记项目 #{id}）"
SENSITIVE_WAITING = ("好的，请发送文件，我会加密保存，只有总监可以打开（P8）。\n"
                     "文件名同样要写明项目名称、日期和版本，例如：{example}\n发「取消」可退出。")
SENSITIVE_STILL = "敏感标记仍然有效：正在等你发送敏感文件（请直接发送文件，不是文字）。发「取消」可退出。"
SENSITIVE_CANCELLED = ("敏感标记已取消：之后发的文件按普通文件归档（文件名含{words}等词的仍会加密）。"
                       "需要时再发「敏感」。")
SENSITIVE_TIMEOUT = "一直没有收到文件，敏感标记已取消。需要时再发「敏感」，然后发送文件。"
RENAME_CANCELLED = "好的，「{name}」没有归档。"
RENAME_TIMEOUT = "一直没有收到新的文件名，「{name}」没有归档。需要时请改名后重新发送。"


def project_names(ctx) -> list[str]:
    return list(ctx.session.scalars(select(Project.name).order_by(Project.id)))


def example_name(ctx, check: NameCheck | None = None, extension: str = ".docx") -> str:
    check = check or NameCheck(filename="", extension=extension)
    return good_example(check, ctx.now.year, ctx.now.month, project_names(ctx))


def sensitive_reason(ctx, filename: str, marked: bool) -> str:
    """Why a file is sensitive (P8), or "" when it is not."""
    if marked:
        return "你标记了敏感"
    word = next((w for w in (*ctx.policy.sensitive_keywords, "敏感") if w and w in filename), None)
    return f"文件名含「{word}」" if word else ""


def _marked(ctx: Context) -> bool:
    conversation = ctx.conversation
    return conversation.active and (conversation.flow == SENSITIVE_FLOW or
                                    (conversation.flow == RENAME_FLOW and bool(conversation.data.get("sensitive"))))


@on_message_type("file")
def receive_file(ctx: Context) -> str | None:
    """P7: a file sent to the app — filed when its name carries project, date and version."""
    media_id = str(ctx.message.raw.get("MediaId") or "").strip()
    filename = str(ctx.message.raw.get("FileName") or "").strip()
    if not media_id:
        return NO_MEDIA.format(kind="文件")
    marked = _marked(ctx)
    if not filename:  # some clients leave the name out: ask for one, as for a picture
        left = _leave_other_question(ctx)
        ctx.conversation.start(RENAME_FLOW, "NAME", {"media_id": media_id, "filename": "", "extension": "",
                                                     "sensitive": marked})
        return left + NAMELESS_FILE.format(example=example_name(ctx))
    return file_or_ask(ctx, filename, media_id, marked)


@on_message_type("image")
def receive_image(ctx: Context) -> str:
    """P7: a picture has no name: ask for one, then file it like a file."""
    media_id = str(ctx.message.raw.get("MediaId") or "").strip()
    if not media_id:
        return NO_MEDIA.format(kind="图片")
    marked, left = _marked(ctx), _leave_other_question(ctx)
    ctx.conversation.start(RENAME_FLOW, "NAME", {"media_id": media_id, "filename": "", "extension": ".jpg",
                                                 "sensitive": marked})
    return left + IMAGE_ASK.format(example=example_name(ctx, extension=".jpg"))


def _leave_other_question(ctx: Context) -> str:
    """A file asks a question of its own: another open question (a meeting being registered, a
    draft) is settled by its flow's canceller, as when a typed command replaces it; the note says so."""
    flow = ctx.conversation.flow
    if not ctx.conversation.active or flow in (RENAME_FLOW, SENSITIVE_FLOW):
        return ""
    canceller = registry.flow_cancellers.get(flow)
    note = canceller.func(ctx) if canceller else None
    note = note.text if isinstance(note, Reply) else note
    label = (registry.flows[flow].summary if flow in registry.flows else "") or messages.OPEN_QUESTION_DEFAULT
    return (note or messages.QUESTION_REPLACED.format(label=label)) + "\n"


def file_or_ask(ctx: Context, filename: str, media_id: str, marked: bool) -> str | None:
    """File the media under ``filename`` when the name passes P7; otherwise say what is missing and
    wait for a corrected name (nothing is downloaded or stored)."""
    names = project_names(ctx)
    check = check_name(filename, names)
    if check.ok:
        return _file(ctx, check, media_id, marked)
    left = _leave_other_question(ctx)
    ctx.conversation.start(RENAME_FLOW, "NAME", {"media_id": media_id, "filename": check.filename,
                                                 "extension": check.extension, "sensitive": marked})
    if "length" in check.missing:
        return left + TOO_LONG.format(example=example_name(ctx, extension=check.extension or ".docx"))
    if "project_length" in check.missing:
        return left + PROJECT_TOO_LONG.format(limit=PROJECT_NAME_LENGTH, count=len(check.project),
                                              example=example_name(ctx, extension=check.extension or ".docx"))
    hint = REGISTERED_HINT.format(names="、".join(text_inline(n, 20) for n in names[:5])) if names else ""
    year, month = example_period(check, ctx.now.year, ctx.now.month)
    return left + NAME_HELP.format(name=text_inline(check.filename, 60), example=example_name(ctx, check),
                                   problem=_problem(check), registered=hint, year=year, month=month)


def _problem(check: NameCheck) -> str:
    """文件名缺少日期、版本 / 日期里的月份「13」不对… — what the name lacks, or got wrong."""
    missing = [MISSING_LABELS[m] for m in check.missing if m in MISSING_LABELS]
    problems = [f"文件名缺少{'、'.join(missing)}"] if missing else []
    if "month" in check.missing:
        problems.append(BAD_MONTH.format(month=text_inline(check.bad_month, 4)))
    return "；".join(problems)


def _file(ctx: Context, check: NameCheck, media_id: str, marked: bool) -> str | None:
    """The name passed: refuse a sensitive file without a key (P8: never stored in plaintext), else
    fetch and file it after this transaction (the download must not hold the database)."""
    why = sensitive_reason(ctx, check.filename, marked)
    if ctx.conversation.flow in (RENAME_FLOW, SENSITIVE_FLOW):  # another question stays open
        ctx.conversation.end()
    if why and documents_settings(ctx).key is None:
        log.warning("sensitive document refused: no documents key configured (user=%s)", ctx.userid)
        return NO_KEY.format(why=why)
    ctx.defer(lambda later: fetch_and_file(later, check, media_id, why))
    return None


def fetch_and_file(ctx: Context, check: NameCheck, media_id: str, why: str) -> str:
    """Deferred: download with media/get (before any database access), write the file once
    (encrypted when sensitive), then record the document and audit it (P7, P8)."""
    config = documents_settings(ctx)
    try:
        media = ctx.fetch_media(media_id, config.max_bytes)
    except MediaTooLarge:
        return TOO_BIG.format(mb=f"{config.max_mb:g}")
    except WeComError as exc:
        if exc.errcode == MEDIA_EXPIRED:
            return EXPIRED
        log.warning("media/get failed for user=%s: %s", ctx.userid, exc)
        if exc.errcode in MEDIA_REFUSALS:
            return DOWNLOAD_REFUSED.format(why=MEDIA_REFUSALS[exc.errcode])
        return DOWNLOAD_FAILED
    key = storage.storage_key(ctx.user.department_id, check.project, check.filename, bool(why))
    try:
        digest = storage.write_new(config, key, media.data, bool(why))
    except storage.NotSaved as exc:  # a full disk: nothing stays behind, and the sender knows it
        log.error("document not saved for user=%s: %s", ctx.userid, exc)
        return NOT_SAVED.format(name=text_inline(check.filename, 80))
    try:
        project = _registered_project(ctx, check.project)
        content_type = mimetypes.guess_type(check.filename)[0] or media.content_type or "application/octet-stream"
        document = Document(filename=check.filename, project_name=check.project,
                            project_id=project.id if project else None, department_id=ctx.user.department_id,
                            group_id=ctx.user.group_id, uploader=ctx.userid, period=check.period,
                            version=check.version, size=len(media.data), content_type=content_type[:100],
                            sensitive=bool(why), storage_key=key, sha256=digest, created_at=ctx.now)
        ctx.session.add(document)
        ctx.session.flush()
    except Exception:
        storage.discard(config, key)
        raise
    ctx.audit(ctx.userid, "filed", "document", document.id, filename=check.filename, project=check.project,
              project_id=document.project_id, sensitive=document.sensitive, size=document.size)
    facts = dict(id=document.id, name=text_inline(check.filename, 80), project=text_inline(check.project, 40),
                 linked=LINKED.format(id=project.id) if project else "", department=ctx.user.department_name)
    if why:
        return FILED_SENSITIVE.format(why=why, **facts)
    return FILED.format(size=size_text(document.size), **facts)


def _registered_project(ctx: Context, name: str) -> Project | None:
    key = normalise_project(name)
    return next((p for p in ctx.session.scalars(select(Project).order_by(Project.id)) if normalise_project(p.name) == key),
                None)


@on_flow(RENAME_FLOW, label="刚才的文件")
def rename(ctx: Context) -> str | None:
    """The corrected name for a file (or a name for a picture) whose name did not pass P7."""
    data, text = ctx.conversation.data, (ctx.message.text or "").strip()
    if not text:
        ctx.conversation.advance("NAME")
        return IMAGE_ASK.format(example=example_name(ctx, extension=data.get("extension") or ".docx"))
    name = text if split_extension(text)[1] else text + (data.get("extension") or "")
    return file_or_ask(ctx, name, data["media_id"], bool(data.get("sensitive")))


@on_flow_cancel(RENAME_FLOW)
def rename_cancelled(ctx: Context) -> str:
    return RENAME_CANCELLED.format(name=text_inline(ctx.conversation.data.get("filename") or "图片", 60))


@on_flow_timeout(RENAME_FLOW)
def rename_timed_out(ctx: Context) -> str:
    return RENAME_TIMEOUT.format(name=text_inline(ctx.conversation.data.get("filename") or "图片", 60))


@intent("document.sensitive", "敏感文件", "标记敏感", "敏感", summary="下一个文件按敏感文件加密保存，仅总监可打开（P8）",
        example="敏感")
def mark_sensitive(ctx: Context) -> str:
    """P8: the next file this person sends is sensitive (encrypted at rest, director only)."""
    if documents_settings(ctx).key is None:
        return NO_KEY.format(why="你标记了敏感")
    ctx.conversation.start(SENSITIVE_FLOW, "WAITING", {})
    return SENSITIVE_WAITING.format(example=example_name(ctx))


@on_flow(SENSITIVE_FLOW, label="敏感文件", answers=("document.sensitive",))
def waiting_for_sensitive_file(ctx: Context) -> str:
    """Text while the bot waits for the sensitive file (敏感 again included: the mark stands, it is
    not replaced by a new one): say so again."""
    ctx.conversation.advance("WAITING")
    return SENSITIVE_STILL


@on_flow_cancel(SENSITIVE_FLOW)
def sensitive_cancelled(ctx: Context) -> str:
    """取消, or a command that asks a question of its own: the mark is gone, and the answer says what that means."""
    return SENSITIVE_CANCELLED.format(words="、".join(ctx.policy.sensitive_keywords[:3]) or "敏感")


@on_flow_timeout(SENSITIVE_FLOW)
def sensitive_timed_out(ctx: Context) -> str:
    return SENSITIVE_TIMEOUT
