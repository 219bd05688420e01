"""The Neo4j backend as a Neo4j cluster meets it (issue 12): reads wait for writes through the
driver's bookmark manager, one batch per retried write transaction, the schema by Neo4j's own
error codes, one edge per assignment id, driver errors by class, filters and rules applied by
the server, and tests that keep off a user's database. Run on the Bolt test server (FalkorDB)
wherever it can show it; the codes only Neo4j sends are given by the driver's own error
objects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
import yaml
from bolt_server import BoltServer, falkordb_bolt_server
from conftest import (
    FALKORDB_BATCH,
    TEST_MARK,
    as_json,
    load,
    neo4j_env,
    on_live_server,
    refuse_foreign_data,
)
from counties import AS_OF, small
from serving import KEYS, Server, key_file, small_county_store
from sweep_counties import AS_OF as SWEEP_AS_OF
from sweep_counties import sweep_county

from engine import loop
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend, schema
from engine.backends.neo4j.failures import answering
from engine.backends.neo4j.rules import RULES
from engine.backends.neo4j.settings import Neo4jSettings
from engine.backends.neo4j.statements import sections, statement
from engine.backends.neo4j.writes import write_plan
from engine.errors import BackendUnavailable, Conflict, GridchainError
from engine.importer import validate
from engine.issues import IssueChange
from engine.ledger import tables_from_rows
from engine.model import REQUIRED_ROLE
from engine.semantics import IssueFilter

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bolt() -> Iterator[BoltServer]:
    """This module's own Bolt test server: some tests count what reaches it."""
    with falkordb_bolt_server() as server:
        yield server


def settings_of(server: BoltServer) -> Neo4jSettings:
    return Neo4jSettings(server.uri, server.user, server.password, None, FALKORDB_BATCH)


@pytest.fixture
def backend(bolt: BoltServer) -> Iterator[Neo4jBackend]:
    """A backend on an emptied graph, its driver closed (and the server healed) after."""
    bolt.drop_graph()
    opened = Neo4jBackend(settings_of(bolt))
    yield opened
    opened.close()
    bolt.heal()


def neo4j_error(code: str) -> neo4j.exceptions.Neo4jError:
    """The error the driver makes of a failure the server reports with `code`."""
    return neo4j.exceptions.Neo4jError._hydrate_neo4j(code=code, message=f"server says {code}")


# ---- 3. causal consistency: bookmarks, and one batch per managed transaction ---------------


