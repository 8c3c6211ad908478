"""Where filed documents live (P7) and how sensitive ones are encrypted at rest (P8).

``[documents]``: ``storage_dir`` (default ``var/documents``), ``encryption_key`` (or the
``DOCUMENTS_KEY`` environment variable: 32 random bytes, base64), ``max_mb`` (default 20, WeCom's
file limit). The key never reaches a log, an error or a message; without it sensitive documents
are refused, never stored in plaintext.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.config import ConfigError, config_section

KEY_ENV = "DOCUMENTS_KEY"
MAGIC = b"WBDOC1"  # file format: MAGIC + 12-byte nonce + AES-GCM ciphertext and tag
WECOM_FILE_LIMIT_MB = 20
_SAFE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")
_KEYS = {"storage_dir", "encryption_key", "max_mb"}


class KeyMissing(Exception):
    """No documents key is configured: sensitive documents can be neither stored nor opened."""


class CannotDecrypt(Exception):
    """The stored ciphertext does not open with the configured key (a wrong key, or a damaged file)."""


@dataclass(frozen=True)
class DocumentsSettings:
    storage_dir: Path = Path("var/documents")
    max_mb: float = 20
    key: bytes | None = field(default=None, repr=False)  # AES-256; never logged

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    def __repr__(self) -> str:  # the key never reaches a log, even through repr()
        return f"DocumentsSettings(storage_dir={str(self.storage_dir)!r}, max_mb={self.max_mb}, key={'set' if self.key else 'missing'})"


@config_section("documents")
def parse_documents(raw, env: dict | None = None) -> DocumentsSettings:
    """``[documents]`` → settings; the key from ``encryption_key`` or ``DOCUMENTS_KEY``. Raises ConfigError
    (naming the key, never showing its value)."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError("documents: expected a table with storage_dir, encryption_key, max_mb")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"documents.{unknown[0]}: unknown key (expected storage_dir, encryption_key, max_mb)")
    storage_dir = raw.get("storage_dir", "var/documents")
    if not isinstance(storage_dir, str) or not storage_dir.strip():
        raise ConfigError("documents.storage_dir: expected a directory path such as \"var/documents\"")
    max_mb = raw.get("max_mb", WECOM_FILE_LIMIT_MB)
    if isinstance(max_mb, bool) or not isinstance(max_mb, (int, float)) or not 0 < max_mb <= WECOM_FILE_LIMIT_MB:
        raise ConfigError(f"documents.max_mb: expected a number of MB above 0 and at most {WECOM_FILE_LIMIT_MB} "
                          "(WeCom's file limit)")
    text = raw.get("encryption_key") or (os.environ if env is None else env).get(KEY_ENV, "")
    if not isinstance(text, str):
        raise ConfigError("documents.encryption_key: expected a base64 string")
    return DocumentsSettings(Path(storage_dir), max_mb, _decode_key(text.strip()) if text.strip() else None)


def _decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if "-" in text or "_" in text else None,
                               validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigError(f"documents.encryption_key (or {KEY_ENV}): expected 32 random bytes in base64; create one "
                          "with: python -c \"import os, base64; print(base64.b64encode(os.urandom(32)).decode())\"")
    return key


def storage_key(department_id: str, project_name: str, filename: str, sensitive: bool) -> str:
    """A new, unique path under the storage dir: department / project / random name. A sensitive
    file's path carries neither its name nor its extension."""
    project = _SAFE.sub("_", project_name).strip("_")[:40] or "unfiled"
    department = _SAFE.sub("_", department_id).strip("_")[:40] or "unknown"
    suffix = ".enc" if sensitive else (Path(filename).suffix.lower() if re.fullmatch(r"\.[0-9A-Za-z]{1,8}",
                                                                                   Path(filename).suffix) else ".bin")
    return f"{department}/{project}/{uuid.uuid4().hex}{suffix}"


class NotSaved(Exception):
    """The document could not be written (the disk is full, the folder is not writable): nothing
    of it stays behind."""


FILE_MODE = 0o600  # only the bot's own user reads a filed document, sensitive or not


def write_new(settings: DocumentsSettings, key: str, data: bytes, sensitive: bool) -> str:
    """Write a document once, readable by the bot's user only (0600); sensitive data is encrypted
    with AES-GCM first, bound to its path. The bytes go to a temporary name that is renamed into
    place once all are on disk, so a file under ``key`` is always whole. Returns the SHA-256 of
    the bytes stored. Raises KeyMissing for a sensitive document without a key and NotSaved when
    the disk refuses (a full disk): in both cases nothing is left behind."""
    stored = _encrypt(settings, key, data) if sensitive else data
    path = settings.storage_dir / key
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            _write_all(descriptor, stored)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.link(partial, path)  # fails if ``key`` exists: a filed document is never overwritten
    except OSError as exc:
        raise NotSaved(str(exc)) from exc
    finally:
        _remove(partial)
    return hashlib.sha256(stored).hexdigest()


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass  # best effort: a partial file the operator can see in the folder


def free_space(settings: DocumentsSettings) -> dict:
    """The documents folder's free space for /healthz: ``{"free_mb": …, "ok": …}`` — ok while at
    least one more file of ``max_mb`` fits. The folder may not exist yet: its nearest parent counts."""
    folder = settings.storage_dir.resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return {"free_mb": None, "ok": False}
    return {"free_mb": round(free / 1048576, 1), "ok": free >= settings.max_bytes}


def read(settings: DocumentsSettings, key: str, sensitive: bool) -> bytes:
    """The document's original bytes. Raises KeyMissing, CannotDecrypt, or OSError when the file is gone."""
    stored = (settings.storage_dir / key).read_bytes()
    if not sensitive:
        return stored
    if settings.key is None:
        raise KeyMissing()
    if not stored.startswith(MAGIC):
        raise CannotDecrypt()
    nonce, body = stored[len(MAGIC):len(MAGIC) + 12], stored[len(MAGIC) + 12:]
    try:
        return AESGCM(settings.key).decrypt(nonce, body, key.encode())
    except InvalidTag:
        raise CannotDecrypt() from None


def _encrypt(settings: DocumentsSettings, key: str, data: bytes) -> bytes:
    if settings.key is None:
        raise KeyMissing()
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + AESGCM(settings.key).encrypt(nonce, data, key.encode())


def discard(settings: DocumentsSettings, key: str) -> None:
    """Remove a file written for a document whose row was not kept (best effort)."""
    try:
        (settings.storage_dir / key).unlink()
    except OSError:
        pass


def documents_settings(ctx) -> DocumentsSettings:
    """The parsed ``[documents]`` section of this process's settings."""
    return ctx.settings.section("documents")


def size_text(size: int) -> str:
    """812 字节 / 12 KB / 3.4 MB"""
    return f"{size} 字节" if size < 1024 else f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MB"
