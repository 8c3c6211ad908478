"""Documents (P7 file naming, P8 sensitive files).

- ``naming``: the P7 name check — project name, date (2026年11月 / 202611 / 2026-11) and version
  (1.0版 / v1.2 / V2) — and the answer that says what is missing, with a good example.
- ``storage``: ``[documents]`` (storage_dir, encryption_key or DOCUMENTS_KEY, max_mb); files
  written once, never overwritten; sensitive ones encrypted with AES-GCM.
- ``receive``: files and pictures sent to the app (MsgType file / image), downloaded with
  ``media/get`` once the name is right, filed by department and project; 敏感 marks the next file.
- ``access``: 文件列表, 发送文件 (``media/upload`` + a file message; sensitive files for the
  director only, P8), 文件访问记录.

Every filing, send and refused attempt is in the audit log with record_type "document" (read by
the P16 quarterly audit).
"""
from handlers.documents import access, receive  # noqa: F401  (registers them; 帮助 lists them in this order)
