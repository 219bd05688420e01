"""The Neo4j Browser kit (SPEC §6): the ready queries of `cypher/browser/` run on the Bolt
backends against the hand-made county (a query for every gap kind, finding what the memory
backend finds), and the compose file and Dockerfile (no Docker engine here to build them) say
what the deployment needs. The style file is read as Browser reads it in test_grass.py."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from conftest import load
from counties import AS_OF, small

from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j.statements import sections
from engine.model import (
    DEFAULT_VISIT_DAYS,
    FOUR_TO_ONE_TEAM,
    GAP_KINDS,
    HIGH_RISK_COLORS,
    QUARANTINE,
    RESPONSIBLE_KINDS,
)

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "cypher" / "browser"
DOCKER = ROOT / "docker"

EXPECTED_SECTIONS = {
    "who": {"who"},
    "trace": {"trace", "trace_issue"},
    "gaps": {f"gaps_{kind}" for kind in GAP_KINDS},
}
COUNTY = "C"


# ---- the ready queries, on every backend that speaks Cypher ------------------------------


def run(
    backend: Backend,
    file: str,
    name: str,
    target: str,
    limit: int = 50,
    as_of: dt.date = AS_OF,
    visit_days: dict[str, int] | None = None,
) -> list[neo4j.Record]:
    """A ready query with Browser's `:param id`, `:param as_of`, `:param limit` and
    `:param visit_days` (`{}`: 30 days for every monitored group)."""
    if backend.name == "memory":
        pytest.skip("Browser queries are Cypher")
    driver: neo4j.Driver = backend.driver  # type: ignore[attr-defined]
    database: str | None = backend.database  # type: ignore[attr-defined]
    query = sections(f"browser/{file}")[name]
    params: dict[str, Any] = {
        "id": target,
        "as_of": as_of.isoformat(),
        "limit": limit,
        "visit_days": visit_days or {},
    }
    records, _, _ = driver.execute_query(query, params, database_=database)
    return records


def ids(path: neo4j.graph.Path) -> list[str]:
    return [node["id"] for node in path.nodes]


def hanging(paths: list[neo4j.graph.Path]) -> set[tuple[str, str, str]]:
    """(person, role, unit) of each `(:Person)-[:RESPONSIBLE_FOR]->(unit)` path."""
    found = set()
    for q in paths:
        (edge,) = q.relationships
        assert q.start_node.labels == {"Person"}
        found.add((q.start_node["id"], edge["role"], q.end_node["id"]))
    return found


def test_every_browser_file_has_its_named_sections() -> None:
    for file, names in EXPECTED_SECTIONS.items():
        text = (BROWSER / f"{file}.cypher").read_text(encoding="utf-8")
        assert ":param id =>" in text and ":param as_of =>" in text
        assert set(sections(f"browser/{file}")) == names


def test_trace_draws_the_path_up_to_the_county(small_county: Backend) -> None:
    (record,) = run(small_county, "trace", "trace", "H5")
    assert ids(record["p"]) == ["H5", "B1", "G3", "V2", "T1", "C"]
    assert [r.type for r in record["p"].relationships] == ["IN"] * 5
    assert hanging(record["responsible"]) == {
        ("M3", "grid_member", "B1"),
        ("GH3", "grid_head", "G3"),
        ("M4", "grid_member", "G3"),
        ("SEC1", "commander", "T1"),
        ("L1", "liaison", "T1"),
        ("L0", "commander", "C"),
    }


def test_trace_leaves_out_assignments_not_active_on_the_day(small_county: Backend) -> None:
    (record,) = run(small_county, "trace", "trace", "H8")
    assert ids(record["p"]) == ["H8", "G4", "V3", "T2", "C"]
    people = {person for person, _, _ in hanging(record["responsible"])}
    assert {"F1", "F2", "F3", "F4", "GH4", "M5", "L2", "L0"} <= people
    assert not people & {"TV3OLD", "TV3NEW"}  # expired, and not yet started


def test_trace_of_an_unknown_unit_returns_nothing(small_county: Backend) -> None:
    assert run(small_county, "trace", "trace", "NOPE") == []


def test_trace_issue_starts_at_the_issue(small_county: Backend) -> None:
    (record,) = run(small_county, "trace", "trace_issue", "I1")
    assert ids(record["p"]) == ["I1", "H3", "G2", "V1", "T1", "C"]
    assert ids(record["reporter"]) == ["I1", "M2"]
    assert ("M2", "grid_member", "H3") in hanging(record["responsible"])


def test_who_lists_every_active_responsible_person(small_county: Backend) -> None:
    rows = run(small_county, "who", "who", "H1")
    assert [(r["level"], r["unit"]) for r in rows] == [
        ("Household", "H1"),
        ("Grid", "G1"),
        ("Village", "V1"),
        ("Township", "T1"),
        ("County", "C"),
    ]
    people = {r["unit"]: [(p["role"], p["id"]) for p in r["responsible"]] for r in rows}
    assert people == {
        "H1": [],
        "G1": [("grid_head", "GH1"), ("grid_member", "M1")],
        "V1": [("commander", "TV1"), ("deputy_commander", "DV1")],
        "T1": [("commander", "SEC1"), ("liaison", "L1")],
        "C": [("commander", "L0")],
    }
    assert rows[1]["responsible"][0]["name"] == "杨网格长"


def gap_ids(backend: Backend, name: str, scope: str) -> list[str]:
    rows = run(backend, "gaps", name, scope)
    for row in rows:
        assert row["n"]["id"] == row["id"] == row["path"][0]
        assert row["path"][-1] == "C"
    return [row["id"] for row in rows]


def test_gaps_find_missing_commanders(small_county: Backend) -> None:
    assert gap_ids(small_county, "gaps_missing_commander", "C") == ["T2", "V2", "V3"]
    assert gap_ids(small_county, "gaps_missing_commander", "T1") == ["V2"]


def test_gaps_find_grids_without_grid_head(small_county: Backend) -> None:
    assert gap_ids(small_county, "gaps_missing_grid_head", "C") == ["G2"]


def test_gaps_find_uncovered_households_in_a_township(small_county: Backend) -> None:
    assert gap_ids(small_county, "gaps_uncovered_household", "T1") == ["H4"]
    rows = run(small_county, "gaps", "gaps_uncovered_household", "T1")
    assert rows[0]["path"] == ["H4", "G2", "V1", "T1", "C"]
    assert gap_ids(small_county, "gaps_uncovered_household", "T2") == []


def test_gaps_find_empty_households(small_county: Backend) -> None:
    assert gap_ids(small_county, "gaps_empty_household", "C") == ["H8"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryBackend]:
    """The memory backend on the same county: the gaps `gridchain gaps` reports."""
    backend = MemoryBackend(tmp_path_factory.mktemp("reference") / "gridchain.db")
    load(backend, small())
    yield backend
    backend.close()


def found(backend: Backend, kind: str, scope: str, limit: int = 50) -> list[tuple[Any, ...]]:
    rows = run(backend, "gaps", f"gaps_{kind}", scope, limit)
    return [(row["id"], row["level"], list(row["path"])) for row in rows]


def expected(
    reference: MemoryBackend, kind: str, scope: str, limit: int = 50
) -> list[tuple[Any, ...]]:
    """What `gridchain gaps` finds: a county's id in Browser stands for everywhere."""
    where = None if scope == COUNTY else scope
    gaps = reference.gaps(AS_OF, where, kind=kind, member_limit=limit).gaps
    return [(gap.id, gap.level, gap.path) for gap in gaps]


