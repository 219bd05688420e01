"""Single-record lookups and the import contract, the same on every backend."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from conftest import as_json, load
from counties import AS_OF, small

from engine.backends.base import Backend
from engine.errors import ImportRefused, NotFound
from engine.importer import validate
from engine.ledger import tables_from_rows


def test_path_of_a_resident_and_an_issue(small_county: Backend) -> None:
    assert [(r.level, r.id) for r in small_county.path_of("R6")] == [
        ("Household", "H5"),
        ("Building", "B1"),
        ("Grid", "G3"),
        ("Village", "V2"),
        ("Township", "T1"),
        ("County", "C"),
    ]
    assert [r.id for r in small_county.path_of("I1")] == ["H3", "G2", "V1", "T1", "C"]


def test_resident_view(small_county: Backend) -> None:
    view = as_json(small_county.resident("R1"))
    assert view == {
        "id": "R1",
        "name": "居民1",
        "phone": "13900000001",
        "id_number": "640323198001010001",
        "household": "H1",
        "path": ["H1", "G1", "V1", "T1", "C"],
    }
    with pytest.raises(NotFound):
        small_county.resident("H1")


def test_person_view_lists_active_responsibilities(small_county: Backend) -> None:
    view = small_county.person("M4", AS_OF)
    assert view.households_covered == 3
    assert [(r.role, r.target, r.level) for r in view.responsibilities] == [
        ("grid_member", "G3", "Grid"),
    ]
    later = small_county.person("TV3NEW", dt.date(2030, 1, 1))
    assert [(r.role, r.target, r.since) for r in later.responsibilities] == [
        ("commander", "V3", dt.date(2030, 1, 1)),
    ]
    assert small_county.person("TV3NEW", AS_OF).responsibilities == []
    with pytest.raises(NotFound):
        small_county.person("H1", AS_OF)


def test_assignment_by_id(small_county: Backend) -> None:
    assignment = small_county.assignment("TV3OLD>V3:commander@2020-01-01")
    assert (assignment.person_id, assignment.until) == ("TV3OLD", dt.date(2023, 12, 31))
    with pytest.raises(NotFound):
        small_county.assignment("nope")


def test_assigned_places_are_those_of_every_day(small_county: Backend) -> None:
    """Past (TV3OLD's ended command), to come (TV3NEW's) and present, households included;
    a person with no assignment, or no such person, is left out."""
    places = small_county.assigned_places({"TV3OLD", "TV3NEW", "F1", "M1", "nobody"})
    assert places == {"TV3OLD": {"V3"}, "TV3NEW": {"V3"}, "F1": {"H8", "H9"}, "M1": {"G1"}}
    assert small_county.assigned_places(set()) == {}


def test_importing_the_same_rows_again_changes_nothing(small_county: Backend) -> None:
    before = as_json(small_county.gaps(AS_OF))
    report = small_county.store(validate(tables_from_rows(small()), small_county.known_labels))
    assert sum(report.added.values()) == 0
    assert sum(report.changed.values()) == 0
    assert as_json(small_county.gaps(AS_OF)) == before


def test_a_refused_import_writes_nothing(small_county: Backend) -> None:
    before = as_json(small_county.stats(AS_OF))
    rows = copy.deepcopy(small())
    rows["units"].append(
        {"id": "G9", "name": "新组", "level": "grid", "kind": "", "parent_id": "V1"}
    )
    rows["households"].append(
        {"id": "H99", "unit_id": "NOWHERE", "address": "", "color": "", "status": "", "points": ""}
    )
    with pytest.raises(ImportRefused) as refused:
        load(small_county, rows)
    assert [(p.file, p.line, p.column) for p in refused.value.problems] == [
        ("households.csv", 13, "unit_id"),
    ]
    assert as_json(small_county.stats(AS_OF)) == before


def test_a_changed_row_is_counted_and_answered(small_county: Backend) -> None:
    rows = copy.deepcopy(small())
    rows["households"][3]["color"] = "red"  # H4
    rows["assignments"][11]["until"] = "2024-05-31"  # M1 leaves G1
    report = small_county.store(validate(tables_from_rows(rows), small_county.known_labels))
    assert report.changed == {
        "units": 0,
        "households": 1,
        "residents": 0,
        "people": 0,
        "assignments": 1,
        "bodies": 0,
        "issues": 0,
        "visits": 0,
        "sweeps": 0,
    }
    assert sum(report.added.values()) == 0
    kinds = {(g.kind, g.id) for g in small_county.gaps(AS_OF).gaps}
    assert {("unattended_high_risk", "H4"), ("uncovered_household", "H1")} <= kinds
    load(small_county, small())  # and back, for any later case
    assert ("uncovered_household", "H1") not in {
        (g.kind, g.id) for g in small_county.gaps(AS_OF).gaps
    }
