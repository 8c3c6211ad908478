"""Single-threaded CPU profile of the callback path and of outbox delivery (no load generator).

    python bench/profile_inbound.py [--requests 2000] [--top 35] [--no-profile]

Builds the bot like bench/webhook.py (fresh migrated temp SQLite, demo settings, no scheduler,
no emulator), then: (1) posts ``--requests`` unique signed "我是谁" callbacks through Flask's
test client in one thread (no waitress, no dispatcher) and (2) lets one Dispatcher deliver the
resulting outbox rows to the fake WeCom API (served by waitress in a child process). Prints the
time per callback / per delivered row and, unless --no-profile, the top cProfile entries
(cumulative) of each phase.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import itertools
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()

    import webhook as bench  # bench/webhook.py
    from app import create_app
    from bot.config import load_settings
    from bot.emulator.callbacks import CallbackSender
    from bot.outbox.writer import Dispatcher
    from models import migrate

    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    fake = None
    try:
        db = f"sqlite:///{tmp / 'bot.db'}"
        migrate.upgrade(db)
        port = bench.free_port()
        api = f"http://{bench.HOST}:{port}/cgi-bin/"
        log = (tmp / "fake.log").open("w")
        fake = subprocess.Popen([sys.executable, bench.__file__, "--serve", "fake", "--port", str(port),
                                 "--db", db, "--api", api, "--threads", "4"], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        base = load_settings(None)
        settings = dataclasses.replace(base, database_url=db, scheduler_enabled=False, emulator_enabled=False,
                                       demo=False, wecom=dataclasses.replace(base.wecom, api_base_url=api))
        from bot.logs import setup_logging
        stderr, sys.stderr = sys.stderr, (tmp / "bot.log").open("w")  # log like the served bot, to a file
        try:
            setup_logging(settings.log_level, settings.secrets())
        finally:
            sys.stderr = stderr
        app = create_app(settings, start_background=False)
        runtime = app.extensions["runtime"]
        sender = CallbackSender(settings.wecom, "unused")
        users = itertools.cycle(p["userid"] for p in settings.org.people)
        path = settings.wecom.callback_path
        calls = [sender.envelope(sender.inner_xml(next(users), "text", {"Content": "我是谁"}, msg_id=10**14 + i))
                 for i in range(args.requests + 200)]
        client = app.test_client()

        def post(batch):
            for query, body in batch:
                response = client.post(path, query_string=query, data=body, content_type="text/xml")
                assert response.status_code == 200, response.status_code

        post(calls[:200])  # warm-up
        profile = cProfile.Profile()
        started = time.perf_counter()
        if not args.no_profile:
            profile.enable()
        post(calls[200:])
        profile.disable()
        elapsed = time.perf_counter() - started
        print(f"callbacks: {elapsed / args.requests * 1000:.3f} ms each (single thread"
              f"{', under cProfile' if not args.no_profile else ''})")
        if not args.no_profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)

        bench.wait_ready(fake, port, tmp / "fake.log")
        dispatcher = Dispatcher(runtime.session_factory, runtime.client)
        dispatcher.run_once()  # token fetch, connection set-up
        profile = cProfile.Profile()
        started, rows = time.perf_counter(), 0
        if not args.no_profile:
            profile.enable()
        while True:
            done = dispatcher.run_once()
            if not done:
                break
            rows += done
        profile.disable()
        elapsed = time.perf_counter() - started
        print(f"outbox: {rows} rows, {elapsed / max(rows, 1) * 1000:.3f} ms each")
        if not args.no_profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        dispatcher.stop()
        runtime.close()
    finally:
        if fake is not None:
            fake.terminate()
            fake.wait(5)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
