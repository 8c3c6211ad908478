"""The org at scale: a 10,000-person address book synced from the fake WeCom API, and start-up
with a 10,000-person org in the config.

    python bench/org_scale.py [--people 10000] [--departments 40] [--ids] [--rate 9000]
                              [--database-url URL]

1. `org sync` (the ``list`` path: department/list + one user/list per department) against the
   fake WeCom API (the emulator's, threaded werkzeug on loopback): API calls, seconds, rows
   written; then the same sync again, which must write nothing. Target: < 60 s.
2. With ``--ids``: the id-list path (user/list_id + one user/get per member) paced at ``--rate``
   calls a minute (WeCom allows 10,000 per API per corp, so 10,000 members take ≥ 60 s).
3. Start-up with the same org written in the config (``[org] source = "config"``): load the
   config, build the runtime (which writes the org only when its hash changed) and load the
   org, first on an empty database, then again unchanged. Target: ready < 1 s (issue 16).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def address_book(people: int, departments: int):
    """Company 1 → home 2 with (departments - 10) groups, and 8 other departments under 1."""
    from bot.emulator.contacts import EmulatorContacts

    c = EmulatorContacts()
    c.departments[1] = {"id": 1, "name": "公司", "parentid": 0, "order": 1, "department_leader": []}
    c.departments[2] = {"id": 2, "name": "创新服务部", "parentid": 1, "order": 2, "department_leader": ["u0"]}
    groups = list(range(3, 3 + max(departments - 10, 1)))
    others = list(range(groups[-1] + 1, groups[-1] + 9))
    for d in groups:
        c.departments[d] = {"id": d, "name": f"第{d}组", "parentid": 2, "order": d, "department_leader": []}
    for d in others:
        c.departments[d] = {"id": d, "name": f"部门{d}", "parentid": 1, "order": d, "department_leader": []}
    c.add_user({"userid": "u0", "name": "总监", "department": [2], "is_leader_in_dept": [1]})
    spread = groups + others
    for i in range(1, people):
        dept = spread[i % len(spread)]
        leads = not c.departments[dept]["department_leader"]
        if leads:
            c.departments[dept]["department_leader"].append(f"u{i}")
        c.add_user({"userid": f"u{i}", "name": f"员工{i}", "department": [dept], "main_department": dept,
                    "is_leader_in_dept": [1 if leads else 0], "position": "专员", "direct_leader": []})
    c.tags[1] = {"tagname": "财务", "userlist": [f"u{others[0]}"], "partylist": [others[0]]}
    return c


def count_writes(engine) -> list:
    from sqlalchemy import event
    rows = []

    def after(_conn, cursor, statement, params, _context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            rows.append(len(params) if executemany else max(cursor.rowcount, 0))
    event.listen(engine, "after_cursor_execute", after)
    return rows


def sync_once(runtime, fake_state, label: str) -> None:
    from bot.conversation.context import JobContext
    from handlers.org.sync import sync_from_wecom

    fake_state.calls.clear()
    writes = count_writes(runtime.engine)
    started = time.perf_counter()
    with runtime.session_factory.begin() as session:
        ctx = JobContext(session=session, settings=runtime.settings, org=runtime.org, now=runtime.now(),
                         origin="bench", job_id="org_sync")
        report = sync_from_wecom(ctx)
    seconds = time.perf_counter() - started
    org_rows = report.rows
    paths = {}
    for call in fake_state.calls:
        paths[call["path"]] = paths.get(call["path"], 0) + 1
    calls = sum(v for k, v in paths.items() if k != "gettoken")
    print(f"{label}: {report.path} path, {calls} API calls ({', '.join(f'{k} {v}' for k, v in sorted(paths.items()))}), "
          f"{seconds:.1f} s, {org_rows} org rows written ({sum(writes)} rows by {len(writes)} statements in all), "
          f"{len(report.org.members)} members")


def bench_sync(args, db_url: str) -> None:
    from bot.config import OrgSettings, load_settings
    from bot.emulator.api import EmulatorState, create_fake_wecom_app
    from models import migrate
    from tests.conftest import ServerThread
    import app as app_module

    base = load_settings(None)
    state = EmulatorState(base.wecom.corp_id, base.wecom.secret, base.wecom.agent_id)
    state.contacts = address_book(args.people, args.departments)
    state.contacts.mode = "ids" if args.ids else "list"
    server = ServerThread(create_fake_wecom_app(state))
    org = OrgSettings(home_department="2", departments=(), groups=(), people=(),
                      roles={"ceo": None, "finance": ("tag:财务",), "hr": (), "compliance": ()}, source="wecom",
                      contacts_api="ids" if args.ids else "list", api_calls_per_minute=args.rate)
    settings = dataclasses.replace(base, database_url=db_url, org=org, scheduler_enabled=False, emulator_enabled=False,
                                   demo=False, wecom=dataclasses.replace(base.wecom, api_base_url=f"{server.url}/cgi-bin/"))
    migrate.upgrade(db_url)
    runtime = app_module.build_runtime(settings)
    try:
        print(f"address book: {args.people} people in {len(state.contacts.departments)} departments")
        sync_once(runtime, state, "first sync ")
        sync_once(runtime, state, "second sync")
    finally:
        runtime.close()
        server.stop()


def config_toml(people: int, departments: int) -> str:
    lines = ["[wecom]", 'corp_id = "wwbench"', "agent_id = 1000002", 'secret = "s"', 'token = "Token1"',
             'encoding_aes_key = "kRKLlwPR6jFeeTR5LyX33HEcalZdmRgKzAX5hS0APlI"', "", "[org]",
             'home_department = "home"', "", "[[org.departments]]", 'id = "home"', 'name = "创新服务部"', 'head = "u0"']
    groups = [f"g{i}" for i in range(max(departments - 1, 1))]
    for i, g in enumerate(groups):
        lines += ["", "[[org.groups]]", f'id = "{g}"', f'name = "第{i}组"', 'department = "home"', f'leader = "u{i + 1}"']
    for i in range(people):
        group = f'group = "{groups[(i - 1) % len(groups)]}"\n' if i else ""
        lines += ["", "[[org.people]]", f'userid = "u{i}"', f'name = "员工{i}"', 'department = "home"',
                  group + f'roles = ["{"director" if i == 0 else "specialist"}"]', f'phone = "138{i:08d}"']
    return "\n".join(lines) + "\n"


def bench_startup(args, db_url: str) -> None:
    from bot.config import load_settings
    from models import migrate
    import app as app_module

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.toml"
        path.write_text(config_toml(args.people, args.departments), encoding="utf-8")
        migrate.upgrade(db_url)
        for label in ("start-up, empty database", "start-up, org unchanged"):
            started = time.perf_counter()
            settings = dataclasses.replace(load_settings(path, env={}), database_url=db_url)
            loaded = time.perf_counter()
            runtime = app_module.build_runtime(settings)
            writes = count_writes(runtime.engine)
            members = len(runtime.org.members)
            ready = time.perf_counter()
            runtime.close()
            print(f"{label}: ready in {ready - started:.2f} s (config {loaded - started:.2f} s, "
                  f"runtime and org {ready - loaded:.2f} s), {members} members")
            del writes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--ids", action="store_true", help="the id-list path (user/list_id + user/get, paced)")
    parser.add_argument("--rate", type=int, default=9000, help="user/get calls per minute on the id-list path")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per part")
    args = parser.parse_args()
    import logging
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        bench_sync(args, args.database_url or f"sqlite:///{tmp}/sync.db")
        if args.database_url:
            from tests.conftest import _reset_postgres
            _reset_postgres(args.database_url)
        bench_startup(args, args.database_url or f"sqlite:///{tmp}/startup.db")
    return 0


if __name__ == "__main__":
    sys.exit(main())
