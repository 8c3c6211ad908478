"""A changed userid is the same person (issue 22; WeiXinMPSDK#1397, WxJava#1953): WeCom's
``update_user`` with ``NewUserID`` rewrites the id everywhere it is stored, in the callback's one
transaction; nobody leaves, nobody joins, nobody is told anyone left, and the same event again
changes nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, String, Text, insert, select
from sqlalchemy.types import BigInteger

from bot.org.rename import userid_columns
from models import AuditEntry, InboundCallback, OrgState, Person
from tests.approvals.helpers import request_row, submit
from tests.chat import tap, texts, wait_card, wait_text
from tests.conftest import wait_until
from tests.org.test_events import change
from tests.org.test_handover import synced_bot

# Every table and column that stores a userid (the audit log and the callbacks received are history).
EXPECTED = {
    "acknowledgements.userid", "approval_drafts.requester", "approval_requests.requester", "approval_steps.approver",
    "card_copies.userid", "collaborations.contacts", "collaborations.created_by", "collaborations.stakeholders",
    "commendations.given_by", "commendations.userid", "conversation_states.userid", "departments.head",
    "departments.leaders", "documents.uploader", "evaluations.rater", "evaluations.subject", "groups.leader",
    "incidents.alerted", "incidents.closed_by", "incidents.reporter", "mediation_cases.applicant",
    "mediation_cases.arbitrated_by", "mediation_cases.counterpart", "mediation_cases.mediator",
    "meeting_minutes.author", "meetings.attendees", "meetings.chair", "meetings.created_by", "meetings.minute_taker",
    "action_items.assigned_by", "action_items.owner", "notices.recipients", "notices.sender",
    "notification_ledger.recipient", "org_state.roles", "org_state.tags", "outbox_messages.recipients",
    "people.direct_leader", "people.userid", "projects.accepted_by", "projects.completed_by", "projects.created_by",
    "projects.owner", "recipient_sends.recipient", "reports.userid", "rotation_requests.applicant",
    "rotation_steps.approver", "self_evaluations.userid", "suggestions.answered_by", "suggestions.author",
    "sync_updates.userid",
}


def approve_all(bot, request_id: int) -> None:
    """Tap 同意 on each pending step's card, in turn, until the request is decided."""
    while (request := request_row(bot, request_id)).status == "pending":
        step = request.step_at(request.current_step)
        card = wait_card(bot, step.approver, f"appr_{request_id}_{step.position}_")
        tap(bot, step.approver, card, "同意")
        wait_until(lambda: request_row(bot, request_id).current_step != step.position
                   or request_row(bot, request_id).status != "pending", message="the step decided")


def test_a_renamed_finance_member_keeps_the_step_the_role_the_requests_and_the_department(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    own = submit(bot, "liucaiwu", "报销 差旅费 800元")  # filed by 刘财务 himself
    other = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    card = wait_card(bot, "liucaiwu")  # 复审 waits for 刘财务
    finance_dept = bot.runtime.org.get("liucaiwu").department_id
    assert bot.runtime.org.department_head(finance_dept).userid == "liucaiwu"

    change(bot, "update_user", UserID="liucaiwu", NewUserID="liucaiwu2")

    org = bot.runtime.org
    assert org.get("liucaiwu") is None and org.get("liucaiwu2").name == "刘财务"
    assert org.get("liucaiwu2").has("finance") and "liucaiwu2" in org.finance_ids  # the tag role stays
    assert org.department_head(finance_dept).userid == "liucaiwu2"  # the department's leader too
    assert [s.approver for s in request_row(bot, other).steps] == ["wangzong", "liucaiwu2"]
    assert request_row(bot, own).requester == "liucaiwu2"
    bot.say("liucaiwu2", "我的申请")
    assert f"#{own}" in wait_text(bot, "liucaiwu2", "差旅费")
    tap(bot, "liucaiwu2", card, "同意")  # the card he already had works under his new id
    assert "全部审批通过" in wait_text(bot, "zhangsan", "全部审批通过")
    approve_all(bot, own)
    assert "全部审批通过" in wait_text(bot, "liucaiwu2", "全部审批通过")  # the completion notice follows him
    assert not [t for t in texts(bot, "wangzong") if "组织架构变动" in t or "已离开" in t]
    assert not [t for t in texts(bot, "zhoukuaiji") if "转由你处理" in t]
    with bot.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "userid_changed")).one()
        assert (entry.record_id, entry.detail["previous"]) == ("liucaiwu2", "liucaiwu")
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.actor == "liucaiwu").limit(1))  # history as written

    with bot.session() as s:
        version = s.scalar(select(OrgState.version))
    change(bot, "update_user", UserID="liucaiwu", NewUserID="liucaiwu2")  # WeCom again: idempotent
    with bot.session() as s:
        assert s.scalar(select(OrgState.version)) == version
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "userid_changed")).all()) == 1
    assert bot.runtime.org.get("liucaiwu2").has("finance") and bot.runtime.org.get("liucaiwu") is None


