"""Benchmark the WeCom callback endpoint against a bare Flask endpoint and a minimal peer bot.

    python bench/webhook.py [--duration 10] [--connections 32] [--threads N] [--requests N]

Four child processes on 127.0.0.1: a fake WeCom API (EmulatorState), the bot served by waitress
exactly like `app.py serve` (fresh migrated temp SQLite, no scheduler, no emulator), a bare Flask
app whose one POST route only reads the body, and a minimal peer bot (bench/peer.py: Flask +
wechatpy, decrypt and an encrypted passive reply, no database — what most public WeCom bots
are). wrk (bench/callbacks.lua; a Python fallback when wrk is missing) drives the bare app, the
peer, then the bot, with pre-generated, unique, encrypted and signed text callbacks ("我是谁" from
the demo org, distinct MsgIds). Prints ``ratio bot/peer = X``.
Targets: bot/peer throughput ≥ 0.5, bot p99 < 50 ms, peak RSS of the bot process < 150 MB.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
LUA = Path(__file__).with_name("callbacks.lua")
WRK_THREADS = 1  # the load generator shares the 2 cores with the servers: one thread is plenty
WARMUP_REQUESTS = 3000
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.5, 50.0, 150.0


# ---- child processes: `--serve fake|bot|bare` ---------------------------------------------

def serve(args) -> int:
    import waitress
    from bot.logs import setup_logging
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # lets the finally below run
    if args.switch_interval:  # an experiment, not what `app.py serve` does
        sys.setswitchinterval(args.switch_interval)
    base = bench_settings(args.db, args.people)
    settings = dataclasses.replace(
        base, database_url=args.db, host=HOST, port=args.port, threads=args.threads,
        scheduler_enabled=False, emulator_enabled=False, demo=False,
        wecom=dataclasses.replace(base.wecom, api_base_url=args.api))
    setup_logging(settings.log_level, settings.secrets())
    threads, on_exit = settings.threads, lambda: None
    if args.serve == "fake":  # not measured: 4 threads are enough for the dispatcher's calls
        from bot.emulator.api import EmulatorState, create_fake_wecom_app
        app = create_fake_wecom_app(EmulatorState(settings.wecom.corp_id, settings.wecom.secret,
                                                  settings.wecom.agent_id))
        threads = 4
    elif args.serve == "peer":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from peer import create_peer_app
        app = create_peer_app(settings.wecom, settings.wecom.callback_path)
    elif args.serve == "bare":
        from flask import Flask, request
        app = Flask("bare")

        @app.post(settings.wecom.callback_path)
        def bare():
            request.get_data()
            return ""
    else:  # the bot, as in app.py cmd_serve
        from app import create_app, shutdown_app
        app = create_app(settings)
        on_exit = lambda: shutdown_app(app)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=threads, ident="wecom-bot")
    finally:
        on_exit()
    return 0


def bench_settings(db: str, people: int):
    """The demo settings with a department of ``people`` (bench/scale_data.py): the callbacks come
    from that many different people, as in a real department, so no one exceeds WeCom's 30
    messages a minute (the bot would rightly hold the excess back)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale_data import build_settings
    return build_settings(db, people)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(proc, port: int, log: Path, timeout: float = 180.0) -> None:  # 10,000 people: a slow start
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start:\n{log.read_text()[-2000:]}")