def test_every_session_and_query_waits_on_the_drivers_bookmarks(
    backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every session is opened with the bookmark manager execute_query uses, and every query
    names it, on both ways of reading (sessions on the test server, execute_query on Neo4j)."""
    driver = backend.driver
    shared = driver.execute_query_bookmark_manager
    sessions: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    open_session, execute_query = driver.session, driver.execute_query

    def session(**config: Any) -> neo4j.Session:
        sessions.append(config)
        return open_session(**config)

    def query(*args: Any, **kwargs: Any) -> Any:
        queries.append(kwargs)
        return execute_query(*args, **kwargs)

    monkeypatch.setattr(driver, "session", session)
    monkeypatch.setattr(driver, "execute_query", query)
    load(backend, small())
    loop.set_color(backend, "H3", "orange", "M2", dt.datetime(2024, 5, 20, 9))
    backend.who("H3", AS_OF)
    on_neo4j = dataclasses.replace(backend.connection.dialect, autocommit_reads=False)
    monkeypatch.setattr(backend.connection, "dialect", on_neo4j)
    backend.who("H3", AS_OF)
    assert sessions and queries
    assert all(config.get("bookmark_manager") is shared for config in sessions)
    assert all(kwargs.get("bookmark_manager_") is shared for kwargs in queries)


def test_a_colour_set_reads_back_and_an_issue_step_takes_the_next(backend: Neo4jBackend) -> None:
    load(backend, small())
    marked = loop.set_color(backend, "H3", "red", "M2", dt.datetime(2024, 5, 20, 9))
    assert marked.color == "red"
    assert backend.colors({"H3"}) == {"H3": "red"}
    assert backend.color_history("H3").changes[-1].color == "red"
    at = dt.datetime(2024, 5, 21, 9)
    loop.transition(backend, IssueChange("I1", "acknowledged", "县民政局", "test", at, "县民政局"))
    after = loop.transition(
        backend, IssueChange("I1", "resolved", "县民政局", "test", at + dt.timedelta(hours=1))
    )
    assert after.issue.status == "resolved"
    assert backend.issue("I1")[0].status == "resolved"


def test_each_batch_of_an_import_is_its_own_write_transaction(
    backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server holds one batch's changes at a time, and a retry repeats just that batch."""
    runs_per_transaction: list[int] = []
    execute_write = neo4j.Session.execute_write

    def counting(session: neo4j.Session, work: Callable[..., Any], *args: Any) -> Any:
        def counted(tx: neo4j.ManagedTransaction, *more: Any) -> Any:
            runs = 0
            run = tx.run

            def run_counted(*a: Any, **k: Any) -> neo4j.Result:
                nonlocal runs
                runs += 1
                return run(*a, **k)

            tx.run = run_counted  # type: ignore[method-assign]
            try:
                return work(tx, *more)
            finally:
                runs_per_transaction.append(runs)

        return execute_write(session, counted, *args)

    monkeypatch.setattr(neo4j.Session, "execute_write", counting)
    data = validate(tables_from_rows(small()), backend.known_labels)
    sizes = [len(rows) for _, rows in write_plan(data)]
    assert max(sizes) > FALKORDB_BATCH  # statements of several batches, which used to share one
    backend.store(data)
    batches = sum(math.ceil(size / FALKORDB_BATCH) for size in sizes)
    assert runs_per_transaction == [1] * batches


# ---- 7. the server does the work: filters in Cypher, rules as parameters -------------------


@pytest.fixture
def returned(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every row the server sends back to a read (the test server's reads are session runs)."""
    rows: list[dict[str, Any]] = []
    run = neo4j.Session.run

    def counting(session: neo4j.Session, *args: Any, **kwargs: Any) -> list[neo4j.Record]:
        records = list(run(session, *args, **kwargs))
        rows.extend(dict(record) for record in records)
        return records

    monkeypatch.setattr(neo4j.Session, "run", counting)
    return rows


GAP_ROW = {"id", "label", "path", "labels"}
ISSUE_ROW = {"props", "color", "events"}


@pytest.mark.parametrize(
    ("scope", "color"), [(None, "red"), (None, "green"), ("G4", "green"), ("T1", "orange")]
)
def test_the_server_sends_only_the_gaps_of_the_colour_asked_for(
    backend: Neo4jBackend, returned: list[dict[str, Any]], scope: str | None, color: str
) -> None:
    load(backend, small())
    returned.clear()
    found = backend.gaps(AS_OF, scope, color=color).gaps
    gap_rows = [row for row in returned if set(row) == GAP_ROW]
    assert sorted(row["id"] for row in gap_rows) == sorted(gap.id for gap in found)
    assert backend.colors({gap.id for gap in found}) == {gap.id: color for gap in found}


@pytest.mark.parametrize(
    ("wanted", "ids"),
    [
        ({"scope": "G1"}, ["I2"]),
        ({"scope": "T2"}, []),
        ({"color": "yellow"}, ["I1"]),
        ({"reported_by": "M2"}, ["I1"]),
        ({"scope": "T1", "color": "green"}, ["I2"]),
    ],
)
def test_the_server_sends_only_the_issues_a_list_asks_for(
    backend: Neo4jBackend, returned: list[dict[str, Any]], wanted: dict[str, Any], ids: list[str]
) -> None:
    load(backend, small())
    returned.clear()
    listed = loop.issue_list(backend, AS_OF, IssueFilter(**wanted))
    assert [issue.id for issue in listed.issues] == ids
    issue_rows = [row for row in returned if set(row) == ISSUE_ROW]
    assert sorted(row["props"]["id"] for row in issue_rows) == ids


def test_a_rule_changed_in_the_model_is_the_rule_the_server_applies(
    backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """H9 is quarantined with a team of three, H10 red and unattended, H11 orange with a cadre
    (tests/counties.py)."""
    load(backend, small())

    def found(kind: str) -> list[str]:
        return [gap.id for gap in backend.gaps(AS_OF, kind=kind).gaps]

    assert found("incomplete_four_to_one") == ["H9"]
    assert found("unattended_high_risk") == ["H10"]
    assert found("missing_grid_head") == ["G2"]
    monkeypatch.setitem(RULES, "team", 3)
    monkeypatch.setitem(RULES, "high_risk", ["orange"])
    monkeypatch.setitem(RULES, "responsible_kinds", [])
    monkeypatch.setitem(RULES, "grid_head", "no_such_role")
    assert found("incomplete_four_to_one") == []
    assert found("unattended_high_risk") == ["H11"]
    assert sorted(found("missing_grid_head")) == ["G1", "G2", "G3", "G4"]


# ---- 5. the schema, and one edge per assignment id ------------------------------------------


def moved_assignment(person: str, target: str) -> dict[str, list[dict[str, str]]]:
    row = {"id": "A-MOVED", "person_id": person, "target_id": target, "role": "grid_member"}
    return {"assignments": [{**row, "since": "2020-01-01", "until": ""}]}


def test_an_assignment_id_moved_to_another_person_and_unit_leaves_one_edge(
    backend: Neo4jBackend, tmp_path: Path
) -> None:
    memory = MemoryBackend(tmp_path / "gridchain.db")
    for store in (memory, backend):
        load(store, small())
        load(store, moved_assignment("M1", "H4"))
        load(store, moved_assignment("M2", "G2"))
    edges = backend.driver.execute_query(
        "MATCH (p)-[r:RESPONSIBLE_FOR {id: 'A-MOVED'}]->(u) RETURN p.id AS person, u.id AS unit"
    ).records
    assert [(row["person"], row["unit"]) for row in edges] == [("M2", "G2")]
    for question in (backend.who, backend.trace):
        for node in ("H4", "H3", "I1"):
            assert as_json(question(node, AS_OF)) == as_json(
                getattr(memory, question.__name__)(node, AS_OF)
            )
    memory.close()


def test_the_test_server_is_given_only_the_indexes_it_lacks(
    bolt: BoltServer, backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeat is never sent, so a failure the server reports is a real one and surfaces."""
    created: list[str] = []
    execute_query = neo4j.Driver.execute_query

    def watching(driver: neo4j.Driver, query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query).startswith("CREATE INDEX"):
            created.append(str(query))
        return execute_query(driver, query, *args, **kwargs)

    monkeypatch.setattr(neo4j.Driver, "execute_query", watching)
    Neo4jBackend(settings_of(bolt)).close()
    bolt.heal()
    assert created == []
    bolt.drop_graph()  # no indexes at all: each one is created once
    Neo4jBackend(settings_of(bolt)).close()
    bolt.heal()
    assert sorted(created) == sorted(sections("schema_falkordb").values())

    def failing(driver: neo4j.Driver, query: Any, *args: Any, **kwargs: Any) -> Any:
        if str(query).startswith("CREATE INDEX"):
            raise neo4j_error("Neo.DatabaseError.General.UnknownError")
        return execute_query(driver, query, *args, **kwargs)

    monkeypatch.setattr(neo4j.Driver, "execute_query", failing)
    bolt.drop_graph()
    with pytest.raises(GridchainError, match="UnknownError"):
        Neo4jBackend(settings_of(bolt))
    bolt.heal()


class SchemaServer:
    """A Neo4j's answers to the schema statements: those named in `refusing` fail with their
    code; every statement run is noted."""

    def __init__(self, refusing: dict[str, str] | None = None) -> None:
        self.refusing = refusing or {}
        self.ran: list[str] = []

    def run(self, name: str) -> None:
        self.ran.append(name)
        if name in self.refusing:
            raise neo4j_error(self.refusing.pop(name))


NODE_CONSTRAINTS = [n for n in sections("schema_neo4j") if n not in schema.EDGE_ID_STATEMENTS]
EDGE_CONSTRAINTS = [
    "assignment_id_index_replaced",
    "assignment_id_unique",
    "visit_id_index_replaced",
    "visit_id_unique",
]


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        (
            "assignment_id_unique",
            "CREATE CONSTRAINT assignment_id_unique IF NOT EXISTS "
            "FOR ()-[r:RESPONSIBLE_FOR]-() REQUIRE r.id IS UNIQUE",
        ),
        (
            "visit_id_unique",
            "CREATE CONSTRAINT visit_id_unique IF NOT EXISTS "
            "FOR ()-[v:VISITED]-() REQUIRE v.id IS UNIQUE",
        ),
    ],
)
def test_neo4j_from_5_7_makes_the_ids_of_assignments_and_visits_unique(
    name: str, constraint: str
) -> None:
    server = SchemaServer()
    schema.constraints(server.run, (5, 26))
    assert server.ran == [*NODE_CONSTRAINTS, *EDGE_CONSTRAINTS]
    assert " ".join(statement("schema_neo4j", name).split()) == constraint
    calendar = SchemaServer()
    schema.constraints(calendar.run, (2025, 1))
    assert calendar.ran == server.ran


def test_neo4j_before_5_7_indexes_the_ids_of_assignments_and_visits() -> None:
    server = SchemaServer()
    schema.constraints(server.run, (5, 6))
    assert server.ran == [*NODE_CONSTRAINTS, "assignment_id", "visit_id"]


def test_a_sweep_id_is_unique_and_a_visits_day_indexed() -> None:
    assert " ".join(statement("schema_neo4j", "sweep_id").split()) == (
        "CREATE CONSTRAINT sweep_id IF NOT EXISTS FOR (n:Sweep) REQUIRE n.id IS UNIQUE"
    )
    assert " ".join(statement("schema_neo4j", "visit_day").split()) == (
        "CREATE INDEX visit_day IF NOT EXISTS FOR ()-[v:VISITED]-() ON (v.visited_at)"
    )
    assert {"sweep_id", "visit_day"} <= set(NODE_CONSTRAINTS)


@pytest.mark.parametrize("index", ["assignment_id", "visit_id"])
def test_edges_sharing_an_id_leave_the_id_indexed_until_an_import_mends_them(index: str) -> None:
    server = SchemaServer({f"{index}_unique": "Neo.DatabaseError.Schema.ConstraintCreationFailed"})
    schema.constraints(server.run, (5, 26))
    assert server.ran.count(index) == 1
    assert server.ran.index(index) == server.ran.index(f"{index}_unique") + 1
    assert "visit_id_unique" in server.ran


@pytest.mark.parametrize("code", sorted(schema.ALREADY_THERE))
def test_a_schema_rule_already_there_is_fine(code: str) -> None:
    """A user's own index on (:Unit {id}) blocks the constraint, and serves as well."""
    server = SchemaServer({"unit_id": code, "assignment_id_unique": code, "visit_id_unique": code})
    schema.constraints(server.run, (5, 26))
    assert server.ran == [*NODE_CONSTRAINTS, *EDGE_CONSTRAINTS]


def test_a_missing_privilege_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")
    server = SchemaServer({"person_id": "Neo.ClientError.Security.Forbidden"})
    with pytest.raises(GridchainError) as refused:
        schema.constraints(server.run, (5, 26))
    assert str(refused.value).startswith(
        "the Neo4j user lacks the CREATE CONSTRAINT privilege needed for person_id"
    )
    monkeypatch.setenv("GRIDCHAIN_LANG", "zh")
    chinese = SchemaServer({"change_record": "Neo.ClientError.Security.Forbidden"})
    with pytest.raises(GridchainError, match=r"^Neo4j 用户无 CREATE INDEX 权限"):
        schema.constraints(chinese.run, (5, 26))


def test_a_real_database_error_in_the_schema_surfaces() -> None:
    server = SchemaServer({"unit_id": "Neo.DatabaseError.General.UnknownError"})
    with pytest.raises(neo4j.exceptions.DatabaseError):
        schema.constraints(server.run, (5, 26))


# ---- 6. errors by class ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("Neo.TransientError.Transaction.DeadlockDetected", BackendUnavailable),
        ("Neo.TransientError.General.DatabaseUnavailable", BackendUnavailable),
        ("Neo.ClientError.Schema.ConstraintValidationFailed", Conflict),
    ],
)
def test_errors_only_neo4j_sends_are_mapped_by_class(
    code: str, expected: type[GridchainError]
) -> None:
    with pytest.raises(expected), answering("neo4j://cluster"):
        raise neo4j_error(code)


@pytest.mark.parametrize(
    "error",
    [neo4j.exceptions.ServiceUnavailable("gone"), neo4j.exceptions.SessionExpired("expired")],
)
def test_a_server_out_of_reach_is_unavailable(error: Exception) -> None:
    with pytest.raises(BackendUnavailable), answering("neo4j://cluster"):
        raise error


def test_a_refusal_over_several_lines_is_said_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")
    error = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.LeaderSwitch", message="no leader\n  try again"
    )
    with pytest.raises(BackendUnavailable) as busy, answering("neo4j://cluster"):
        raise error
    assert str(busy.value) == (
        "Neo4j could not do it for now (retried): "
        "Neo.TransientError.Transaction.LeaderSwitch: no leader try again"
    )


def test_other_client_errors_stay_the_callers() -> None:
    with pytest.raises(GridchainError) as refused, answering("neo4j://cluster"):
        raise neo4j_error("Neo.ClientError.Statement.SyntaxError")
    assert not isinstance(refused.value, BackendUnavailable | Conflict)


@pytest.mark.slow
def test_a_stopped_server_answers_503_with_retry_after(tmp_path: Path) -> None:
    """The real `gridchain serve` on the neo4j backend, its Bolt server stopped under it."""
    with falkordb_bolt_server() as server:
        filled = Neo4jBackend(settings_of(server))
        load(filled, small())
        filled.close()
        server.heal()
        env = {
            "GRIDCHAIN_BACKEND": "neo4j",
            "NEO4J_URI": server.uri,
            "NEO4J_USER": server.user,
            "NEO4J_PASSWORD": server.password,
            "GRIDCHAIN_BATCH_SIZE": str(FALKORDB_BATCH),
        }
        api = Server(small_county_store(tmp_path), key_file(tmp_path), tmp_path / "log", env)
        api.start()
    try:
        with api.client(KEYS["inspector"]) as client:
            answer = client.get("/units/H1/accountability", params={"as_of": AS_OF.isoformat()})
    finally:
        api.stop()
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "服务不可用"
    assert "Neo4j" in answer.json()["detail"]


# ---- 4. tests keep off a user's database -------------------------------------------------------


def test_the_users_neo4j_uri_is_never_a_test_server() -> None:
    with pytest.raises(pytest.skip.Exception, match="GRIDCHAIN_TEST_NEO4J_URI is not set"):
        neo4j_env({"NEO4J_URI": "bolt://localhost:7687", "NEO4J_PASSWORD": "theirs"})
    chosen = neo4j_env({"GRIDCHAIN_TEST_NEO4J_URI": "bolt://t:7687", "NEO4J_URI": "bolt://u"})
    assert (chosen.uri, chosen.user, chosen.password) == ("bolt://t:7687", "neo4j", "")


def test_a_database_holding_someone_elses_node_is_refused_untouched(bolt: BoltServer) -> None:
    bolt.heal()  # the test before closed drivers: a stale slot stalls FalkorDB's next client
    bolt.drop_graph()
    with bolt.driver() as driver:
        driver.execute_query("CREATE (:Unit {id: 'THEIRS'})")
        with pytest.raises(pytest.fail.Exception, match="holds 1 nodes the tests did not create"):
            refuse_foreign_data(driver, settings_of(bolt))
        left = driver.execute_query("MATCH (n) RETURN n.id AS id").records
    assert [row["id"] for row in left] == ["THEIRS"]


def test_a_test_run_removes_only_what_an_earlier_run_left_and_marks_its_own(
    bolt: BoltServer,
) -> None:
    bolt.drop_graph()
    with bolt.driver() as driver:
        driver.execute_query(f"CREATE (:Unit:{TEST_MARK} {{id: 'EARLIER'}})")
    run = on_live_server(settings_of(bolt))
    backend = next(run)
    assert backend.known_labels({"EARLIER"}) == {}
    load(backend, small())
    with pytest.raises(StopIteration):
        next(run)
    bolt.heal()
    with bolt.driver() as driver:
        unmarked = driver.execute_query(f"MATCH (n) WHERE NOT n:{TEST_MARK} RETURN count(n) AS c")
        marked = driver.execute_query(f"MATCH (n:{TEST_MARK}) RETURN count(n) AS c")
        refuse_foreign_data(driver, settings_of(bolt))  # the next run may take it
    assert unmarked.records[0]["c"] == 0
    assert marked.records[0]["c"] > 0


def test_testcontainers_neo4j_comes_from_its_community_module() -> None:
    conftest = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
    assert "from testcontainers.community.neo4j import Neo4jContainer" in conftest
    assert re.search(r"^NEO4J_IMAGE = \"neo4j:5\.\d+\.\d+-community\"$", conftest, re.M)


# ---- 8. a compose file a Neo4j user can run ----------------------------------------------------

DOCKER = Path(__file__).parent.parent / "docker"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "docker-compose.yml").read_text("utf-8"))
    return loaded


