"""Approvals (P3, P4, P5): purchase and reimbursement requests, emergency purchases and their
post-hoc approval.

- ``cards``: the chain from the amount (P3, P4), the approver's card and what a tap decides.
- ``jobs``: ``approval_reminder`` and ``emergency_backfill_reminder`` (P5).
- ``drafts``: the summary the requester confirms (a draft is not a request until submitted).
- ``typed``: 同意 12 [备注] / 同意 5 6 7 / 驳回 12 理由 typed by the current approver.
- ``batch``: 全部同意 / 全部驳回 理由, after showing what they cover and a confirmation.
- ``requests``: 采购 / 报销 / 紧急采购, 我的申请, 待我审批, 催办, 撤回, 审批记录.
"""
from handlers.approvals import cards, drafts, jobs, requests, typed  # noqa: F401  (registers them, in 帮助 order)
from handlers.approvals import batch  # noqa: F401,E402  (after typed: 全部同意 follows 同意 in 帮助)
