"""Traditional characters read as their simplified forms (周報 → 周报, 採購 → 采购, 審批記錄 → 审批记录).

Colleagues in Hong Kong or Taiwan, or anyone whose input method is set to 繁體, type the same
commands in traditional characters. The bot reads every message in simplified characters, with
OpenCC's ``t2s`` conversion (``opencc``); what was typed is stored as it came (the callback row).
"""
from __future__ import annotations

from functools import lru_cache

_CJK_START = 0x3400  # below it (ASCII, punctuation, full-width forms) nothing is converted


@lru_cache(maxsize=1)
def _converter():
    import opencc  # loaded on first use: it reads its dictionaries

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones (simplified text comes back
    unchanged); text without any Chinese character is returned as it is, with no conversion run."""
    if not any(ord(char) >= _CJK_START for char in text):
        return text
    return _converter().convert(text)
