"""Latency of `GET /issues?overdue=true` over the Yanchi demo (issue #5: under 200 ms).

Builds the demo store with `gridchain --db DB demo` unless --db names one, serves it on
loopback, and asks for every late issue in the county, one request after another over a
kept-alive connection; prints the median, p95 and slowest answer.

    python bench/bench_issues.py [--db yanchi.db] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from serving import GRIDCHAIN, KEYS, Server, key_file

TARGET_MS = 200.0


def demo_store(folder: Path) -> Path:
    db = folder / "yanchi.db"
    started = time.perf_counter()
    subprocess.run([str(GRIDCHAIN), "--db", str(db), "demo"], check=True, capture_output=True)
    print(f"demo store built in {time.perf_counter() - started:.1f} s")
    return db


def measure(db: Path, folder: Path, requests: int) -> tuple[int, list[float]]:
    """How many issues are late, and the seconds each of `requests` asks took."""
    server = Server(db, key_file(folder), folder / "server.log").start()
    try:
        with server.client(KEYS["inspector"]) as client:
            late = client.get("/issues", params={"overdue": "true"})
            late.raise_for_status()
            seconds = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get("/issues", params={"overdue": "true"}).raise_for_status()
                seconds.append(time.perf_counter() - started)
            return len(late.json()["issues"]), seconds
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a gridchain store (default: a new demo)")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        count, seconds = measure(args.db or demo_store(Path(tmp)), Path(tmp), args.requests)
    ordered = sorted(seconds)
    median = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
    print(f"GET /issues?overdue=true: {count} late issues, {args.requests} requests")
    print(f"median {median:.1f} ms, p95 {p95:.1f} ms, slowest {ordered[-1] * 1000:.1f} ms")
    verdict = "meets" if p95 < TARGET_MS else "misses"
    print(f"p95 {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
