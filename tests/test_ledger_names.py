"""SPEC §5.1 file and sheet names: each names a record kind in any case, or the import is
refused with the names expected and the nearest one; what is no ledger is left alone. And the
places problems are shown at, and the due date an imported issue is given when it has none."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from conftest import load
from counties import AS_OF, Rows, small
from openpyxl import Workbook

from api.uploads import read_upload
from engine import loop
from engine.backends.base import Backend
from engine.errors import ImportProblem, ImportRefused
from engine.ledger import read_dataset, write_folder
from engine.model import RECORD_KINDS
from engine.semantics import IssueFilter


@pytest.fixture(autouse=True)
def in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages; tests/test_messages.py reads the Chinese ones."""
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")


EXPECTED_FILES = (
    "expected units.csv (单元.csv), households.csv (户.csv), residents.csv (居民.csv), "
    "people.csv (人员.csv), assignments.csv (包抓.csv), bodies.csv (组织.csv), "
    "issues.csv (事项.csv), visits.csv (走访.csv), sweeps.csv (摸排.csv)"
)
EXPECTED_SHEETS = (
    "expected units (单元), households (户), residents (居民), people (人员), assignments (包抓), "
    "bodies (组织), issues (事项), visits (走访), sweeps (摸排)"
)


def refused(path: Path) -> list[str]:
    with pytest.raises(ImportRefused) as refusal:
        read_dataset(path)
    return [str(problem) for problem in refusal.value.problems]


def ledger(tmp_path: Path, **renamed: str) -> Path:
    """The small county as a folder, its files renamed from `kind` to `renamed[kind]`."""
    folder = tmp_path / "ledger"
    write_folder(small(), folder)
    for kind, name in renamed.items():
        (folder / f"{kind}.csv").rename(folder / name)
    return folder


