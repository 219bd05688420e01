"""HTTP figures of issue 8 (deliverable 7, figures 3 to 6) against a real `gridchain serve`.

    .venv/bin/python bench/bench_http.py [--db FILE | --scale N] [--seconds 4]

Serves a scratch copy of the store (the write figure changes it) on loopback and drives it
from other processes over keep-alive connections. Each figure beside its floor, same run:
  3. POST /assignments, then POST /assignments/{id}/end, as a township admin: median latency,
     vs a raw INSERT (UPDATE) + COMMIT into a scratch SQLite file (WAL, synchronous=FULL).
     Target: median ≤ 10 ms.
  4. GET /units/{household}/accountability req/s over many households, vs GET /ping of a
     one-route FastAPI app under uvicorn started the same way (bench/trivial_server.py); the
     server's /health (a backend probe) is shown too. Target: ≥ 80 % of the trivial req/s.
  5. who p95 (one client asking accountability over and over) while 8 connections loop on
     full-county GET /gaps, vs the same who p95 with no load. Target: p95 ≤ 50 ms.
  6. Full-county GET /gaps?limit=1000 median latency, vs the same gaps in set-wise SQL
     (bench/sqlfloor.py) on a warm connection in this process. Target: median ≤ 300 ms.
Every loop is bounded by time or count, and both servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import common
import httpx
import serving
import sqlfloor

WRITE_TARGET_MS = 10.0
RPS_TARGET = 0.8
WHO_P95_TARGET_MS = 50.0
GAPS_TARGET_MS = 300.0
GAPS_LIMIT = 1000
GAPS_CONNECTIONS = 8
LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


@dataclass
class Load:
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds


# ---- a keep-alive load generator, run in its own process -----------------------------------


async def connection(
    port: int, requests: list[bytes], deadline: float, limit: int | None, load: Load
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    while time.perf_counter() < deadline and (limit is None or sent < limit):
        start = time.perf_counter()
        writer.write(requests[sent % len(requests)])
        head = await reader.readuntil(b"\r\n\r\n")
        found = LENGTH.search(head)
        await reader.readexactly(int(found.group(1)) if found else 0)
        load.latencies.append(time.perf_counter() - start)
        if head[9:12] != b"200":
            load.failures += 1
        sent += 1
    writer.close()
    await writer.wait_closed()


async def drive(
    port: int, paths: list[str], seconds: float, connections: int, limit: int | None
) -> Load:
    requests = [
        (f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {common.INSPECTOR}\r\n\r\n").encode()
        for p in paths
    ]
    load = Load(0.0, [], 0)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            # each connection starts at another place in the list
            connection(port, requests[i:] + requests[:i], started + seconds, limit, load)
            for i in range(connections)
        )
    )
    load.seconds = time.perf_counter() - started
    return load


def generator(
    port: int,
    paths: list[str],
    seconds: float,
    connections: int,
    limit: int | None,
    out: multiprocessing.Queue[Load],
) -> None:
    out.put(asyncio.run(drive(port, paths, seconds, connections, limit)))


def start_load(
    port: int, paths: list[str], seconds: float, connections: int, limit: int | None = None
) -> tuple[multiprocessing.Process, multiprocessing.Queue[Load]]:
    """A client process (so it does not share a GIL with anything measured)."""
    results: multiprocessing.Queue[Load] = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=generator, args=(port, paths, seconds, connections, limit, results)
    )
    process.start()
    return process, results


def finish(started: tuple[multiprocessing.Process, multiprocessing.Queue[Load]]) -> Load:
    process, results = started
    try:
        return results.get(timeout=1800)  # a request already sent is always answered
    finally:
        process.join(timeout=60)
        if process.is_alive():
            process.terminate()


def measure(
    port: int, paths: list[str], seconds: float, connections: int, limit: int | None = None
) -> Load:
    return finish(start_load(port, paths, seconds, connections, limit))


# ---- servers -------------------------------------------------------------------------------


class TrivialServer:
    """bench/trivial_server.py on a free loopback port."""

    def __init__(self, log: Path) -> None:
        self.port = serving.free_port()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).with_name("trivial_server.py")),
                    str(self.port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ping", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the trivial server did not answer in 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


# ---- the figures ---------------------------------------------------------------------------


def accountability_paths(households: list[str]) -> list[str]:
    return [f"/units/{h}/accountability" for h in households]


def figure_rps(
    table: common.Table,
    server: serving.Server,
    trivial: TrivialServer,
    households: list[str],
    seconds: float,
    rounds: int,
    connections: int,
) -> None:
    endpoints = {
        "who": (server.port, accountability_paths(households)),
        "trivial": (trivial.port, ["/ping"]),
        "health": (server.port, ["/health"]),
    }
    for port, paths in endpoints.values():  # warm up
        measure(port, paths, 1.0, connections)
    runs: dict[str, list[Load]] = {name: [] for name in endpoints}
    for _ in range(rounds):  # alternate, so drift hits each alike
        for name, (port, paths) in endpoints.items():
            runs[name].append(measure(port, paths, seconds, connections))
    rps = {
        name: sum(len(r.latencies) for r in loads) / sum(r.seconds for r in loads)
        for name, loads in runs.items()
    }
    failures = sum(r.failures for loads in runs.values() for r in loads)
    what = f"{connections} keep-alive connections, {rounds} × {seconds:g} s"
    ratio = rps["who"] / rps["trivial"]
    table.add(
        "GET accountability req/s",
        f"{rps['who']:.0f}/s",
        f"{rps['trivial']:.0f}/s (GET /ping, trivial FastAPI app; {what})",
        ratio,
        f"≥ {RPS_TARGET:.0%}",
        ratio >= RPS_TARGET,
    )
    table.add(
        "  (GET /health of gridchain)",
        f"{rps['health']:.0f}/s",
        f"{rps['trivial']:.0f}/s (GET /ping)",
        rps["health"] / rps["trivial"],
    )
    if failures:
        print(f"warning: {failures} requests did not answer 200")


def figure_gaps(table: common.Table, server: serving.Server, floor_db: Path, requests: int) -> None:
    path = f"/gaps?limit={GAPS_LIMIT}"
    measure(server.port, [path], 3600, 1, limit=1)  # warm up
    served = measure(server.port, [path], 3600, 1, limit=requests)
    conn = sqlfloor.connect(floor_db)
    day = dt.date.today().isoformat()
    floor = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = sqlfloor.gaps(conn, day)
        answer["gaps"] = answer["gaps"][:GAPS_LIMIT]  # type: ignore[index]
        json.dumps(answer, ensure_ascii=False)
        floor.append(time.perf_counter() - started)
    conn.close()
    ours = common.median(served.latencies)
    theirs = common.median(floor)
    table.add(
        f"GET {path}: median of {requests}",
        common.ms(ours),
        f"{common.ms(theirs)} (sqlfloor.gaps + json.dumps, warm connection)",
        ours / theirs,
        f"≤ {GAPS_TARGET_MS:g} ms",
        ours * 1000 <= GAPS_TARGET_MS,
    )


def figure_who_under_load(
    table: common.Table, server: serving.Server, households: list[str], seconds: float
) -> None:
    paths = accountability_paths(households)
    quiet = measure(server.port, paths, seconds, 1)
    gaps = start_load(server.port, [f"/gaps?limit={GAPS_LIMIT}"], seconds + 1, GAPS_CONNECTIONS)
    time.sleep(1)  # let the gaps loops get going
    loaded = measure(server.port, paths, seconds, 1)
    gap_load = finish(gaps)
    ours = common.percentile(loaded.latencies, 0.95)
    theirs = common.percentile(quiet.latencies, 0.95)
    table.add(
        f"who p95 under {GAPS_CONNECTIONS} gaps loops",
        f"{common.ms(ours)} ({len(loaded.latencies)} asks)",
        f"{common.ms(theirs)} (who p95, no load; {len(quiet.latencies)} asks)",
        ours / theirs,
        f"≤ {WHO_P95_TARGET_MS:g} ms",
        ours * 1000 <= WHO_P95_TARGET_MS,
    )
    print(
        f"gaps loops answered {len(gap_load.latencies)} full-county gaps "
        f"in {gap_load.seconds:.1f} s ({gap_load.failures} not 200)"
    )


def figure_writes(
    table: common.Table, server: serving.Server, db: Path, folder: Path, writes: int
) -> None:
    admin_township = common.township(db)
    grids = common.query(
        db,
        "SELECT g.id FROM units g JOIN units v ON v.id = g.parent_id "
        "WHERE g.label = 'Grid' AND v.parent_id = ? ORDER BY g.id LIMIT 50",
        (admin_township,),
    )
    person = common.query(db, "SELECT id FROM people ORDER BY id LIMIT 1")[0][0]
    scratch = sqlite3.connect(folder / "floor-writes.db", isolation_level=None)
    scratch.execute("PRAGMA journal_mode=WAL")
    scratch.execute("PRAGMA synchronous=FULL")
    scratch.execute(
        "CREATE TABLE assignments (id, person_id, target_id, role, since, until, extra, "
        "PRIMARY KEY (id))"
    )
    since = dt.date.today().isoformat()
    times: dict[str, list[float]] = {"create": [], "end": [], "insert": [], "update": []}
    tag = f"BENCH{int(time.time())}"
    with server.client(common.ADMIN) as client:
        for n in range(writes):
            new = f"{tag}-{n}"
            target = str(grids[n % len(grids)][0])
            body = {
                "id": new,
                "person_id": person,
                "target_id": target,
                "role": "grid_member",
                "since": since,
            }
            started = time.perf_counter()
            client.post("/assignments", json=body).raise_for_status()
            times["create"].append(time.perf_counter() - started)
            started = time.perf_counter()
            client.post(f"/assignments/{new}/end", json={"until": since}).raise_for_status()
            times["end"].append(time.perf_counter() - started)
            started = time.perf_counter()
            scratch.execute("BEGIN")
            scratch.execute(
                "INSERT INTO assignments VALUES (?, ?, ?, 'grid_member', ?, NULL, NULL)",
                (new, person, target, since),
            )
            scratch.execute("COMMIT")
            times["insert"].append(time.perf_counter() - started)
            started = time.perf_counter()
            scratch.execute("BEGIN")
            scratch.execute("UPDATE assignments SET until = ? WHERE id = ?", (since, new))
            scratch.execute("COMMIT")
            times["update"].append(time.perf_counter() - started)
    scratch.close()
    for ours, theirs, name, sql in (
        ("create", "insert", "POST /assignments", "INSERT"),
        ("end", "update", "POST /assignments/{id}/end", "UPDATE"),
    ):
        mine = common.median(times[ours])
        floor = common.median(times[theirs])
        table.add(
            f"{name}: median of {writes}",
            common.ms(mine),
            f"{common.ms(floor)} (raw {sql} + COMMIT, WAL, synchronous=FULL)",
            mine / floor,
            f"≤ {WRITE_TARGET_MS:g} ms",
            mine * 1000 <= WRITE_TARGET_MS,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build a demo)")
    parser.add_argument("--scale", type=int, default=1, help="demo scale, without --db")
    parser.add_argument("--seconds", type=float, default=4.0, help="per load run")
    parser.add_argument("--rounds", type=int, default=2, help="req/s rounds per endpoint")
    parser.add_argument("--connections", type=int, default=8, help="for req/s")
    parser.add_argument("--households", type=int, default=500, help="asked about, in turn")
    parser.add_argument("--gaps-requests", type=int, default=7)
    parser.add_argument("--writes", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        source = common.store(args.db, args.scale, folder)
        db = common.copy_store(source, folder / "served.db")
        print("serving a scratch copy of the store (the write figure changes it)")
        floor_db = common.floor_store(db, folder)
        households = common.sample_ids(db, "households", args.households)
        table = common.Table("gridchain serve on loopback, clients in other processes")
        server = common.start_server(db, folder, common.township(db))
        trivial = None
        try:
            trivial = TrivialServer(folder / "trivial.log")
            figure_rps(
                table, server, trivial, households, args.seconds, args.rounds, args.connections
            )
            trivial.stop()
            figure_gaps(table, server, floor_db, args.gaps_requests)
            figure_who_under_load(table, server, households, args.seconds)
            figure_writes(table, server, db, folder, args.writes)
        finally:
            if trivial is not None:
                trivial.stop()
            server.stop()
    table.print()


if __name__ == "__main__":
    main()
