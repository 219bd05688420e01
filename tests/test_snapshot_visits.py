"""A data set is a snapshot (SPEC §5.1) of its visits and sweeps too: one gone from its file is
removed, a dry run counts it, a merge or a file not given removes none; a household's visits go
with the household, a sweep over a unit that goes must go from its file too; a person a visit
names is kept. Every change lands in the history (engine/history.py).

Each test imports the small county with its visits (tests/test_import_visits.py) into a store
of its own, on each backend, then a changed copy of its ledgers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bolt_server import BoltServer
from conftest import FALKORDB_BATCH, wiped
from counties import Rows
from test_cli import answer, run
from test_import_visits import visited

from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings
from engine.errors import ImportRefused, NotFound
from engine.intake import take_in
from engine.ledger import tables_from_rows
from engine.model import HistoryEntry, ImportReport
from engine.snapshot import ImportMode

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

EFFECTIVE = dt.date(2024, 7, 1)
SNAPSHOT = ImportMode(EFFECTIVE)
MERGE = ImportMode(EFFECTIVE, merge=True)
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "ledger-zh"


@pytest.fixture(autouse=True)
def in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages; test_import_visits.py reads the Chinese ones."""
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")


def county_rows() -> Rows:
    """The small county with its visits, plus a grid G5 with nothing in it but a sweep S3 over
    it, and a volunteer P99 whom nothing but a visit (W5, to H2) names."""
    rows = visited()
    blank_unit = dict.fromkeys(rows["units"][0], "")
    rows["units"].append(
        {**blank_unit, "id": "G5", "name": "四组", "level": "grid", "parent_id": "V3"}
    )
    rows["sweeps"].append(
        {
            "id": "S3",
            "name": "四组摸排",
            "scope_id": "G5",
            "starts": "2024-05-01",
            "ends": "2024-05-10",
        }
    )
    blank_person = dict.fromkeys(rows["people"][0], "")
    rows["people"].append({**blank_person, "id": "P99", "name": "志愿者甲", "kind": "volunteer"})
    rows["visits"].append(
        {
            "id": "W5",
            "person_id": "P99",
            "household_id": "H2",
            "visited_at": "2024-05-25",
            "kind": "service",
            "note": "",
        }
    )
    return rows


