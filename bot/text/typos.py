"""Pinyin-input typos (帮组 for 帮助, 采够 for 采购, 催半 for 催办): the commonest mistakes in
Chinese are characters that sound like the right ones. ``suggest`` compares the leading word of
a message with the commands' keywords by pinyin (``pypinyin``), forgiving the sounds people's
input methods mix up (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing). It only suggests: the bot
never runs a guessed command unasked.
"""
from __future__ import annotations

import re
from functools import lru_cache

_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=4096)
def sound(word: str) -> tuple[str, ...]:
    """How ``word`` sounds, blurred the way pinyin input methods are mistyped."""
    from pypinyin import lazy_pinyin  # loaded on first use: its dictionary is large

    out = []
    for syllable in lazy_pinyin(word):
        for wrong, right in _INITIALS:
            if syllable.startswith(wrong):
                syllable = right + syllable[len(wrong):]
                break
        for wrong, right in _FINALS:
            if syllable.endswith(wrong):
                syllable = syllable[:-len(wrong)] + right
                break
        out.append(syllable)
    return tuple(out)


def suggest(text: str, keywords: list[str]) -> str | None:
    """``text`` with its leading word replaced by the keyword it sounds like (「采够 服务器 8万」 →
    「采购 服务器 8万」), or None. Only Chinese keywords of two characters or more are compared."""
    text = text.replace("\u3000", " ").strip()
    for keyword in sorted(set(keywords), key=len, reverse=True):
        if len(keyword) < 2 or not _CJK.match(keyword):
            continue
        head = text[:len(keyword)]
        if head != keyword and _CJK.match(head or "x") and sound(head) == sound(keyword):
            return keyword + text[len(keyword):]
    return None
