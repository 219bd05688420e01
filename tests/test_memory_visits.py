"""Visits, sweeps and monitored groups in the embedded store (SPEC §4.5, issue 13): every rule
on a hand-made county whose answers are worked out below, the store's upgrade from version 4,
a re-import that removes, and two processes writing visits to one file.

The county is tests/counties.py's small one as of AS_OF (2024-06-01), with:

    V1 (T1): G1 ── H1 (income_drop), H2        G2 ── H3, H4      (M6 on G2 05-15…05-20 only)
                                                                  (M2 in liaison with V1 too)
    V2 (T1): G3 ── B1 ── H5 (subsistence), H6 (marginal, blue)
                  └ B2 ── H7                   G5 (no households)
    T2:      G4 ── H8, H9 (subsistence, marginal), H10 (poverty_watch), H11

Sweeps: SW-A over T1 05-01…05-20; SW-B over V1 05-11…05-20 (same end, higher id: it is V1's);
SW-C over the county 04-01…04-30 (the higher id, but it ended earlier: only T2's); SW-R over T1
05-21…06-30, running. Visits, and whether each counts (the visitor's assignment that day):

    V01 M2   H3  05-25  yes (M2 on H3 itself)          V08 GH1  H2  05-13  yes (grid head of G1)
    V02 M3   H5  05-10  yes (M3 on building B1)        V09 TV1  H2  05-14  no  (commander of V1)
    V03 M1   H1  05-12  yes (M1 on grid G1)            V10 M5   H10 06-05  yes, but after AS_OF
    V04 M4   H7  05-12  yes (M4 on G3, above B2)       V11 M5   H9  05-05  yes
    V05 M1   H3  05-12  no  (M1 is not on G2)          V12 CAD1 H11 05-20  yes (liaison on H11)
    V06 M6   H4  05-10  no  (M6 not yet on G2)         V13 M2   H3  05-05  yes
    V07 M6   H4  05-16  yes                            V14 M3   H6  04-20  yes
    V15 VIS1 H4  05-18  no  (VIS1 holds nothing)
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import load
from counties import AS_OF, Rows, small

from engine import sweeps
from engine.backends.memory import MemoryBackend
from engine.errors import NotFound
from engine.intake import take_in
from engine.ledger import tables_from_rows
from engine.model import PersonRef
from engine.snapshot import ImportMode
from engine.sweeps import UnitCoverage

GROUPS = {"H1": "income_drop", "H5": "subsistence", "H6": "marginal", "H9": "subsistence;边缘户"}
GROUPS["H10"] = "poverty_watch"
VISITS = [
    ("V01", "M2", "H3", "2024-05-25"),
    ("V02", "M3", "H5", "2024-05-10"),
    ("V03", "M1", "H1", "2024-05-12"),
    ("V04", "M4", "H7", "2024-05-12"),
    ("V05", "M1", "H3", "2024-05-12"),
    ("V06", "M6", "H4", "2024-05-10"),
    ("V07", "M6", "H4", "2024-05-16"),
    ("V08", "GH1", "H2", "2024-05-13"),
    ("V09", "TV1", "H2", "2024-05-14"),
    ("V10", "M5", "H10", "2024-06-05"),
    ("V11", "M5", "H9", "2024-05-05"),
    ("V12", "CAD1", "H11", "2024-05-20"),
    ("V13", "M2", "H3", "2024-05-05"),
    ("V14", "M3", "H6", "2024-04-20"),
    ("V15", "VIS1", "H4", "2024-05-18"),
]
SWEEPS = [
    ("SW-A", "五月摸排", "T1", "2024-05-01", "2024-05-20"),
    ("SW-B", "柳杨堡村复查", "V1", "2024-05-11", "2024-05-20"),
    ("SW-C", "四月全县摸排", "C", "2024-04-01", "2024-04-30"),
    ("SW-R", "六月摸排", "T1", "2024-05-21", "2024-06-30"),
]
# SW-A's window as of AS_OF.
MAY = (dt.date(2024, 5, 1), dt.date(2024, 5, 20))


def county() -> Rows:
    rows = small()
    rows["units"].append(
        {"id": "G5", "name": "五组", "level": "grid", "kind": "", "parent_id": "V2"}
    )
    rows["households"] = [{**h, "groups": GROUPS.get(h["id"], "")} for h in rows["households"]]
    rows["people"] += [
        {"id": "M6", "name": "临时网格员", "kind": "grid_member"},
        {"id": "VIS1", "name": "过路志愿者", "kind": "volunteer"},
    ]
    rows["assignments"] += [
        {
            "person_id": "M6",
            "target_id": "G2",
            "role": "grid_member",
            "since": "2024-05-15",
            "until": "2024-05-20",
        },
        {"person_id": "M2", "target_id": "V1", "role": "liaison"},
    ]
    rows["visits"] = [
        {"id": v, "person_id": p, "household_id": h, "visited_at": d, "kind": "visit"}
        for v, p, h, d in VISITS
    ]
    rows["sweeps"] = [
        dict(zip(("id", "name", "scope_id", "starts", "ends"), s, strict=True)) for s in SWEEPS
    ]
    return rows


@pytest.fixture
def store(tmp_path: Path) -> Any:
    backend = MemoryBackend(tmp_path / "g.db")
    load(backend, county())
    yield backend
    backend.close()


def found(backend: MemoryBackend, kind: str, **asked: Any) -> list[tuple[str, str | None]]:
    return [
        (g.id, g.sweep) for g in backend.gaps(asked.pop("as_of", AS_OF), kind=kind, **asked).gaps
    ]


def counting(backend: MemoryBackend, household: str) -> dict[str, bool]:
    return {v.id: v.counts for v in backend.household_visits(household)}


# ---- which visits count -------------------------------------------------------------------


def test_a_visit_counts_through_the_household_its_building_or_its_grid(store: Any) -> None:
    assert counting(store, "H3") == {"V01": True, "V05": False, "V13": True}  # H3 itself
    assert counting(store, "H5") == {"V02": True}  # building B1
    assert counting(store, "H1") == {"V03": True}  # grid G1
    assert counting(store, "H7") == {"V04": True}  # grid G3, above building B2
    assert counting(store, "H11") == {"V12": True}  # any role: a liaison on H11


def test_an_assignment_to_a_village_or_one_not_active_that_day_does_not_count(store: Any) -> None:
    assert counting(store, "H2") == {"V08": True, "V09": False}  # V09: commander of V1
    assert counting(store, "H4") == {"V15": False, "V07": True, "V06": False}


def test_a_household_lists_its_visits_newest_first_with_names(store: Any) -> None:
    listed = store.household_visits("H3")
    assert [(v.id, v.visited_at, v.person.name) for v in listed] == [
        ("V01", dt.date(2024, 5, 25), "孙网格员"),
        ("V05", dt.date(2024, 5, 12), "郑网格员"),
        ("V13", dt.date(2024, 5, 5), "孙网格员"),
    ]
    assert (listed[0].household, listed[0].kind, listed[0].note) == ("H3", "visit", None)
    assert store.household_visits("H8") == []
    with pytest.raises(NotFound):
        store.household_visits("H99")


def test_a_visit_counts_again_when_what_it_depends_on_changes(store: Any) -> None:
    """Whether a visit counts follows the assignments and the places as they are written."""
    merge = ImportMode(AS_OF, merge=True)
    earlier = {"id": "V07", "person_id": "M6", "household_id": "H4", "visited_at": "2024-05-14"}
    _, report = take_in(store, tables_from_rows({"visits": [earlier]}), merge)
    assert (report.changed["visits"], counting(store, "H4")["V07"]) == (1, False)  # M6 not yet
    m1_on_g2 = {"person_id": "M1", "target_id": "G2", "role": "grid_member", "since": "2024-05-01"}
    take_in(store, tables_from_rows({"assignments": [m1_on_g2]}), merge)
    assert counting(store, "H3")["V05"] is True
    moved = {**next(u for u in county()["units"] if u["id"] == "B2"), "parent_id": "G4"}
    take_in(store, tables_from_rows({"units": [moved]}), merge)
    assert counting(store, "H7") == {"V04": False}  # M4's grid no longer holds B2
    rows = county()
    without_m2 = [a for a in rows["assignments"] if a["person_id"] != "M2"]
    # M2's assignment ends the day before 05-20: the visit of 05-25 stops counting, 05-05's not.
    take_in(store, tables_from_rows({"assignments": without_m2}), ImportMode(dt.date(2024, 5, 20)))
    assert counting(store, "H3") == {"V01": False, "V05": True, "V13": True}


# ---- the two gaps ---------------------------------------------------------------------------


def test_a_household_missed_by_its_latest_finished_sweep_is_unvisited(store: Any) -> None:
    assert found(store, "unvisited_household") == [
        ("H10", "SW-C"),
        ("H11", "SW-C"),
        ("H3", "SW-B"),  # visited on 05-05: inside SW-A's window, not SW-B's
        ("H6", "SW-A"),
        ("H8", "SW-C"),
        ("H9", "SW-C"),
    ]
    gaps = store.gaps(AS_OF, kind="unvisited_household")
    assert gaps.summary.by_township == {"T1": 2, "T2": 4}
    h6 = next(g for g in gaps.gaps if g.id == "H6")
    assert (h6.level, h6.path) == ("Household", ["H6", "B1", "G3", "V2", "T1", "C"])


def test_a_sweep_is_not_finished_on_its_last_day(store: Any) -> None:
    on_the_last_day = found(store, "unvisited_household", as_of=dt.date(2024, 5, 20))
    assert {sweep for _, sweep in on_the_last_day} == {"SW-C"}
    assert len(on_the_last_day) == 10  # of 11 households, only H6 was visited in April
    assert found(store, "unvisited_household", as_of=dt.date(2024, 4, 1)) == []


def test_visit_gaps_are_scoped_and_filtered_by_colour_like_the_others(store: Any) -> None:
    assert found(store, "unvisited_household", scope="V2") == [("H6", "SW-A")]
    assert found(store, "unvisited_household", scope="V2", color="blue") == [("H6", "SW-A")]
    assert found(store, "unvisited_household", scope="V2", color="green") == []
    assert found(store, "overdue_visit", scope="G4") == [("H10", None)]
    assert found(store, "overdue_visit", color="red") == [("H10", None)]
    everything = [g.kind for g in store.gaps(AS_OF, scope="V2").gaps]
    assert everything == sorted(everything)
    assert {"unvisited_household", "overdue_visit"} <= set(everything)


def test_a_monitored_household_without_a_counting_visit_in_30_days_is_overdue(store: Any) -> None:
    # The first day that counts is 05-03: H6 was last visited 04-20; H10's visit is after AS_OF.
    assert found(store, "overdue_visit") == [("H10", None), ("H6", None)]
    # On 06-08 the first day is 05-10: H10's visit of 06-05 counts, H5's of 05-10 just does,
    # H9's of 05-05 no longer.
    assert found(store, "overdue_visit", as_of=dt.date(2024, 6, 8)) == [
        ("H6", None),
        ("H9", None),
    ]


def test_each_group_has_its_interval_and_the_strictest_holds(store: Any) -> None:
    days = sweeps.visit_days("subsistence=14,marginal=60")
    # 14 days: H5 (05-10) and H9 (05-05; also marginal, but subsistence is stricter) are
    # overdue; 60 days: H6's visit of 04-20 is recent enough.
    assert found(store, "overdue_visit", visit_days=days) == [
        ("H10", None),
        ("H5", None),
        ("H9", None),
    ]
    assert found(store, "overdue_visit", visit_days={"marginal": 60}) == [("H10", None)]


def test_stats_count_sweeps(store: Any) -> None:
    assert store.stats(AS_OF).nodes["Sweep"] == 4
    assert store.stats(AS_OF, scope="T1").nodes["Sweep"] == 3  # SW-A, SW-B, SW-R
    assert store.stats(AS_OF).gaps["unvisited_household"] == 6


# ---- sweeps, coverage and the scorecard -----------------------------------------------------


def test_sweeps_are_listed_by_id_and_found_by_it(store: Any) -> None:
    assert [s.id for s in store.sweeps()] == ["SW-A", "SW-B", "SW-C", "SW-R"]
    sweep = store.sweep("SW-B")
    assert (sweep.name, sweep.scope_id, sweep.starts, sweep.ends) == (
        "柳杨堡村复查",
        "V1",
        dt.date(2024, 5, 11),
        dt.date(2024, 5, 20),
    )
    with pytest.raises(NotFound):
        store.sweep("SW-Z")


def test_unit_coverage_counts_every_unit_and_the_households_reached_in_a_window(
    store: Any,
) -> None:
    assert store.unit_coverage("T1", "Grid", MAY) == [
        UnitCoverage("G1", 2, 2),
        UnitCoverage("G2", 2, 2),  # H3 on 05-05, H4 by M6 on 05-16
        UnitCoverage("G3", 3, 2),  # H6 missed
        UnitCoverage("G5", 0, 0),
    ]
    assert store.unit_coverage("T1", "Village", None) == [
        UnitCoverage("V1", 4, 0),
        UnitCoverage("V2", 3, 0),
    ]
    assert store.unit_coverage("V2", "Village", MAY) == [UnitCoverage("V2", 3, 2)]
    # Visits after the window's last day never count in it.
    assert store.unit_coverage("G4", "Grid", (dt.date(2024, 5, 1), AS_OF)) == [
        UnitCoverage("G4", 4, 2)  # H9 and H11; H10's visit is on 06-05
    ]


def test_person_coverage_counts_what_is_under_each_and_what_they_reached(store: Any) -> None:
    assert store.person_coverage("T1", MAY, AS_OF) == [
        UnitCoverage("DV1", 4, 0),
        UnitCoverage("GH1", 2, 1),
        UnitCoverage("GH3", 3, 0),
        UnitCoverage("L0", 7, 0),  # the county's commander: over the scope
        UnitCoverage("L1", 7, 0),
        UnitCoverage("M1", 2, 1),  # V05 to H3 is not theirs to count
        UnitCoverage("M2", 4, 1),  # V1, and H3 under it once
        UnitCoverage("M3", 2, 1),
        UnitCoverage("M4", 3, 1),
        UnitCoverage("SEC1", 7, 0),
        UnitCoverage("TV1", 4, 0),  # V09 to H2 does not count
    ]  # M6's assignment ended before AS_OF; G5 holds no households
    assert store.person_coverage("B1", None, AS_OF) == [
        UnitCoverage(person, 2, 0) for person in ("GH3", "L0", "L1", "M3", "M4", "SEC1")
    ]


def test_required_holders_are_the_lowest_active_holder_of_each_unit(store: Any) -> None:
    holders = store.required_holders({"C", "T1", "T2", "V1", "V2", "G1", "G2", "B1"}, AS_OF)
    assert holders == {
        "T1": PersonRef.of(id="SEC1", name="张书记", role="commander"),
        "V1": PersonRef.of(id="TV1", name="刘镇干部", role="commander"),
        "G1": PersonRef.of(id="GH1", name="杨网格长", role="grid_head"),
    }


def test_the_scorecard_ranks_the_grids_of_a_sweep(store: Any) -> None:
    card = sweeps.scorecard(store, "SW-A", "grid", AS_OF)
    assert [(r.unit, r.households, r.visited, r.coverage) for r in card.rows] == [
        ("G3", 3, 2, 0.667),
        ("G1", 2, 2, 1.0),
        ("G2", 2, 2, 1.0),
        ("G5", 0, 0, None),
    ]
    assert [r.accountable.id if r.accountable else None for r in card.rows] == [
        "GH3",
        "GH1",
        None,
        None,
    ]
    assert (card.total.households, card.total.visited, card.finished) == (7, 6, True)
    running = sweeps.scorecard(store, "SW-R", "village", AS_OF)
    assert [(r.unit, r.visited) for r in running.rows] == [("V2", 0), ("V1", 1)]


# ---- the store ------------------------------------------------------------------------------


def test_a_snapshot_carries_visits_sweeps_and_groups_to_another_store(
    store: Any, tmp_path: Path
) -> None:
    copy = MemoryBackend(tmp_path / "copy.db")
    try:
        copy.store(store.snapshot())
        assert counting(copy, "H3") == counting(store, "H3")
        assert copy.sweeps() == store.sweeps()
        assert copy.records("households", {"H9"})["H9"].groups == ("subsistence", "marginal")
        assert copy.gaps(AS_OF) == store.gaps(AS_OF)
    finally:
        copy.close()


def test_a_version_4_store_is_upgraded_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    backend = MemoryBackend(path)
    load(backend, small())
    backend.close()
    with sqlite3.connect(path) as db:  # the county as a version 4 store held it
        db.execute("DROP TABLE visits")
        db.execute("DROP TABLE sweeps")
        db.execute("DROP INDEX monitored_households")
        db.execute("ALTER TABLE households DROP COLUMN groups")
        db.execute("PRAGMA user_version = 4")
    reopened = MemoryBackend(path)
    try:
        assert reopened.records("households", {"H1"})["H1"].groups == ()
        assert found(reopened, "uncovered_household") == [("H4", None)]
        load(reopened, county())
        assert reopened.records("households", {"H1"})["H1"].groups == ("income_drop",)
        assert found(reopened, "unvisited_household")[:2] == [("H10", "SW-C"), ("H11", "SW-C")]
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == 5
    finally:
        reopened.close()


def test_a_reimport_removes_visits_and_sweeps_gone_and_keeps_a_visitor(tmp_path: Path) -> None:
    backend = MemoryBackend(tmp_path / "g.db")
    try:
        snapshot = ImportMode(AS_OF)
        take_in(backend, tables_from_rows(county()), snapshot)
        rows = county()
        rows["people"] = [p for p in rows["people"] if p["id"] != "VIS1"]
        rows["sweeps"] = [s for s in rows["sweeps"] if s["id"] != "SW-R"]
        visits = rows.pop("visits")
        # VIS1 is gone from people.csv, but a stored visit (visits.csv is not in) names them.
        _, report = take_in(backend, tables_from_rows(rows), snapshot)
        assert (report.removed, report.kept) == ({"sweeps": 1}, ["VIS1"])
        assert [s.id for s in backend.sweeps()] == ["SW-A", "SW-B", "SW-C"]
        rows["visits"] = [v for v in visits if v["id"] not in ("V05", "V15")]
        _, report = take_in(backend, tables_from_rows(rows), snapshot)
        assert (report.removed, report.kept) == ({"visits": 2, "people": 1}, [])
        assert counting(backend, "H3") == {"V01": True, "V13": True}
        _, again = take_in(backend, tables_from_rows(rows), snapshot)
        assert (again.added, again.changed, again.removed) == (
            dict.fromkeys(again.added, 0),
            dict.fromkeys(again.changed, 0),
            {},
        )
    finally:
        backend.close()


WRITER = """
import sys
from pathlib import Path
from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.ledger import tables_from_rows

backend = MemoryBackend(Path(sys.argv[1]))
for n in range(int(sys.argv[3])):
    row = {"id": f"{sys.argv[2]}-{n}", "person_id": "M1", "household_id": "H1",
           "visited_at": "2024-05-12"}
    with backend.writing():
        backend.store(validate(tables_from_rows({"visits": [row]}), backend.known_labels))
backend.close()
"""


def test_two_processes_writing_visits_to_one_store_lose_none(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    backend = MemoryBackend(path)
    load(backend, small())
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "40"])
        for name in ("P1", "P2")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    try:
        visits = backend.household_visits("H1")
        assert len(visits) == 80 and all(v.counts for v in visits)
        assert backend.unit_coverage("G1", "Grid", MAY) == [UnitCoverage("G1", 2, 1)]
    finally:
        backend.close()
