"""What the importer and the API take in (SPEC §5, §8; issue 11 items 2, 5–8): bombs and huge
sheets refused while they are read, dates within 1949-10-01 … 2100-12-31, cells and fields
within their limits, ids of printable ASCII and names without invisible characters. Each
refusal names its place (file, line, column; the HTTP field), is exit 2 or 422, and stores
nothing. Over real HTTP (`gridchain serve`) and the installed `gridchain` command."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from counties import AS_OF, small
from openpyxl import Workbook
from serving import KEYS, Server
from test_cli import answer, run

from engine.ledger import write_folder

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
UNITS_HEADER = "id,name,level,parent_id\n"
NEW_GRID = UNITS_HEADER + "G5,五组,grid,V1\n"
MOST_SERVER_MIB = 300


@pytest.fixture(scope="module")
def server(server: Server) -> Server:
    """The module's server (tests/conftest.py), its clients asking for English."""
    return server.speaking("en")


# ---- helpers -----------------------------------------------------------------------------


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/datasets", files=files, params={"merge": "true"})


def workbook(sheet_xml: bytes | None = None, dimension: str | None = None) -> bytes:
    """A workbook whose one sheet `units` holds a new grid; its sheet's XML replaced by
    `sheet_xml`, or its declared dimension by `dimension`."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "units"
    sheet.append(["id", "name", "level", "parent_id"])
    sheet.append(["G6", "六组", "grid", "V1"])
    buffer = io.BytesIO()
    book.save(buffer)
    parts = {}
    with zipfile.ZipFile(buffer) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    part = "xl/worksheets/sheet1.xml"
    if dimension is not None:
        parts[part] = re.sub(
            rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), parts[part]
        )
    if sheet_xml is not None:
        parts[part] = sheet_xml
    return zipped(dict(parts))


def places(response: httpx.Response) -> list[tuple[str, int, str]]:
    assert response.status_code == 422, response.text
    return [(p["file"], p["line"], p["column"]) for p in response.json()["problems"]]


def fields_of(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["location"], e["field"]) for e in response.json()["errors"]]


def server_peak_mib(server: Server) -> float:
    """The most memory the server process has held (its peak resident set)."""
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert found
    return int(found.group(1)) / 1024


@pytest.fixture
def stored(server: Server) -> Any:
    """What the store holds, as the inspector's stats and issue list say it."""

    def now() -> Any:
        with server.client(KEYS["inspector"]) as inspector:
            stats = inspector.get("/stats", params=DAY)
            issues = inspector.get("/issues", params=DAY)
            assert stats.status_code == issues.status_code == 200, issues.text
            return stats.json(), issues.json()

    return now


@pytest.fixture
def admin(server: Server) -> Iterator[httpx.Client]:
    with server.client(KEYS["t1_admin"]) as client:
        yield client


# Each sheet declares its dimension first, as Excel writes it: opening the workbook reads only
# that far, so what is wrong after it is met as the rows are read.
START = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:D2"/>'
)

