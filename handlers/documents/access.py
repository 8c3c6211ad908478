"""文件列表, 发送文件 and 文件访问记录 (P7, P8): who may see and open which document.

Everyone sees the non-sensitive documents of their own department (and those they sent); the
director sees all. Only the director opens a sensitive document (P8): anyone else is refused and
the director is told who asked. Every send and refusal is in the audit log (record_type
"document"), which 文件访问记录 shows the director.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from bot.conversation.context import Context
from bot.text.dates import format_datetime, format_day
from bot.text.quoting import text_inline
from bot.conversation.router import intent
from bot.wecom.client import WeComError
from handlers.documents import storage
from handlers.documents.storage import documents_settings, size_text
from models import AuditEntry, Document, Project

log = logging.getLogger(__name__)
MAX_LISTED = 20
NONE_VISIBLE = "还没有你能查看的归档文件。发送一个文件给我即可归档，文件名例如：数据平台项目-2026年11月-1.0版.docx"
NONE_FOR = "没有找到项目「{project}」的文件。发「文件列表」查看全部。"
LIST_HEADER = "归档文件（{count} 份{scope}）："
LIST_FOOTER = "发「发送文件 编号」，我把文件发给你。"
SENSITIVE_LEGEND = "🔒 为敏感文件，仅总监可打开（P8）。"
ASK_NUMBER = "请写文件编号，例如：{example}。发「文件列表」查看编号。"
# One answer for a number that does not exist, a document of another department and a sensitive
# one: which of them it is — and whose — is itself what the asker may not learn (issue 29).
NOT_FOUND = "没有你能查看的编号 {raw} 的文件。发「文件列表」查看你能看到的文件。"
DIRECTOR_TOLD = "🔒 {who} 请求打开敏感文件 #{id}「{name}」，已按制度（P8）拒绝。发「文件访问记录 {id}」查看记录。"
NO_KEY = "文件 #{id} 是加密保存的，但系统现在没有配置加密密钥，暂时无法打开。请联系管理员。"
CANNOT_OPEN = "文件 #{id} 无法解密（密钥不对或文件已损坏），没有发送。请联系管理员。"
FILE_GONE = "文件 #{id} 的存储文件找不到了，没有发送。请联系管理员。"
SEND_FAILED = "暂时没能把文件 #{id} 发给你（企业微信上传失败），请稍后再试。"
SEND_REFUSED = "企业微信拒收文件 #{id}（{why}），再试也不会成功。请联系管理员检查这份文件。"
# WeCom's permanent media refusals (doc 90313): retrying the same file can never succeed.
MEDIA_REFUSALS = {40004: "媒体文件类型不合法", 40005: "文件类型不被接受", 40006: "文件大小不合法（为空或超过 20 MB）",
                  44001: "文件内容为空"}
SENT = "📎 文件 #{id}「{name}」已发给你。"
LOG_REFUSED = "只有总监可以查看文件访问记录（P8）。"
LOG_HEADER = "文件 #{id}「{name}」的记录（共 {count} 条{shown}）："
ACTIONS = {"filed": "归档", "sent": "打开（已发送）", "refused": "被拒绝", "open_failed": "打开失败",
           "send_failed": "发送失败"}
REASONS = {"sensitive": "敏感文件", "department": "其他部门", "no_key": "未配置密钥", "decrypt": "无法解密",
           "missing_file": "文件缺失", "upload": "上传失败"}


def _is_director(ctx: Context) -> bool:
    return ctx.userid == ctx.org.director_id


def _visible(ctx: Context):
    """P8: the director sees everything; others the non-sensitive documents of their department and their own."""
    query = select(Document)
    if not _is_director(ctx):
        query = query.where(Document.sensitive.is_(False),
                            or_(Document.department_id == ctx.user.department_id, Document.uploader == ctx.userid))
    return query


@intent("document.list", "文件列表", "我的文件", "归档文件", summary="查看你能看到的归档文件（P7），可按项目筛选",
        example="文件列表 数据平台")
def list_documents(ctx: Context) -> str:
    """P7: filed documents the asker may see, newest first; 文件列表 <项目> filters by project."""
    query, scope = _visible(ctx), ""
    wanted = ctx.args.strip()
    if wanted:
        projects = select(Project.id).where(Project.name.contains(wanted, autoescape=True))
        query = query.where(or_(Document.project_name.contains(wanted, autoescape=True),
                                Document.project_id.in_(projects)))
        scope = f"，项目「{text_inline(wanted, 20)}」"
    count = ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    if not count:
        return NONE_FOR.format(project=text_inline(wanted, 20)) if wanted else NONE_VISIBLE
    rows = ctx.session.scalars(query.order_by(Document.id.desc()).limit(MAX_LISTED)).all()
    lines = [LIST_HEADER.format(count=count, scope=scope + (f"，显示最新 {MAX_LISTED} 份" if count > MAX_LISTED else ""))]
    for doc in rows:
        day = format_day(doc.created_at.astimezone(ctx.settings.tz).date())
        lines.append(f"#{doc.id}{' 🔒' if doc.sensitive else ''} {text_inline(doc.filename, 60)} · "
                     f"{text_inline(doc.project_name, 20)} · {ctx.org.name(doc.uploader)} · {day} · {size_text(doc.size)}")
    lines.append(LIST_FOOTER + (SENSITIVE_LEGEND if any(doc.sensitive for doc in rows) else ""))
    return "\n".join(lines)


def _document(ctx: Context, example: str) -> tuple[Document | None, str]:
    raw = ctx.args.strip().lstrip("#＃").split(maxsplit=1)
    if not raw or not raw[0].isdigit():
        return None, ASK_NUMBER.format(example=example)
    document = ctx.fetch(Document, raw[0])
    return document, "" if document else NOT_FOUND.format(raw=text_inline(raw[0], 20))


@intent("document.send", "发送文件", "打开文件", "取文件", summary="把一份归档文件发给你（敏感文件仅总监，P8）",
        example="发送文件 3", numbered=True)
def send_document(ctx: Context) -> str | None:
    """P8: send a filed document to the asker — sensitive ones to the director only; every attempt is logged."""
    document, problem = _document(ctx, "发送文件 3")
    if document is None:
        return problem
    facts = dict(id=document.id, name=text_inline(document.filename, 80))
    if document.sensitive and not _is_director(ctx):
        ctx.audit(ctx.userid, "refused", "document", document.id, reason="sensitive")
        director = ctx.org.director_id
        if director:  # told once a day per document and asker, however often they try
            ctx.notify_once("document_refused", ctx.now.date().isoformat(), director, f"{document.id}:{ctx.userid}",
                            text=DIRECTOR_TOLD.format(who=ctx.org.name(ctx.userid), **facts))
        return NOT_FOUND.format(raw=document.id)  # P8: refused, recorded, the director told — the asker learns no more
    if not (_is_director(ctx) or document.department_id == ctx.user.department_id or document.uploader == ctx.userid):
        ctx.audit(ctx.userid, "refused", "document", document.id, reason="department")
        return NOT_FOUND.format(raw=document.id)
    # Documents never change (a new version is a new row): the deferred send needs no re-read.
    stored = StoredFile(document.id, document.filename, document.storage_key, document.sensitive,
                        document.content_type)
    ctx.defer(lambda later: deliver(later, stored))
    return None


@dataclass(frozen=True)
class StoredFile:
    id: int
    filename: str
    storage_key: str
    sensitive: bool
    content_type: str


def deliver(ctx: Context, document: StoredFile) -> str:
    """Deferred: read (decrypt) the file and upload it before any database access, then queue the
    file message and audit the send (P8: every open is logged)."""
    facts = dict(id=document.id, name=text_inline(document.filename, 80))
    try:
        data = storage.read(documents_settings(ctx), document.storage_key, document.sensitive)
    except (storage.KeyMissing, storage.CannotDecrypt, OSError) as exc:
        reason = {storage.KeyMissing: "no_key", storage.CannotDecrypt: "decrypt"}.get(type(exc), "missing_file")
        log.error("document %s cannot be opened: %s", document.id, reason)
        ctx.audit(ctx.userid, "open_failed", "document", document.id, reason=reason)
        return {"no_key": NO_KEY, "decrypt": CANNOT_OPEN}.get(reason, FILE_GONE).format(**facts)
    try:
        ctx.send_file(ctx.userid, document.filename, data, document.content_type)
    except WeComError as exc:
        log.warning("document %s: media/upload failed: %s", document.id, exc)
        ctx.audit(ctx.userid, "send_failed", "document", document.id, reason="upload", errcode=exc.errcode)
        if exc.errcode in MEDIA_REFUSALS:
            return SEND_REFUSED.format(why=MEDIA_REFUSALS[exc.errcode], **facts)
        return SEND_FAILED.format(**facts)
    ctx.audit(ctx.userid, "sent", "document", document.id, to=ctx.userid, sensitive=document.sensitive)
    return SENT.format(**facts)


@intent("document.access_log", "文件访问记录", summary="查看一份文件的归档、打开和被拒绝记录（P8，总监）",
        example="文件访问记录 3", roles=("director",), numbered=True)
def access_log(ctx: Context) -> str:
    """P8: the document's audit trail — filed, sent, refused — for the director."""
    if not _is_director(ctx):
        return LOG_REFUSED
    document, problem = _document(ctx, "文件访问记录 3")
    if document is None:
        return problem
    entries = ctx.session.scalars(select(AuditEntry).where(AuditEntry.record_type == "document",
                                                           AuditEntry.record_id == str(document.id))
                                  .order_by(AuditEntry.id.desc()).limit(30)).all()
    total = ctx.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.record_type == "document",
                                                                       AuditEntry.record_id == str(document.id)))
    lines = [LOG_HEADER.format(id=document.id, name=text_inline(document.filename, 60), count=total,
                               shown="，显示最近 30 条" if total > 30 else "")]
    for entry in reversed(entries):
        reason = REASONS.get((entry.detail or {}).get("reason", ""), "")
        lines.append(f"{format_datetime(entry.at, ctx.settings.tz)} {ctx.org.name(entry.actor)} "
                     f"{ACTIONS.get(entry.action, entry.action)}" + (f"（{reason}）" if reason else ""))
    return "\n".join(lines)
