"""A data set is a snapshot of its files (SPEC §5.1, issue 9), on every backend: a row gone
from a file that is in the data set is retired; a file that is not, or a merge, retires
nothing; a dry run writes nothing.

Tests run in file order on one small county per backend (tests/counties.py): each imports a
changed copy of the county's ledgers and reads what the store answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load
from counties import AS_OF, Rows, small
from test_cli import answer, run

from engine.backends.base import Backend
from engine.errors import ImportRefused, NotFound
from engine.intake import take_in
from engine.ledger import tables_from_rows, write_folder
from engine.model import ImportReport
from engine.snapshot import ImportMode

EFFECTIVE = dt.date(2024, 7, 1)
BEFORE, AFTER = dt.date(2024, 6, 30), dt.date(2024, 7, 1)
SNAPSHOT = ImportMode(EFFECTIVE)


@pytest.fixture(autouse=True)
def in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages; tests/test_messages.py reads the Chinese ones."""
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")


def without(kind: str, gone: Callable[[dict[str, str]], bool], rows: Rows | None = None) -> Rows:
    """The small county's ledgers (or `rows`) with the rows of one file that `gone` picks."""
    rows = rows if rows is not None else small()
    return {**rows, kind: [row for row in rows[kind] if not gone(row)]}


def imported(
    backend: Backend, rows: Rows, mode: ImportMode = SNAPSHOT, dry_run: bool = False
) -> ImportReport:
    _, report = take_in(backend, tables_from_rows(rows), mode, dry_run=dry_run)
    return report


def commander(backend: Backend, unit: str, day: dt.date) -> str | None:
    found = backend.who(unit, day).commander
    return found.id if found else None


def sec1_commands_t1(row: dict[str, str]) -> bool:
    return row["person_id"] == "SEC1" and row["target_id"] == "T1"


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    load(empty_backend, small())
    return empty_backend


def test_a_dry_run_reports_the_ending_and_writes_nothing(county: Backend) -> None:
    report = imported(county, without("assignments", sec1_commands_t1), dry_run=True)
    assert report.dry_run
    assert report.ended == {"assignments": 1}
    assert report.first["ended"] == {"assignments": ["SEC1>T1:commander@2020-01-01"]}
    assert commander(county, "T1", AFTER) == "SEC1"


def test_an_assignment_gone_from_its_ledger_ends_the_day_before_the_effective_date(
    county: Backend,
) -> None:
    report = imported(county, without("assignments", sec1_commands_t1))
    assert (report.ended, report.removed) == ({"assignments": 1}, {})
    assert commander(county, "T1", AS_OF) == "SEC1"
    assert commander(county, "T1", BEFORE) == "SEC1"
    assert commander(county, "T1", AFTER) is None
    assert county.assignment("SEC1>T1:commander@2020-01-01").until == BEFORE


def test_the_same_snapshot_again_changes_nothing(county: Backend) -> None:
    report = imported(county, without("assignments", sec1_commands_t1))
    assert report.ended == {} and report.removed == {}
    assert set(report.added.values()) == {0} and set(report.changed.values()) == {0}


def test_a_person_gone_but_named_by_a_past_assignment_is_kept_and_reported(
    county: Backend,
) -> None:
    rows = without("people", lambda p: p["id"] == "SEC1", without("assignments", sec1_commands_t1))
    report = imported(county, rows)
    assert report.kept == ["SEC1"]
    assert "people" not in report.removed
    assert county.person("SEC1", AS_OF).name == "张书记"


def test_an_assignment_that_had_not_begun_goes_altogether_and_with_it_its_holder(
    county: Backend,
) -> None:
    """TV3NEW's command of V3 begins in 2030; gone with TV3NEW, nothing names TV3NEW after."""
    rows = without("assignments", lambda a: a["person_id"] == "TV3NEW")
    report = imported(county, without("people", lambda p: p["id"] == "TV3NEW", rows))
    assert report.removed == {"assignments": 1, "people": 1}
    with pytest.raises(NotFound):
        county.person("TV3NEW", AS_OF)
    assert commander(county, "V3", dt.date(2031, 1, 1)) is None
    with pytest.raises(NotFound):
        county.assignment("TV3NEW>V3:commander@2030-01-01")


def test_a_household_gone_with_its_residents_is_removed(county: Backend) -> None:
    rows = without("residents", lambda r: r["household_id"] == "H4")
    report = imported(county, without("households", lambda h: h["id"] == "H4", rows))
    assert report.removed == {"households": 1, "residents": 1}
    with pytest.raises(NotFound):
        county.who("H4", AS_OF)
    with pytest.raises(NotFound):
        county.resident("R5")


def test_a_unit_whose_households_stay_is_refused_naming_one(county: Backend) -> None:
    rows = without("units", lambda u: u["id"] == "G2", small())
    # households.csv (and residents.csv, whose R5 lived in H4) not in the data set: H3 stays.
    del rows["households"], rows["residents"]
    with pytest.raises(ImportRefused) as refused:
        imported(county, rows)
    problem = refused.value.problems[0]
    assert problem.file == "units.csv"
    assert "'G2'" in problem.message and "'H3'" in problem.message
    assert county.who("H3", AS_OF).chain[1].unit == "G2"  # nothing was stored


