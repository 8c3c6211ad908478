"""Compliance (P15, P16, P17): data-leak incidents and the quarterly audit.

| module | what |
|---|---|
| ``leaks`` | P15 报告数据泄露: the urgent alert to the director and compliance, the follow-up questions |
| ``incidents`` | P15 事件, 事件列表, 事件进展, 结案 (reporter, director and compliance only) |
| ``incident_jobs`` | P15 ``incident_reminder`` (compliance, daily), ``incident_escalation`` (director, after ``policy.incident_escalate_hours``) |
| ``quarters``, ``audit_rules``, ``audit``, ``audit_report`` | P16 ``quarterly_audit`` and ``python app.py audit`` |

Leak alerts carry the 「收到」 button of P17 (``handlers.acks``).
"""
from handlers.compliance import leaks  # noqa: F401
from handlers.compliance import incidents  # noqa: F401
from handlers.compliance import incident_jobs  # noqa: F401
from handlers.compliance import audit  # noqa: F401
