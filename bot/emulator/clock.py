"""The page's clock (demo only): show the demo's time, move it forward, return to real time.

The clock itself (``scheduler/demo_clock.py``) is handed in by ``app.py``; the plumbing never
imports the scheduler. A target is an ISO date-time (``2026-11-27T15:00``, what the page's
date-time field sends) or a phrase: ``下一个周五 15:00``, ``下周一 09:00``, ``明天 9点``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, jsonify, request

from bot.text.dates import format_datetime, parse_when

EXAMPLES = ("下一个周五 15:00", "下周一 09:00")
EXAMPLE_HINT = "例如「下一个周五 15:00」「下周一 09:00」或「2026-11-27 15:00」"
JOB_NAMES = {
    "weekly_report_reminder": "周报提醒", "weekly_report_overdue": "周报逾期名单", "monthly_report_reminder": "月报提醒",
    "minutes_overdue": "纪要逾期检查", "decision_owner_check": "决议负责人检查", "action_item_followup": "待办跟进",
    "approval_reminder": "审批催办", "emergency_backfill_reminder": "紧急采购补办提醒",
    "weekly_sync_prompt": "跨部门同步提醒", "weekly_sync_digest": "跨部门同步汇总", "meeting_reminder": "会议提醒",
    "manager_digest": "管理周报", "quarterly_audit": "季度合规审计", "self_evaluation_reminder": "自评提醒",
    "superior_evaluation_reminder": "上级评价提醒", "promotion_review": "年度晋升评审",
    "incident_reminder": "数据泄露事件提醒", "incident_escalation": "数据泄露事件升级",
    "urgent_ack_check": "紧急消息确认检查", "mediation_deadline": "调解期限检查",
    "project_kickoff_reminder": "项目启动会提醒", "project_review_reminder": "项目中期评审提醒",
    "project_acceptance_reminder": "项目验收提醒", "org_sync": "通讯录同步",
}


def parse_target(text: str, now: datetime) -> tuple[datetime | None, str]:
    """(the aware moment ``text`` names, "") or (None, a Chinese error with an example)."""
    text = (text or "").strip()
    if not text:
        return None, "请输入要拨到的时间，" + EXAMPLE_HINT
    try:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)), ""
    except ValueError:
        pass
    when = parse_when(text, now)
    if when.error:
        return None, f"「{when.error}」不是有效的日期或时间，" + EXAMPLE_HINT
    if when.day is None and when.start is None:
        return None, "没看懂这个时间，" + EXAMPLE_HINT
    day = when.day or now.date()
    start = when.start or datetime.min.time().replace(hour=9)
    moment = datetime.combine(day, start, tzinfo=now.tzinfo)
    if moment <= now and (when.day is None or "周" in text or "星期" in text or "礼拜" in text):
        # 「15:00」 said after 15:00 means tomorrow's; 「下一个周五」 said on Friday evening next week's
        moment += timedelta(days=1 if when.day is None else 7)
    return moment, ""


def clock_blueprint(clock, reset_demo=None) -> Blueprint:
    """``/api/clock`` (GET: the demo's time), ``/api/clock`` (POST {"to": …}: move forward and run
    what falls due), ``/api/clock/reset`` (POST: back to real time), ``/api/demo/reset`` (POST:
    「重置演示」, the seed data and the real time again — ``reset_demo()`` does it)."""
    bp = Blueprint("emulator_clock", __name__)

    def view(ran=None) -> dict:
        now = clock.now()
        moving = clock.moving_to
        answer = {"ok": True, "now": now.isoformat(), "label": format_datetime(now), "moved": clock.moved,
                  "moving_to": format_datetime(moving) if moving else None, "examples": list(EXAMPLES)}
        if ran is not None:  # the runs that sent something; the quiet ones only counted
            answer["runs"] = len(ran)
            answer["sent"] = [{"time": fire.isoformat(), "label": format_datetime(fire), "job": job_id,
                               "name": JOB_NAMES.get(job_id, job_id), "messages": count}
                              for fire, job_id, count in ran if count]
        return answer

    @bp.get("/api/clock")
    def show():
        return jsonify(view())

    @bp.post("/api/clock")
    def move():
        body = request.get_json(force=True, silent=True) or {}
        target, error = parse_target(str(body.get("to", "")), clock.now())
        if target is None:
            return jsonify({"ok": False, "error": error}), 400
        try:
            ran = clock.move_to(target)
        except ValueError as exc:  # the clock's refusal (backwards, too far) is already Chinese
            return jsonify({"ok": False, "error": str(exc)}), 400
        return jsonify(view(ran))

    @bp.post("/api/clock/reset")
    def reset():
        clock.reset()
        return jsonify(view())

    @bp.post("/api/demo/reset")
    def restart():
        if reset_demo is None:
            return jsonify({"ok": False, "error": "这里不能重置演示。"}), 404
        if clock.moving_to is not None:
            return jsonify({"ok": False, "error": "时钟正在拨动，请等它拨完再重置演示。"}), 409
        reset_demo()
        return jsonify(view())

    return bp
