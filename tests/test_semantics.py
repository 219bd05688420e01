"""SPEC §4 on the hand-made county of `counties.py`; runs once per reachable backend (parity)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import as_json
from counties import AS_OF

from engine.backends.base import Backend
from engine.errors import BadQuery, NotFound


def people_at(chain_level: dict[str, object]) -> list[tuple[str, str]]:
    return [(h["role"], h["person"]["id"]) for h in chain_level["assignments"]]  # type: ignore[attr-defined, index]


def test_who_lists_the_chain_from_target_to_county(small_county: Backend) -> None:
    result = as_json(small_county.who("H5", AS_OF))
    assert [(c["level"], c["unit"]) for c in result["chain"]] == [
        ("Household", "H5"),
        ("Building", "B1"),
        ("Grid", "G3"),
        ("Village", "V2"),
        ("Township", "T1"),
        ("County", "C"),
    ]
    assert result["commander"] == {"id": "SEC1", "name": "张书记", "role": "commander"}
    assert result["as_of"] == "2024-06-01"


def test_who_sorts_assignments_by_role_then_person(small_county: Backend) -> None:
    chain = as_json(small_county.who("H5", AS_OF))["chain"]
    assert people_at(chain[2]) == [("grid_head", "GH3"), ("grid_member", "M4")]
    assert people_at(chain[4]) == [("commander", "SEC1"), ("liaison", "L1")]


def test_household_covered_through_building_has_no_vacancy(small_county: Backend) -> None:
    chain = small_county.who("H5", AS_OF).chain
    assert chain[0].vacant == []
    assert chain[3].vacant == ["commander"]  # V2 has no commander


def test_uncovered_household_is_vacant(small_county: Backend) -> None:
    chain = small_county.who("H4", AS_OF).chain
    assert chain[0].vacant == ["grid_member"]
    assert chain[1].vacant == ["grid_head"]


def test_who_of_resident_starts_at_its_household(small_county: Backend) -> None:
    result = small_county.who("R1", AS_OF)
    assert result.target == "R1"
    assert result.chain[0].unit == "H1"


def test_who_of_issue_starts_at_its_subject(small_county: Backend) -> None:
    assert small_county.who("I1", AS_OF).chain[0].unit == "H3"


def test_who_lists_bodies_serving_each_unit(small_county: Backend) -> None:
    chain = as_json(small_county.who("H1", AS_OF))["chain"]
    assert chain[1]["bodies"] == [{"id": "PP1", "kind": "pioneer_post", "name": "党员先锋岗一"}]
    t2 = as_json(small_county.who("T2", AS_OF))["chain"]
    assert t2[0]["bodies"] == [{"id": "PO1", "kind": "party_org", "name": "临时党支部"}]


def test_expired_and_future_assignments_do_not_count(small_county: Backend) -> None:
    assert small_county.who("V3", AS_OF).chain[0].assignments == []
    earlier = small_county.who("V3", dt.date(2023, 12, 31)).chain[0]
    assert [h.person.id for h in earlier.assignments] == ["TV3OLD"]
    later = small_county.who("V3", dt.date(2030, 1, 1)).chain[0]
    assert [h.person.id for h in later.assignments] == ["TV3NEW"]


def test_commander_is_null_when_township_vacant(small_county: Backend) -> None:
    assert small_county.who("H10", AS_OF).commander is None


def test_who_of_unknown_id_is_not_found(small_county: Backend) -> None:
    with pytest.raises(NotFound):
        small_county.who("NOPE", AS_OF)


def test_who_of_a_person_is_a_bad_query(small_county: Backend) -> None:
    with pytest.raises(BadQuery):
        small_county.who("M1", AS_OF)


def trace_steps(
    backend: Backend, target: str, as_of: dt.date = AS_OF
) -> list[tuple[str, str, str | None]]:
    return [
        (s.level, s.unit, s.person.id if s.person else None)
        for s in backend.trace(target, as_of).path
    ]


def test_trace_has_one_step_per_level_and_skips_buildings(small_county: Backend) -> None:
    assert trace_steps(small_county, "H5") == [
        ("Household", "H5", "M3"),  # nearest level: the building's member, not the grid's
        ("Grid", "G3", "GH3"),
        ("Village", "V2", None),
        ("Township", "T1", "SEC1"),
        ("County", "C", "L1"),
    ]


def test_trace_household_member_through_grid(small_county: Backend) -> None:
    assert trace_steps(small_county, "H7")[0] == ("Household", "H7", "M4")
    assert trace_steps(small_county, "H1")[0] == ("Household", "H1", "M1")


def test_trace_county_step_falls_back_to_county_commander(small_county: Backend) -> None:
    assert trace_steps(small_county, "H10")[-1] == ("County", "C", "L2")
    assert trace_steps(small_county, "C") == [("County", "C", "L0")]


def test_trace_person_roles(small_county: Backend) -> None:
    path = small_county.trace("H3", AS_OF).path
    assert [s.person.role if s.person else None for s in path] == [
        "grid_member",
        None,
        "commander",
        "commander",
        "liaison",
    ]


def test_trace_of_an_open_issue_counts_overdue_days_to_as_of(small_county: Backend) -> None:
    result = as_json(small_county.trace("I1", AS_OF))
    spec_keys = ("id", "reported_at", "due_at", "resolved_at", "overdue_days")  # SPEC §6
    assert {key: result["issue"][key] for key in spec_keys} == {
        "id": "I1",
        "reported_at": "2024-05-01",
        "due_at": "2024-05-10",
        "resolved_at": None,
        "overdue_days": 22,
    }
    assert result["path"][0]["unit"] == "H3"


def test_trace_of_a_resolved_issue_counts_to_resolution(small_county: Backend) -> None:
    issue = small_county.trace("I2", dt.date(2025, 1, 1)).issue
    assert issue is not None and issue.overdue_days == 3


def test_trace_of_a_household_has_no_issue(small_county: Backend) -> None:
    assert small_county.trace("H3", AS_OF).issue is None


def test_trace_of_a_unit_starts_at_its_level(small_county: Backend) -> None:
    assert [s.level for s in small_county.trace("V1", AS_OF).path] == [
        "Village",
        "Township",
        "County",
    ]
    assert [s.unit for s in small_county.trace("B1", AS_OF).path] == ["G3", "V2", "T1", "C"]


def gap_ids(backend: Backend, **options: object) -> list[tuple[str, str]]:
    return [(g.kind, g.id) for g in backend.gaps(AS_OF, **options).gaps]  # type: ignore[arg-type]


def test_gaps_over_the_whole_county(small_county: Backend) -> None:
    assert gap_ids(small_county) == [
        ("empty_household", "H8"),
        ("incomplete_four_to_one", "H9"),
        ("missing_commander", "T2"),
        ("missing_commander", "V2"),
        ("missing_commander", "V3"),
        ("missing_grid_head", "G2"),
        ("unattended_high_risk", "H10"),
        ("uncovered_household", "H4"),
    ]


def test_gap_paths_and_summary(small_county: Backend) -> None:
    result = as_json(small_county.gaps(AS_OF))
    first = result["gaps"][0]
    assert first == {
        "kind": "empty_household",
        "id": "H8",
        "level": "Household",
        "path": ["H8", "G4", "V3", "T2", "C"],
        "sweep": None,  # only an unvisited household names the sweep that missed it
    }
    assert result["summary"] == {
        "total": 8,
        "by_kind": {
            "empty_household": 1,
            "incomplete_four_to_one": 1,
            "missing_commander": 3,
            "missing_grid_head": 1,
            "unattended_high_risk": 1,
            "uncovered_household": 1,
        },
        "by_township": {"T1": 3, "T2": 5},
    }
    assert result["scope"] is None


def test_gaps_within_a_scope(small_county: Backend) -> None:
    assert gap_ids(small_county, scope="V1") == [
        ("missing_grid_head", "G2"),
        ("uncovered_household", "H4"),
    ]


def test_gaps_of_one_kind(small_county: Backend) -> None:
    assert gap_ids(small_county, kind="missing_commander") == [
        ("missing_commander", "T2"),
        ("missing_commander", "V2"),
        ("missing_commander", "V3"),
    ]


def test_overloaded_member_counts_households_once(small_county: Backend) -> None:
    # M4 covers H5, H6 (through the grid, though B1 has its own member) and H7; M5 covers four.
    assert gap_ids(small_county, kind="overloaded_member", member_limit=3) == [
        ("overloaded_member", "M5"),
    ]
    result = small_county.gaps(AS_OF, kind="overloaded_member", member_limit=2)
    assert [(g.id, g.level, g.path) for g in result.gaps] == [
        ("M4", "Person", []),
        ("M5", "Person", []),
    ]
    assert result.summary.by_township == {}


def test_overloaded_member_is_in_scope_of_its_households(small_county: Backend) -> None:
    assert gap_ids(small_county, scope="V3", kind="overloaded_member", member_limit=2) == [
        ("overloaded_member", "M5"),
    ]


def test_gaps_judged_on_as_of(small_county: Backend) -> None:
    later = small_county.gaps(dt.date(2030, 1, 1), kind="missing_commander")
    assert [g.id for g in later.gaps] == ["T2", "V2"]


def test_gaps_of_unknown_kind_is_a_bad_query(small_county: Backend) -> None:
    with pytest.raises(BadQuery):
        small_county.gaps(AS_OF, kind="nonsense")


def test_gaps_of_unknown_scope_is_not_found(small_county: Backend) -> None:
    with pytest.raises(NotFound):
        small_county.gaps(AS_OF, scope="NOPE")


def test_stats_of_the_whole_graph(small_county: Backend) -> None:
    result = small_county.stats(AS_OF)
    assert {k: v for k, v in result.nodes.items() if v} == {
        "County": 1,
        "Township": 2,
        "Village": 3,
        "Grid": 4,
        "Building": 2,
        "Household": 11,
        "Person": 21,
        "Resident": 11,
        "PioneerPost": 1,
        "PartyOrg": 1,
        "Issue": 2,
    }
    assert result.assignments == {
        "commander": 3,
        "deputy_commander": 1,
        "grid_head": 3,
        "grid_member": 5,
        "liaison": 3,
        "four_to_one": 7,
    }
    assert result.gaps["missing_commander"] == 3
    assert result.gaps["orphan_unit"] == 0


def test_stats_within_a_scope(small_county: Backend) -> None:
    result = small_county.stats(AS_OF, "V1")
    assert {k: v for k, v in result.nodes.items() if v} == {
        "Village": 1,
        "Grid": 2,
        "Household": 4,
        "Resident": 5,
        "Person": 5,
        "PioneerPost": 1,
        "Issue": 2,
    }
    assert result.assignments["grid_member"] == 2
    assert result.gaps["uncovered_household"] == 1