def test_a_row_naming_a_unit_gone_from_its_file_is_refused(county: Backend) -> None:
    with pytest.raises(ImportRefused) as refused:
        imported(county, without("units", lambda u: u["id"] == "G2"))
    places = {(p.file, p.column) for p in refused.value.problems}
    assert ("households.csv", "unit_id") in places


def test_a_file_not_in_the_data_set_retires_nothing(county: Backend) -> None:
    report = imported(county, {"units": small()["units"]})
    assert report.ended == {} and report.removed == {}
    assert county.who("H5", AS_OF).chain[0].assignments == []  # H5's member is on B1
    assert county.who("B1", AS_OF).chain[0].assignments[0].person.id == "M3"


def test_a_merge_retires_nothing(county: Backend) -> None:
    rows = without("assignments", lambda a: a["person_id"] == "M3")
    report = imported(county, rows, ImportMode(EFFECTIVE, merge=True))
    assert report.ended == {} and report.removed == {}
    assert county.who("B1", AFTER).chain[0].assignments[0].person.id == "M3"


def test_a_snapshot_within_a_township_retires_only_there(county: Backend) -> None:
    inside_t2 = {"G4", "H8", "H9", "H10", "H11"}
    rows = without(
        "assignments", lambda a: a["target_id"] not in inside_t2 or a["role"] == "grid_member"
    )
    report = imported(
        county, {"assignments": rows["assignments"]}, ImportMode(EFFECTIVE, within="T2")
    )
    assert report.ended == {"assignments": 1}  # M5 on G4; L2's liaison at T2 is not under it
    assert report.first["ended"]["assignments"] == ["M5>G4:grid_member@"]
    assert county.who("B1", AFTER).chain[0].assignments[0].person.id == "M3"  # T1 untouched


def test_a_colour_an_import_changes_is_a_colour_change_by_the_import(county: Backend) -> None:
    household = next(h for h in small()["households"] if h["id"] == "H2")
    merge = ImportMode(EFFECTIVE, merge=True)
    imported(county, {"households": [{**household, "color": "yellow"}]}, merge)
    history = county.color_history("H2")
    assert history.color == "yellow"
    assert [(c.color, c.by) for c in history.changes] == [
        ("yellow", "import (households.csv, line 2)")
    ]
    imported(county, {"households": [{**household, "color": "yellow"}]}, merge)
    assert len(county.color_history("H2").changes) == 1  # the same colour again is no change


def test_a_household_an_issue_is_about_is_never_removed(county: Backend) -> None:
    rows = without("residents", lambda r: r["household_id"] in ("H3", "H4"))
    rows = without("households", lambda h: h["id"] in ("H3", "H4"), rows)
    rows = without("assignments", lambda a: a["target_id"] == "H3" or sec1_commands_t1(a), rows)
    del rows["issues"]  # issues.csv not in the data set: I1, about H3, stays
    with pytest.raises(ImportRefused) as refused:
        imported(county, rows)
    [problem] = refused.value.problems
    assert "'I1'" in problem.message and "never removes an issue" in problem.message
    assert county.who("H3", AS_OF).target == "H3"


# ---- through the installed command and the API -------------------------------------------


@pytest.fixture
def transferred(tmp_path: Path) -> tuple[Path, Path]:
    """A store holding the small county, and its ledgers re-exported without SEC1's row."""
    before, after = tmp_path / "before", tmp_path / "after"
    write_folder(small(), before)
    write_folder(without("assignments", sec1_commands_t1), after)
    db = tmp_path / "gridchain.db"
    assert run("import", before, db=db).returncode == 0
    return db, after


def test_the_command_line_ends_a_transferred_official(transferred: tuple[Path, Path]) -> None:
    """A transferred official (the README shows the same on the demo store): SEC1 left T1."""
    db, after = transferred
    dry = answer("import", after, "--effective", EFFECTIVE.isoformat(), "--dry-run", db=db)
    assert (dry["dry_run"], dry["ended"]) == (True, {"assignments": 1})
    assert answer("who", "T1", "--as-of", AFTER.isoformat(), db=db)["commander"]["id"] == "SEC1"
    shown = run("import", after, "--effective", EFFECTIVE.isoformat(), db=db)
    assert shown.returncode == 0, shown.stderr
    assert "终止 包抓: SEC1>T1:commander@2020-01-01" in shown.stdout
    assert answer("who", "T1", "--as-of", AFTER.isoformat(), db=db)["commander"] is None
    assert answer("who", "T1", "--as-of", BEFORE.isoformat(), db=db)["commander"]["id"] == "SEC1"


def test_the_command_line_merges_when_asked(transferred: tuple[Path, Path]) -> None:
    db, after = transferred
    merged = answer("import", after, "--merge", "--effective", EFFECTIVE.isoformat(), db=db)
    assert merged["ended"] == {}
    assert answer("who", "T1", "--as-of", AFTER.isoformat(), db=db)["commander"]["id"] == "SEC1"