@pytest.fixture(params=["memory", "bolt-falkordb"])
def county(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A store of its own for each test, on each backend the machine runs (the Bolt test
    server's one graph emptied first)."""
    if request.param == "memory":
        backend = MemoryBackend(tmp_path / "gridchain.db")
        imported(backend, county_rows())
        yield backend
        backend.close()
        return
    server: BoltServer = request.getfixturevalue("falkordb")
    settings = Neo4jSettings(server.uri, server.user, server.password, None, FALKORDB_BATCH)
    graph = wiped(Neo4jBackend(settings))
    imported(graph, county_rows())
    yield graph
    graph.close()
    server.heal()


def without(kind: str, *ids: str, rows: Rows | None = None) -> Rows:
    """The county's ledgers (or `rows`) without the rows of `ids` in one file."""
    rows = rows if rows is not None else county_rows()
    return {**rows, kind: [row for row in rows[kind] if row["id"] not in ids]}


def but(rows: Rows, *kinds: str) -> Rows:
    """The ledgers without the files of `kinds`: a data set that does not give them."""
    return {kind: records for kind, records in rows.items() if kind not in kinds}


def imported(
    backend: Backend, rows: Rows, mode: ImportMode = SNAPSHOT, dry_run: bool = False
) -> ImportReport:
    _, report = take_in(backend, tables_from_rows(rows), mode, dry_run=dry_run)
    return report


def stored(backend: Backend, kind: str) -> list[str]:
    return sorted(backend.stored_ids(kind))


def history(backend: Backend, record: str) -> list[tuple[str, str]]:
    """(change, source) of each change of a record, oldest first."""
    entries: list[HistoryEntry] = backend.history(record).entries
    return [(entry.change, entry.source) for entry in reversed(entries)]


def test_the_same_ledgers_again_change_no_visit_or_sweep(county: Backend) -> None:
    report = imported(county, county_rows())
    assert (report.added["visits"], report.changed["visits"]) == (0, 0)
    assert (report.added["sweeps"], report.changed["sweeps"]) == (0, 0)
    assert report.changed["households"] == 0  # their groups read back as they were written
    assert report.removed == {}


def test_a_visit_gone_from_its_file_is_removed(county: Backend) -> None:
    report = imported(county, without("visits", "W2"))
    assert report.removed == {"visits": 1}
    assert report.first["removed"] == {"visits": ["W2"]}
    assert stored(county, "visits") == ["W1", "W3", "W4", "W5"]
    assert county.records("visits", {"W2"}) == {}


def test_a_sweep_gone_from_its_file_is_removed(county: Backend) -> None:
    report = imported(county, without("sweeps", "S2"))
    assert report.removed == {"sweeps": 1}
    assert [sweep.id for sweep in county.sweeps()] == ["S1", "S3"]
    with pytest.raises(NotFound):
        county.sweep("S2")


def test_a_dry_run_counts_the_visits_and_sweeps_it_would_remove_and_writes_nothing(
    county: Backend,
) -> None:
    report = imported(county, without("sweeps", "S1", rows=without("visits", "W1")), dry_run=True)
    assert report.dry_run
    assert report.removed == {"visits": 1, "sweeps": 1}
    assert report.first["removed"] == {"visits": ["W1"], "sweeps": ["S1"]}
    assert stored(county, "visits") == ["W1", "W2", "W3", "W4", "W5"]
    assert stored(county, "sweeps") == ["S1", "S2", "S3"]
    assert history(county, "W1") == [("added", "visits.csv, line 2")]


def test_a_merge_removes_no_visit_or_sweep(county: Backend) -> None:
    rows = county_rows()
    report = imported(county, {"visits": rows["visits"][:1], "sweeps": rows["sweeps"][:1]}, MERGE)
    assert report.removed == {}
    assert stored(county, "visits") == ["W1", "W2", "W3", "W4", "W5"]


def test_a_data_set_without_the_files_removes_no_visit_or_sweep(county: Backend) -> None:
    report = imported(county, but(county_rows(), "visits", "sweeps"))
    assert report.removed == {}
    assert stored(county, "sweeps") == ["S1", "S2", "S3"]


def test_a_changed_visit_sweep_or_group_is_changed(county: Backend) -> None:
    rows = county_rows()
    rows["visits"][0]["note"] = "补登了低保材料"
    rows["sweeps"][1]["ends"] = "2024-06-20"
    rows["households"][2]["groups"] = "边缘户"  # H3 was 兜底户；边缘户
    report = imported(county, rows)
    assert (report.changed["visits"], report.changed["sweeps"]) == (1, 1)
    assert report.changed["households"] == 1
    assert county.records("visits", {"W1"})["W1"].note == "补登了低保材料"  # type: ignore[attr-defined]
    assert county.sweep("S2").ends == dt.date(2024, 6, 20)
    assert county.records("households", {"H3"})["H3"].groups == ("marginal",)  # type: ignore[attr-defined]


def test_a_household_gone_takes_its_visits_along(county: Backend) -> None:
    """H5 (resident R6, visited by W3) leaves the ledger; visits.csv is not in the data set."""
    rows = without("households", "H5", rows=without("residents", "R6"))
    report = imported(county, but(rows, "visits"))
    assert report.removed == {"households": 1, "residents": 1, "visits": 1}
    assert stored(county, "visits") == ["W1", "W2", "W4", "W5"]
    assert history(county, "W3") == [("added", "visits.csv, line 4"), ("removed", "gone with H5")]


def test_a_visit_moved_off_a_household_gone_stays(county: Backend) -> None:
    """W3 was entered against H5 by mistake; the ledger that removes H5 puts it on H6."""
    rows = without("households", "H5", rows=without("residents", "R6"))
    rows["visits"][2]["household_id"] = "H6"
    report = imported(county, rows)
    assert report.removed == {"households": 1, "residents": 1}
    assert report.changed["visits"] == 1
    moved: Any = county.records("visits", {"W3"})["W3"]
    assert moved.household_id == "H6"


def test_a_visit_row_naming_a_household_gone_is_refused(county: Backend) -> None:
    rows = without("households", "H5", rows=without("residents", "R6"))
    with pytest.raises(ImportRefused) as refused:
        imported(county, rows)
    places = [(p.file, p.line, p.column) for p in refused.value.problems]
    assert places == [("visits.csv", 4, "household_id")]
    assert stored(county, "visits") == ["W1", "W2", "W3", "W4", "W5"]


def test_a_unit_gone_with_a_sweep_over_it_still_given_is_refused_naming_the_sweep(
    county: Backend,
) -> None:
    with pytest.raises(ImportRefused) as refused:
        imported(county, but(without("units", "G5"), "sweeps"))
    [problem] = refused.value.problems
    assert problem.file == "units.csv"
    assert "'G5'" in problem.message and "sweep 'S3'" in problem.message
    assert stored(county, "sweeps") == ["S1", "S2", "S3"]


def test_a_unit_gone_with_the_sweep_over_it_is_removed_with_it(county: Backend) -> None:
    report = imported(county, without("sweeps", "S3", rows=without("units", "G5")))
    assert report.removed == {"units": 1, "sweeps": 1}
    assert stored(county, "sweeps") == ["S1", "S2"]


def test_a_person_a_stored_visit_names_is_kept(county: Backend) -> None:
    report = imported(county, but(without("people", "P99"), "visits"))
    assert report.kept == ["P99"]
    assert "people" not in report.removed
    assert county.person("P99", EFFECTIVE).name == "志愿者甲"


def test_a_visit_row_naming_a_person_gone_is_refused(county: Backend) -> None:
    with pytest.raises(ImportRefused) as refused:
        imported(county, without("people", "P99"))
    places = [(p.file, p.line, p.column) for p in refused.value.problems]
    assert places == [("visits.csv", 6, "person_id")]


def test_a_person_whose_only_visit_goes_too_is_removed(county: Backend) -> None:
    report = imported(county, without("visits", "W5", rows=without("people", "P99")))
    assert report.kept == []
    assert report.removed == {"visits": 1, "people": 1}
    with pytest.raises(NotFound):
        county.person("P99", EFFECTIVE)


def test_each_change_of_a_visit_and_a_sweep_is_in_the_history(county: Backend) -> None:
    rows = county_rows()
    rows["visits"][1]["kind"] = "visit"  # W2 was a patrol
    imported(county, rows)
    imported(county, without("visits", "W2", rows=without("sweeps", "S2")))
    assert history(county, "W2") == [
        ("added", "visits.csv, line 3"),
        ("changed", "visits.csv, line 3"),
        ("removed", "gone from visits.csv"),
    ]
    assert history(county, "S2") == [
        ("added", "sweeps.csv, line 3"),
        ("removed", "gone from sweeps.csv"),
    ]
    changed: Any = county.history("W2").entries[1]
    assert (changed.before["kind"], changed.after["kind"]) == ("patrol", "visit")
    removed: Any = county.history("S2").entries[0]
    assert (removed.before["scope_id"], removed.after) == ("G4", None)


def test_a_groups_change_is_in_the_households_history(county: Backend) -> None:
    rows = county_rows()
    rows["households"][0]["groups"] = "subsistence、marginal"  # H1 was subsistence
    imported(county, rows)
    newest: Any = county.history("H1").entries[0]
    assert newest.change == "changed"
    assert (newest.before["groups"], newest.after["groups"]) == (
        ["subsistence"],
        ["subsistence", "marginal"],
    )


def test_a_sweep_id_the_store_holds_as_another_record_is_refused(county: Backend) -> None:
    rows = county_rows()
    rows["sweeps"][0]["id"] = "H1"
    with pytest.raises(ImportRefused) as refused:
        imported(county, rows)
    places = [(p.file, p.line, p.column) for p in refused.value.problems]
    assert places == [("sweeps.csv", 2, "id")]


# ---- through the installed command -------------------------------------------------------


def test_the_command_line_removes_a_visit_gone_from_the_example_ledger(tmp_path: Path) -> None:
    """The example's visit W04 (a cadre passing by H4) struck from 走访.csv: a dry run counts
    it, the import removes it, and its history keeps it."""
    db, changed = tmp_path / "gridchain.db", tmp_path / "ledger"
    assert run("import", EXAMPLE, db=db).returncode == 0
    shutil.copytree(EXAMPLE, changed)
    visits = changed / "走访.csv"
    lines = visits.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    visits.write_text("".join(line for line in lines if not line.startswith("W04,")), "utf-8-sig")
    dry = answer("import", changed, "--dry-run", db=db)
    assert (dry["dry_run"], dry["removed"]) == (True, {"visits": 1})
    assert [entry["change"] for entry in answer("history", "W04", db=db)["entries"]] == ["added"]
    shown = run("import", changed, db=db)
    assert shown.returncode == 0, shown.stderr
    assert "删除 走访: W04" in shown.stdout
    entries = answer("history", "W04", db=db)["entries"]
    assert [(e["change"], e["source"]) for e in entries] == [
        ("removed", "gone from 走访.csv"),
        ("added", "走访.csv, line 5"),
    ]
