"""The Neo4j Browser kit's queries for the two visit gaps (SPEC §4.5) on the hand-made county of
tests/sweep_counties.py, on the Bolt backends: each finds what `gridchain gaps` finds (the
memory backend) for every scope, day and visit interval, and shows what its rule looked at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import load
from sweep_counties import AS_OF, sweep_county
from test_browser_queries import run

from engine import sweeps
from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

COUNTY = "C"
SCOPES = [COUNTY, "T1", "V1", "V2", "B1", "T2", "T3", "G4"]
DAYS = [AS_OF, dt.date(2024, 5, 31), dt.date(2024, 6, 1), dt.date(2024, 7, 11)]


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    load(empty_backend, sweep_county())
    return empty_backend


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryBackend]:
    """The memory backend on the same county: the gaps `gridchain gaps` reports."""
    backend = MemoryBackend(tmp_path_factory.mktemp("reference") / "gridchain.db")
    load(backend, sweep_county())
    yield backend
    backend.close()


def found(backend: Backend, kind: str, scope: str, as_of: dt.date, **params: Any) -> list[Any]:
    rows = run(backend, "gaps", f"gaps_{kind}", scope, as_of=as_of, **params)
    for row in rows:
        assert row["n"]["id"] == row["id"] == row["path"][0]
    return [(row["id"], row["level"], list(row["path"]), row.get("sweep")) for row in rows]


def expected(
    reference: MemoryBackend, kind: str, scope: str, as_of: dt.date, setting: str | None = None
) -> list[Any]:
    """What `gridchain gaps` finds: a county's id in Browser stands for everywhere."""
    where = None if scope == COUNTY else scope
    days = sweeps.visit_days(setting) if setting is not None else None
    gaps = reference.gaps(as_of, where, kind=kind, visit_days=days).gaps
    return [(gap.id, gap.level, gap.path, gap.sweep) for gap in gaps]


@pytest.mark.parametrize("as_of", DAYS)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("kind", ["unvisited_household", "overdue_visit"])
def test_each_visit_gap_query_finds_what_gridchain_gaps_finds(
    county: Backend, reference: MemoryBackend, kind: str, scope: str, as_of: dt.date
) -> None:
    assert found(county, kind, scope, as_of) == expected(reference, kind, scope, as_of)


@pytest.mark.parametrize(
    ("visit_days", "setting"),
    [
        ({"subsistence": 5, "marginal": 60}, "subsistence=5,marginal=60"),
        ({"subsistence": 6}, "subsistence=6"),
        ({"income_drop": 20}, "income_drop=20"),
    ],
)
def test_the_overdue_query_takes_each_groups_interval(
    county: Backend, reference: MemoryBackend, visit_days: dict[str, int], setting: str
) -> None:
    kind = "overdue_visit"
    assert found(county, kind, COUNTY, AS_OF, visit_days=visit_days) == expected(
        reference, kind, COUNTY, AS_OF, setting
    )


def test_an_unvisited_household_is_shown_with_the_visits_that_did_not_count(
    county: Backend,
) -> None:
    """H02 as of 06-30 is SB's (06-01 … 06-10): TC1's patrol W04 on 06-05 fell inside it but
    does not count; M1's W03 on 05-31 fell before it and is not shown."""
    rows = {
        row["id"]: row for row in run(county, "gaps", "gaps_unvisited_household", "V1", as_of=AS_OF)
    }
    assert set(rows) == {"H02", "H04", "H06"}
    (visit,) = rows["H02"]["visits"]
    assert (visit.start_node["id"], visit.relationships[0]["id"], visit.end_node["id"]) == (
        "TC1",
        "W04",
        "H02",
    )
    assert rows["H02"]["sweep"] == "SB"
    assert rows["H04"]["visits"] == []  # W07 on 06-22 fell after SB


def test_an_overdue_household_is_shown_with_its_groups_and_the_day_a_visit_was_due_by(
    county: Backend,
) -> None:
    """H03 is subsistence and marginal; with subsistence at 5 days, a visit was due from 06-26
    on: LATE's W06 on 06-25 counts, but a day too early."""
    days = {"subsistence": 5}
    rows = run(county, "gaps", "gaps_overdue_visit", "G1", as_of=AS_OF, visit_days=days)
    shown = {row["id"]: (list(row["groups"]), row["due"], row["visits"]) for row in rows}
    assert shown["H03"] == (["subsistence", "marginal"], "2024-06-26", [])
    assert shown["H01"][:2] == (["subsistence"], "2024-06-26")
