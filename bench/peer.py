"""The benchmark's peer: a minimal WeCom bot, as most public WeCom bots are.

Flask and wechatpy only: verify and decrypt the callback, parse it, answer with an encrypted
passive text reply. No database, so nothing is stored, deduplicated or paced — which is what
the bot adds, and what the ratio bot/peer prices.
"""
from __future__ import annotations

from flask import Flask, Response, request
from wechatpy.enterprise import create_reply, parse_message
from wechatpy.enterprise.crypto import WeChatCrypto


def create_peer_app(wecom, path: str) -> Flask:
    """``wecom``: the bot's WeComSettings (token, AES key, corp id); ``path``: the callback path."""
    crypto = WeChatCrypto(wecom.token, wecom.encoding_aes_key, wecom.corp_id)
    app = Flask("peer")

    @app.post(path)
    def callback():
        args = request.args
        try:
            xml = crypto.decrypt_message(request.get_data(), args["msg_signature"], args["timestamp"], args["nonce"])
        except Exception:
            return Response("forbidden", status=403)
        message = parse_message(xml)
        reply = create_reply(f"你好，{message.source}", message).render()
        return Response(crypto.encrypt_message(reply, args["nonce"], args["timestamp"]), mimetype="application/xml")

    return app