# ---- item 2: bombs and sheets that claim more than they hold -------------------------------


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    server: Server, admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    units = (UNITS_HEADER + "G5,五组,grid,V1\n" * (40 * 2**20 // 16)).encode()
    bomb = zipped({"units.csv": units})
    assert len(bomb) < 200 * 2**10
    response = upload(admin, "bomb.zip", bomb)
    assert places(response) == [("bomb.zip", 0, "-")]
    assert "units.csv: packed" in response.json()["problems"][0]["message"]
    assert len(response.content) < 10_000
    assert server_peak_mib(server) < MOST_SERVER_MIB
    assert stored() == before


def test_a_file_packed_like_a_bomb_is_refused_though_its_kind_may_be_that_large(
    server: Server, admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    households = "id,unit_id\n" + "H12,G1\n" * (20 * 2**20 // 7)
    response = upload(
        admin, "packed.zip", zipped({"units.csv": NEW_GRID, "households.csv": households})
    )
    assert places(response) == [("packed.zip", 0, "-")]
    assert "households.csv: packed" in response.json()["problems"][0]["message"]
    assert server_peak_mib(server) < MOST_SERVER_MIB
    assert stored() == before


def test_a_zip_of_too_many_files_is_refused(admin: httpx.Client, stored: Any) -> None:
    before = stored()
    files: dict[str, str | bytes] = {f"notes/{n}.txt": "" for n in range(500)}
    response = upload(admin, "many.zip", zipped({**files, "units.csv": NEW_GRID}))
    assert places(response) == [("many.zip", 0, "-")]
    assert "too many files" in response.json()["problems"][0]["message"]
    assert stored() == before


def test_rows_past_a_files_limit_are_refused_as_they_are_read(
    admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    units = UNITS_HEADER + "".join(f"G{n},组,grid,V1\n" for n in range(100_001))
    response = upload(admin, "rows.zip", zipped({"units.csv": units}))
    assert places(response) == [("units.csv", 100_002, "-")]
    assert "too many rows" in response.json()["problems"][0]["message"]
    assert stored() == before


def test_a_sheets_declared_dimension_is_not_trusted(
    server: Server, admin: httpx.Client, stored: Any
) -> None:
    # Padded to its declared size, this sheet would be 16,384 columns by a million rows.
    book = workbook(dimension="A1:XFD1048576")
    response = upload(admin, "wide.xlsx", book)
    assert response.status_code == 200, response.text
    assert response.json()["added"]["units"] == 1
    assert server_peak_mib(server) < MOST_SERVER_MIB


def test_a_sheet_with_cells_past_the_last_column_is_refused(
    admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
        b'<c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row></sheetData></worksheet>'
    )
    response = upload(admin, "far.xlsx", workbook(sheet_xml=sheet))
    assert places(response) == [("far.xlsx[units]", 1, "-")]
    assert "too many columns" in response.json()["problems"][0]["message"]
    assert stored() == before


def test_a_sheets_rows_past_its_limit_are_refused_as_they_are_read(
    server: Server, admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    sheet = (
        START + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
        b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>G9</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    response = upload(admin, "tall.xlsx", workbook(sheet_xml=sheet))
    assert places(response) == [("tall.xlsx[units]", 100_002, "-")]
    assert "too many rows" in response.json()["problems"][0]["message"]
    assert server_peak_mib(server) < MOST_SERVER_MIB
    assert stored() == before


def test_a_refused_import_lists_its_first_100_problems_and_counts_all(
    admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    units = UNITS_HEADER + "".join(f"G{n},组,grid,V99\n" for n in range(150))
    response = upload(admin, "many-bad.zip", zipped({"units.csv": units}))
    assert len(places(response)) == 100
    assert "150 problems" in response.json()["detail"]
    assert stored() == before


# ---- item 6: what broke the reader is a refusal with its place -----------------------------


def test_a_cell_over_the_csv_field_limit_names_file_line_and_column(
    admin: httpx.Client, stored: Any
) -> None:
    before = stored()
    units = NEW_GRID + "G7," + "长" * 140_000 + ",grid,V1\n"
    response = upload(admin, "long.zip", zipped({"units.csv": units}))
    assert places(response) == [("units.csv", 3, "name")]
    assert stored() == before


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + START
    + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
    b"</sheetData></worksheet>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "hahahahahahahahaha">'
    + b"".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(9)
    )
    + b"]>"
    + START
    + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>'
    b"</sheetData></worksheet>"
)
BROKEN_SHEETS = {
    "broken": START + b"<sheetData><row r='1'><c",
    "xxe": XXE,
    "laughs": LAUGHS,
}


@pytest.mark.parametrize("kind", BROKEN_SHEETS)
def test_a_damaged_or_hostile_sheet_is_422_naming_the_sheet(
    admin: httpx.Client, stored: Any, kind: str
) -> None:
    before = stored()
    response = upload(admin, f"{kind}.xlsx", workbook(sheet_xml=BROKEN_SHEETS[kind]))
    [(file, line, column)] = places(response)
    # A sheet whose start is damaged is refused as the workbook is opened, the rest as it is read.
    assert (file.partition("[")[0], line, column) == (f"{kind}.xlsx", 0, "-")
    assert "root:" not in response.text  # nothing of the machine's files
    assert stored() == before


# ---- item 5: dates -----------------------------------------------------------------------


ISSUE_HEADER = "id,target_id,category,reported_by,reported_at,due_at,resolved_at\n"


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("I9,H1,service,M1,0001-01-01,,", "reported_at"),
        ("I9,H1,service,M1,2024-05-01,9999-12-31,", "due_at"),
        ("I9,H1,service,M1,1900-05-01,,", "reported_at"),
        ("I9,H1,service,M1,2024-05-01,2024-04-01,", "due_at"),
        ("I9,H1,service,M1,2024-05-01,,2024-04-30", "resolved_at"),
    ],
)
def test_an_issue_dated_out_of_range_or_out_of_order_is_refused_on_upload(
    admin: httpx.Client, stored: Any, row: str, column: str
) -> None:
    before = stored()
    response = upload(
        admin, "dates.zip", zipped({"units.csv": NEW_GRID, "issues.csv": ISSUE_HEADER + row + "\n"})
    )
    assert places(response) == [("issues.csv", 2, column)]
    assert stored() == before


def test_an_assignment_out_of_range_is_refused_on_upload(admin: httpx.Client, stored: Any) -> None:
    before = stored()
    rows = "person_id,target_id,role,since,until\nM1,H2,grid_member,2024-01-01,2101-01-01\n"
    response = upload(admin, "a.zip", zipped({"units.csv": NEW_GRID, "assignments.csv": rows}))
    assert places(response) == [("assignments.csv", 2, "until")]
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reported_at": "0001-01-01"}, "reported_at"),
        ({"due_at": "0001-01-01"}, "due_at"),
        ({"due_at": "2101-01-01"}, "due_at"),
        ({"reported_at": "2024-05-20", "due_at": "2024-05-01"}, "due_at"),
    ],
)
def test_an_issue_reported_out_of_range_or_order_is_422_at_its_field(
    admin: httpx.Client, stored: Any, body: dict[str, str], field: str
) -> None:
    before = stored()
    report = {"target_id": "H2", "category": "service", "reported_by": "M1", **body}
    assert fields_of(admin.post("/issues", json=report)) == [("body", field)]
    assert stored() == before


@pytest.mark.parametrize("path", ["/issues", "/stats", "/gaps", "/units/H1/accountability"])
def test_a_year_1_as_of_is_422(admin: httpx.Client, path: str) -> None:
    assert fields_of(admin.get(path, params={"as_of": "0001-01-01"})) == [("query", "as_of")]


# ---- items 7 and 8: field limits, ids and names -------------------------------------------


BAD_IDS = {
    "nul": "H\x0012",
    "esc": "H\x1b[31m12",
    "newline": "H\n12",
    "slash": "T01/H12",
    "space": "H 12",
    "rtl": "H12\u202e",
    "zero-width": "H\u200b12",
    "cyrillic": "Т02-V01",  # a Cyrillic Т
    "long": "H" * 65,
}


@pytest.mark.parametrize("name", BAD_IDS)
def test_a_bad_id_is_refused_on_upload_at_its_place(
    admin: httpx.Client, stored: Any, name: str
) -> None:
    before = stored()
    households = "id,unit_id\n" + f'"{BAD_IDS[name]}",G1\n'
    response = upload(
        admin, "ids.zip", zipped({"units.csv": NEW_GRID, "households.csv": households})
    )
    assert places(response) == [("households.csv", 2, "id")]
    assert stored() == before


@pytest.mark.parametrize("name", BAD_IDS)
def test_a_bad_id_in_a_body_is_422_at_its_field(
    admin: httpx.Client, stored: Any, name: str
) -> None:
    before = stored()
    report = {"id": BAD_IDS[name], "target_id": "H2", "category": "service", "reported_by": "M1"}
    assert fields_of(admin.post("/issues", json=report)) == [("body", "id")]
    assignment = {"person_id": BAD_IDS[name], "target_id": "H4", "role": "grid_member"}
    assert fields_of(admin.post("/assignments", json=assignment)) == [("body", "person_id")]
    assert stored() == before


def test_a_bad_id_in_a_path_is_422(admin: httpx.Client) -> None:
    color = admin.post("/households/H1%E2%80%AE/color", json={"color": "red"})
    assert fields_of(color) == [("path", "household")]
    step = admin.post("/issues/I1%1B/dispatch", json={"department": "县民政局"})
    assert fields_of(step) == [("path", "issue")]


@pytest.mark.parametrize(
    "name", ["五组\u202e", "五\u200b组", "\x1b[31m五组", "五\n组", "五\x00组", "组" * 201]
)
def test_a_bad_name_is_refused_on_upload_at_its_place(
    admin: httpx.Client, stored: Any, name: str
) -> None:
    before = stored()
    units = UNITS_HEADER + f'G5,"{name}",grid,V1\n'
    response = upload(admin, "names.zip", zipped({"units.csv": units}))
    assert places(response) == [("units.csv", 2, "name")]
    assert stored() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "长" * 4_001}, "note"),
        ({"note": "见\u202e附件"}, "note"),
        ({"department": "部" * 501}, "department"),
        ({"category": "x\x1b[31m"}, "category"),
    ],
)
def test_long_or_invisible_text_in_a_body_is_422(
    admin: httpx.Client, stored: Any, body: dict[str, str], field: str
) -> None:
    before = stored()
    report = {"target_id": "H2", "category": "service", "reported_by": "M1", **body}
    assert fields_of(admin.post("/issues", json=report)) == [("body", field)]
    assert stored() == before


