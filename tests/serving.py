"""A real `gridchain serve` process on a free loopback port, for the HTTP tests and benchmark.

It serves a store file (the memory backend), unless a live Neo4j is opted in with
GRIDCHAIN_TEST_NEO4J_URI (and _USER, _PASSWORD, _DATABASE): then every test server serves that
Neo4j instead, loaded afresh with the small county, and the API's whole suite runs against it:

    GRIDCHAIN_TEST_NEO4J_URI=bolt://localhost:7687 GRIDCHAIN_TEST_NEO4J_PASSWORD=… \
        .venv/bin/pytest tests/test_api*.py

The tests empty that database, so NEO4J_URI (a user's own data) is never read for it, and a
database holding any node the tests did not leave there (those carry TEST_MARK) is refused.
A FalkorDB Bolt server is recognised as the backend recognises it (a query's summary names
no database) and given FalkorDB's small batches and its reconnection workaround.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Literal

import httpx
import neo4j
from bolt_server import BoltServer
from counties import small

from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings
from engine.importer import validate
from engine.ledger import tables_from_rows

GRIDCHAIN = Path(sys.executable).parent / "gridchain"
STARTUP_SECONDS = 30
# The live test server: where, as whom, which database. NEO4J_* are never read for it.
TEST_NEO4J = "GRIDCHAIN_TEST_NEO4J_"
# Every node the tests leave on the live server is marked so, when they are done with it: the
# next run may remove what carries it, and refuses a database with anything else.
TEST_MARK = "GridchainTestData"
# The Bolt test server crashes on a request over ~4 KB; rows of a few hundred bytes fit.
FALKORDB_BATCH = 5

# The keys of the small county's test key file, by who holds them: random past their name,
# as long as a server accepts (api.auth.MIN_KEY_LENGTH).
KEYS = {
    "inspector": "inspector-ZXK1NcnIV0OMgy3JeJ1UghkeG2AT2lXP",
    "t1_admin": "t1-admin-GWSXPUsW4Nagu3qO7PxOgac7fA7_yoVy",
    "t2_admin": "t2-admin-8gaoiKWGPDGdg7JJ-KrRrP4n9fJOzWuU",
    "m1_member": "m1-member-9oK0dq8rDVS9r6g5Rf-AxDiF84MXvmWe",
}
KEY_FILE = [
    {"key": KEYS["inspector"], "role": "inspector"},
    {"key": KEYS["t1_admin"], "role": "township_admin", "township": "T1"},
    {"key": KEYS["t2_admin"], "role": "township_admin", "township": "T2"},
    {"key": KEYS["m1_member"], "role": "grid_member", "person": "M1"},
]


def small_county_store(folder: Path) -> Path:
    db = folder / "gridchain.db"
    backend = MemoryBackend(db)
    backend.store(validate(tables_from_rows(small()), backend.known_labels))
    backend.close()
    return db


def opted_in_neo4j_settings(env: Mapping[str, str] = os.environ) -> Neo4jSettings | None:
    """The live server the tests may empty, from GRIDCHAIN_TEST_NEO4J_URI, _USER, _PASSWORD
    and _DATABASE; None when it is not opted in."""
    uri = env.get(f"{TEST_NEO4J}URI")
    if not uri:
        return None
    return Neo4jSettings(
        uri=uri,
        user=env.get(f"{TEST_NEO4J}USER", "neo4j"),
        password=env.get(f"{TEST_NEO4J}PASSWORD", ""),
        database=env.get(f"{TEST_NEO4J}DATABASE") or None,
    )


class ForeignData(Exception):
    """The live server holds a node the tests did not leave there: someone's data."""


def refuse_foreign_data(driver: neo4j.Driver, settings: Neo4jSettings) -> None:
    """Raise ForeignData when the database holds a node without TEST_MARK. Checked before
    anything is written to it."""
    records, _, _ = driver.execute_query(
        f"MATCH (n) WHERE NOT n:{TEST_MARK} RETURN count(n) AS foreign",
        database_=settings.database,
    )
    foreign = records[0]["foreign"]
    if foreign:
        raise ForeignData(
            f"the live test server {settings.uri} holds {foreign} nodes the tests did not "
            "create; "
            f"refusing to touch it. Point {TEST_NEO4J}URI at an empty database (or, if they "
            f"are leftovers of an interrupted test run, empty it yourself)."
        )