def test_compose_publishes_on_loopback_unless_asked() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            bind, published, inner = port.rsplit(":", 2)
            assert bind == "${GRIDCHAIN_BIND:-127.0.0.1}", f"{name} publishes {port}"
            assert published == inner


def test_compose_and_dockerfile_name_exact_images() -> None:
    services = compose()["services"]
    assert re.fullmatch(r"neo4j:5\.\d+\.\d+-community", services["neo4j"]["image"])
    version = tomllib.loads((DOCKER.parent / "pyproject.toml").read_text("utf-8"))["project"]
    assert services["api"]["image"] == f"gridchain:{version['version']}"
    dockerfile = (DOCKER / "Dockerfile").read_text("utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert bases and all(re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", b) for b in bases)


def test_compose_never_mounts_a_file_that_a_missing_one_would_make_a_directory() -> None:
    """Docker makes a missing bind source a directory: only folders are bound."""
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            if isinstance(volume, str):
                source = volume.split(":")[0]
                assert not source.startswith((".", "/")), f"short bind mount {volume}"
            elif volume["type"] == "bind":
                assert (DOCKER / volume["source"]).is_dir(), volume


def entrypoint_script(tmp_path: Path) -> list[str]:
    """The api's entrypoint as compose runs it (`$$` is a `$`), with the keys looked for in
    `tmp_path` and `gridchain` an echo."""
    api = compose()["services"]["api"]
    shell, flag, script, name = api["entrypoint"]
    script = script.replace("$$", "$").replace("/etc/gridchain", str(tmp_path))
    return [shell, flag, script.replace("exec gridchain", "exec echo gridchain"), name]


