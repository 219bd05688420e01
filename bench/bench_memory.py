"""In-process figures of issue 8 (deliverable 7, figure 7): an open `MemoryBackend`.

    .venv/bin/python bench/bench_memory.py [--db FILE | --scale N] [--samples 2000]

Opens the store with `engine.backends.memory.MemoryBackend`, then asks `who` and `trace` about
--samples different households (picked at random, each once) and `trace` about every issue;
the floor is the same lookups with raw `sqlite3` in this same process (bench/sqlfloor.py, on
an indexed copy when the store lacks the indexes), over the same targets. Also prints the
open time, the full-county gaps and the peak memory, each beside its floor.
Target: who and trace median ≤ 50 µs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import common
import sqlfloor

from engine.backends.memory import MemoryBackend

TARGET_US = 50.0


def timings(call: Callable[[str], object], targets: list[str]) -> list[float]:
    seconds = []
    for target in targets:
        started = time.perf_counter()
        call(target)
        seconds.append(time.perf_counter() - started)
    return seconds


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build a demo)")
    parser.add_argument("--scale", type=int, default=1, help="demo scale, without --db")
    parser.add_argument("--samples", type=int, default=2000, help="different households")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        db = common.store(args.db, args.scale, folder)
        floor_db = common.floor_store(db, folder)
        households = common.sample_ids(db, "households", args.samples)
        issues = [str(row[0]) for row in common.query(db, "SELECT id FROM issues ORDER BY id")]
        today = dt.date.today()
        day = today.isoformat()
        before_open = peak_mib()
        table = common.Table(f"in process, {len(households)} different households")

        started = time.perf_counter()
        backend = MemoryBackend(db)
        backend.who(households[0], today)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        conn = sqlfloor.connect(floor_db)
        sqlfloor.who(conn, households[0], day)
        floor_opened = time.perf_counter() - started
        table.add(
            "open store + first who",
            common.ms(opened),
            f"{common.ms(floor_opened)} (sqlite3 connect + who)",
            opened / floor_opened,
        )

        for name, ours, floor, targets in (
            ("who, households", backend.who, sqlfloor.who, households),
            ("trace, households", backend.trace, sqlfloor.trace, households),
            ("trace, every issue", backend.trace, sqlfloor.trace, issues),
        ):
            mine = common.median(timings(lambda t, call=ours: call(t, today), targets))
            theirs = common.median(
                timings(lambda t, call=floor: call(conn, t, day), targets)  # type: ignore[misc]
            )
            table.add(
                f"{name}: median",
                common.us(mine),
                f"{common.us(theirs)} (sqlite3 lookups, same process)",
                mine / theirs,
                f"≤ {TARGET_US:g} µs",
                mine * 1e6 <= TARGET_US,
            )

        started = time.perf_counter()
        found = backend.gaps(today)
        mine = time.perf_counter() - started
        started = time.perf_counter()
        floor_found = sqlfloor.gaps(conn, day)
        theirs = time.perf_counter() - started
        table.add(
            "full-county gaps",
            f"{common.ms(mine)} ({found.summary.total} gaps)",
            f"{common.ms(theirs)} (set-wise SQL; {floor_found['summary']['total']} gaps)",  # type: ignore[index]
            mine / theirs,
        )
        conn.close()
        peak = peak_mib()
        table.add(
            "peak RSS of this process",
            f"{peak:.0f} MB",
            f"{before_open:.0f} MB (before the store was opened)",
            peak / before_open,
        )
        backend.close()
    table.print()


if __name__ == "__main__":
    main()
