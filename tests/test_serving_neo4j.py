"""The HTTP tests' servers on an opted-in Neo4j (tests/serving.py): with GRIDCHAIN_TEST_NEO4J_URI
set, every test server serves that database loaded with the small county, as the memory store
would answer; a database holding someone's data is refused untouched; the benchmarks' servers
never take it. The FalkorDB Bolt test server stands in for the Neo4j."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import serving
from bolt_server import BoltServer
from counties import AS_OF
from serving import KEYS, TEST_MARK, ForeignData, Server, key_file, small_county_store

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture
def opted_in(falkordb: BoltServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[BoltServer]:
    """The Bolt test server, emptied and opted in for this test only."""
    falkordb.drop_graph()
    monkeypatch.setenv("GRIDCHAIN_TEST_NEO4J_URI", falkordb.uri)
    monkeypatch.setenv("GRIDCHAIN_TEST_NEO4J_USER", falkordb.user)
    monkeypatch.setenv("GRIDCHAIN_TEST_NEO4J_PASSWORD", falkordb.password)
    serving.live_neo4j.cache_clear()
    yield falkordb
    serving.live_neo4j.cache_clear()  # later servers of this run go back to store files


def answers(server: Server) -> tuple[str, object]:
    server.start()
    try:
        with server.client(KEYS["inspector"]) as client:
            backend = client.get("/health").json()["backend"]
            who = client.get("/units/H4/accountability", params={"as_of": AS_OF.isoformat()})
    finally:
        server.stop()
    assert who.status_code == 200, who.text
    return backend, who.json()


def labels_left(server: BoltServer) -> set[tuple[str, ...]]:
    server.heal()  # the served backend said goodbye to it
    with server.driver() as driver:
        records = driver.execute_query("MATCH (n) RETURN DISTINCT labels(n) AS labels").records
    return {tuple(sorted(row["labels"])) for row in records}


def test_a_test_server_serves_the_opted_in_neo4j_as_the_store_file_would(
    opted_in: BoltServer, tmp_path: Path
) -> None:
    db = small_county_store(tmp_path)
    served = answers(Server(db, key_file(tmp_path), tmp_path / "live.log"))
    from_file = answers(Server(db, key_file(tmp_path), tmp_path / "file.log", store="file"))
    assert served[0] == "neo4j"
    assert from_file[0] == "memory"
    assert served[1] == from_file[1]
    left = labels_left(opted_in)
    assert left and all(TEST_MARK in labels for labels in left)


def test_a_restarted_server_keeps_what_it_held_and_a_new_one_starts_afresh(
    opted_in: BoltServer, tmp_path: Path
) -> None:
    db, keys = small_county_store(tmp_path), key_file(tmp_path)
    server = Server(db, keys, tmp_path / "log").start()
    try:
        with server.client(KEYS["t1_admin"]) as client:
            marked = client.post("/households/H4/color", json={"color": "red"})
            assert marked.status_code == 200, marked.text
        server.stop()
        server.start()
        with server.client(KEYS["t1_admin"]) as client:
            assert client.get("/households/H4/color").json()["color"] == "red"
    finally:
        server.stop()
    again = Server(db, keys, tmp_path / "again.log").start()
    try:
        with again.client(KEYS["t1_admin"]) as client:
            assert client.get("/households/H4/color").json()["color"] != "red"
    finally:
        again.stop()


def test_an_opted_in_database_holding_someone_elses_node_is_refused_untouched(
    opted_in: BoltServer, tmp_path: Path
) -> None:
    with opted_in.driver() as driver:
        driver.execute_query("CREATE (:Unit {id: 'THEIRS'})")
    with pytest.raises(ForeignData, match="holds 1 nodes the tests did not create"):
        Server(small_county_store(tmp_path), key_file(tmp_path), tmp_path / "log")
    opted_in.heal()
    with opted_in.driver() as driver:
        left = driver.execute_query("MATCH (n) RETURN n.id AS id").records
    assert [row["id"] for row in left] == ["THEIRS"]