def peak_rss_mb(pid: int) -> float:
    line = next(l for l in Path(f"/proc/{pid}/status").read_text().splitlines() if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent busy since boot (/proc/stat: everything but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_and_load_cpu() -> float:
    """CPU seconds of this process and its finished children (wrk, the request generator)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# ---- requests and load --------------------------------------------------------------------

def write_requests(path: Path, count: int, first_msg_id: int, people: int) -> None:
    """``count`` unique callbacks, one a line: "<path?query>\\t<body>"."""
    from bot.emulator.callbacks import CallbackSender
    settings = bench_settings("sqlite://", people)  # senders: the department's people in turn
    sender = CallbackSender(settings.wecom, "unused")
    users = itertools.cycle(p["userid"] for p in settings.org.people)
    with path.open("w") as out:
        for i in range(count):
            query, body = sender.envelope(sender.inner_xml(next(users), "text", {"Content": "我是谁"},
                                                           msg_id=first_msg_id + i))
            out.write(f"{settings.wecom.callback_path}?{urlencode(query)}\t{body.decode()}\n")


def run_wrk(port: int, path: Path, duration: float, connections: int) -> dict:
    cmd = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--timeout", "10s",
           "-s", str(LUA), f"http://{HOST}:{port}/", "--", str(path), str(WRK_THREADS)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    return dict(requests=r["requests"], seconds=r["duration_us"] / 1e6, p50=r["p50_us"] / 1000,
                p99=r["p99_us"] / 1000, errors=r["non200"] + r["socket_errors"],
                ok=r["requests"] - r["non200"], started=r["started"], wraps=r["wraps"])


def query(db: Path, sql: str) -> list:  # a WAL reader: never blocks the bot's writers
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchall()


# ---- the benchmark --------------------------------------------------------------------------

def benchmark(args, tmp: Path, procs: dict) -> None:
    from bot.config import load_settings
    from models import migrate
    threads = args.threads or load_settings(None).threads
    db = tmp / "bot.db"
    migrate.upgrade(f"sqlite:///{db}")
    ports = {name: free_port() for name in ("fake", "bot", "bare", "peer")}
    for name, port in ports.items():
        cmd = [sys.executable, __file__, "--serve", name, "--port", str(port), "--db", f"sqlite:///{db}",
               "--api", f"http://{HOST}:{ports['fake']}/cgi-bin/", "--threads", str(threads),
               "--people", str(args.people)]
        if args.switch_interval and name == "bot":
            cmd += ["--switch-interval", str(args.switch_interval)]
        with (tmp / f"{name}.log").open("w") as log:
            procs[name] = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    count = args.requests or int(args.duration * 6000)
    t0 = time.perf_counter()
    write_requests(tmp / "warmup.txt", WARMUP_REQUESTS, 10**15, args.people)
    write_requests(tmp / "run.txt", count, 2 * 10**15, args.people)
    print(f"generated {count} + {WARMUP_REQUESTS} (warm-up) unique signed callbacks in {time.perf_counter() - t0:.1f} s")
    for name, proc in procs.items():
        wait_ready(proc, ports[name], tmp / f"{name}.log")
    load = run_wrk
    if not shutil.which("wrk"):
        from pyload import run_python as load  # bench/pyload.py
        print("wrk not found: install it with `apt-get install wrk`; using the slower Python load generator")
    warmup = max(1, min(3, round(args.duration / 5)))  # whole seconds: wrk takes no fractions
    print(f"load: {'wrk' if load is run_wrk else 'Python threads'}, {args.connections} connections, {args.duration:g} s "
          f"per endpoint after {warmup:g} s warm-up; waitress threads={threads}")

    results, cpu, served, others = {}, {}, {}, {}
    for name in ("bare", "peer", "bot"):
        cpu0 = {n: cpu_seconds(p.pid) for n, p in procs.items()}
        machine0, ours0, wall0 = machine_busy_seconds(), own_and_load_cpu(), time.monotonic()
        warm = load(ports[name], tmp / "warmup.txt", warmup, args.connections)
        results[name] = run = load(ports[name], tmp / "run.txt", args.duration, args.connections)
        served[name] = dict(requests=warm["requests"] + run["requests"], ok=warm["ok"] + run["ok"],
                            started=warm["started"] + run["started"])
        if name == "bot":  # the dispatcher delivers the outbox to the fake API: wait (≤ 60 s)
            t_end, deadline = time.monotonic(), time.monotonic() + 60
            while query(db, "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')")[0][0] \
                    and time.monotonic() < deadline:
                time.sleep(0.2)
            drained = time.monotonic() - t_end
        cpu[name] = {n: cpu_seconds(p.pid) - cpu0[n] for n, p in procs.items()}
        others[name] = max(0.0, machine_busy_seconds() - machine0 - sum(cpu[name].values())
                           - (own_and_load_cpu() - ours0)) / (time.monotonic() - wall0)

    print(f"\n{'endpoint':10}{'callbacks/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'requests':>10}")
    for name, r in results.items():
        print(f"{name:10}{r['requests'] / r['seconds']:12.0f}{r['p50']:9.1f}{r['p99']:9.1f}{r['errors']:8d}"
              f"{r['requests']:10d}")
    bot, bare, peer = results["bot"], results["bare"], results["peer"]
    rate = lambda r: r["requests"] / r["seconds"]  # noqa: E731
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    ratio = rate(bot) / rate(peer)
    print(f"ratio bot/peer = {ratio:.2f}   (target ≥ {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)})")
    print(f"ratio bot/bare = {rate(bot) / rate(bare):.2f}, peer/bare = {rate(peer) / rate(bare):.2f}")
    print(f"bot p99 = {bot['p99']:.1f} ms   (target < {TARGET_P99_MS:g} ms: {verdict(bot['p99'] < TARGET_P99_MS)})")
    rss = {n: peak_rss_mb(p.pid) for n, p in procs.items()}
    print(f"peak RSS (VmHWM) bot = {rss['bot']:.0f} MB   (target < {TARGET_RSS_MB:g} MB: "
          f"{verdict(rss['bot'] < TARGET_RSS_MB)}); peer {rss['peer']:.0f} MB, bare {rss['bare']:.0f} MB, "
          f"fake API {rss['fake']:.0f} MB")
    if bot["wraps"]:
        print(f"WARNING: the bot run used up the {count} callbacks and repeated some: raise --requests")

    # Correctness: every callback answered 200 is stored once, and its reply is delivered.
    stored = query(db, "SELECT count(*) FROM inbound_callbacks")[0][0]
    ok, started = served["bot"]["ok"], served["bot"]["started"]
    print(f"\ninbound callbacks stored: {stored}; answered 200: {ok}; sent incl. in flight when the load "
          f"stopped: {started} -> {'OK' if ok <= stored <= started else 'MISMATCH'}")
    handled = query(db, "SELECT handler, status, count(*) FROM inbound_callbacks GROUP BY 1, 2")
    print("handled as: " + ", ".join(f"{h}/{s}={n}" for h, s, n in handled))
    outbox = dict(query(db, "SELECT status, count(*) FROM outbox_messages GROUP BY 1"))
    print(f"outbox rows: {outbox} (pending+sending reached 0 {drained:.1f} s after the bot run)"
          if not outbox.keys() & {"pending", "sending"} else f"outbox rows: {outbox} (NOT drained after 60 s)")
    # A dispatcher starved during the run answers fast and delivers late: count the drain too.
    print(f"bot end to end (run + drain until every reply is sent): "
          f"{bot['requests'] / (bot['seconds'] + drained):.0f} callbacks/s")
    print(f"other processes on the machine used {others['bare']:.2f} (bare run), {others['peer']:.2f} (peer run) "
          f"and {others['bot']:.2f} (bot run) "
          f"of the {os.cpu_count()} CPUs on average: above ~0.1 the figures are skewed")
    per_call = lambda seconds, calls: f"{seconds / max(calls, 1) * 1000:.2f} ms"
    print(f"CPU per callback (warm-up + run + drain): bare {per_call(cpu['bare']['bare'], served['bare']['requests'])}; "
          f"peer {per_call(cpu['peer']['peer'], served['peer']['requests'])}; "
          f"bot {per_call(cpu['bot']['bot'], stored)} incl. outbox delivery, fake API {per_call(cpu['bot']['fake'], stored)}")
    try:
        passive = query(db, "SELECT count(*) FROM inbound_callbacks WHERE reply IS NOT NULL")[0][0]
        print(f"answered passively in the HTTP response: {passive} of {stored} (the rest through the outbox)")
    except sqlite3.OperationalError:  # an older tree, measured with this script for comparison
        print("answered passively: no (this tree sends every reply through the outbox)")


def stop(procs: dict) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: waitress.serve returns and the bot closes its runtime
    deadline = time.monotonic() + 5
    for proc in procs.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per endpoint (10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--threads", type=int, help="waitress threads (default: settings.threads)")
    parser.add_argument("--requests", type=int, help="callbacks to pre-generate (default 6000 × duration)")
    parser.add_argument("--people", type=int, default=10_000, help="senders: the department's size (10000)")
    parser.add_argument("--switch-interval", type=float, help="experiment: sys.setswitchinterval() in the bot "
                        "process (seconds; Python's default is 0.005)")
    for hidden in ("--serve", "--port", "--db", "--api"):  # used by the child processes
        parser.add_argument(hidden, type=int if hidden == "--port" else str, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up below on SIGTERM too
    procs: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    try:
        benchmark(args, tmp, procs)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