@pytest.mark.parametrize("kind", GAP_KINDS)
@pytest.mark.parametrize("scope", [COUNTY, "T1", "T2", "V3", "G4"])
def test_each_gap_query_finds_what_gridchain_gaps_finds(
    small_county: Backend, reference: MemoryBackend, kind: str, scope: str
) -> None:
    assert found(small_county, kind, scope) == expected(reference, kind, scope)


def test_the_county_has_a_gap_of_most_kinds(reference: MemoryBackend) -> None:
    """The parity above compares something: only orphans and overloads need their own data,
    and the visit kinds their county (tests/test_browser_visit_queries.py)."""
    kinds = {gap.kind for gap in reference.gaps(AS_OF).gaps}
    assert kinds == set(GAP_KINDS) - {
        "orphan_unit",
        "overloaded_member",
        "unvisited_household",
        "overdue_visit",
    }


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize("scope", [COUNTY, "T1", "T2"])
def test_overloaded_members_over_each_limit(
    small_county: Backend, reference: MemoryBackend, limit: int, scope: str
) -> None:
    kind = "overloaded_member"
    assert found(small_county, kind, scope, limit) == expected(reference, kind, scope, limit)


def test_an_overloaded_member_is_shown_with_the_households_covered(small_county: Backend) -> None:
    rows = run(small_county, "gaps", "gaps_overloaded_member", COUNTY, limit=2)
    assert [(row["n"]["id"], row["households"]) for row in rows] == [("M4", 3), ("M5", 4)]


