"""Helpers the approval tests share: file a request, read its row, its audit trail, card updates."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import ApprovalRequest, AuditEntry
from tests.chat import cards, tap, texts, wait_card
from tests.conftest import wait_until


def submit(bot, userid: str, text: str) -> int:
    """Send a request, confirm its summary card, return the request number (编号)."""
    before = len(cards(bot, userid, "apprq_"))
    bot.say(userid, text)
    summary = wait_card(bot, userid, "apprq_", before + 1)
    tap(bot, userid, summary, "提交")
    submitted = wait_until(lambda: [t for t in texts(bot, userid) if "编号" in t and "已提交" in t][before:],
                           message="submission confirmed")[0]
    return int(re.search(r"编号 (\d+)", submitted).group(1))


def approval_updates(bot, label: str) -> list[dict]:
    return [c for c in bot.fake.state.calls_to("message/update_template_card")
            if (c["json"].get("button") or {}).get("replace_name") == label]


def field(card: dict, name: str) -> str:
    return next(f["value"] for f in card.get("horizontal_content_list", []) if f["keyname"] == name)


def request_row(bot, request_id: int) -> ApprovalRequest:
    with bot.session() as s:
        request = s.get(ApprovalRequest, request_id)
        request.steps  # load them before the session closes
        return request


def audit_actions(bot, request_id: int) -> list[str]:
    with bot.session() as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.record_type == "approval",
                                                              AuditEntry.record_id == str(request_id))
                              .order_by(AuditEntry.id)))
