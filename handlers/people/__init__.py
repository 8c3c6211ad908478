"""People (P2, P13, P14): rotation, monthly self-evaluations, quarterly evaluations by the
superior, promotion and rewards.

- ``rotation`` / ``rotation_cards``: 申请轮岗 with the two-year rule (P2), the three approvers'
  cards, 轮岗记录.
- ``self_evaluation``: 自评 (prefilled draft, submit, replace after 确认), 自评 查看, 查看自评 (P13).
- ``reviews``: the quarterly rating cards, one at a time per rater, KPI figures and comment (P13).
- ``review_views``: 评估进度, 评估结果 — visible to the person, their rater and the director (P13).
- ``promotion``: the promotion notice, the annual list for the director and HR, 表彰 (P2, P13, P14).
- ``jobs``: ``self_evaluation_reminder``, ``superior_evaluation_reminder``, ``promotion_review``.
- ``periods``, ``worklog``, ``common``: the calendar, the work log, shared lookups.
"""
from handlers.people import (jobs, promotion, review_views, reviews, rotation, rotation_cards,  # noqa: F401
                             self_evaluation)
