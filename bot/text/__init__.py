"""How people write, and how the bot quotes them back: pure functions, no I/O, no clock of their own.

- ``numerals`` and ``amounts``: numbers and money as typed (两万五, 1.2万, 35元5角), money in fen.
- ``request_text``: a request sentence's kind, item, amount and reason (P3–P5).
- ``dates``: Chinese date and time phrases (明天, 下周五, 12月20日 下午3点).
- ``workdays``: the Chinese working calendar (holidays, make-up working days, ``[calendar]``).
- ``typos``: pinyin-input typos of command words (帮组 → 帮助).
- ``quoting``: the one quoting step for user text placed in a message to someone else.

May import ``bot.config`` only (and the standard library and text libraries).
"""
