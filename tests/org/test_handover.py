"""Leavers and movers (P1, P3, P9, P12, P18): their open work is handed over in the same
transaction as the contact event, and the director hears of every hand-over in one message."""
from datetime import timedelta

from sqlalchemy import select

from models import AuditEntry
from models.meeting import ActionItem, Meeting
from scheduler import run_job
from tests.approvals.helpers import request_row, submit
from tests.chat import cards, tap, texts, wait_card, wait_text
from tests.conftest import FixedClock, wait_until
from tests.meetings.helpers import MONDAY, running_since
from tests.org.helpers import serve_contacts, wecom_org
from tests.org.test_events import change


def synced_bot(start_bot, fake_wecom, **overrides):
    if fake_wecom.state.contacts is None:
        serve_contacts(fake_wecom)
    clock = FixedClock(MONDAY)
    bot = start_bot(clock=clock, org=wecom_org(), **overrides)
    bot.clock = clock
    run_job(bot.runtime, "org_sync", MONDAY)
    return bot


def test_a_leavers_pending_step_reaches_the_next_finance_member_and_the_chain_completes(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "采购申请 测试服务器 3万元 用于压测")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "liucaiwu")  # 复审 waits for 刘财务
    change(bot, "delete_user", UserID="liucaiwu")
    card = wait_card(bot, "zhoukuaiji")  # a fresh card for the other finance member
    assert f"#{request_id}" in card["main_title"]["title"]
    assert f"刘财务 已离开，以下审批转由你处理：#{request_id}" in wait_text(bot, "zhoukuaiji", "转由你处理")
    summary = wait_text(bot, "wangzong", "组织架构变动")
    assert "刘财务 已离开" in summary and f"采购申请 #{request_id} 复审 → 周会计" in summary
    tap(bot, "zhoukuaiji", card, "同意")
    assert "全部审批通过" in wait_text(bot, "zhangsan", "全部审批通过")
    request = request_row(bot, request_id)
    assert request.status == "approved" and [s.approver for s in request.steps] == ["wangzong", "zhoukuaiji"]
    with bot.session() as s:
        handed = s.scalars(select(AuditEntry).where(AuditEntry.action == "handed_over")).one()
        assert handed.detail == {"step": 2, "approver": "zhoukuaiji", "previous": "liucaiwu"}


def test_a_waiting_step_of_a_leaver_goes_to_the_next_person_before_its_turn(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "报销 差旅费 3000元")
    change(bot, "delete_user", UserID="liucaiwu")
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "zhoukuaiji"]
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    wait_card(bot, "zhoukuaiji")
    assert cards(bot, "liucaiwu") == []


def test_a_leaver_with_no_other_of_the_role_goes_to_their_superior(start_bot, fake_wecom):
    contacts = serve_contacts(fake_wecom)
    contacts.tags[1]["userlist"] = ["liucaiwu"]  # the only finance member
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "采购申请 显示器 2万元 用于办公")
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    change(bot, "delete_user", UserID="liucaiwu")
    # 刘财务 had no group leader and headed his department: the superior up the line is the CEO
    assert request_row(bot, request_id).steps[1].approver == "chenzong"
    wait_card(bot, "chenzong")


def test_action_items_minutes_and_collaborations_of_a_leaver_go_to_the_chair_and_leader(start_bot, fake_wecom):
    meetings = {"recurring": [
        {"id": "a", "title": "周会", "schedule": "0 10 * * mon", "duration": 60, "chair": "lizuzhang",
         "minute_taker": "lisi", "attendees": ["zhangsan"]},
        {"id": "b", "title": "评审会", "schedule": "0 14 * * mon", "duration": 60, "chair": "lizuzhang",
         "minute_taker": "zhangsan", "attendees": ["lisi"]}]}
    collaborations = [{"name": "数据平台对接", "departments": ["2", "10"], "contacts": {"2": "zhangsan", "10": "wujishu"},
                       "stakeholders": ["lizuzhang"]}]
    bot = synced_bot(start_bot, fake_wecom, extra={"meetings": meetings, "collaborations": collaborations})
    running_since(bot)
    run_job(bot.runtime, "meeting_reminder", MONDAY + timedelta(hours=2, minutes=5))
    bot.clock.current = MONDAY + timedelta(hours=2, minutes=10)
    bot.say("lisi", "纪要\n议题：选型\n决议：完成供应商比价 负责人：张三")
    wait_text(bot, "lisi", "已归档会议")
    request_id = submit(bot, "zhangsan", "报销 打印费 300元")  # filed by the leaver: stays and continues
    bot.clock.current = MONDAY + timedelta(hours=6, minutes=5)  # 评审会 ended; 张三 owes its minutes
    before = len(texts(bot, "lizuzhang"))
    change(bot, "delete_user", UserID="zhangsan")

    with bot.session() as s:
        item = s.scalars(select(ActionItem)).one()
        reviews = s.scalars(select(Meeting).where(Meeting.series == "b").order_by(Meeting.starts_at)).all()
        review = reviews[0]  # today's, ended; next week's is handed over too
        assert (item.owner, {r.minute_taker for r in reviews}) == ("lizuzhang", {"lizuzhang"})
    to_leader = wait_until(lambda: texts(bot, "lizuzhang")[before:])
    assert len(to_leader) == 1  # one message for everything the chair and group leader takes over
    assert f"决议 #{item.id}" in to_leader[0] and "指派" in to_leader[0]
    assert f"会议 #{review.id}「评审会」的纪要改由你提交" in to_leader[0] and "协作「数据平台对接」" in to_leader[0]
    summary = wait_text(bot, "wangzong", "组织架构变动")
    assert "张三 已离开" in summary and f"决议 #{item.id}" in summary and "数据平台对接" in summary
    tap(bot, "wangzong", wait_card(bot, "wangzong"), "同意")
    tap(bot, "liucaiwu", wait_card(bot, "liucaiwu"), "同意")
    assert request_row(bot, request_id).status == "approved"
    assert bot.runtime.org.name("zhangsan") == "张三"  # history keeps the name


def test_a_mover_who_still_holds_the_role_keeps_the_step_and_nobody_is_bothered(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "报销 差旅费 3000元")
    change(bot, "update_user", UserID="liucaiwu", Department="10", MainDepartment="10", IsLeaderInDept="0")
    assert bot.runtime.org.get("liucaiwu").department_id == "10"  # moved, still in the 财务 tag
    change(bot, "update_user", UserID="lisi", Department="4", MainDepartment="4", IsLeaderInDept="0")
    assert bot.runtime.org.get("lisi").group_id == "4"  # between groups: nothing to hand over
    assert [s.approver for s in request_row(bot, request_id).steps] == ["wangzong", "liucaiwu"]
    assert not [t for t in texts(bot, "wangzong") if "组织架构变动" in t]


def test_when_the_director_leaves_their_steps_go_up_to_the_ceo_who_hears_of_it(start_bot, fake_wecom):
    bot = synced_bot(start_bot, fake_wecom)
    request_id = submit(bot, "zhangsan", "报销 差旅费 3000元")
    wait_card(bot, "wangzong")
    change(bot, "delete_user", UserID="wangzong")
    assert bot.runtime.org.director_id is None  # nobody is director until WeCom names a leader
    card = wait_card(bot, "chenzong")
    assert f"#{request_id}" in card["main_title"]["title"]
    assert f"报销申请 #{request_id} 初审 → 陈总" in wait_text(bot, "chenzong", "组织架构变动")
    change(bot, "update_user", UserID="lizuzhang", Department="2", IsLeaderInDept="1")  # a new director
    assert bot.runtime.org.director_id == "lizuzhang"
