"""Fallback load generator for bench/webhook.py when wrk is not installed: one thread per
connection, each with a keep-alive http.client connection, cycling through the request file.
Slower than wrk (it shares the GIL and the 2 cores), so prefer `apt-get install wrk`."""
from __future__ import annotations

import http.client
import itertools
import threading
import time
from pathlib import Path

HOST = "127.0.0.1"


def run_python(port: int, path: Path, duration: float, connections: int) -> dict:
    reqs = [line.rstrip("\n").split("\t", 1) for line in path.open()]
    counter, results, stop = itertools.count(), [], time.monotonic() + duration

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        while time.monotonic() < stop:
            target, body = reqs[next(counter) % len(reqs)]
            t0, status = time.perf_counter(), 0
            try:
                conn.request("POST", target, body.encode(), {"Content-Type": "text/xml"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
            results.append((time.perf_counter() - t0, status))
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 15)
    latencies = sorted(t for t, _ in results) or [0.0]
    ok, issued = sum(s == 200 for _, s in results), next(counter)
    return dict(requests=len(results), seconds=time.monotonic() - started,
                p50=latencies[len(latencies) // 2] * 1000, p99=latencies[int(len(latencies) * 0.99)] * 1000,
                errors=len(results) - ok, ok=ok, started=issued, wraps=issued // len(reqs))