class LiveNeo4j:
    """The opted-in Neo4j as the served store: loaded with the small county for each new
    server, everything on it marked TEST_MARK whenever a server of it stops."""

    def __init__(self, settings: Neo4jSettings) -> None:
        self.settings = settings
        with self.driver() as driver:
            found = driver.execute_query("RETURN 1", database_=settings.database)
        self.falkordb = found.summary.database is None
        self.heal()
        if self.falkordb:
            self.settings = Neo4jSettings(
                settings.uri, settings.user, settings.password, None, FALKORDB_BATCH
            )
        self.refuse_foreign_data()

    @contextmanager
    def driver(self) -> Iterator[neo4j.Driver]:
        auth = (self.settings.user, self.settings.password)
        with neo4j.GraphDatabase.driver(self.settings.uri, auth=auth) as made:
            yield made

    def refuse_foreign_data(self) -> None:
        try:
            with self.driver() as driver:
                refuse_foreign_data(driver, self.settings)
        finally:
            self.heal()

    def heal(self) -> None:
        """FalkorDB never serves the connection after a client's goodbye; soak it up as the
        Bolt test server does (tests/bolt_server.py). Nothing to do on Neo4j."""
        if self.falkordb:
            port = int(self.settings.uri.rsplit(":", 1)[1])
            BoltServer(self.settings.uri, "", "", "", port, 0, Path()).heal()

    def mark(self) -> None:
        with self.driver() as driver:
            driver.execute_query(f"MATCH (n) SET n:{TEST_MARK}", database_=self.settings.database)
        self.heal()

    def load_small_county(self) -> None:
        """What earlier servers left is marked, then removed; the small county is stored."""
        self.mark()
        self.refuse_foreign_data()
        with self.driver() as driver:
            driver.execute_query(
                f"MATCH (n:{TEST_MARK}) DETACH DELETE n", database_=self.settings.database
            )
        self.heal()
        backend = Neo4jBackend(self.settings)
        try:
            backend.store(validate(tables_from_rows(small()), backend.known_labels))
        finally:
            backend.close()
            self.heal()

    def child_env(self) -> dict[str, str]:
        """What a `gridchain serve` on it needs, for the child process only."""
        env = {
            "GRIDCHAIN_BACKEND": "neo4j",
            "NEO4J_URI": self.settings.uri,
            "NEO4J_USER": self.settings.user,
            "NEO4J_PASSWORD": self.settings.password,
            "GRIDCHAIN_BATCH_SIZE": str(self.settings.batch_size),
        }
        if self.settings.database:
            env["NEO4J_DATABASE"] = self.settings.database
        return env


@cache
def live_neo4j() -> LiveNeo4j | None:
    """The opted-in Neo4j of this test run, checked once."""
    settings = opted_in_neo4j_settings()
    return None if settings is None else LiveNeo4j(settings)


def key_file(folder: Path) -> Path:
    path = folder / "keys.json"
    path.write_text(json.dumps(KEY_FILE), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`gridchain --db DB serve` as a child process; its output goes to `log`. `env` adds to
    its environment (the session settings, say). With `store="opted-in"` (the default) and a
    live Neo4j opted in, it serves that Neo4j, loaded with the small county when the server is
    made (a restart keeps what it holds), unless `env` names a backend of its own;
    `store="file"` always serves DB."""

    def __init__(
        self,
        db: Path,
        keys: Path,
        log: Path,
        env: dict[str, str] | None = None,
        store: Literal["opted-in", "file"] = "opted-in",
    ) -> None:
        self.db = db
        self.keys = keys
        self.log = log
        self.env = env or {}
        self.live = None
        if store == "opted-in" and "GRIDCHAIN_BACKEND" not in self.env:
            self.live = live_neo4j()
        if self.live is not None:
            self.live.load_small_county()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.lang: str | None = None  # the Accept-Language its clients send, if any

    def speaking(self, lang: str) -> Server:
        """Its clients ask for `lang` from now on (tests of English texts)."""
        self.lang = lang
        return self

    def start(self) -> Server:
        command = [str(GRIDCHAIN), "--db", str(self.db), "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--keys", str(self.keys)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.own_environment(), **self.backend_env(), **self.env},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gridchain serve exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"gridchain serve did not answer in {STARTUP_SECONDS} s")

    @staticmethod
    def own_environment() -> dict[str, str]:
        """This process's environment but the user's Neo4j (NEO4J_*): a test server serves a
        store file, or the opted-in Neo4j, never theirs."""
        return {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}

    def backend_env(self) -> dict[str, str]:
        return {"GRIDCHAIN_BACKEND": "memory"} if self.live is None else self.live.child_env()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        if self.live is not None and self.process is not None:
            self.live.heal()
            self.live.mark()
        self.process = None

    def client(self, key: str | None = None, bearer: bool = False) -> httpx.Client:
        headers = {}
        if key is not None:
            headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
        if self.lang is not None:
            headers["Accept-Language"] = self.lang
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    @contextmanager
    def browser(self, key: str) -> Iterator[httpx.Client]:
        """A client logged in as a browser is: through the login form, holding the session
        cookie and no key."""
        with self.client() as client:
            response = client.post("/login", data={"key": key})
            if response.status_code != 303:
                raise RuntimeError(f"login refused: {response.status_code}")
            yield client
