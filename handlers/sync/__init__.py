"""Cross-department contact persons (接口人) and their weekly sync (P18).

- ``collaborations``: ``[[collaborations]]`` in the config and 登记协作 in chat, 同步, 协作列表.
- ``jobs``: ``weekly_sync_prompt`` (Thursday) and ``weekly_sync_digest`` (Friday), moved before a holiday.
"""
from handlers.sync import collaborations, jobs  # noqa: F401  (registers them)
