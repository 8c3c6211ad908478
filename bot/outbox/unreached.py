"""Who a ``message/send`` did not reach (WECOM.md, Sending; doc 90236).

WeCom answers ``errcode 0`` even when some recipients did not get the message, and lists them:
``invaliduser`` (no such member, or outside the app's visible range), ``unlicenseduser``
(members without a WeCom licence), ``invalidparty`` and ``invalidtag``; when every recipient is
invalid it answers 81013 instead. The dispatcher records them on the outbox row (``response
["unreached"]``), logs them at WARNING and hands them to the ``on_undelivered`` handlers in the
transaction that marks the row, so a notice's sender hears who, and an approval step whose
approver cannot be reached moves on.
"""
from __future__ import annotations

ALL_INVALID = 81013  # message/send: every recipient invalid
REASONS = ("invaliduser", "unlicenseduser", "invalidparty", "invalidtag")
LABELS = {"invaliduser": "账号无效或不在应用可见范围内", "unlicenseduser": "未分配企业微信许可",
          "invalidparty": "部门无效", "invalidtag": "标签无效"}


def _ids(value) -> list[str]:
    """WeCom gives these as "a|b" strings (some versions as lists); empty means none."""
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v)]
    return [v for v in str(value).split("|") if v]


def from_response(response: dict | None) -> dict[str, list[str]]:
    """reason (``REASONS``) → ids not reached, from a ``message/send`` answer; {} when all arrived."""
    return {reason: ids for reason in REASONS if (ids := _ids((response or {}).get(reason)))}


def people(missed: dict[str, list[str]]) -> dict[str, str]:
    """userid → why it was not reached (members only: parties and tags are not people)."""
    return {u: reason for reason in ("invaliduser", "unlicenseduser") for u in missed.get(reason, [])}


def describe(missed: dict[str, list[str]], name=lambda userid: userid) -> str:
    """「周八（未分配企业微信许可）、…」 for the people not reached (``name`` gives their names)."""
    return "、".join(f"{name(u)}（{LABELS[reason]}）" for u, reason in people(missed).items())
