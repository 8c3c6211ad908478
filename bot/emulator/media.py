"""The emulator's temporary media, as WeCom keeps them: ``media/upload`` stores a file and
answers its media_id, ``media/get`` answers the bytes (or errcode 40007 as JSON for an id it
does not know, as WeCom does for an expired one). Media live in memory, like WeCom's 3-day
temporary media: after a restart the chat still lists a file, but it can no longer be fetched.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

if TYPE_CHECKING:
    from bot.emulator.api import EmulatorState

# Pictures the page shows in the chat; everything else (an uploaded HTML or SVG file above all) is
# only ever downloaded: served inline, it would run as a page of the emulator's own origin.
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
# doc 91054: image ≤ 10 MB, voice ≤ 2 MB, video ≤ 10 MB, file ≤ 20 MB
MEDIA_LIMITS = {"image": 10, "voice": 2, "video": 10, "file": 20}
MAX_MEDIA_BYTES = max(MEDIA_LIMITS.values()) * 1024 * 1024


def media_response(state: "EmulatorState", media_id: str, as_attachment: bool = True) -> Response:
    """The stored bytes of ``media_id`` with WeCom's headers, or errcode 40007 as JSON. Only a
    picture may be shown inline (``as_attachment=False``); anything else is an attachment, never
    sniffed into another type, and sandboxed should a browser render it anyway."""
    with state.lock:
        stored = state.media.get(media_id)
    if stored is None:
        return jsonify({"errcode": 40007, "errmsg": "invalid media_id"})
    filename, data, content_type = stored
    picture = (content_type or "").split(";")[0].strip().lower() in INLINE_TYPES
    disposition = "inline" if picture and not as_attachment else "attachment"
    return Response(data, content_type=content_type or "application/octet-stream", headers={
        "Content-Disposition": f"{disposition}; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"})


def add_media_routes(bp: Blueprint, state: "EmulatorState") -> None:
    """``media/upload`` and ``media/get`` on the fake WeCom API blueprint."""

    @bp.post("/media/upload")
    def media_upload():
        kind = request.args.get("type", "file")
        if kind not in MEDIA_LIMITS:
            return jsonify({"errcode": 40004, "errmsg": "invalid media type"})
        upload = request.files.get("media")
        if upload is None:
            return jsonify({"errcode": 41001, "errmsg": "media data missing"})
        data = upload.read()
        if not data:
            return jsonify({"errcode": 44001, "errmsg": "empty media data"})
        if len(data) > MEDIA_LIMITS[kind] * 1024 * 1024:
            return jsonify({"errcode": 40006, "errmsg": "invalid file size"})
        media_id = state.add_media(upload.filename or "file", data, upload.mimetype or "application/octet-stream")
        return jsonify({"errcode": 0, "errmsg": "", "type": kind, "media_id": media_id,
                        "created_at": str(int(time.time()))})

    @bp.get("/media/get")
    def media_get():
        return media_response(state, request.args.get("media_id", ""))
