"""What the benchmark scripts share: stores, floor stores, timed processes, the result table.

Not a benchmark itself. The scripts run from `bench/`, so `import common` finds this file and
`import sqlfloor` the floors; `tests/` goes on the path for `serving.Server`.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlfloor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import serving  # noqa: E402

GRIDCHAIN = serving.GRIDCHAIN
# A big store takes minutes to load into today's server; the tests' 30 s would give up first.
serving.STARTUP_SECONDS = 1800
FLOOR_SCRIPT = Path(sqlfloor.__file__).resolve()


def system_python() -> str:
    """The system interpreter, outside any venv: what a floor process runs on."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists():
            return candidate
    found = shutil.which("python3")
    if found is None:
        raise SystemExit("no python3 for the floor processes")
    return found


# ---- numbers -------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


@dataclass
class Row:
    figure: str
    ours: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None


class Table:
    """figure | gridchain | floor (what it is) | ratio | target | met?"""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[Row] = []

    def add(
        self,
        figure: str,
        ours: str,
        floor: str,
        ratio: float | None,
        target: str = "-",
        met: bool | None = None,
    ) -> None:
        self.rows.append(Row(figure, ours, floor, ratio, target, met))

    def print(self) -> None:
        header = ("figure", "gridchain", "floor (what it is)", "ratio", "target", "met?")
        cells = [header] + [
            (
                r.figure,
                r.ours,
                r.floor,
                "-" if r.ratio is None else f"{r.ratio:.2f}×",
                r.target,
                "-" if r.met is None else ("yes" if r.met else "NO"),
            )
            for r in self.rows
        ]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        print(f"\n{self.title}")
        for number, row in enumerate(cells):
            print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
            if number == 0:
                print("-+-".join("-" * width for width in widths))


# ---- processes -----------------------------------------------------------------------------


@dataclass
class Proc:
    seconds: float
    peak_mib: float  # the process's RSS high-water mark
    output: bytes


TIME = Path("/usr/bin/time")


