"""Meetings, minutes and decisions (P9, P11, P12).

- ``recurring``: the weekly and quarterly meetings of P11 from ``[[meetings.recurring]]``.
- ``register``: 登记会议, 会议列表.
- ``jobs``: ``meeting_reminder``, ``minutes_overdue`` (P9).
- ``minutes`` / ``minutes_text``: 纪要 in chat, parsed, archived and sent to the attendees (P9).
- ``decisions`` / ``decision_jobs``: every resolution an action item with an owner within 24 h,
  followed up until done (P12): 指派, 完成, 进展, 我的待办, 决议列表.
- ``common``: names, labels and lookups the modules share.
"""
from handlers.meetings import decision_jobs, decisions, jobs, minutes, register  # noqa: F401  (registers them)