def test_serve_without_keys_json_says_where_it_belongs(tmp_path: Path) -> None:
    entrypoint = entrypoint_script(tmp_path)
    command = compose()["services"]["api"]["command"]
    missing = subprocess.run([*entrypoint, *command], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        "错误：缺少 docker/keys.json：在 docker/ 下执行 cp keys.example.json keys.json，"
        "再填入真实密钥"
    ]
    english = subprocess.run(
        [*entrypoint, *command], capture_output=True, text=True, env={"GRIDCHAIN_LANG": "en"}
    )
    assert english.stderr.startswith("error: docker/keys.json is missing")
    (tmp_path / "keys.json").write_text("[]", encoding="utf-8")
    serving = subprocess.run([*entrypoint, *command], capture_output=True, text=True)
    assert serving.stdout.split() == ["gridchain", *command]
    (tmp_path / "keys.json").unlink()
    importing = subprocess.run([*entrypoint, "import", "/ledgers"], capture_output=True, text=True)
    assert (importing.returncode, importing.stdout) == (0, "gridchain import /ledgers\n")


def test_the_readme_of_docker_imports_into_the_compose_neo4j() -> None:
    readme = (DOCKER / "README.md").read_text("utf-8")
    recipes = re.findall(r"^docker compose run --rm .*api (\w+)", readme, re.M)
    assert {"demo", "import"} <= set(recipes)
    api = compose()["services"]["api"]
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"


