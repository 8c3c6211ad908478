"""Template card builders (what wechatpy lacks), validated against WeCom's limits."""
from __future__ import annotations

import re

from bot.messages import BOT_NAME

TASK_ID = re.compile(r"^[A-Za-z0-9_\-@]{1,128}$")
BUTTON_STYLES = {"primary": 1, "danger": 2, "grey": 3, "outline": 4}


def button_card(task_id: str, title: str, desc: str = "", fields: list[tuple[str, str]] | None = None,
                buttons: list[tuple[str, str, str]] | None = None, sub_title: str = "") -> dict:
    """A ``button_interaction`` card. ``buttons`` are (text, key, style name)."""
    if not TASK_ID.match(task_id):
        raise ValueError(f"task_id {task_id!r}: ≤128 bytes of letters, digits and _-@ only")
    buttons = buttons or []
    if not 1 <= len(buttons) <= 6:
        raise ValueError("a button card needs 1 to 6 buttons")
    keys = [key for _, key, _ in buttons]
    if len(set(keys)) != len(keys) or any(len(k.encode()) > 1024 for k in keys):
        raise ValueError("button keys must be unique and ≤1024 bytes")
    card = _base("button_interaction", title, desc, fields, sub_title)
    card["task_id"] = task_id
    card["button_list"] = [{"text": text, "style": BUTTON_STYLES[style], "key": key} for text, key, style in buttons]
    return card


def notice_card(title: str, desc: str = "", fields: list[tuple[str, str]] | None = None,
                emphasis: tuple[str, str] | None = None, sub_title: str = "") -> dict:
    """A ``text_notice`` card (no buttons)."""
    card = _base("text_notice", title, desc, fields, sub_title)
    if emphasis:
        card["emphasis_content"] = {"title": emphasis[0], "desc": emphasis[1]}
    card["card_action"] = {"type": 1, "url": "https://work.weixin.qq.com/"}
    return card


def _base(card_type: str, title: str, desc: str, fields, sub_title: str) -> dict:
    fields = fields or []
    if len(fields) > 6:
        raise ValueError("at most 6 horizontal_content_list entries")
    card = {"card_type": card_type, "source": {"desc": BOT_NAME},
            "main_title": {"title": fit(title, 36), "desc": fit(desc, 44)}}
    if sub_title:
        card["sub_title_text"] = sub_title
    if fields:
        card["horizontal_content_list"] = [{"keyname": fit(k, 5), "value": fit(v, 30)} for k, v in fields]
    return card


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters; a cut is always marked with an ellipsis, never mid-word
    without one."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def replace_button(name: str) -> dict:
    """The update body that turns a card's buttons into one grey label, e.g. 已同意."""
    return {"button": {"replace_name": name}}
