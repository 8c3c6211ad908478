"""Benchmark the WeCom callback endpoint against a bare Flask endpoint under the same waitress.

    python bench/webhook.py [--duration 10] [--connections 32] [--threads N] [--requests N]

Three child processes on 127.0.0.1: a fake WeCom API (EmulatorState), the bot served by
waitress exactly like `app.py serve` (fresh migrated temp SQLite, no scheduler, no emulator),
and a bare Flask app whose one POST route only reads the body. wrk (bench/callbacks.lua; a
Python fallback when wrk is missing) drives the bare app, then the bot, with pre-generated,
unique, encrypted and signed text callbacks ("我是谁" from the demo org, distinct MsgIds).
Targets: bot/bare throughput ≥ 0.5, bot p99 < 50 ms, peak RSS of the bot process < 150 MB.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
LUA = Path(__file__).with_name("callbacks.lua")
WRK_THREADS = 1  # the load generator shares the 2 cores with the servers: one thread is plenty
TARGET_RATIO, TARGET_P99_MS, TARGET_RSS_MB = 0.5, 50.0, 150.0


# ---- child processes ----------------------------------------------------------------------

def bench_settings(args):
    from bot.config import load_settings
    base = load_settings(None)
    return dataclasses.replace(
        base, database_url=args.db or base.database_url, host=HOST, port=args.port or base.port,
        threads=args.threads or base.threads, scheduler_enabled=False, emulator_enabled=False, demo=False,
        wecom=dataclasses.replace(base.wecom, api_base_url=args.api or base.wecom.api_base_url))


def serve(args) -> int:
    """Run one server (``--serve fake|bot|bare``) in this process until SIGINT/SIGTERM."""
    import waitress
    from bot.logs import setup_logging
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # lets the finally below run
    settings = bench_settings(args)
    setup_logging(settings.log_level, settings.secrets())
    if args.serve == "fake":
        from bot.emulator.api import EmulatorState, create_fake_wecom_app
        state = EmulatorState(settings.wecom.corp_id, settings.wecom.secret, settings.wecom.agent_id)
        waitress.serve(create_fake_wecom_app(state), host=HOST, port=args.port, threads=4, ident="fake-wecom")
    elif args.serve == "bare":
        from flask import Flask, request
        app = Flask("bare")

        @app.post(settings.wecom.callback_path)
        def bare():
            request.get_data()
            return ""
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads, ident="wecom-bot")
    else:  # the bot, as in app.py cmd_serve
        from app import create_app, shutdown_app
        app = create_app(settings)
        try:
            waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads, ident="wecom-bot")
        finally:
            shutdown_app(app)
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(proc, port: int, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited:\n{log.read_text()[-2000:]}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not ready after {timeout}s:\n{log.read_text()[-2000:]}")


def proc_status(pid: int, key: str) -> float:
    """A /proc/<pid>/status value in MB (VmHWM: peak RSS, VmRSS: current)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


# ---- requests and load --------------------------------------------------------------------

def write_requests(path: Path, count: int, first_msg_id: int) -> None:
    """``count`` unique callbacks, one a line: "<path?query>\\t<body>"."""
    from bot.config import load_settings
    from bot.emulator.callbacks import CallbackSender
    settings = load_settings(None)
    sender = CallbackSender(settings.wecom, "unused")
    users = itertools.cycle(p["userid"] for p in settings.org.people)
    with path.open("w") as out:
        for i in range(count):
            inner = sender.inner_xml(next(users), "text", {"Content": "我是谁"}, msg_id=first_msg_id + i)
            query, body = sender.envelope(inner)
            out.write(f"{settings.wecom.callback_path}?{urlencode(query)}\t{body.decode()}\n")


def run_wrk(port: int, path: Path, duration: float, connections: int) -> dict:
    cmd = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "10s",
           "-s", str(LUA), f"http://{HOST}:{port}/", "--", str(path), str(WRK_THREADS)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    return dict(requests=r["requests"], seconds=r["duration_us"] / 1e6, p50=r["p50_us"] / 1000,
                p99=r["p99_us"] / 1000, errors=r["non200"] + r["socket_errors"], ok=r["requests"] - r["non200"],
                started=r["started"], wraps=r["wraps"])