# ---- issue 13: visits and sweeps in the graph --------------------------------------------------


def moved_visit(person: str, household: str) -> dict[str, list[dict[str, str]]]:
    return {
        "visits": [
            {
                "id": "W01",
                "person_id": person,
                "household_id": household,
                "visited_at": "2024-06-01",
                "kind": "visit",
                "note": "",
            }
        ]
    }


def test_a_visit_id_moved_to_another_person_and_household_leaves_one_edge(
    backend: Neo4jBackend, tmp_path: Path
) -> None:
    """W01 (M1 at H01, tests/sweep_counties.py) is written again as M2's at H05, then as M3's
    at H07: one VISITED edge carries the id, and it counts where it is now."""
    memory = MemoryBackend(tmp_path / "gridchain.db")
    for store in (memory, backend):
        load(store, sweep_county())
        load(store, moved_visit("M2", "H05"))
        load(store, moved_visit("M3", "H07"))
    edges = backend.driver.execute_query(
        "MATCH (p)-[v:VISITED {id: 'W01'}]->(h) RETURN p.id AS person, h.id AS household"
    ).records
    assert [(row["person"], row["household"]) for row in edges] == [("M3", "H07")]
    for household in ("H01", "H05", "H07"):
        assert as_json(backend.household_visits(household)) == as_json(
            memory.household_visits(household)
        )
    assert [(v.id, v.counts) for v in backend.household_visits("H07")] == [
        ("W12", False),
        ("W11", True),
        ("W01", True),  # M3 holds H07 itself
    ]
    assert as_json(backend.gaps(SWEEP_AS_OF)) == as_json(memory.gaps(SWEEP_AS_OF))
    memory.close()


