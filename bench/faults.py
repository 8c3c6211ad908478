"""Kill -9 and API faults against the outbox: prove nothing is lost, doubled or reordered.

    python bench/faults.py [--messages 400] [--kills 12] [--fault-rate 0.3] [--database-url URL]

The database (a temporary SQLite file, or ``--database-url``, which is WIPED: give it a
database of its own) is migrated and filled with outbox rows, each carrying unique markers:
single texts, long texts split into ordered parts (to several people), template cards with
unique task ids, and a burst of 40 messages to one person (WeCom's 30-a-minute pacing).
Then the bot is served as `app.py serve` does (a child process) and killed with SIGKILL
``--kills`` times at random moments while it delivers, then served once more until the outbox
is drained. The fake WeCom API runs in this process (so it outlives the kills) and fails a
``--fault-rate`` share of calls: HTTP 500, errcode -1, 45009, 42001, or "lost" — carried out
but answered with HTTP 502, as after a timeout.

It prints one line per count and exits 1 unless lost = doubled = out of order =
failed-but-delivered = 0. A message is "delivered" when the fake API shows it to the person
(WeCom's duplicate check drops an identical retry, as WeCom does).
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
MARK = re.compile(r"\[#(\d+)(?:/(\d+))?\]")
FAULTS = ("http500", "busy", "limit", "expired", "lost")


def settings_for(db: str, api: str, port: int):
    from bot.config import load_settings
    base = load_settings(None)
    return dataclasses.replace(base, database_url=db, host=HOST, port=port, scheduler_enabled=False,
                               emulator_enabled=False, demo=False,
                               wecom=dataclasses.replace(base.wecom, api_base_url=api))


def serve(args) -> int:
    """The child: the bot exactly as `app.py serve` runs it."""
    import waitress
    from app import create_app
    from bot.logs import setup_logging
    settings = settings_for(args.db, args.api, args.port)
    setup_logging("WARNING", settings.secrets())
    waitress.serve(create_app(settings), host=HOST, port=args.port, threads=4, ident="wecom-bot")
    return 0


class FaultyApi:
    """WSGI middleware around the fake WeCom API that fails a share of the calls."""

    def __init__(self, app, rate: float, seed: int):
        self.app, self.rate, self.random = app, rate, random.Random(seed)
        self.injected = Counter()
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        with self.lock:
            fault = self.random.choice(FAULTS) if "gettoken" not in path and self.random.random() < self.rate else None
            if fault:
                self.injected[fault] += 1
        time.sleep(0.003)  # a little network time widens the window a kill can hit
        if fault == "http500":
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"error"]
        if fault in ("busy", "limit", "expired"):
            code = {"busy": -1, "limit": 45009, "expired": 42001}[fault]
            start_response("200 OK", [("Content-Type", "application/json")])
            return [f'{{"errcode": {code}, "errmsg": "injected"}}'.encode()]
        body = b"".join(self.app(environ, start_response if fault != "lost" else (lambda *a, **k: None)))
        if fault == "lost":  # carried out, but the answer never arrives
            start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
            return [b"lost"]
        return [body]


def fill_outbox(url: str, count: int, rng: random.Random) -> dict:
    """Queue ``count`` messages; return what each person should receive, in order per chain."""
    from bot.outbox import writer as outbox
    from models.db import make_engine, make_session_factory
    engine = make_engine(url)
    factory = make_session_factory(engine)
    expected: dict[tuple[int, int | None], set[str]] = {}
    with factory.begin() as session:
        for n in range(count):
            people = [f"u{rng.randrange(300):03d}" for _ in range(rng.choice((1, 1, 1, 2, 5)))]
            kind = rng.random()
            if n < 40:  # a burst to one person: more than WeCom delivers in a minute
                people = ["director"]
                outbox.enqueue_text(session, people, f"[#{n}] 汇报 {n}", "bench")
                expected[(n, None)] = set(people)
            elif kind < 0.15:  # a long message in three ordered parts
                text = "".join(f"[#{n}/{p}]" + "长消息内容" * 120 + "\n" for p in range(3))
                rows = outbox.enqueue_text(session, people, text, "bench")
                for p in range(len({r.part for r in rows})):
                    expected[(n, p)] = set(people)
            elif kind < 0.3:
                card = {"card_type": "button_interaction", "task_id": f"bench_{n}_{rng.getrandbits(32):x}",
                        "main_title": {"title": f"[#{n}] 审批", "desc": "bench"},
                        "button_list": [{"text": "同意", "style": 1, "key": f"bench:{n}"}]}
                outbox.enqueue_card(session, people, card, "bench")
                expected[(n, None)] = set(people)
            else:
                outbox.enqueue_text(session, people, f"[#{n}] 通知 {n}", "bench")
                expected[(n, None)] = set(people)
    engine.dispose()
    return expected


def outbox_state(url: str) -> Counter:
    from sqlalchemy import func, select
    from models import OutboxMessage
    from models.db import make_engine
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return Counter(dict(conn.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_bot(args, db: str, api: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--db", db, "--api", api, "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the bot did not start")


def tally(state, expected: dict) -> dict:
    """Deliveries per (marker, person) from what the fake API shows each person."""
    seen: Counter = Counter()
    order_errors = 0
    last_part: dict[tuple[int, str], int] = {}
    for message in state.messages:
        content = message.get("text") or message.get("markdown") or ((message.get("card") or {}).get("main_title") or {}).get("title") or ""
        for number, part in MARK.findall(content)[:1]:
            key = (int(number), int(part) if part else None)
            seen[(key, message["userid"])] += 1
            if part:
                previous = last_part.get((int(number), message["userid"]), -1)
                order_errors += int(part) != previous + 1
                last_part[(int(number), message["userid"])] = int(part)
    wanted = {(key, person) for key, people in expected.items() for person in people}
    return {"expected": len(wanted), "delivered": len(wanted & set(seen)),
            "lost": len(wanted - set(seen)), "doubled": sum(1 for k, n in seen.items() if n > 1),
            "out_of_order": order_errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--database-url", help="a database this script may wipe (default: temporary SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)

    import logging
    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake API's access log is noise
    from bot.config import load_settings
    from bot.emulator.api import EmulatorState, create_fake_wecom_app
    from models import migrate
    rng = random.Random(args.seed)
    workdir = tempfile.TemporaryDirectory(prefix="bench-faults-")
    db = args.database_url or f"sqlite:///{workdir.name}/bot.db"
    if args.database_url and args.database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, pool, text
        engine = create_engine(db, poolclass=pool.NullPool)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(db)
    wecom = load_settings(None).wecom
    state = EmulatorState(wecom.corp_id, wecom.secret, wecom.agent_id)
    faulty = FaultyApi(create_fake_wecom_app(state), args.fault_rate, args.seed)
    server = make_server(HOST, 0, faulty, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = f"http://{HOST}:{server.server_port}/cgi-bin/"
    expected = fill_outbox(db, args.messages, rng)
    started = time.monotonic()
    try:
        for kill in range(args.kills):
            proc, _ = start_bot(args, db, api)
            time.sleep(rng.uniform(0.05, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            print(f"kill {kill + 1}/{args.kills}: outbox {dict(outbox_state(db))}", flush=True)
        faulty.rate = 0.0 if args.fault_rate >= 1 else faulty.rate
        proc, _ = start_bot(args, db, api)
        try:  # leases of killed dispatchers run out after 60 s; the burst waits for the next minute
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and outbox_state(db).keys() & {"pending", "sending"}:
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        server.shutdown()
    counts = tally(state, expected)
    statuses = outbox_state(db)
    failed = statuses.get("failed", 0)
    print(f"database            {db.split('@')[-1]}")
    print(f"kills               {args.kills}")
    print(f"API faults injected {sum(faulty.injected.values())} ({', '.join(f'{k} {v}' for k, v in sorted(faulty.injected.items()))})")
    retries = sum(1 for c in state.calls_to("message/send") if (c["json"] or {}).get("enable_duplicate_check"))
    print(f"API calls           {len(state.calls)} (message/send retried with the duplicate check: {retries})")
    print(f"sent (expected)     {counts['expected']}")
    print(f"delivered           {counts['delivered']}")
    print(f"lost                {counts['lost']}")
    print(f"doubled             {counts['doubled']}")
    print(f"out of order        {counts['out_of_order']}")
    print(f"rows failed         {failed}   rows still open {statuses.get('pending', 0) + statuses.get('sending', 0)}")
    print(f"took                {time.monotonic() - started:.0f} s")
    workdir.cleanup()
    ok = counts["lost"] == counts["doubled"] == counts["out_of_order"] == failed == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
