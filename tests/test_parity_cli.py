"""The installed CLI gives the same JSON on the memory and the neo4j backend (over Bolt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bolt_server import BoltServer
from conftest import FALKORDB_BATCH
from counties import small
from test_cli import AS_OF, assert_one_line_error, clean_env, import_counts, run

from engine.ledger import write_folder

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

QUERIES = [
    ("who", "H5"),
    ("who", "R1"),
    ("trace", "I1"),
    ("trace", "H10"),
    ("gaps",),
    ("gaps", "--scope", "V1"),
    ("gaps", "--kind", "overloaded_member", "--limit-households", "2"),
    ("stats",),
    ("stats", "--scope", "T1"),
    ("overdue",),
    ("overdue", "--scope", "T1", "--color", "yellow"),
    ("gaps", "--color", "red"),
]


def bolt_env(server: BoltServer) -> dict[str, str]:
    return clean_env(
        GRIDCHAIN_BACKEND="neo4j",
        NEO4J_URI=server.uri,
        NEO4J_USER=server.user,
        NEO4J_PASSWORD=server.password,
        GRIDCHAIN_BATCH_SIZE=str(FALKORDB_BATCH),
    )


def on_bolt(server: BoltServer, *args: str | Path) -> str:
    result = run(*args, env=bolt_env(server))
    server.heal()  # the test server stalls the connection after a client says goodbye
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ledger")
    write_folder(small(), folder)
    return folder


@pytest.fixture(scope="module")
def memory_db(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("memory") / "gridchain.db"
    assert run("import", ledger, db=db).returncode == 0
    return db


@pytest.mark.parametrize("query", QUERIES, ids=" ".join)
def test_import_then_query_answer_alike(
    query: tuple[str, ...], falkordb: BoltServer, ledger: Path, memory_db: Path
) -> None:
    if query == QUERIES[0]:
        falkordb.drop_graph()
        on_bolt(falkordb, "import", ledger)
    args = (*query, "--as-of", AS_OF, "--json")
    memory = run(*args, db=memory_db)
    assert memory.returncode == 0, memory.stderr
    assert json.loads(on_bolt(falkordb, *args)) == json.loads(memory.stdout)


def test_push_copies_the_embedded_store(falkordb: BoltServer, memory_db: Path) -> None:
    falkordb.drop_graph()
    pushed = import_counts(on_bolt(falkordb, "--db", memory_db, "push"))
    assert pushed["households"] == (11, 0)
    args = ("gaps", "--as-of", AS_OF, "--json")
    assert json.loads(on_bolt(falkordb, *args)) == json.loads(run(*args, db=memory_db).stdout)
    again = import_counts(on_bolt(falkordb, "--db", memory_db, "push"))
    assert set(again.values()) == {(0, 0)}


def test_unreachable_neo4j_is_one_line_and_exit_1() -> None:
    env = clean_env(GRIDCHAIN_BACKEND="neo4j", NEO4J_URI="bolt://127.0.0.1:1")
    line = assert_one_line_error(run("--lang", "en", "who", "H1", env=env), 1)
    assert line.startswith("error: cannot reach Neo4j at bolt://127.0.0.1:1: ")
    assert assert_one_line_error(run("who", "H1", env=env), 1).startswith("错误：")


def test_push_carries_the_issue_loop_and_colour_marks(
    falkordb: BoltServer, memory_db: Path
) -> None:
    steps = [
        ("issue", "ack", "I1", "--department", "县民政局"),
        ("color", "H3", "orange", "--by", "M2"),
    ]
    for step in steps:
        assert run(*step, db=memory_db).returncode == 0
    pushed = import_counts(on_bolt(falkordb, "--db", memory_db, "push"))
    assert (pushed["issues"], pushed["households"]) == ((0, 1), (0, 1))
    queries = [("trace", "I1", "--as-of", AS_OF), ("color", "H3"), ("overdue", "--as-of", AS_OF)]
    for query in queries:
        args = (*query, "--json")
        assert json.loads(on_bolt(falkordb, *args)) == json.loads(run(*args, db=memory_db).stdout)