def test_a_sweep_moved_to_another_scope_leaves_one_edge_over_it(
    backend: Neo4jBackend, tmp_path: Path
) -> None:
    """SB moves from V1 to V2. V1's households fall back to SA (05-01 … 05-31), which only
    W03 (H02, 05-31) reached; V2's are SB's (06-01 … 06-10) now, which W16 (H09, 06-01)
    reached and nothing of H08's."""
    memory = MemoryBackend(tmp_path / "gridchain.db")
    moved = [{**row, "scope_id": "V2"} for row in sweep_county()["sweeps"] if row["id"] == "SB"]
    for store in (memory, backend):
        load(store, sweep_county())
        load(store, {"sweeps": moved})
    over = backend.driver.execute_query(
        "MATCH (:Sweep {id: 'SB'})-[:OVER]->(u) RETURN u.id AS unit"
    ).records
    assert [row["unit"] for row in over] == ["V2"]
    found = backend.gaps(SWEEP_AS_OF, scope="T1", kind="unvisited_household").gaps
    assert [(gap.id, gap.sweep) for gap in found] == [
        *((household, "SA") for household in ("H01", "H03", "H04", "H05", "H06", "H07")),
        ("H08", "SB"),
    ]
    assert as_json(backend.gaps(SWEEP_AS_OF)) == as_json(memory.gaps(SWEEP_AS_OF))
    memory.close()


