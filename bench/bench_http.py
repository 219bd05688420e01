"""HTTP throughput of `GET /units/{id}/accountability` next to a trivial endpoint (SPEC §9).

Starts `gridchain serve` on loopback (on the small county unless --db names a store), drives
it from a second process with keep-alive connections, and prints requests/second and p99 of
both endpoints, measured alternately in the same run. Target: accountability >= 50 % of the
trivial endpoint's requests/second.

    python bench/bench_http.py [--db gridchain.db --target H0000001] [--seconds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from serving import KEYS, Server, key_file, small_county_store

TARGET_RATIO = 0.5
LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
Outcome = tuple[list[float], int]  # latencies in seconds, failed requests


@dataclass
class Run:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def connection(
    port: int, request: bytes, deadline: float, latencies: list[float], failures: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while (start := time.perf_counter()) < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        found = LENGTH.search(head)
        await reader.readexactly(int(found.group(1)) if found else 0)
        latencies.append(time.perf_counter() - start)
        if head[9:12] != b"200":
            failures.append(1)
    writer.close()
    await writer.wait_closed()


async def load(port: int, path: str, seconds: float, connections: int) -> Outcome:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEYS['inspector']}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    failures: list[int] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(connection(port, request, deadline, latencies, failures) for _ in range(connections))
    )
    return latencies, len(failures)


def generator(
    port: int, path: str, seconds: float, connections: int, out: multiprocessing.Queue[Outcome]
) -> None:
    out.put(asyncio.run(load(port, path, seconds, connections)))


def measure(name: str, port: int, path: str, seconds: float, connections: int) -> Run:
    """One load run from a second process, so the client does not share the server's GIL."""
    results: multiprocessing.Queue[Outcome] = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=generator, args=(port, path, seconds, connections, results)
    )
    process.start()
    latencies, failures = results.get(timeout=seconds + 60)
    process.join()
    return Run(name, len(latencies), seconds, latencies, failures)


def merge(runs: list[Run]) -> Run:
    return Run(
        runs[0].name,
        sum(r.requests for r in runs),
        sum(r.seconds for r in runs),
        [t for r in runs for t in r.latencies],
        sum(r.failures for r in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a gridchain store (default: the small county)")
    parser.add_argument("--target", default="H5", help="the household asked about")
    parser.add_argument("--as-of", default="2024-06-01")
    parser.add_argument("--seconds", type=float, default=4.0, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        db = args.db or small_county_store(folder)
        server = Server(db, key_file(folder), folder / "server.log").start()
        try:
            endpoints = {
                "trivial  GET /health": "/health",
                "who      GET /units/{id}/accountability": (
                    f"/units/{args.target}/accountability?as_of={args.as_of}"
                ),
            }
            for path in endpoints.values():  # warm up: imports, caches, connections
                measure("warm-up", server.port, path, 1.0, args.connections)
            runs: dict[str, list[Run]] = {name: [] for name in endpoints}
            for _ in range(args.rounds):  # alternate, so drift hits both alike
                for name, path in endpoints.items():
                    runs[name].append(
                        measure(name, server.port, path, args.seconds, args.connections)
                    )
        finally:
            server.stop()
    trivial, who = (merge(r) for r in runs.values())
    print(f"{args.connections} keep-alive connections, {args.rounds} x {args.seconds:g} s each")
    print(f"{'endpoint':44} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'fail':>5}")
    for run in (trivial, who):
        print(
            f"{run.name:44} {run.requests:9d} {run.rps:8.0f} "
            f"{run.percentile(0.5) * 1000:7.2f} {run.percentile(0.99) * 1000:7.2f} "
            f"{run.failures:5d}"
        )
    ratio = who.rps / trivial.rps
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"accountability / trivial = {ratio:.0%} ({verdict} the {TARGET_RATIO:.0%} target)")
    print(f"mean accountability latency {statistics.fmean(who.latencies) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