def test_a_long_note_of_a_step_is_422(admin: httpx.Client) -> None:
    response = admin.post(
        "/issues/I1/dispatch", json={"department": "县民政局", "note": "长" * 4_001}
    )
    assert fields_of(response) == [("body", "note")]


def test_a_note_within_its_limit_is_kept(admin: httpx.Client) -> None:
    note = "第一行\n第二行\t" + "长" * 3_990
    report = {"target_id": "H2", "category": "service", "reported_by": "M1", "note": note}
    response = admin.post("/issues", json=report)
    assert response.status_code == 201, response.text


def test_refusals_speak_chinese_by_default(server: Server) -> None:
    with server.client(KEYS["t1_admin"]) as client:
        client.headers.pop("Accept-Language")
        response = upload(
            client, "ids.zip", zipped({"units.csv": UNITS_HEADER + "G\u200b5,五组,grid,V1\n"})
        )
        assert places(response) == [("units.csv", 2, "id")]
        assert "编号只能由英文字母" in response.json()["problems"][0]["message"]
        report = {
            "target_id": "H2",
            "category": "service",
            "reported_by": "M1",
            "due_at": "0001-01-01",
        }
        [error] = client.post("/issues", json=report).json()["errors"]
        assert "超出范围" in error["message"]


# ---- the command line --------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("limits") / "small"
    write_folder(small(), folder)
    path = folder.parent / "gridchain.db"
    assert run("import", folder, db=path).returncode == 0
    return path


