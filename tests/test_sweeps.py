"""SPEC §4.5 on the hand-made county of `sweep_counties.py`, once per reachable backend (parity):
which visits count, the two gap kinds a sweep and a monitored group make, and the scorecard.

Every expected answer is worked out by hand from the county's tables (its docstring lists each
visit and whether it counts); the comments show the arithmetic. Whole answers are compared as
their JSON, so every backend must agree field for field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from conftest import as_json, load
from sweep_counties import AS_OF, PEOPLE, sweep_county

from engine import sweeps
from engine.backends.base import Backend
from engine.errors import BadQuery, GridchainError, NotFound
from engine.lang import speaking

JULY_10 = dt.date(2024, 7, 10)
JULY_11 = dt.date(2024, 7, 11)

PATHS = {
    "H01": ["H01", "G1", "V1", "T1", "C"],
    "H02": ["H02", "G1", "V1", "T1", "C"],
    "H03": ["H03", "G1", "V1", "T1", "C"],
    "H04": ["H04", "G1", "V1", "T1", "C"],
    "H06": ["H06", "B1", "G2", "V1", "T1", "C"],
    "H07": ["H07", "G2", "V1", "T1", "C"],
    "H08": ["H08", "G3", "V2", "T1", "C"],
    "H09": ["H09", "G3", "V2", "T1", "C"],
    "H10": ["H10", "G5", "V3", "T2", "C"],
    "H12": ["H12", "G6", "V4", "T3", "C"],
}


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    load(empty_backend, sweep_county())
    return empty_backend


def gap(kind: str, household: str, sweep: str | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": household,
        "level": "Household",
        "path": PATHS[household],
        "sweep": sweep,
    }


def overdue(household: str) -> dict[str, Any]:
    return gap("overdue_visit", household)


def unvisited(household: str, sweep: str) -> dict[str, Any]:
    return gap("unvisited_household", household, sweep)


def gap_ids(backend: Backend, as_of: dt.date, **options: Any) -> list[tuple[str, str]]:
    return [(g.kind, g.id) for g in backend.gaps(as_of, **options).gaps]


# ---- which visits count --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("household", "expected"),
    [
        # newest first: (visit, counts)
        pytest.param("H01", [("W02", False), ("W01", True)], id="grid-member-yes-village-no"),
        pytest.param("H02", [("W04", False), ("W03", True)], id="township-commander-no"),
        pytest.param("H03", [("W06", True), ("W05", True)], id="grid-head-and-since-that-day"),
        pytest.param("H04", [("W07", False)], id="before-since-no"),
        pytest.param("H05", [("W09", True), ("W08", True)], id="through-building-and-grid"),
        pytest.param("H06", [("W10", False)], id="wrong-person-kept"),
        pytest.param("H07", [("W12", False), ("W11", True)], id="household-yes-other-building-no"),
        pytest.param(
            "H08", [("W14", False), ("W21", True), ("W13", True)], id="until-that-day-not-after"
        ),
        pytest.param("H09", [("W17", True), ("W16", True), ("W15", True)], id="any-day-counts"),
        pytest.param("H12", [], id="never-visited"),
    ],
)
def test_a_visit_counts_only_through_an_assignment_over_the_household_on_the_day(
    county: Backend, household: str, expected: list[tuple[str, bool]]
) -> None:
    found = county.household_visits(household)
    assert [(visit.id, visit.counts) for visit in found] == expected


def test_household_visits_show_each_visit_whole(county: Backend) -> None:
    assert as_json(county.household_visits("H02")) == [
        {
            "id": "W04",
            "household": "H02",
            "person": {"id": "TC1", "name": "张书记"},
            "visited_at": "2024-06-05",
            "kind": "patrol",
            "note": "镇里巡查",
            "counts": False,  # a township's commander: T1 is not H02, its building or grid
        },
        {
            "id": "W03",
            "household": "H02",
            "person": {"id": "M1", "name": "郑网格员"},
            "visited_at": "2024-05-31",
            "kind": "visit",
            "note": None,  # an empty cell is "not given"
            "counts": True,  # M1 is a grid member of G1, H02's grid
        },
    ]


def test_household_visits_of_no_such_household_is_not_found(county: Backend) -> None:
    with pytest.raises(NotFound):
        county.household_visits("NOPE")


def test_sweeps_are_listed_by_id_and_found_one_by_one(county: Backend) -> None:
    assert [s.id for s in county.sweeps()] == ["SA", "SB", "SC", "SD", "SE"]
    found = county.sweep("SB")
    assert (found.name, found.scope_id, found.starts, found.ends) == (
        "六月上旬摸排",
        "V1",
        dt.date(2024, 6, 1),
        dt.date(2024, 6, 10),
    )
    with pytest.raises(NotFound):
        county.sweep("NOPE")


def test_stats_count_the_sweeps_and_the_new_gaps(county: Backend) -> None:
    result = county.stats(AS_OF)
    assert result.nodes["Sweep"] == 5
    # as in GAPS_AS_OF below: 3 overdue, 5 unvisited, nothing else
    assert {kind: n for kind, n in result.gaps.items() if n} == {
        "overdue_visit": 3,
        "unvisited_household": 5,
    }


def test_stats_of_a_scope_count_its_new_gaps(county: Backend) -> None:
    # V1: H02 overdue; H02, H04, H06 unvisited (see GAPS_AS_OF below)
    gaps = county.stats(AS_OF, scope="V1").gaps
    assert {kind: n for kind, n in gaps.items() if n} == {
        "overdue_visit": 1,
        "unvisited_household": 3,
    }


# ---- the two gap kinds -----------------------------------------------------------------------

# As of 06-30 (SC runs until 07-10, so it judges nobody yet):
#   V1's households are judged by SB (ends 06-10, later than SA's 05-31), window 06-01 … 06-10:
#     H01 W01 06-01 ✓ · H02 W03 05-31 is before SB starts, W04 does not count → unvisited ·
#     H03 W05 06-10 ✓ · H04 W07 does not count → unvisited · H05 W08 ✓ ·
#     H06 W10 by the wrong person → unvisited · H07 W11 ✓
#   V2's by SA, window 05-01 … 05-31: H08 W13 05-15 ✓ · H09 W15 04-30 and W16 06-01 fall
#     outside → unvisited
#   T2's by SE (SD and SE both end 06-15; SE is the higher id), window 06-10 … 06-15:
#     H10 W18 06-05 is before SE starts → unvisited · H11 W19 06-12 ✓
#   T3's H12: no sweep covers it → never unvisited
# Overdue with 30 days (06-01 … 06-30):
#   H01 W01 06-01 is 29 days before → visited in time · H02 W03 05-31 is 30 days before → overdue
#   · H03 W05 06-10 ✓ · H08 W13 05-15, W21 05-20 too early, W14 06-25 does not count → overdue ·
#   H10 W18 06-05 ✓ · H12 never visited → overdue
GAPS_AS_OF = [
    overdue("H02"),
    overdue("H08"),
    overdue("H12"),
    unvisited("H02", "SB"),
    unvisited("H04", "SB"),
    unvisited("H06", "SB"),
    unvisited("H09", "SA"),
    unvisited("H10", "SE"),
]


def test_gaps_hold_both_kinds_sorted_with_the_sweep_that_missed_each(county: Backend) -> None:
    result = as_json(county.gaps(AS_OF))
    assert result["gaps"] == GAPS_AS_OF
    assert result["summary"] == {
        "total": 8,
        "by_kind": {"overdue_visit": 3, "unvisited_household": 5},
        # T1: H02, H08 overdue; H02, H04, H06, H09 unvisited. T2: H10. T3: H12.
        "by_township": {"T1": 6, "T2": 1, "T3": 1},
    }


@pytest.mark.parametrize(
    ("scope", "expected", "by_township"),
    [
        (
            "V1",
            [
                overdue("H02"),
                unvisited("H02", "SB"),
                unvisited("H04", "SB"),
                unvisited("H06", "SB"),
            ],
            {"T1": 4},
        ),
        ("B1", [unvisited("H06", "SB")], {"T1": 1}),
        ("V2", [overdue("H08"), unvisited("H09", "SA")], {"T1": 2}),
        ("T2", [unvisited("H10", "SE")], {"T2": 1}),
        ("T3", [overdue("H12")], {"T3": 1}),
        ("G4", [], {}),
    ],
)
def test_gaps_within_a_scope(
    county: Backend, scope: str, expected: list[dict[str, Any]], by_township: dict[str, int]
) -> None:
    result = as_json(county.gaps(AS_OF, scope=scope))
    assert result["gaps"] == expected
    assert result["summary"]["by_township"] == by_township


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        # blue: H02, H06, H10; yellow: H05, H09, H12; green: the rest
        (
            "blue",
            [
                overdue("H02"),
                unvisited("H02", "SB"),
                unvisited("H06", "SB"),
                unvisited("H10", "SE"),
            ],
        ),
        ("yellow", [overdue("H12"), unvisited("H09", "SA")]),
        ("green", [overdue("H08"), unvisited("H04", "SB")]),
        ("red", []),
    ],
)
def test_gaps_of_one_colour(county: Backend, color: str, expected: list[dict[str, Any]]) -> None:
    assert as_json(county.gaps(AS_OF, color=color))["gaps"] == expected


@pytest.mark.parametrize("kind", ["overdue_visit", "unvisited_household"])
def test_gaps_of_one_new_kind(county: Backend, kind: str) -> None:
    result = as_json(county.gaps(AS_OF, kind=kind))
    assert result["gaps"] == [g for g in GAPS_AS_OF if g["kind"] == kind]


def test_a_tie_on_ends_goes_to_the_highest_sweep_id(county: Backend) -> None:
    # SD (06-01 … 06-15) saw H10 on 06-05; SE (06-10 … 06-15) did not. SE judges.
    result = as_json(county.gaps(AS_OF, scope="T2", kind="unvisited_household"))
    assert result["gaps"] == [unvisited("H10", "SE")]


def test_a_sweep_ending_on_as_of_is_still_running(county: Backend) -> None:
    # SC ends 07-10: as of 07-10 it is not finished (07-10 < 07-10 is false): SA, SB, SE judge
    # as on 06-30, whatever SC's window holds.
    assert gap_ids(county, JULY_10, kind="unvisited_household") == [
        ("unvisited_household", "H02"),
        ("unvisited_household", "H04"),
        ("unvisited_household", "H06"),
        ("unvisited_household", "H09"),
        ("unvisited_household", "H10"),
    ]


def test_a_finished_sweep_judges_every_household_under_its_scope(county: Backend) -> None:
    # As of 07-11 SC (T1, window 06-20 … 07-10) is the latest finished over all of T1:
    #   H01 no visit in the window · H02 none · H03 W06 06-25 ✓ · H04 W07 does not count ·
    #   H05 W09 06-20 ✓ · H06 none · H07 none · H08 W14 after TMP's until ·
    #   H09 W17 07-05 ✓ (after 06-30, inside the window now). T2 stays with SE.
    result = as_json(county.gaps(JULY_11, kind="unvisited_household"))
    assert result["gaps"] == [
        unvisited("H01", "SC"),
        unvisited("H02", "SC"),
        unvisited("H04", "SC"),
        unvisited("H06", "SC"),
        unvisited("H07", "SC"),
        unvisited("H08", "SC"),
        unvisited("H10", "SE"),
    ]


@pytest.mark.parametrize("as_of", [AS_OF, JULY_11, dt.date(2030, 1, 1)])
def test_a_household_outside_every_sweep_is_never_unvisited(
    county: Backend, as_of: dt.date
) -> None:
    assert gap_ids(county, as_of, scope="T3", kind="unvisited_household") == []


def test_before_any_sweep_finishes_nothing_is_unvisited(county: Backend) -> None:
    # As of 05-31 SA runs (ends 05-31 is not < 05-31) and no other sweep has ended.
    assert gap_ids(county, dt.date(2024, 5, 31), kind="unvisited_household") == []


@pytest.mark.parametrize(
    ("setting", "as_of", "expected"),
    [
        pytest.param(
            None,
            AS_OF,
            # 06-01 … 06-30: see GAPS_AS_OF
            ["H02", "H08", "H12"],
            id="30-days",
        ),
        pytest.param(
            None,
            dt.date(2024, 6, 1),
            # 05-03 … 06-01: H01 W01 on as_of itself ✓ · H02 W03 05-31 ✓ · H03 W05 06-10 is
            # after as_of → overdue · H08 W13 05-15 ✓ · H10 W18 06-05 after → overdue · H12
            ["H03", "H10", "H12"],
            id="as-of-included-later-visits-ignored",
        ),
        pytest.param(
            "subsistence=5,marginal=60",
            AS_OF,
            # subsistence 06-26 … 06-30, marginal 05-02 … 06-30:
            # H01 (subsistence) W01 06-01 → overdue · H02 (marginal) W03 05-31 ✓ ·
            # H03 (both: the stricter 06-26) W06 06-25 → overdue · H08 W13 05-15 ✓ ·
            # H10 (income_drop, 30) ✓ · H12 overdue
            ["H01", "H03", "H12"],
            id="strictest-group",
        ),
        pytest.param(
            "subsistence=6",
            AS_OF,
            # subsistence 06-25 … 06-30: H01 overdue · H03 W06 06-25 ✓ on the cutoff ·
            # marginal stays 30: H02, H08 overdue · H12
            ["H01", "H02", "H08", "H12"],
            id="cutoff-day-counts",
        ),
        pytest.param(
            "marginal=60",
            AS_OF,
            # marginal 05-02 …: H02 W03 05-31 ✓, H08 W13 05-15 ✓; H03 held to subsistence's
            # 06-01 (the stricter) and W05 06-10 ✓
            ["H12"],
            id="looser-group",
        ),
        pytest.param(
            "income_drop=20",
            AS_OF,
            # income_drop 06-11 … 06-30: H10 W18 06-05 → overdue
            ["H02", "H08", "H10", "H12"],
            id="one-group",
        ),
        pytest.param(
            "兜底户=5",
            dt.date(2024, 6, 24),
            # subsistence 06-20 … 06-24: H01 W01 06-01 → overdue · H03 W05 06-10 too early and
            # W06 06-25 after as_of → overdue; 30 days (05-26 … 06-24): H02 W03 05-31 ✓ ·
            # H08 W13 05-15, W21 05-20 → overdue · H10 W18 06-05 ✓ · H12
            ["H01", "H03", "H08", "H12"],
            id="chinese-group-name",
        ),
    ],
)
def test_overdue_visits_per_group_interval(
    county: Backend, setting: str | None, as_of: dt.date, expected: list[str]
) -> None:
    days = sweeps.visit_days(setting) if setting is not None else None
    result = as_json(county.gaps(as_of, kind="overdue_visit", visit_days=days))
    assert result["gaps"] == [overdue(h) for h in expected]


def test_a_group_left_out_of_visit_days_keeps_30_days(county: Backend) -> None:
    # Only subsistence given (5 days: 06-26 … 06-30); marginal, income_drop and poverty_watch
    # keep 30 — the same answer as the setting "subsistence=5" parsed whole.
    partial = as_json(county.gaps(AS_OF, kind="overdue_visit", visit_days={"subsistence": 5}))
    whole = sweeps.visit_days("subsistence=5")
    assert partial == as_json(county.gaps(AS_OF, kind="overdue_visit", visit_days=whole))
    # H01 W01 06-01 → overdue · H02, H08 as with 30 days · H03 W06 06-25 < 06-26 · H12
    assert [g["id"] for g in partial["gaps"]] == ["H01", "H02", "H03", "H08", "H12"]


# ---- the scorecard ---------------------------------------------------------------------------

NAMES = {
    "T1": "花马池镇",
    "V1": "柳杨堡村",
    "V2": "东塘社区",
    "G1": "一组",
    "G2": "二组",
    "G3": "三组",
    "G4": "四组",
    "G5": "五组",
}
ACCOUNTABLE = {
    "T1": ("TC1", "commander"),
    "V1": ("VC1", "commander"),
    "V2": ("VC2", "commander"),
    "G1": ("GH1", "grid_head"),  # GH0's term ended 2024-01-31
    "G2": ("GH2", "grid_head"),  # the lower id of GH2 and GH2B
    "G3": ("GH3", "grid_head"),
    "G4": ("GH4", "grid_head"),
    "G5": ("GH5", "grid_head"),
}
SWEEP_VIEWS = {
    "SA": ("五月摸排", "T1", "2024-05-01", "2024-05-31"),
    "SB": ("六月上旬摸排", "V1", "2024-06-01", "2024-06-10"),
    "SC": ("夏季摸排", "T1", "2024-06-20", "2024-07-10"),
    "SD": ("第一轮", "T2", "2024-06-01", "2024-06-15"),
    "SE": ("第二轮", "T2", "2024-06-10", "2024-06-15"),
}
Figures = tuple[int, int, int]  # issues reported in the window, resolved by due_at, satisfied
NONE: Figures = (0, 0, 0)


def figures(found: Figures) -> dict[str, int]:
    reported, on_time, satisfied = found
    return {"reported": reported, "resolved_on_time": on_time, "satisfied": satisfied}


def unit_row(
    unit: str,
    households: int,
    visited: int,
    coverage: float | None,
    issues: Figures = NONE,
) -> dict[str, Any]:
    person, role = ACCOUNTABLE[unit]
    return {
        "unit": unit,
        "name": NAMES[unit],
        "level": {"T": "Township", "V": "Village", "G": "Grid"}[unit[0]],
        "households": households,
        "visited": visited,
        "coverage": coverage,
        "accountable": {"id": person, "name": PEOPLE[person][0], "role": role},
        **figures(issues),
    }


def person_row(
    person: str, households: int, visited: int, coverage: float, issues: Figures = NONE
) -> dict[str, Any]:
    return {
        "unit": person,
        "name": PEOPLE[person][0],
        "level": "Person",
        "households": households,
        "visited": visited,
        "coverage": coverage,
        "accountable": None,
        **figures(issues),
    }


def card(
    sweep: str,
    as_of: dt.date,
    by: str,
    finished: bool,
    rows: list[dict[str, Any]],
    total: tuple[int, int, float | None],
    issues: Figures = NONE,
) -> dict[str, Any]:
    name, scope, starts, ends = SWEEP_VIEWS[sweep]
    households, visited, coverage = total
    return {
        "sweep": {"id": sweep, "name": name, "scope": scope, "starts": starts, "ends": ends},
        "as_of": as_of.isoformat(),
        "by": by,
        "finished": finished,
        "rows": rows,
        "total": {
            "households": households,
            "visited": visited,
            "coverage": coverage,
            **figures(issues),
        },
    }


SCORECARDS = [
    pytest.param(
        # SB, window 06-01 … 06-10: G1 has H01–H04, H01 (W01) and H03 (W05) visited: 2/4;
        # G2 has H05–H07, H05 (W08) and H07 (W11) visited: 2/3 = 0.6666… → 0.667.
        # Total 4/7 = 0.5714… → 0.571. Issues reported in the window: I1 (H01, 06-05, resolved
        # 06-07 by its due 06-08); I2 (06-22) is after it.
        card(
            "SB",
            AS_OF,
            "grid",
            True,
            [unit_row("G1", 4, 2, 0.5, (1, 1, 0)), unit_row("G2", 3, 2, 0.667)],
            (7, 4, 0.571),
            (1, 1, 0),
        ),
        id="SB-by-grid",
    ),
    pytest.param(
        card(
            "SB",
            AS_OF,
            "village",
            True,
            [unit_row("V1", 7, 4, 0.571, (1, 1, 0))],
            (7, 4, 0.571),
            (1, 1, 0),
        ),
        id="SB-by-village-the-scope-itself",
    ),
    pytest.param(
        # SA, window 05-01 … 05-31: only W03 (H02, G1), W13 and W21 (H08, G3) count inside it
        # (W15 04-30 and W16 06-01 fall outside). G1 1/4 = 0.25, G2 0/3 = 0.0, G3 1/2 = 0.5,
        # G4 has no households: null, last. Total 2/9 = 0.2222… → 0.222. Issues: I3 (about G3,
        # 05-20, open); I4 (05-20) is about H10 in T2, outside the scope.
        card(
            "SA",
            AS_OF,
            "grid",
            True,
            [
                unit_row("G2", 3, 0, 0.0),
                unit_row("G1", 4, 1, 0.25),
                unit_row("G3", 2, 1, 0.5, (1, 0, 0)),
                unit_row("G4", 0, 0, None),
            ],
            (9, 2, 0.222),
            (1, 0, 0),
        ),
        id="SA-by-grid",
    ),
    pytest.param(
        # V1: H01–H07, H02 visited: 1/7 = 0.1428… → 0.143; V2: H08, H09, H08 visited: 0.5.
        card(
            "SA",
            AS_OF,
            "village",
            True,
            [unit_row("V1", 7, 1, 0.143), unit_row("V2", 2, 1, 0.5, (1, 0, 0))],
            (9, 2, 0.222),
            (1, 0, 0),
        ),
        id="SA-by-village",
    ),
    pytest.param(
        card(
            "SA",
            AS_OF,
            "township",
            True,
            [unit_row("T1", 9, 2, 0.222, (1, 0, 0))],
            (9, 2, 0.222),
            (1, 0, 0),
        ),
        id="SA-by-township",
    ),
    pytest.param(
        # SC runs: as of 06-30 its window is 06-20 … 06-30. W06 (H03, G1) and W09 (H05, G2)
        # count; W07 is before LATE's since, W14 after TMP's until, W17 (07-05) after as_of.
        # G3 0/2 = 0.0, G1 1/4 = 0.25, G2 1/3 = 0.333, G4 null. Total 2/9 = 0.222.
        # Issues: I2 (H05 in G2, 06-22, due 06-24, resolved 06-25: late).
        card(
            "SC",
            AS_OF,
            "grid",
            False,
            [
                unit_row("G3", 2, 0, 0.0),
                unit_row("G1", 4, 1, 0.25),
                unit_row("G2", 3, 1, 0.333, (1, 0, 0)),
                unit_row("G4", 0, 0, None),
            ],
            (9, 2, 0.222),
            (1, 0, 0),
        ),
        id="SC-running-coverage-so-far",
    ),
    pytest.param(
        # As of 07-11 SC is finished, window 06-20 … 07-10: W17 (H09, G3) now counts too.
        # G1 0.25, G2 0.333, G3 1/2 = 0.5, G4 null. Total 3/9 = 0.333.
        card(
            "SC",
            JULY_11,
            "grid",
            True,
            [
                unit_row("G1", 4, 1, 0.25),
                unit_row("G2", 3, 1, 0.333, (1, 0, 0)),
                unit_row("G3", 2, 1, 0.5),
                unit_row("G4", 0, 0, None),
            ],
            (9, 3, 0.333),
            (1, 0, 0),
        ),
        id="SC-finished",
    ),
    pytest.param(
        # As of 06-15 SC has not started: nothing visited yet, every share 0.0, ties by id.
        card(
            "SC",
            dt.date(2024, 6, 15),
            "grid",
            False,
            [
                unit_row("G1", 4, 0, 0.0),
                unit_row("G2", 3, 0, 0.0),
                unit_row("G3", 2, 0, 0.0),
                unit_row("G4", 0, 0, None),
            ],
            (9, 0, 0.0),
        ),
        id="SC-not-started",
    ),
    pytest.param(
        # SD, window 06-01 … 06-15: H10 (W18 06-05) and H11 (W19 06-12): 2/2.
        card("SD", AS_OF, "grid", True, [unit_row("G5", 2, 2, 1.0)], (2, 2, 1.0)),
        id="SD-by-grid",
    ),
    pytest.param(
        # SE, window 06-10 … 06-15: W18 06-05 is before it starts; H11 only: 1/2.
        card("SE", AS_OF, "grid", True, [unit_row("G5", 2, 1, 0.5)], (2, 1, 0.5)),
        id="SE-by-grid-starts-bounds",
    ),
    pytest.param(
        # SB by person, as of 06-30, window 06-01 … 06-10. Everyone with an active assignment
        # over V1's households (GH0's ended; no one holds anything over C):
        #   TC1 (T1): V1's 7 households, W04 does not count: 0/7
        #   VC1 (V1): 7, W02 does not count: 0/7
        #   GH1 (G1): H01–H04, W05 (H03 06-10): 1/4 = 0.25
        #   GH2, GH2B (G2): H05–H07, W09 (06-20) is after the window: 0/3
        #   M1 (G1): 4, W01 (H01 06-01): 1/4 = 0.25 (W03 05-31 before; W10 to H06 not his)
        #   M2 (B1): H05, H06, W08 (H05): 1/2 = 0.5 (W12 to H07 is not his)
        #   M3 (H07): W11: 1/1
        #   LATE (G1 from 06-25): 4, no visit in the window: 0/4
        # Total is SB's scope: 4/7 = 0.571.
        card(
            "SB",
            AS_OF,
            "person",
            True,
            [
                person_row("GH2", 3, 0, 0.0),
                person_row("GH2B", 3, 0, 0.0),
                person_row("LATE", 4, 0, 0.0),
                person_row("TC1", 7, 0, 0.0),
                person_row("VC1", 7, 0, 0.0),
                person_row("GH1", 4, 1, 0.25),
                person_row("M1", 4, 1, 0.25, (1, 1, 0)),  # I1's reporter
                person_row("M2", 2, 1, 0.5),
                person_row("M3", 1, 1, 1.0),
            ],
            (7, 4, 0.571),
            (1, 1, 0),
        ),
        id="SB-by-person",
    ),
    pytest.param(
        # SA by person, as of 06-30, window 05-01 … 05-31: only W03 (M1, H02), W13 and W21 (TMP,
        # H08) count inside it. TMP's assignment ended 05-20: not active as of 06-30, no row
        # (H08 still counts as visited in the total). GH4's G4 holds no households: no row.
        #   TC1 9 · VC1 7 · VC2 2 · GH1 4 · GH2 3 · GH2B 3 · GH3 2 · LATE 4 · M2 2 · M3 1 ·
        #   M4 2 — none visited; M1 4, 1 visited: 0.25. Total 2/9 = 0.222.
        card(
            "SA",
            AS_OF,
            "person",
            True,
            [
                person_row("GH1", 4, 0, 0.0),
                person_row("GH2", 3, 0, 0.0),
                person_row("GH2B", 3, 0, 0.0),
                person_row("GH3", 2, 0, 0.0),
                person_row("LATE", 4, 0, 0.0),
                person_row("M2", 2, 0, 0.0),
                person_row("M3", 1, 0, 0.0),
                person_row("M4", 2, 0, 0.0, (1, 0, 0)),  # I3's reporter
                person_row("TC1", 9, 0, 0.0),
                person_row("VC1", 7, 0, 0.0),
                person_row("VC2", 2, 0, 0.0),
                person_row("M1", 4, 1, 0.25),
            ],
            (9, 2, 0.222),
            (1, 0, 0),
        ),
        id="SA-by-person",
    ),
]


@pytest.mark.parametrize("expected", SCORECARDS)
def test_scorecard(county: Backend, expected: dict[str, Any]) -> None:
    as_of = dt.date.fromisoformat(expected["as_of"])
    result = sweeps.scorecard(county, expected["sweep"]["id"], expected["by"], as_of)
    assert as_json(result) == expected


def test_scorecard_by_person_lists_commanders_over_the_scope(county: Backend) -> None:
    # SPEC §4.5: "each person with an active assignment over households of the scope, with the
    # households under their assignments". TC1 commands T1 and VC1 V1: all seven of SB's
    # households lie under their assignments; neither visit (W04, W02) counts.
    rows = {row.unit: row for row in sweeps.scorecard(county, "SB", "person", AS_OF).rows}
    assert {p: (rows[p].households, rows[p].visited) for p in ("TC1", "VC1") if p in rows} == {
        "TC1": (7, 0),
        "VC1": (7, 0),
    }


def test_scorecard_by_person_leaves_out_those_not_assigned_on_its_day(county: Backend) -> None:
    # GH0's term ended 01-31 and TMP's 05-20: no row as of 06-30, though TMP's W13 counts for
    # H08. GH4's G4 holds no households. VC2, GH3, M4 hold nothing under SB's V1.
    rows = {row.unit for row in sweeps.scorecard(county, "SB", "person", AS_OF).rows}
    assert rows.isdisjoint({"GH0", "TMP", "GH4", "VC2", "GH3", "M4", "TC2", "M5"})
    every = {row.unit for row in sweeps.scorecard(county, "SA", "person", AS_OF).rows}
    assert every.isdisjoint({"GH0", "TMP", "GH4"})
    assert {"GH1", "GH2", "GH2B", "GH3", "LATE", "M1", "M2", "M3", "M4"} <= every


def test_scorecard_names_the_accountable_person_as_of_its_day(county: Backend) -> None:
    # As of 2024-01-15 G1's grid head is GH0 (until 01-31); GH1 starts 02-01. SA has not
    # started: nothing visited.
    result = sweeps.scorecard(county, "SA", "grid", dt.date(2024, 1, 15))
    rows = {row.unit: row for row in result.rows}
    accountable = rows["G1"].accountable
    assert accountable is not None
    assert (accountable.id, accountable.role) == ("GH0", "grid_head")
    assert (rows["G1"].visited, rows["G1"].coverage) == (0, 0.0)


@pytest.mark.parametrize(("sweep", "by"), [("SB", "township"), ("SD", "county")])
def test_scorecard_refuses_a_ranking_above_the_scope(county: Backend, sweep: str, by: str) -> None:
    with pytest.raises(BadQuery):
        sweeps.scorecard(county, sweep, by, AS_OF)


def test_scorecard_of_no_such_sweep_is_not_found(county: Backend) -> None:
    with pytest.raises(NotFound):
        sweeps.scorecard(county, "NOPE", "grid", AS_OF)


def chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.mark.parametrize(
    ("ask", "place"),
    [
        pytest.param(lambda backend: backend.sweep("NOPE"), "NOPE", id="sweep"),
        pytest.param(lambda backend: backend.household_visits("NOPE"), "NOPE", id="visits"),
        pytest.param(
            lambda backend: sweeps.scorecard(backend, "SB", "township", AS_OF), "SB", id="rank"
        ),
    ],
)
def test_refusals_name_the_place_in_chinese_and_in_english(
    county: Backend, ask: Callable[[Backend], object], place: str
) -> None:
    with speaking("zh"), pytest.raises(GridchainError) as in_chinese:
        ask(county)
    with speaking("en"), pytest.raises(GridchainError) as in_english:
        ask(county)
    assert place in str(in_chinese.value)
    assert place in str(in_english.value)
    assert chinese(str(in_chinese.value))
    assert not chinese(str(in_english.value))