def test_the_accountable_person_holds_the_role_the_model_requires(
    backend: Neo4jBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """G1's grid head is GH1 (GH0's term ended); its grid members M1 and LATE (from 06-25)."""
    load(backend, sweep_county())
    holders = backend.required_holders({"G1", "V1", "G4", "NOPE"}, SWEEP_AS_OF)
    assert {unit: (ref.id, ref.role) for unit, ref in holders.items()} == {
        "G1": ("GH1", "grid_head"),
        "V1": ("VC1", "commander"),
        "G4": ("GH4", "grid_head"),
    }
    monkeypatch.setitem(REQUIRED_ROLE, "Grid", "grid_member")
    holders = backend.required_holders({"G1", "G4"}, SWEEP_AS_OF)
    assert {unit: (ref.id, ref.role) for unit, ref in holders.items()} == {
        "G1": ("LATE", "grid_member"),  # the lower id of the two
    }


def test_a_pushed_store_carries_its_visits_sweeps_and_monitored_groups(
    backend: Neo4jBackend, tmp_path: Path
) -> None:
    """`gridchain push` stores the embedded store's snapshot: the graph then answers as the
    store does, and a second push changes nothing."""
    county = sweep_county()
    memory = MemoryBackend(tmp_path / "gridchain.db")
    load(memory, county)
    report = backend.store(memory.snapshot())
    assert report.added["visits"] == len(county["visits"])
    assert report.added["sweeps"] == len(county["sweeps"]) > 0
    assert backend.sweeps() == memory.sweeps()
    households = {row["id"] for row in county["households"]}
    assert backend.records("households", households) == memory.records("households", households)
    for household in sorted(households):
        assert backend.household_visits(household) == memory.household_visits(household)
    assert as_json(backend.gaps(SWEEP_AS_OF)) == as_json(memory.gaps(SWEEP_AS_OF))
    again = backend.store(memory.snapshot())
    assert sum(again.added.values()) + sum(again.changed.values()) == 0
    memory.close()