def refused_by_cli(store: Path, ledger: Path, tmp_path: Path) -> str:
    """The import's refusal (exit 2, no traceback, no internal error); nothing stored."""
    copy = tmp_path / "store.db"
    shutil.copy(store, copy)
    before = answer("stats", "--as-of", AS_OF, db=copy)
    result = run("--lang", "en", "import", "--merge", ledger, db=copy)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert answer("stats", "--as-of", AS_OF, db=copy) == before
    return result.stderr


def folder_of(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "ledger"
    folder.mkdir()
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def test_the_command_refuses_a_cell_over_the_csv_field_limit(store: Path, tmp_path: Path) -> None:
    ledger = folder_of(tmp_path, {"units.csv": NEW_GRID + "G7," + "长" * 140_000 + ",grid,V1\n"})
    assert "units.csv, line 3, column name:" in refused_by_cli(store, ledger, tmp_path)


def test_the_command_refuses_a_units_file_too_large(store: Path, tmp_path: Path) -> None:
    ledger = folder_of(tmp_path, {"units.csv": NEW_GRID * (40 * 2**20 // len(NEW_GRID))})
    assert "units.csv: too large" in refused_by_cli(store, ledger, tmp_path)


@pytest.mark.parametrize("kind", [*BROKEN_SHEETS, "no-zip"])
def test_the_command_refuses_a_damaged_workbook_naming_it(
    store: Path, tmp_path: Path, kind: str
) -> None:
    book = tmp_path / f"{kind}.xlsx"
    book.write_bytes(
        b"PK not really" if kind == "no-zip" else workbook(sheet_xml=BROKEN_SHEETS[kind])
    )
    refusal = refused_by_cli(store, book, tmp_path)
    assert re.search(rf"{kind}\.xlsx(\[units\])?: not a readable workbook", refusal), refusal


def test_the_command_refuses_a_year_1_issue_and_overdue_still_answers(
    store: Path, tmp_path: Path
) -> None:
    issues = ISSUE_HEADER + "I9,H1,service,M1,0001-01-01,,\n"
    ledger = folder_of(tmp_path, {"units.csv": NEW_GRID, "issues.csv": issues})
    assert "issues.csv, line 2, column reported_at: date 0001-01-01 is out of range" in (
        refused_by_cli(store, ledger, tmp_path)
    )
    late = run("overdue", "--as-of", AS_OF, "--json", db=tmp_path / "store.db")
    assert late.returncode == 0, late.stderr


@pytest.mark.parametrize("name", BAD_IDS)
def test_the_command_refuses_a_bad_id_at_its_place(store: Path, tmp_path: Path, name: str) -> None:
    households = "id,unit_id\n" + f'"{BAD_IDS[name]}",G1\n'
    ledger = folder_of(tmp_path, {"units.csv": NEW_GRID, "households.csv": households})
    assert "households.csv, line 2, column id:" in refused_by_cli(store, ledger, tmp_path)


def test_the_command_refuses_an_issue_report_with_a_long_note(store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store.db"
    shutil.copy(store, copy)
    before = answer("stats", "--as-of", AS_OF, db=copy)
    result = run(
        "--lang",
        "en",
        "issue",
        "report",
        "H2",
        "--category",
        "service",
        "--by",
        "M1",
        "--note",
        "长" * 4_001,
        db=copy,
    )
    assert result.returncode == 2, result.stderr
    assert "column note: too long" in result.stderr
    assert answer("stats", "--as-of", AS_OF, db=copy) == before


def test_the_command_refuses_a_step_with_a_long_or_invisible_note(
    store: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "store.db"
    shutil.copy(store, copy)
    before = answer("trace", "I1", "--as-of", AS_OF, db=copy)
    for note in ("长" * 4_001, "\x1b[31m红"):
        step = ("issue", "dispatch", "I1", "--department", "县民政局", "--note", note)
        result = run("--lang", "en", *step, db=copy)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("error: --note: ")
        assert "\x1b" not in result.stderr
    assert answer("trace", "I1", "--as-of", AS_OF, db=copy) == before


def test_the_command_names_its_problems_in_chinese_by_default(store: Path, tmp_path: Path) -> None:
    households = "id,unit_id\n" + '"Т02-V01",G1\n'
    ledger = folder_of(tmp_path, {"units.csv": NEW_GRID, "households.csv": households})
    copy = tmp_path / "store.db"
    shutil.copy(store, copy)
    result = run("import", "--merge", ledger, db=copy)
    assert result.returncode == 2
    assert "households.csv 第 2 行 编号 列: 编号只能由英文字母" in result.stderr
    assert "U+0422" in result.stderr