def user_environment() -> dict[str, str]:
    """This environment as a user's shell has it: compiled modules are kept and reused
    (PYTHONDONTWRITEBYTECODE, set in some sandboxes, would make every run compile every module
    it imports, which no installed program does)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_process(command: Sequence[str | Path], env: dict[str, str] | None = None) -> Proc:
    """Run a command to its end: wall time, output, and its peak RSS as `/usr/bin/time -f %M`
    reports it. (A child's own ru_maxrss starts from the RSS of the process that forked it:
    this benchmark's, ~60 MB, which would hide a small floor; `time` forks it at ~2 MB.)"""
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        wrapped = [TIME, "-f", "%M", "-o", peak.name] if TIME.exists() else []
        started = time.perf_counter()
        done = subprocess.run(
            [str(part) for part in [*wrapped, *command]],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env or user_environment(),
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"{command} exited {done.returncode}: {message}")
        if wrapped:
            peak_kib = float(peak.read().split()[-1])
        else:  # no /usr/bin/time: an upper bound, the largest child so far
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out.seek(0)
        return Proc(seconds, peak_kib / 1024, out.read())


def compare_cold(
    table: Table,
    name: str,
    ours: Sequence[str | Path],
    floor: Sequence[str | Path],
    runs: int,
    ratio_target: float | None = 2.0,
    peak_target_mib: float | None = None,
) -> tuple[list[Proc], list[Proc]]:
    """Run gridchain's command and the floor's alternately `runs` times each (so drift hits
    both alike); add the median wall time and the peak RSS to the table."""
    mine: list[Proc] = []
    theirs: list[Proc] = []
    run_process(ours), run_process(floor)  # once untimed: modules compiled, file in the cache
    for _ in range(runs):
        mine.append(run_process(ours))
        theirs.append(run_process(floor))
    ours_s = median([p.seconds for p in mine])
    floor_s = median([p.seconds for p in theirs])
    what = "python3 + sqlite3, indexed"
    ratio = ours_s / floor_s
    table.add(
        f"{name}: median of {runs}",
        ms(ours_s),
        f"{ms(floor_s)} ({what})",
        ratio,
        "-" if ratio_target is None else f"≤ {ratio_target:g}×",
        None if ratio_target is None else ratio <= ratio_target,
    )
    ours_mib = max(p.peak_mib for p in mine)
    floor_mib = max(p.peak_mib for p in theirs)
    table.add(
        f"{name}: peak RSS",
        f"{ours_mib:.0f} MB",
        f"{floor_mib:.0f} MB ({what})",
        ours_mib / floor_mib,
        "-" if peak_target_mib is None else f"≤ {peak_target_mib:g} MB",
        None if peak_target_mib is None else ours_mib <= peak_target_mib,
    )
    return mine, theirs


def floor_command(db: Path, *question: str) -> list[str | Path]:
    return [system_python(), FLOOR_SCRIPT, db, *question]


def gridchain_command(db: Path, *question: str) -> list[str | Path]:
    return [GRIDCHAIN, "--db", db, *question]


# ---- stores --------------------------------------------------------------------------------


def demo_store(folder: Path, scale: int) -> tuple[Path, Proc]:
    db = folder / f"yanchi-x{scale}.db"
    print(f"building the demo store at scale {scale} (gridchain demo) ...", flush=True)
    built = run_process(gridchain_command(db, "demo", "--scale", str(scale)))
    print(f"  built in {built.seconds:.1f} s, peak RSS {built.peak_mib:.0f} MB", flush=True)
    return db, built


def store(db: Path | None, scale: int, folder: Path) -> Path:
    """The store given with --db, else a new demo store at `scale` in `folder`."""
    if db is not None:
        if not db.exists():
            raise SystemExit(f"--db {db}: no such file")
        print(f"store: {db} ({size_mb(db):.0f} MB)", flush=True)
        return db
    return demo_store(folder, scale)[0]


def size_mb(db: Path) -> float:
    files = [db, db.with_name(db.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def floor_store(db: Path, folder: Path) -> Path:
    """The store the floors read: `db` itself when it has the indexes a floor relies on,
    else an indexed copy in `folder` (a full scan is never measured as a floor)."""
    with contextlib.closing(sqlfloor.connect(db)) as conn:
        missing = sqlfloor.missing_indexes(conn)
    if not missing:
        print("floor store: the store itself (it has every index the floors use)")
        return db
    copy = folder / "floor.db"
    started = time.perf_counter()
    sqlfloor.indexed_copy(db, copy)
    names = ", ".join(f"{t}({c})" for t, c in missing)
    print(
        f"floor store: an indexed copy ({time.perf_counter() - started:.1f} s to make); "
        f"the store lacks indexes on {names}",
        flush=True,
    )
    return copy


def copy_store(db: Path, copy: Path) -> Path:
    """A consistent copy of a store (through SQLite's backup), for a run that writes."""
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    return copy


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlfloor.connect(db)) as conn:
        return [tuple(row) for row in conn.execute(sql, params)]


def sample_ids(db: Path, table: str, count: int, seed: int = 1) -> list[str]:
    """`count` different ids of `table`, picked at random by rowid (no full scan)."""
    (top,) = query(db, f"SELECT max(rowid) FROM {table}")[0]
    assert isinstance(top, int)
    rng = random.Random(seed)
    rowids = rng.sample(range(1, top + 1), min(top, count))
    found: list[str] = []
    for start in range(0, len(rowids), 500):
        batch = rowids[start : start + 500]
        marks = ",".join("?" * len(batch))
        found += [
            str(r[0]) for r in query(db, f"SELECT id FROM {table} WHERE rowid IN ({marks})", batch)
        ]
    rng.shuffle(found)
    return found


def first_household(db: Path) -> str:
    rows = query(db, "SELECT id FROM households WHERE id = 'H0000001'") or query(
        db, "SELECT id FROM households ORDER BY rowid LIMIT 1"
    )
    return str(rows[0][0])


def open_issue(db: Path) -> str:
    rows = query(
        db,
        "SELECT id FROM issues WHERE status NOT IN ('resolved', 'closed') ORDER BY id LIMIT 1",
    )
    if not rows:
        raise SystemExit("the store has no open issue to trace")
    return str(rows[0][0])


def township(db: Path) -> str:
    return str(query(db, "SELECT id FROM units WHERE label = 'Township' ORDER BY id LIMIT 1")[0][0])


# ---- the server ----------------------------------------------------------------------------

INSPECTOR = "bench-inspector-key-5e2b7c91d0a4f6e3"
ADMIN = "bench-township-admin-key-3f8a6d40"


def key_file(folder: Path, admin_township: str) -> Path:
    path = folder / "bench-keys.json"
    keys = [
        {"key": INSPECTOR, "role": "inspector"},
        {"key": ADMIN, "role": "township_admin", "township": admin_township},
    ]
    path.write_text(json.dumps(keys), encoding="utf-8")
    return path


def start_server(db: Path, folder: Path, admin_township: str) -> serving.Server:
    """`gridchain serve` of `db` on a free loopback port (stop it with `.stop()`); never the
    tests' opted-in Neo4j."""
    started = time.perf_counter()
    keys = key_file(folder, admin_township)
    server = serving.Server(db, keys, folder / "server.log", store="file").start()
    print(f"gridchain serve up in {time.perf_counter() - started:.1f} s", flush=True)
    return server
