"""Projects (P6): registration, the kickoff window, quarterly mid-term reviews, acceptance.

- ``register``: 登记项目, 项目列表, 项目 <编号>.
- ``lifecycle``: 项目完成, 项目验收 (acceptance within ``policy.acceptance_days``).
- ``jobs``: ``project_kickoff_reminder`` (the kickoff meeting within ``policy.kickoff_days`` before
  the planned approval date), ``project_review_reminder`` (a mid-term review every quarter),
  ``project_acceptance_reminder`` (reminded, then escalated to the director).
- ``common``: lookups, labels and the ledger helper the modules share.

Meetings are linked to a project with ``登记会议 … 项目 <编号>`` (``handlers/meetings/register``), by
the owner, their group leader or the director; ``links`` says who may and which meeting is the kickoff.
Every project event is in the audit log with record_type "project" (read by the P16 audit).
"""
from handlers.projects import register, lifecycle, jobs  # noqa: F401  (registers them; 帮助 lists them in this order)