def run_python(port: int, path: Path, duration: float, connections: int) -> dict:
    """Fallback load generator: one keep-alive http.client connection per thread."""
    import http.client
    reqs = [line.rstrip("\n").split("\t", 1) for line in path.open()]
    counter, latencies, statuses = itertools.count(), [], []
    stop = time.monotonic() + duration

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < stop:
            target, body = reqs[next(counter) % len(reqs)]
            t0 = time.perf_counter()
            try:
                conn.request("POST", target, body.encode(), {"Content-Type": "text/xml"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                status = 0
            latencies.append(time.perf_counter() - t0)
            statuses.append(status)
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 15)
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0
    ok = statuses.count(200)
    issued = next(counter)
    return dict(requests=len(latencies), seconds=time.monotonic() - started, p50=pct(0.50), p99=pct(0.99),
                errors=len(statuses) - ok, ok=ok, started=issued, wraps=issued // len(reqs))


def outbox_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db, timeout=30) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM outbox_messages GROUP BY status").fetchall())


# ---- the benchmark --------------------------------------------------------------------------

def benchmark(args, tmp: Path, procs: list) -> None:
    from bot.config import load_settings
    from models import migrate
    threads = args.threads or load_settings(None).threads
    db = tmp / "bot.db"
    migrate.upgrade(f"sqlite:///{db}")
    ports = {name: free_port() for name in ("fake", "bot", "bare")}
    api = f"http://{HOST}:{ports['fake']}/cgi-bin/"
    pids = {}
    for name in ("fake", "bot", "bare"):
        log = tmp / f"{name}.log"
        cmd = [sys.executable, __file__, "--serve", name, "--port", str(ports[name]), "--db", f"sqlite:///{db}",
               "--api", api, "--threads", str(threads)]
        procs.append((subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT), ports[name], log))
        pids[name] = procs[-1][0].pid
    warmup = max(1.0, min(3.0, args.duration / 5))
    count = args.requests or int(args.duration * 6000)
    t0 = time.perf_counter()
    write_requests(tmp / "warmup.txt", 3000, 10**15)
    write_requests(tmp / "run.txt", count, 2 * 10**15)
    print(f"generated {count} + 3000 (warm-up) unique signed callbacks in {time.perf_counter() - t0:.1f} s")
    for proc, port, log in procs:
        wait_ready(proc, port, log)
    if shutil.which("wrk"):
        load, generator = run_wrk, f"wrk -t{WRK_THREADS} -c{args.connections} (bench/callbacks.lua)"
    else:
        print("wrk is not installed (`apt-get install wrk`); falling back to the slower Python load generator")
        load, generator = run_python, f"Python threads + http.client, {args.connections} connections"
    print(f"load: {generator}; {args.duration:g} s each after {warmup:g} s warm-up; waitress threads={threads}")

    results, cpu, sent_ok = {}, {}, 0
    for name in ("bare", "bot"):
        warm = load(ports[name], tmp / "warmup.txt", warmup, args.connections)
        before = {n: cpu_seconds(p) for n, p in pids.items()}
        results[name] = load(ports[name], tmp / "run.txt", args.duration, args.connections)
        cpu[name] = {n: cpu_seconds(p) - before[n] for n, p in pids.items()}
        if name == "bot":
            sent_ok = warm["ok"] + results[name]["ok"]
            started = warm["started"] + results[name]["started"]
        time.sleep(0.5)

    print(f"\n{'endpoint':10}{'callbacks/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'requests':>10}")
    for name, r in results.items():
        print(f"{name:10}{r['requests'] / r['seconds']:12.0f}{r['p50']:9.1f}{r['p99']:9.1f}{r['errors']:8d}{r['requests']:10d}")
    bot, bare = results["bot"], results["bare"]
    ratio = (bot["requests"] / bot["seconds"]) / (bare["requests"] / bare["seconds"])
    verdict = lambda ok: "met" if ok else "MISSED"
    print(f"ratio bot/bare = {ratio:.2f}   (target ≥ {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)})")
    print(f"bot p99 = {bot['p99']:.1f} ms   (target < {TARGET_P99_MS:g} ms: {verdict(bot['p99'] < TARGET_P99_MS)})")
    for name in ("bare", "bot"):
        used = cpu[name]
        print(f"CPU seconds during the {name} run: bot {used['bot']:.1f}, bare {used['bare']:.1f}, "
              f"fake API {used['fake']:.1f}")
    if bot["wraps"]:
        print(f"WARNING: the bot run used up the {count} callbacks and repeated some (duplicates): raise --requests")

    # Correctness: every callback answered 200 is stored once; the dispatcher drains the outbox.
    deadline, drained = time.monotonic() + 60, time.monotonic()
    while (c := outbox_counts(db)) and (c.get("pending", 0) + c.get("sending", 0)) and time.monotonic() < deadline:
        time.sleep(0.2)
    drain = time.monotonic() - drained
    rss = {n: proc_status(p, "VmHWM") for n, p in pids.items()}
    with sqlite3.connect(db, timeout=30) as conn:
        stored = conn.execute("SELECT count(*) FROM inbound_callbacks").fetchone()[0]
        handlers = conn.execute("SELECT handler, status, count(*) FROM inbound_callbacks GROUP BY 1, 2").fetchall()
    print(f"\ninbound callbacks stored: {stored}; answered 200: {sent_ok}; sent (incl. in flight at the end): "
          f"{started}  -> {'OK' if sent_ok <= stored <= started else 'MISMATCH'}")
    print("handled as: " + ", ".join(f"{h}/{s}={n}" for h, s, n in handlers))
    print(f"outbox rows: {dict(sorted(c.items()))} (drained {drain:.1f} s after the bot run)")
    print(f"peak RSS (VmHWM): bot {rss['bot']:.0f} MB (target < {TARGET_RSS_MB:g} MB: "
          f"{verdict(rss['bot'] < TARGET_RSS_MB)}), bare {rss['bare']:.0f} MB, fake API {rss['fake']:.0f} MB")


def stop(procs: list) -> None:
    for proc, _, _ in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # waitress.serve returns; the bot closes its runtime
    for proc, _, _ in procs:
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per endpoint (10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--threads", type=int, help="waitress threads (default: settings.threads)")
    parser.add_argument("--requests", type=int, help="callbacks to pre-generate (default 6000 × duration)")
    parser.add_argument("--serve", choices=("fake", "bot", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up below on SIGTERM too
    procs: list = []
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
