"""Reports (P10): weekly, monthly and annual reports, one template each, with their deadlines.

- ``periods``: report periods and deadlines on the Chinese working calendar.
- ``submit``: 周报 / 月报 / 年报, 周报模板.
- ``views``: who submitted what; 周报 查看, 周报 汇总.
- ``jobs``: ``weekly_report_reminder``, ``weekly_report_overdue``, ``monthly_report_reminder``.
"""
from handlers.reports import jobs, submit, views  # noqa: F401  (registers them)
