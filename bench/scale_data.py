"""The scale benchmark's department and its year of history, written through the models in bulk."""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

GROUP_SIZE = 20
APPROVALS = 50_000
MEETINGS = 2_000
ITEMS_PER_MEETING = 10
COLLABORATIONS = 20
CHUNK = 5_000


def build_settings(url: str, people: int):
    """Demo settings with a department of ``people``: groups of 20 (the first is "coordination",
    which the default weekly meeting's minute-taker comes from), their leaders, a director,
    finance, a CEO, HR and compliance in their own departments."""
    from bot.config import OrgSettings, load_settings
    base = load_settings(None)
    groups_n = max(1, people // GROUP_SIZE)
    departments = [{"id": "innovation", "name": "创新服务部", "head": "director"},
                   {"id": "finance", "name": "财务部", "head": "fin01"},
                   {"id": "management", "name": "总经办", "head": "ceo"},
                   {"id": "hr", "name": "人力资源部", "head": "hr01"},
                   {"id": "legal", "name": "法务合规部", "head": "legal01"},
                   {"id": "tech", "name": "技术部", "head": "tech01"}]
    group_ids = ["coordination"] + [f"g{n:04d}" for n in range(1, groups_n)]
    groups = [{"id": g, "name": f"第{n + 1}组", "department": "innovation", "leader": f"p{n * GROUP_SIZE:05d}"}
              for n, g in enumerate(group_ids)]
    members = [{"userid": f"p{i:05d}", "name": f"员工{i}", "department": "innovation",
                "group": group_ids[min(i // GROUP_SIZE, groups_n - 1)], "roles": ["specialist"]}
               for i in range(people)]
    staff = [{"userid": "director", "name": "王总监", "department": "innovation", "roles": ["director"]},
             {"userid": "fin01", "name": "刘财务", "department": "finance", "roles": ["finance"]},
             {"userid": "fin02", "name": "钱财务", "department": "finance", "roles": ["finance"]},
             {"userid": "ceo", "name": "陈总", "department": "management", "roles": ["ceo"]},
             {"userid": "hr01", "name": "杨人事", "department": "hr", "roles": ["hr"]},
             {"userid": "legal01", "name": "郑法务", "department": "legal", "roles": ["compliance"]},
             {"userid": "tech01", "name": "吴技术", "department": "tech", "roles": ["staff"]}]
    for n in range(groups_n):  # leaders lead; they are not specialists as well
        members[n * GROUP_SIZE]["roles"] = ["group_leader"]
    org = OrgSettings("innovation", tuple(departments), tuple(groups), tuple(staff + members),
                      {"ceo": "ceo", "finance": ("fin01", "fin02"), "hr": ("hr01",), "compliance": ("legal01",)})
    collaborations = [{"name": f"协作{n}", "departments": ["innovation", "tech"],
                       "contacts": {"innovation": f"p{n * GROUP_SIZE + 1:05d}", "tech": "tech01"},
                       "stakeholders": [f"p{n * GROUP_SIZE:05d}"]} for n in range(min(COLLABORATIONS, groups_n))]
    return dataclasses.replace(base, org=org, database_url=url, scheduler_enabled=False, emulator_enabled=False,
                               demo=False, extra={**base.extra, "collaborations": collaborations}, sections={})


def _bulk(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])


def build_history(runtime, now: datetime, weeks: int, rng: random.Random) -> dict[str, int]:
    """A year (``weeks``) of records before ``now``; returns how many of each were written."""
    from handlers.reports.periods import report_owers, weekly_period
    from models import ApprovalRequest, ApprovalStep, AuditEntry
    from models.collaboration import SyncUpdate
    from models.meeting import ActionItem, Meeting, Minutes
    from models.report import Report
    settings, org = runtime.settings, runtime.org
    tz, policy = settings.tz, settings.policy
    owers = [m.userid for m in report_owers(org, policy)]
    specialists = [m.userid for m in org.members.values() if m.has("specialist")]
    leaders = [m.userid for m in org.members.values() if m.has("group_leader")]
    sizes: dict[str, int] = {}
    utc = lambda moment: moment.astimezone(timezone.utc)  # noqa: E731
    with runtime.session_factory.begin() as session:
        reports = []
        for week in range(weeks, -1, -1):  # week 0 is this week: 70 % are in by Friday noon
            period = weekly_period((now - timedelta(weeks=week)).date(), policy, tz)
            if period.deadline is None:
                continue
            share = 0.7 if week == 0 else 0.92
            for userid in owers:
                if rng.random() < share:
                    at = period.deadline - timedelta(hours=rng.uniform(-6, 30))
                    reports.append(dict(kind="weekly", period=period.key, userid=userid, group_id=None,
                                        content=f"本周完成：客户回访{rng.randrange(9)}家，整理需求清单。下周计划：方案评审。问题与风险：无",
                                        submitted_at=utc(at), first_submitted_at=utc(at), deadline=utc(period.deadline),
                                        late=at > period.deadline, revisions=1))
        _bulk(session, Report, reports)
        sizes["weekly reports"] = len(reports)

        start = now - timedelta(weeks=weeks)
        requests, steps, audit = [], [], []
        for n in range(1, APPROVALS + 1):
            created = start + (now - start) * (n / APPROVALS)
            requester = rng.choice(specialists)
            amount = rng.choice((800, 3_500, 12_000, 30_000, 80_000))
            chain = [("department_head", "初审", "director"), ("finance", "复审", rng.choice(("fin01", "fin02")))]
            if amount >= 50_000:
                chain.append(("ceo", "终审", "ceo"))
            recent = now - created < timedelta(days=3)
            status = "pending" if recent and rng.random() < 0.5 else rng.choice(("approved",) * 8 + ("rejected",))
            current = rng.randrange(1, len(chain) + 1) if status == "pending" else len(chain)
            requests.append(dict(id=n, kind=rng.choice(("procurement", "reimbursement")), requester=requester,
                                 department_id="innovation", item=f"物品{n}", amount_fen=amount * 100, reason="业务需要",
                                 emergency=rng.random() < 0.02, status=status, current_step=current,
                                 created_at=utc(created), submitted_at=utc(created),
                                 finished_at=None if status == "pending" else utc(created + timedelta(hours=30)),
                                 outcome_notified=True))
            audit.append(dict(at=utc(created), actor=requester, action="created", record_type="approval", record_id=str(n)))
            for position, (role, label, approver) in enumerate(chain, start=1):
                started = created + timedelta(hours=10 * (position - 1))
                decided = started + timedelta(hours=rng.uniform(1, 20))
                state = ("pending" if position == current else "waiting" if position > current else "approved") \
                    if status == "pending" else "approved"
                if status == "rejected" and position == len(chain):
                    state = "rejected"
                steps.append(dict(request_id=n, position=position, role=role, label=label, approver=approver,
                                  status=state, started_at=utc(started) if state != "waiting" else None,
                                  decided_at=utc(decided) if state in ("approved", "rejected") else None))
                audit.append(dict(at=utc(started), actor="system:approval", action="carded", record_type="approval",
                                  record_id=str(n), detail={"step": position, "approver": approver}))
                if state in ("approved", "rejected"):
                    audit.append(dict(at=utc(decided), actor=approver, action=state, record_type="approval",
                                      record_id=str(n), detail={"step": position}))
            if status != "pending":
                audit.append(dict(at=utc(created + timedelta(hours=30)), actor="system:approval",
                                  action="completed" if status == "approved" else "rejected", record_type="approval",
                                  record_id=str(n)))
        _bulk(session, ApprovalRequest, requests)
        _bulk(session, ApprovalStep, steps)
        sizes["approvals"], sizes["approval steps"] = len(requests), len(steps)

        meetings, minutes, items = [], [], []
        item_id = 0
        for n in range(1, MEETINGS + 1):
            starts = start + (now - start) * (n / MEETINGS) - timedelta(days=2)
            chair = rng.choice(leaders + ["director"])
            taker = rng.choice(leaders)
            attendees = list(dict.fromkeys([chair, taker] + rng.sample(specialists, 8)))
            minuted = rng.random() < 0.95
            due = starts + timedelta(hours=1 + policy.minutes_due_hours)
            meetings.append(dict(id=n, title=f"项目会{n}", series=None, weekly=False, starts_at=utc(starts),
                                 ends_at=utc(starts + timedelta(hours=1)), chair=chair, minute_taker=taker,
                                 attendees=attendees, agenda="进展", status="minuted" if minuted else "scheduled",
                                 created_by=chair, created_at=utc(starts - timedelta(days=3)), minutes_due_at=utc(due)))
            if not minuted:
                continue
            submitted = due - timedelta(hours=rng.uniform(-10, 20))
            minutes.append(dict(id=n, meeting_id=n, author=taker, text="纪要", topics="进展", discussion="",
                                created_at=utc(submitted), submitted_at=utc(submitted), due_at=utc(due)))
            for _ in range(ITEMS_PER_MEETING):
                item_id += 1
                owner = rng.choice(attendees) if rng.random() < 0.9 else None
                done = owner is not None and rng.random() < 0.6
                created_item = submitted
                item_due = created_item + timedelta(days=rng.choice((3, 7, 14, 30)))
                items.append(dict(id=item_id, meeting_id=n, minutes_id=n, text=f"决议事项{item_id}", owner=owner,
                                  status="done" if done else "open", created_at=utc(created_item),
                                  owner_due_at=utc(created_item + timedelta(hours=policy.decision_owner_hours)),
                                  owner_assigned_at=utc(created_item) if owner else None, assigned_by=chair if owner else None,
                                  due_at=utc(item_due), done_at=utc(item_due) if done else None,
                                  escalated_at=None if owner or now - created_item < timedelta(days=2)
                                  else utc(created_item + timedelta(days=1))))
                audit.append(dict(at=utc(created_item), actor=taker, action="created", record_type="action_item",
                                  record_id=str(item_id)))
        _bulk(session, Meeting, meetings)
        _bulk(session, Minutes, minutes)
        _bulk(session, ActionItem, items)
        sizes["meetings"], sizes["action items"] = len(meetings), len(items)
        _bulk(session, AuditEntry, audit)
        sizes["audit rows"] = len(audit)

        syncs = []
        for week in range(weeks, 0, -1):
            moment = now - timedelta(weeks=week)
            year, number, _ = moment.isocalendar()
            for spec in settings.section("collaborations"):
                for department, userid in spec.contacts.items():
                    syncs.append(dict(collaboration=spec.name, week=f"{year}-W{number:02d}", department_id=department,
                                      userid=userid, content="本周进展正常", submitted_at=utc(moment)))
        _bulk(session, SyncUpdate, syncs)
        sizes["syncs"] = len(syncs)
        if session.bind.dialect.name == "postgresql":  # explicit ids above: move the sequences past them
            from sqlalchemy import text
            for table in ("approval_requests", "meetings", "meeting_minutes", "action_items"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    with runtime.session_factory.begin() as session:  # the planner needs statistics after a bulk load
        if session.bind.dialect.name == "sqlite":
            session.execute(select(1))
            session.connection().exec_driver_sql("ANALYZE")
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return sizes
