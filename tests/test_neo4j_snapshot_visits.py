"""Visits and sweeps in a snapshot (SPEC §5.1) on the Bolt test server: every test of
tests/test_snapshot_visits.py again, with its county stored through the Neo4j backend instead of
the embedded store. So the graph's own statements (the ids of a kind, what hangs under a place,
who is referred to, what is removed, the history) are held to the same rules: a visit or sweep
gone from its file removed, a household's visits going with it, a sweep over a unit that goes
refused, a visitor kept, every change in the history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_snapshot_visits as on_memory
from bolt_server import BoltServer
from conftest import FALKORDB_BATCH
from test_snapshot_visits import *  # noqa: F403 (each of its tests runs here on this `county`)

from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings

# A server: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bolt(falkordb: BoltServer) -> Iterator[Neo4jBackend]:
    settings = Neo4jSettings(falkordb.uri, falkordb.user, falkordb.password, None, FALKORDB_BATCH)
    backend = Neo4jBackend(settings)
    yield backend
    backend.close()
    falkordb.heal()


@pytest.fixture  # type: ignore[no-redef]  # this module's county replaces the embedded one
def county(bolt: Neo4jBackend) -> Neo4jBackend:
    """The county of tests/test_snapshot_visits.py, alone on the server."""
    bolt.driver.execute_query("MATCH (n) DETACH DELETE n", database_=bolt.database)
    on_memory.imported(bolt, on_memory.county_rows())  # type: ignore[arg-type]
    return bolt


def test_every_snapshot_test_of_visits_runs_here() -> None:
    here = {name for name in globals() if name.startswith("test_")}
    there = {name for name in vars(on_memory) if name.startswith("test_")}
    assert len(there) >= 15 and there <= here