def workbook(path: Path, sheets: dict[str, list[dict[str, str]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, records in sheets.items():
        sheet = book.create_sheet(title)
        if records:
            sheet.append(list(records[0]))
            for record in records:
                sheet.append(list(record.values()))
    book.save(path)
    return path


# ---- a folder ----------------------------------------------------------------------------


def test_a_misnamed_file_refuses_the_import_with_the_nearest_name(tmp_path: Path) -> None:
    assert refused(ledger(tmp_path, households="household.csv")) == [
        f"household.csv: not a ledger file name (did you mean households.csv?); {EXPECTED_FILES}"
    ]


def test_every_misnamed_file_is_named_and_the_units_file_missed(tmp_path: Path) -> None:
    folder = ledger(tmp_path, units="unit.csv", people="staff.csv")
    assert refused(folder) == [
        f"staff.csv: not a ledger file name; {EXPECTED_FILES}",  # nothing near enough
        f"unit.csv: not a ledger file name (did you mean units.csv?); {EXPECTED_FILES}",
        f"units.csv: missing in {folder}",
    ]


def test_file_names_match_in_any_case(tmp_path: Path) -> None:
    folder = ledger(tmp_path, units="Units.CSV", households="HOUSEHOLDS.csv")
    tables = read_dataset(folder)
    assert tuple(tables) == tuple(kind for kind in RECORD_KINDS if kind in small())
    assert (tables["units"].file, len(tables["units"].rows)) == ("Units.CSV", 12)
    assert (tables["households"].file, len(tables["households"].rows)) == ("HOUSEHOLDS.csv", 11)


def test_what_is_no_ledger_is_left_alone(tmp_path: Path) -> None:
    folder = ledger(tmp_path)
    (folder / "README.txt").write_text("盐池县 2024 台账", encoding="utf-8")
    (folder / "county.xlsx").write_bytes(b"the workbook the CSVs were saved from")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "._households.csv").write_bytes(b"\x00\x05\x16\x07")  # macOS on a USB stick
    (folder / "old").mkdir()
    (folder / "old" / "household.csv").write_text("id,unit_id\n", encoding="utf-8")
    assert len(read_dataset(folder)["households"].rows) == 11


def test_two_files_of_one_kind_are_refused(tmp_path: Path) -> None:
    folder = ledger(tmp_path)
    (folder / "UNITS.csv").write_bytes((folder / "units.csv").read_bytes())
    if len(list(folder.glob("*.csv"))) == 7:
        pytest.skip("a case-insensitive disk holds one file for both names")
    assert refused(folder) == ["units.csv: UNITS.csv holds the units already; keep one of them"]


def test_an_uploaded_zip_is_read_by_the_same_names(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ledgers/Units.CSV", "id,name,level,parent_id\nC,盐池县,county,\n")
        archive.writestr("__MACOSX/ledgers/._Units.CSV", b"\x00\x05\x16\x07")
        archive.writestr("ledgers/README.txt", "台账说明")
    assert list(read_upload("county.zip", buffer, tmp_path)) == ["units"]


# ---- a workbook --------------------------------------------------------------------------


def test_a_misnamed_sheet_refuses_the_import_with_the_nearest_name(tmp_path: Path) -> None:
    rows = small()
    book = workbook(tmp_path / "county.xlsx", {"units": rows["units"], "household": []})
    assert read_dataset(book)  # an empty sheet holds nothing to lose: Excel's Sheet2
    workbook(book, {"units": rows["units"], "household": rows["households"]})
    assert refused(book) == [
        "county.xlsx[household]: not a ledger sheet name (did you mean households?); "
        + EXPECTED_SHEETS
    ]


def test_sheet_names_match_in_any_case_with_or_without_csv(tmp_path: Path) -> None:
    rows = small()
    sheets = {"Units": rows["units"], "Households.CSV": rows["households"]}
    tables = read_dataset(workbook(tmp_path / "county.xlsx", sheets))
    assert {kind: (table.file, len(table.rows)) for kind, table in tables.items()} == {
        "units": ("county.xlsx[Units]", 12),
        "households": ("county.xlsx[Households.CSV]", 11),
    }


def test_two_sheets_of_one_kind_are_refused(tmp_path: Path) -> None:
    units = small()["units"]
    book = workbook(tmp_path / "county.xlsx", {"units": units, "Units.csv": units})
    assert refused(book) == [
        "county.xlsx[Units.csv]: county.xlsx[units] holds the units already; keep one of them"
    ]


# ---- where a problem is ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "shown"),
    [
        (ImportProblem("units.csv", 0, "-", "missing"), "units.csv: missing"),
        (
            ImportProblem("units.csv", 1, "parent_id", "required column is missing"),
            "units.csv, line 1, column parent_id: required column is missing",
        ),
        (
            ImportProblem("units.csv", 1, "-", "the file is empty (no header)"),
            "units.csv, line 1: the file is empty (no header)",
        ),
        (
            ImportProblem("households.csv", 5, "color", "unknown value 'purple'"),
            "households.csv, line 5, column color: unknown value 'purple'",
        ),
    ],
)
def test_a_problem_shows_only_the_place_it_has(problem: ImportProblem, shown: str) -> None:
    assert str(problem) == shown


# ---- due dates of imported issues, on every backend --------------------------------------


def issue(issue_id: str, category: str, reported_at: str, status: str) -> dict[str, str]:
    return {
        "id": issue_id,
        "target_id": "H3",
        "category": category,
        "reported_by": "M2",
        "reported_at": reported_at,
        "department": "",
        "due_at": "",
        "resolved_at": "",
        "status": status,
    }


def test_an_imported_issue_without_due_date_is_due_by_its_category(
    small_county: Backend,
) -> None:
    rows: Rows = {
        "issues": [
            issue("I3", "epidemic", "2024-05-20", "reported"),  # 3 days: due 05-23
            issue("I4", "no_such_category", "2024-05-27", "reported"),  # any other, 7: 06-03
        ]
    }
    load(small_county, rows)
    listed = loop.issue_list(small_county, AS_OF, IssueFilter()).issues
    assert {i.id: i.due_at for i in listed if i.id in ("I3", "I4")} == {
        "I3": dt.date(2024, 5, 23),
        "I4": dt.date(2024, 6, 3),
    }
    late = loop.issue_list(small_county, AS_OF, IssueFilter(overdue=True)).issues
    assert {i.id: i.overdue_days for i in late} == {"I1": 22, "I3": 9}
