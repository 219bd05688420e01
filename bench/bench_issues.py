"""Latency of `GET /issues?overdue=true` over the Yanchi demo (issue 5: p95 under 200 ms).

    .venv/bin/python bench/bench_issues.py [--db FILE | --scale N] [--requests 200]

Builds the demo store with `gridchain demo` unless --db names one, serves it on loopback, and
asks for every late issue in the county, one request after another over a kept-alive
connection. The floor, same run: the late, open issues found by SQL and each one's trace by
indexed sqlite3 lookups (bench/sqlfloor.py) on a warm connection in this process, as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import common
import sqlfloor

TARGET_MS = 200.0
LATE = "SELECT id FROM issues WHERE status NOT IN ('resolved', 'closed') AND due_at < ?"


def served(db: Path, folder: Path, requests: int) -> tuple[int, list[float]]:
    """How many issues are late, and the seconds each of `requests` asks took."""
    server = common.start_server(db, folder, common.township(db))
    try:
        with server.client(common.INSPECTOR) as client:
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


def floor(db: Path, requests: int) -> tuple[int, list[float]]:
    conn = sqlfloor.connect(db)
    day = dt.date.today().isoformat()
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        late = [sqlfloor.trace(conn, row[0], day) for row in conn.execute(LATE, (day,))]
        json.dumps(late, ensure_ascii=False, default=str)
        seconds.append(time.perf_counter() - started)
    conn.close()
    return len(late), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build a demo)")
    parser.add_argument("--scale", type=int, default=1, help="demo scale, without --db")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        db = common.store(args.db, args.scale, folder)
        count, seconds = served(db, folder, args.requests)
        floor_count, floor_seconds = floor(common.floor_store(db, folder), args.requests)
    table = common.Table(f"GET /issues?overdue=true, {args.requests} requests")
    for name, fraction in (("median", 0.5), ("p95", 0.95)):
        ours = common.percentile(seconds, fraction)
        theirs = common.percentile(floor_seconds, fraction)
        table.add(
            f"{name} ({count} late issues)",
            common.ms(ours),
            f"{common.ms(theirs)} (SQL + sqlfloor.trace each, {floor_count} issues)",
            ours / theirs,
            f"< {TARGET_MS:g} ms" if name == "p95" else "-",
            ours * 1000 < TARGET_MS if name == "p95" else None,
        )
    table.print()
    print(f"slowest answer {max(seconds) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
