"""Issue 13's benchmark (deliverable 8): work done against work assigned, in process, on the
embedded store (`engine.backends.memory.MemoryBackend`, what `gridchain serve` answers from).

    .venv/bin/python bench/bench_sweeps.py [--db FILE | --scale N] [--runs 5] [--as-of DAY]

On the demo store (built with `gridchain demo --scale N` unless --db names one: 90 days of
visits up to the day it was built; --as-of defaults to the newest visit's day), prints, each
the median of --runs after one untimed run, wall and CPU time, beside a floor measured in the
same process:
  the whole-county scorecard by grid of the county's running sweep (engine.sweeps.scorecard)
      vs  plain sqlite3 reading every visit once:
          SELECT household_id, max(visited_at) FROM visits GROUP BY household_id;
  full-county `gaps` with visits (unvisited_household and overdue_visit among them)
      vs  the full gaps without visits: bench/sqlfloor.py's set-wise SQL of every other kind.
Target: each under 1 s (SPEC §9). Never run by the tests; scale 10 takes many minutes to build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import common
import sqlfloor

from engine.backends.memory import MemoryBackend
from engine.sweeps import scorecard

TARGET_SECONDS = 1.0
LAST_VISITS = "SELECT household_id, max(visited_at) FROM visits GROUP BY household_id"
T = TypeVar("T")


@dataclass
class Timed(Generic[T]):
    """Medians of wall and CPU time (on a machine shared with other work, the CPU time is what
    the question itself cost), and the last answer."""

    wall: float
    cpu: float
    answer: T


def timed(call: Callable[[], T], runs: int) -> Timed[T]:
    """`runs` calls after an untimed one."""
    answer = call()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        answer = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Timed(common.median(walls), common.median(cpus), answer)


def compare(
    table: common.Table, figure: str, mine: Timed[Any], theirs: Timed[Any], notes: tuple[str, str]
) -> None:
    """Wall time against the target, then CPU time, each beside the floor's."""
    ours, floor = notes
    table.add(
        f"{figure}: wall",
        f"{common.ms(mine.wall)} ({ours})",
        f"{common.ms(theirs.wall)} ({floor})",
        mine.wall / theirs.wall,
        f"< {TARGET_SECONDS:g} s",
        mine.wall < TARGET_SECONDS,
    )
    table.add(
        f"{figure}: CPU",
        common.ms(mine.cpu),
        f"{common.ms(theirs.cpu)} (the same floor)",
        mine.cpu / theirs.cpu,
    )


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def county_round(db: Path, as_of: dt.date) -> str:
    """The sweep over the whole county running on `as_of` (the demo makes one)."""
    rows = common.query(
        db,
        "SELECT s.id FROM sweeps s JOIN units u ON u.id = s.scope_id "
        "WHERE u.label = 'County' AND s.starts <= ? AND ? <= s.ends ORDER BY s.id",
        (as_of.isoformat(), as_of.isoformat()),
    )
    if not rows:
        raise SystemExit(f"the store has no county-wide sweep running on {as_of}")
    return str(rows[0][0])


def newest_visit(db: Path) -> dt.date:
    (day,) = common.query(db, "SELECT max(visited_at) FROM visits")[0]
    if day is None:
        raise SystemExit("the store has no visits: build it with this gridchain's demo")
    return dt.date.fromisoformat(str(day))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build a demo)")
    parser.add_argument("--scale", type=int, default=1, help="demo scale, without --db")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each question")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="default: the newest visit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        db = common.store(args.db, args.scale, Path(tmp))
        floor_db = common.floor_store(db, Path(tmp))
        as_of = args.as_of or newest_visit(db)
        sweep = county_round(db, as_of)
        (visits,) = common.query(db, "SELECT count(*) FROM visits")[0]
        (households,) = common.query(db, "SELECT count(*) FROM households")[0]
        table = common.Table(
            f"{db.name}: {households:,} households, {visits:,} visits, as of {as_of}, "
            f"median of {args.runs}"
        )
        before_open = peak_mib()
        backend = MemoryBackend(db)
        conn = sqlfloor.connect(floor_db)
        try:
            card = timed(lambda: scorecard(backend, sweep, "grid", as_of), args.runs)
            last = timed(lambda: conn.execute(LAST_VISITS).fetchall(), args.runs)
            compare(
                table,
                f"scorecard {sweep} by grid",
                card,
                last,
                (
                    f"{len(card.answer.rows):,} grids",
                    f"sqlite3 newest visit per household; {len(last.answer):,} households",
                ),
            )
            found = timed(lambda: backend.gaps(as_of), args.runs)
            plain = timed(lambda: sqlfloor.gaps(conn, as_of.isoformat()), args.runs)
            summary = found.answer.summary
            of_visits = sum(
                summary.by_kind.get(kind, 0) for kind in ("unvisited_household", "overdue_visit")
            )
            floor_total = plain.answer["summary"]["total"]  # type: ignore[index]
            compare(
                table,
                "full-county gaps with visits",
                found,
                plain,
                (
                    f"{summary.total:,} gaps, {of_visits:,} of visits",
                    f"sqlite3 set-wise SQL, gaps without visits; {floor_total:,} gaps",
                ),
            )
        finally:
            conn.close()
            backend.close()
        peak = peak_mib()
        table.add(
            "peak RSS of this process",
            f"{peak:.0f} MB",
            f"{before_open:.0f} MB (before the store was opened)",
            peak / before_open,
        )
    table.print()


if __name__ == "__main__":
    main()
