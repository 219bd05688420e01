"""Whether a visit counts is a fact of the visit and the assignments as they stand (SPEC §4.5:
"on visited_at, the visitor holds an active assignment"): a visit written later counts at once,
and an assignment written or changed later makes earlier visits count or stop counting; an
issue closed with satisfied feedback shows beside coverage. Runs once per reachable backend
(parity) on its own copy of the sweep county: each test writes its own records and reads only
what they touch, so none depends on another."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import load
from sweep_counties import AS_OF, sweep_county

from engine import loop, sweeps
from engine.backends.base import Backend
from engine.issues import IssueChange


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    load(empty_backend, sweep_county())
    return empty_backend


def counted(backend: Backend, household: str) -> list[tuple[str, bool]]:
    return [(visit.id, visit.counts) for visit in backend.household_visits(household)]


def overdue(backend: Backend, as_of: dt.date = AS_OF) -> set[str]:
    return {g.id for g in backend.gaps(as_of, kind="overdue_visit").gaps}


def grid_row(backend: Backend, sweep: str, grid: str, as_of: dt.date) -> tuple[int, int]:
    rows = {row.unit: row for row in sweeps.scorecard(backend, sweep, "grid", as_of).rows}
    return rows[grid].households, rows[grid].visited


def test_a_visit_written_later_counts_at_once(county: Backend) -> None:
    # H12 (poverty_watch) was never visited: overdue as of 06-30. M6 holds its grid G6.
    assert "H12" in overdue(county)
    load(
        county,
        {
            "visits": [
                {
                    "id": "W20",
                    "person_id": "M6",
                    "household_id": "H12",
                    "visited_at": "2024-06-20",
                    "kind": "巡查",  # a visit kind by its Chinese name
                }
            ]
        },
    )
    assert counted(county, "H12") == [("W20", True)]
    assert county.household_visits("H12")[0].kind == "patrol"
    assert "H12" not in overdue(county)  # 06-20 lies in 06-01 … 06-30
    assert "H12" in overdue(county, dt.date(2024, 7, 20))  # 06-21 … 07-20: too early


def test_an_assignment_written_later_makes_an_earlier_visit_count(county: Backend) -> None:
    # W02: VC1 at H01 on 06-03 counted for nothing (VC1 commands the village). VC1 now also
    # becomes a grid member of G1 from 06-01: on 06-03 VC1 held H01's grid.
    assert counted(county, "H01") == [("W02", False), ("W01", True)]
    load(
        county,
        {
            "assignments": [
                {
                    "person_id": "VC1",
                    "target_id": "G1",
                    "role": "grid_member",
                    "since": "2024-06-01",
                    "until": "",
                }
            ]
        },
    )
    assert counted(county, "H01") == [("W02", True), ("W01", True)]


def test_an_assignment_lengthened_later_makes_a_visit_count(county: Backend) -> None:
    # TMP held G3 from 05-10 to 05-20, so W14 (H08, 06-25) did not count: H08 was overdue
    # and SC, running as of 06-30, had visited nothing in G3 (H08, H09).
    assert counted(county, "H08") == [("W14", False), ("W21", True), ("W13", True)]
    assert "H08" in overdue(county)
    assert grid_row(county, "SC", "G3", AS_OF) == (2, 0)
    load(
        county,
        {
            "assignments": [
                {  # the same assignment (person, target, role, since), now until 06-30
                    "person_id": "TMP",
                    "target_id": "G3",
                    "role": "grid_member",
                    "since": "2024-05-10",
                    "until": "2024-06-30",
                }
            ]
        },
    )
    assert counted(county, "H08") == [("W14", True), ("W21", True), ("W13", True)]
    assert "H08" not in overdue(county)
    assert grid_row(county, "SC", "G3", AS_OF) == (2, 1)  # W14 06-25 inside 06-20 … 06-30


def test_an_assignment_shortened_later_stops_a_visit_counting(county: Backend) -> None:
    # W11: M3 at H07 on 06-02, through M3's assignment to H07 itself, open-ended. Ending it on
    # 06-01 leaves W11 outside it: SB (06-01 … 06-10) no longer saw H07.
    assert grid_row(county, "SB", "G2", AS_OF) == (3, 2)  # H05 (W08) and H07 (W11)
    load(
        county,
        {
            "assignments": [
                {
                    "person_id": "M3",
                    "target_id": "H07",
                    "role": "grid_member",
                    "since": "",
                    "until": "2024-06-01",
                }
            ]
        },
    )
    assert counted(county, "H07") == [("W12", False), ("W11", False)]
    assert grid_row(county, "SB", "G2", AS_OF) == (3, 1)
    unvisited = county.gaps(AS_OF, scope="G2", kind="unvisited_household").gaps
    assert [(g.id, g.sweep) for g in unvisited] == [("H06", "SB"), ("H07", "SB")]


def issue_figures(backend: Backend, by: str, unit: str) -> tuple[int, int, int]:
    card = sweeps.scorecard(backend, "SB", by, AS_OF)
    row = next(row for row in card.rows if row.unit == unit)
    return row.reported, row.resolved_on_time, row.satisfied


def test_satisfied_feedback_counts_beside_coverage(county: Backend) -> None:
    # I1 (about H01 in G1, reported by M1 on 06-05 inside SB's 06-01 … 06-10, resolved 06-07
    # by its due 06-08) is closed with satisfied feedback on 06-09: reported 1, on time 1,
    # satisfied 1 — on G1's row, on M1's (its reporter) and in the total.
    assert issue_figures(county, "grid", "G1") == (1, 1, 0)
    on = dt.datetime(2024, 6, 9, 9, 30, tzinfo=dt.UTC)
    loop.transition(county, IssueChange("I1", "closed", "TC1", "test", on))
    assert issue_figures(county, "grid", "G1") == (1, 1, 1)
    assert issue_figures(county, "person", "M1") == (1, 1, 1)
    total = sweeps.scorecard(county, "SB", "village", AS_OF).total
    assert (total.reported, total.resolved_on_time, total.satisfied) == (1, 1, 1)
