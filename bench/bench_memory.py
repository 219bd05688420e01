"""Memory-backend figures of SPEC §9, run on demand: `python bench/bench_memory.py [--scale N]`.

Prints demo wall time (the installed `gridchain demo` in a fresh process), store open time,
`who`/`trace` median in process, full-county `gaps` time and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.backends.memory import MemoryBackend

SAMPLES = 2000


def demo_seconds(db: Path, scale: int) -> float:
    gridchain = Path(sys.executable).parent / "gridchain"
    started = time.perf_counter()
    subprocess.run(
        [str(gridchain), "--db", str(db), "demo", "--scale", str(scale)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def median_micros(call: object, targets: list[str], as_of: dt.date) -> float:
    timings = []
    for target in targets:
        started = time.perf_counter_ns()
        call(target, as_of)  # type: ignore[operator]
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    scale = parser.parse_args().scale
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "gridchain.db"
        print(f"scale {scale}")
        print(f"demo end to end (fresh store): {demo_seconds(db, scale):.1f} s")
        demo_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of the demo process: {demo_peak:.0f} MiB")
        started = time.perf_counter()
        backend = MemoryBackend(db)
        today = dt.date.today()
        first = backend.who(backend.graph.index.nodes_of("Household")[0], today)
        opened = time.perf_counter() - started
        print(f"open store + first who: {opened:.2f} s ({len(first.chain)} levels)")
        rng = random.Random(1)
        households = backend.graph.index.nodes_of("Household")
        targets = [rng.choice(households) for _ in range(SAMPLES)]
        print(f"who median: {median_micros(backend.who, targets, today):.1f} µs")
        print(f"trace median: {median_micros(backend.trace, targets, today):.1f} µs")
        issues = backend.graph.index.nodes_of("Issue")
        print(f"trace of an issue median: {median_micros(backend.trace, issues, today):.1f} µs")
        started = time.perf_counter()
        gaps = backend.gaps(today)
        print(
            f"full-county gaps: {time.perf_counter() - started:.3f} s ({gaps.summary.total} gaps)"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process (store open, queries): {peak:.0f} MiB")
        backend.close()


if __name__ == "__main__":
    main()