def test_letter_case_does_not_make_a_stranger(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    change(bot, "update_user", UserID="LiuCaiWu", NewUserID="liucaiwu2")
    assert bot.runtime.org.get("liucaiwu2").has("finance") and bot.runtime.org.get("LiuCaiWu") is None
    change(bot, "update_tag", TagId="1", DelUserItems="LIUCAIWU2")
    assert bot.runtime.org.finance_ids == ("zhoukuaiji",)


def _dummy(column, parents: dict):
    """A value for a required column, by type (foreign keys point at the row made for their table)."""
    for key in column.foreign_keys:
        return parents[key.column.table.name]
    kind = column.type
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, (Integer, BigInteger)):
        return 1
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime) or getattr(kind, "impl", None).__class__.__name__ == "DateTime":
        return datetime.now(timezone.utc)
    if isinstance(kind, Date):
        return date.today()
    if isinstance(kind, LargeBinary):
        return b""
    if isinstance(kind, (String, Text)):
        return "x"
    raise AssertionError(f"no dummy for {column}")


def test_every_column_that_stores_a_userid_is_rewritten(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    columns = userid_columns()
    assert {f"{t.name}.{c.name}" for t, c, _ in columns} == EXPECTED
    marked = {}
    for table, column, how in columns:
        marked.setdefault(table, {})[column.name] = how
    parents = {}
    with bot.runtime.session_factory.begin() as s:
        for table in sorted({t for t, _, _ in columns} | {fk.column.table for t, _, _ in columns
                                                           for fk in t.foreign_keys},
                            key=lambda t: list(t.metadata.sorted_tables).index(t)):
            if table.name == "org_state":
                continue  # exists (the sync wrote it); its tags and roles are rewritten below
            values = {}
            for column in table.columns:
                how = marked.get(table, {}).get(column.name)
                if how == "scalar":
                    values[column.name] = "olduser"
                elif how == "json":
                    values[column.name] = {"x": "olduser"} if column.name == "contacts" else ["olduser", "keep"]
                elif how == "pipe":
                    values[column.name] = "keep|olduser"
                elif column.primary_key and column.autoincrement is not False and isinstance(column.type, Integer):
                    continue
                elif column.name == "active" and table.name == "people":
                    values["active"] = False  # a former member: nobody to hand over from
                elif column.name == "id" and table.name == "departments":
                    values["id"] = "dummy"
                elif column.name == "status" and table.name == "outbox_messages":
                    values["status"] = "pending"  # not due for a day: the dispatcher leaves it alone
                    values["next_attempt_at"] = datetime.now(timezone.utc) + timedelta(days=1)
                elif not column.nullable and column.default is None and column.server_default is None:
                    values[column.name] = _dummy(column, parents)
                elif column.foreign_keys and table.name != "documents":
                    values[column.name] = _dummy(column, parents)
            result = s.execute(insert(table).values(values))
            parents[table.name] = values.get("id") or result.inserted_primary_key[0]
        s.execute(AuditEntry.__table__.insert().values(at=datetime.now(timezone.utc), actor="olduser",
                                                       action="x", record_type="x", record_id="1"))

    change(bot, "update_user", UserID="olduser", NewUserID="newuser")

    with bot.session() as s:
        for table, column, how in columns:
            values = s.execute(select(column)).scalars().all()
            if table.name == "org_state":
                continue
            text = repr(values)
            assert "olduser" not in text and "newuser" in text, f"{table.name}.{column.name}: {values}"
            if how in ("json", "pipe") and column.name != "contacts":
                assert "keep" in text  # only the renamed id changes
        assert s.scalar(select(AuditEntry.actor).where(AuditEntry.action == "x")) == "olduser"  # history stays
        assert s.get(Person, "newuser") is not None and s.get(Person, "olduser") is None
        assert s.scalar(select(InboundCallback.userid).where(InboundCallback.event == "change_contact")) == "sys"
