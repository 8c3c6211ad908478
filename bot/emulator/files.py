"""Files and pictures on the page: the person picks one, the emulator keeps it as WeCom keeps
temporary media and delivers the real callback (``MsgType=file`` with ``FileName`` and
``MediaId``, or ``MsgType=image`` with ``PicUrl`` and ``MediaId``); the bot fetches the bytes
through ``media/get``. Files the bot sends (``media/upload`` + ``message/send``) are downloaded
from the page through ``/emulator/api/media/<media_id>``.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, jsonify, request

from bot.emulator.api import EmulatorState
from bot.emulator.media import MEDIA_LIMITS, media_response

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")


def files_blueprint(state: EmulatorState, people: Callable[[str], object], sender, deliver) -> Blueprint:
    """``POST /api/upload`` (multipart: userid, kind=file|image, file) and ``GET /api/media/<id>``."""
    bp = Blueprint("emulator_files", __name__)

    @bp.post("/api/upload")
    def upload():
        request.max_content_length = MEDIA_LIMITS["file"] * 1024 * 1024 + 64 * 1024
        userid, kind = request.form.get("userid", ""), request.form.get("kind", "file")
        upload = request.files.get("file")
        if not people(userid):
            return jsonify({"ok": False, "error": "请先在左侧选择一个人"}), 400
        if kind not in ("file", "image"):
            return jsonify({"ok": False, "error": "只能发送文件或图片"}), 400
        if upload is None or not upload.filename:
            return jsonify({"ok": False, "error": "请选择要发送的文件"}), 400
        data = upload.read()
        if not data:
            return jsonify({"ok": False, "error": "这个文件是空的，请换一个"}), 400
        if len(data) > MEDIA_LIMITS[kind] * 1024 * 1024:
            return jsonify({"ok": False, "error": f"文件太大（企业微信限制 {MEDIA_LIMITS[kind]} MB）"}), 400
        content_type = upload.mimetype or "application/octet-stream"
        if kind == "image" and content_type not in IMAGE_TYPES:
            return jsonify({"ok": False, "error": "这不是图片，请用「文件」发送"}), 400
        media_id = state.add_media(upload.filename, data, content_type)
        state.add_message(userid, "in", kind, media_id=media_id, filename=upload.filename,
                          content_type=content_type, size=len(data))
        if kind == "image":
            pic_url = f"{request.host_url}emulator/api/media/{media_id}"
            return deliver(sender().image(userid, media_id, pic_url))
        return deliver(sender().file(userid, upload.filename, media_id))

    @bp.get("/api/media/<media_id>")
    def download(media_id: str):
        with state.lock:
            known = media_id in state.media
        if not known:  # as WeCom's 3-day temporary media: gone
            return jsonify({"ok": False, "error": "文件已过期（模拟器重启后临时素材不再保留）"}), 404
        return media_response(state, media_id, as_attachment=request.args.get("download") == "1")

    return bp