def test_a_quarantined_household_is_shown_with_the_team_it_has(small_county: Backend) -> None:
    (row,) = run(small_county, "gaps", "gaps_incomplete_four_to_one", COUNTY)
    assert (row["n"]["id"], row["members"]) == ("H9", 3)
    assert hanging(row["team"]) == {(f, "four_to_one", "H9") for f in ("F1", "F2", "F3")}


def test_a_high_risk_household_is_shown_with_its_colour(small_county: Backend) -> None:
    (row,) = run(small_county, "gaps", "gaps_unattended_high_risk", COUNTY)
    assert (row["n"]["id"], row["color"], row["assigned"]) == ("H10", "red", [])


def test_an_orphan_unit_is_found_from_the_county_and_from_itself(small_county: Backend) -> None:
    """A unit whose IN edge is gone (data written after an import): on the Bolt server, the
    query finds what the engine's own gaps find on the same graph."""
    if small_county.name == "memory":
        pytest.skip("Browser queries are Cypher")
    driver: neo4j.Driver = small_county.driver  # type: ignore[attr-defined]
    database: str | None = small_county.database  # type: ignore[attr-defined]
    cut = "MATCH (:Unit {id: 'V3'})-[edge:IN]->(:Unit {id: 'T2'}) DELETE edge"
    mend = "MATCH (v:Unit {id: 'V3'}), (t:Unit {id: 'T2'}) MERGE (v)-[:IN]->(t)"
    driver.execute_query(cut, database_=database)
    try:
        engine = small_county.gaps(AS_OF, kind="orphan_unit").gaps
        assert [(gap.id, gap.level, gap.path) for gap in engine] == [("V3", "Village", ["V3"])]
        assert found(small_county, "orphan_unit", COUNTY) == [("V3", "Village", ["V3"])]
        assert found(small_county, "orphan_unit", "V3") == [("V3", "Village", ["V3"])]
        assert found(small_county, "orphan_unit", "T2") == []
    finally:
        driver.execute_query(mend, database_=database)
    assert found(small_county, "orphan_unit", COUNTY) == []


def test_the_gap_queries_judge_by_the_engines_rules() -> None:
    """Browser takes no rule from the engine, so each is written into the query: the same."""
    queries = sections("browser/gaps")
    team = queries["gaps_incomplete_four_to_one"]
    assert f"n.status = '{QUARANTINE}'" in team and f"members < {FOUR_TO_ONE_TEAM}" in team
    high_risk = queries["gaps_unattended_high_risk"]
    assert f"n.color IN {list(HIGH_RISK_COLORS)}" in high_risk
    assert f"c.kind IN {list(RESPONSIBLE_KINDS)}" in high_risk
    overdue = queries["gaps_overdue_visit"]
    assert f"coalesce($visit_days[grp], {DEFAULT_VISIT_DAYS})" in overdue


# ---- the deployment ----------------------------------------------------------------------


def compose() -> dict[str, Any]:
    text = (DOCKER / "docker-compose.yml").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:  # PyYAML is optional: then the text must at least say it
        for needle in ("neo4j:", "api:", "healthcheck:", "condition: service_healthy"):
            assert needle in text
        pytest.skip("PyYAML is not installed: checked the compose text only")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_compose_runs_neo4j_and_the_api_after_it_is_healthy() -> None:
    services = compose()["services"]
    assert set(services) >= {"neo4j", "api"}
    neo4j_service, api = services["neo4j"], services["api"]
    assert re.fullmatch(r"neo4j:5\.\d+\.\d+-community", neo4j_service["image"])
    assert "cypher-shell" in " ".join(neo4j_service["healthcheck"]["test"])
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["build"]["dockerfile"].endswith("Dockerfile")
    command = api["command"]
    assert command[command.index("--keys") + 1] == api["environment"]["GRIDCHAIN_KEYS"]
    assert api["environment"]["GRIDCHAIN_BACKEND"] == "neo4j"
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"


def test_dockerfile_copies_every_package_the_build_includes() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert packages == ["engine", "api", "cypher"]
    copied = {
        source.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for source in line.split()[1:-1]
    }
    for needed in (*packages, "pyproject.toml", "README.md"):
        assert needed in copied, f"the Dockerfile does not copy {needed}"
    assert "pip install --no-cache-dir ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert "/health" in dockerfile


def test_example_keys_show_the_three_roles() -> None:
    import json

    keys = json.loads((DOCKER / "keys.example.json").read_text(encoding="utf-8"))
    assert {entry["role"] for entry in keys} == {"inspector", "township_admin", "grid_member"}
