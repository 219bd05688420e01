"""The Neo4j Browser kit (SPEC §6): the ready queries of `cypher/browser/` run on the Bolt
backends against the hand-made county, the style file styles every label, and the compose
file and Dockerfile (no Docker engine here to build them) say what the deployment needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import neo4j
import pytest
from counties import AS_OF

from engine.backends.base import Backend
from engine.backends.neo4j.statements import sections
from engine.model import ALL_LABELS

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "cypher" / "browser"
DOCKER = ROOT / "docker"

EXPECTED_SECTIONS = {
    "who": {"who"},
    "trace": {"trace", "trace_issue"},
    "gaps": {
        "gaps_missing_commander",
        "gaps_missing_grid_head",
        "gaps_uncovered_household",
        "gaps_empty_household",
    },
}


# ---- the ready queries, on every backend that speaks Cypher ------------------------------


def run(backend: Backend, file: str, name: str, target: str) -> list[neo4j.Record]:
    """A ready query with Browser's `:param id` and `:param as_of`."""
    if backend.name == "memory":
        pytest.skip("Browser queries are Cypher")
    driver: neo4j.Driver = backend.driver  # type: ignore[attr-defined]
    database: str | None = backend.database  # type: ignore[attr-defined]
    query = sections(f"browser/{file}")[name]
    params: dict[str, Any] = {"id": target, "as_of": AS_OF.isoformat()}
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


# ---- the style file ----------------------------------------------------------------------


def grass_blocks() -> dict[str, str]:
    text = (BROWSER / "style.grass").read_text(encoding="utf-8")
    # A block closes at a `}` alone on its line: captions hold braces ('{name}').
    blocks = re.findall(r"^((?:node|relationship)(?:\.\w+)?)\s*\{(.*?)^\}", text, re.M | re.S)
    return dict(blocks)


def test_style_gives_every_label_a_colour_and_a_caption() -> None:
    blocks = grass_blocks()
    for label in (*ALL_LABELS, "Unit", "Body", "Department"):
        body = blocks.get(f"node.{label}")
        assert body is not None, f"style.grass has no node.{label} block"
        assert re.search(r"caption:\s*'\{\w+\}'", body), f"node.{label} has no caption"
        assert re.search(r"\bcolor:\s*#[0-9A-Fa-f]{6}", body), f"node.{label} has no color"


def test_style_puts_the_shared_labels_first() -> None:
    order = list(grass_blocks())
    nodes = [name for name in order if name.startswith("node.")]
    assert nodes[:2] == ["node.Unit", "node.Body"]


def test_style_captions_assignments_with_their_role() -> None:
    blocks = grass_blocks()
    assert "caption: '{role}'" in blocks["relationship.RESPONSIBLE_FOR"]
    assert "relationship.IN" in blocks


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
