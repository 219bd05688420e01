"""SPEC §5 on the import path: every refusal names its place and stores nothing; good data
comes in from any encoding or a workbook, and a second import changes only what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from counties import AS_OF, Rows, small
from openpyxl import Workbook

from engine import fields
from engine.backends.memory import MemoryBackend
from engine.errors import ImportRefused
from engine.importer import validate
from engine.jsonout import to_json
from engine.ledger import read_dataset, write_folder
from engine.model import RECORD_KINDS, Household, ImportReport

Place = tuple[str, int, str]
Mutation = Callable[[Rows], None]
DATE_COLUMNS = {"since", "until", "reported_at", "due_at", "resolved_at"}
NOTHING = dict.fromkeys(RECORD_KINDS, 0)


def line_of(index: int) -> int:
    """The physical line of the row at `index` of a file written by `write_folder`."""
    return index + 2


def import_folder(backend: MemoryBackend, path: Path) -> ImportReport:
    return backend.store(validate(read_dataset(path), backend.known_labels))


def refusal(backend: MemoryBackend, path: Path) -> list[Place]:
    with pytest.raises(ImportRefused) as refused:
        import_folder(backend, path)
    return [(p.file, p.line, p.column) for p in refused.value.problems]


def snapshot(backend: MemoryBackend) -> tuple[str, ...]:
    """Everything an inspector can see of the store, as JSON."""
    return (
        to_json(backend.stats(AS_OF)),
        to_json(backend.gaps(AS_OF)),
        *(to_json(backend.who(h, AS_OF)) for h in ("H1", "H3", "H5", "H10")),
        *(to_json(backend.trace(i, AS_OF)) for i in ("I1", "I2")),
    )


def assert_empty(backend: MemoryBackend) -> None:
    stats = backend.stats(AS_OF)
    assert set(stats.nodes.values()) == {0}
    assert set(stats.assignments.values()) == {0}


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[MemoryBackend]:
    opened = MemoryBackend(tmp_path / "gridchain.db")
    yield opened
    opened.close()


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "small"
    write_folder(small(), folder)
    return folder


# ---- mutations of the small county -------------------------------------------------------


def set_cell(kind: str, index: int, column: str, value: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        rows[kind][index][column] = value

    return mutate


def append_row(file_kind: str, **cells: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        blank = dict.fromkeys(rows[file_kind][0], "")
        rows[file_kind].append({**blank, **cells})

    return mutate


def drop_column(kind: str, column: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        for row in rows[kind]:
            del row[column]

    return mutate


def units_at(*indexes: int) -> Mutation:
    """Keep only these unit rows and no other file (for a county alone on its units.csv)."""

    def mutate(rows: Rows) -> None:
        kept = [rows["units"][i] for i in indexes]
        rows.clear()
        rows["units"] = kept

    return mutate


def then(*mutations: Mutation) -> Mutation:
    def mutate(rows: Rows) -> None:
        for step in mutations:
            step(rows)

    return mutate


# Row indexes in counties.small(): units C=0 T1=1 T2=2 V1=3 V2=4 V3=5 G1=6 G2=7 G3=8 B1=9
# B2=10 G4=11; households H1..H11 = 0..10; people L0=0 .. M1=12, M2=13; bodies PP1=0 PO1=1;
# issues I1=0, I2=1; assignments in the order of counties.assignments().
REFUSALS = [
    pytest.param(
        drop_column("residents", "name"),
        [("residents.csv", 1, "name")],
        id="missing-required-column",
    ),
    pytest.param(
        drop_column("assignments", "role"),
        [("assignments.csv", 1, "role")],
        id="missing-role-column",
    ),
    pytest.param(
        then(units_at(0), drop_column("units", "level")),
        [("units.csv", 1, "level")],
        id="missing-level-column-in-units",
    ),
    pytest.param(
        set_cell("residents", 3, "name", ""),
        [("residents.csv", line_of(3), "name")],
        id="empty-required-cell",
    ),
    pytest.param(
        set_cell("bodies", 1, "name", " "),
        [("bodies.csv", line_of(1), "name")],
        id="blank-required-cell",
    ),
    pytest.param(
        set_cell("units", 7, "parent_id", "V9"),
        [("units.csv", line_of(7), "parent_id")],
        id="unknown-parent_id",
    ),
    pytest.param(
        set_cell("households", 3, "unit_id", "G9"),
        [("households.csv", line_of(3), "unit_id")],
        id="unknown-unit_id",
    ),
    pytest.param(
        set_cell("residents", 0, "household_id", "H99"),
        [("residents.csv", line_of(0), "household_id")],
        id="unknown-household_id",
    ),
    pytest.param(
        set_cell("assignments", 0, "person_id", "NOBODY"),
        [("assignments.csv", line_of(0), "person_id")],
        id="unknown-person_id",
    ),
    pytest.param(
        set_cell("assignments", 1, "target_id", "T9"),
        [("assignments.csv", line_of(1), "target_id")],
        id="unknown-assignment-target_id",
    ),
    pytest.param(
        set_cell("issues", 0, "target_id", "H99"),
        [("issues.csv", line_of(0), "target_id")],
        id="unknown-issue-target_id",
    ),
    pytest.param(
        set_cell("bodies", 0, "holder_id", "M9"),
        [("bodies.csv", line_of(0), "holder_id")],
        id="unknown-holder_id",
    ),
    pytest.param(
        set_cell("issues", 1, "reported_by", "M9"),
        [("issues.csv", line_of(1), "reported_by")],
        id="unknown-reported_by",
    ),
    pytest.param(
        set_cell("assignments", 0, "person_id", "H1"),
        [("assignments.csv", line_of(0), "person_id")],
        id="person_id-naming-a-household",
    ),
    pytest.param(
        append_row("households", id="H2", unit_id="G1"),
        [("households.csv", line_of(11), "id")],
        id="duplicate-id-within-a-file",
    ),
    pytest.param(
        append_row("people", id="G1", name="重名", kind="cadre"),
        [("people.csv", line_of(21), "id")],
        id="duplicate-id-across-files",
    ),
    pytest.param(
        then(set_cell("units", 1, "parent_id", "T2"), set_cell("units", 2, "parent_id", "T1")),
        [("units.csv", line_of(1), "parent_id")],
        id="cycle-of-two-townships",
    ),
    pytest.param(
        set_cell("units", 9, "parent_id", "B1"),
        [("units.csv", line_of(9), "parent_id")],
        id="unit-naming-itself-as-parent",
    ),
    pytest.param(
        set_cell("units", 3, "parent_id", "C"),
        [("units.csv", line_of(3), "parent_id")],
        id="village-under-a-county",
    ),
    pytest.param(
        set_cell("households", 2, "unit_id", "V1"),
        [("households.csv", line_of(2), "unit_id")],
        id="household-under-a-village",
    ),
    pytest.param(
        append_row("units", id="X1", name="某处", level="hamlet", parent_id="V1"),
        [("units.csv", line_of(12), "level")],
        id="unknown-level",
    ),
    pytest.param(
        set_cell("assignments", 4, "role", "boss"),
        [("assignments.csv", line_of(4), "role")],
        id="unknown-role",
    ),
    pytest.param(
        set_cell("people", 12, "kind", "wizard"),
        [("people.csv", line_of(12), "kind")],
        id="unknown-person-kind",
    ),
    pytest.param(
        set_cell("bodies", 1, "kind", "choir"),
        [("bodies.csv", line_of(1), "kind")],
        id="unknown-body-kind",
    ),
    pytest.param(
        set_cell("households", 5, "color", "purple"),
        [("households.csv", line_of(5), "color")],
        id="unknown-color",
    ),
    pytest.param(
        set_cell("issues", 0, "status", "forgotten"),
        [("issues.csv", line_of(0), "status")],
        id="unknown-issue-status",
    ),
    pytest.param(
        set_cell("assignments", 1, "since", "2020-13-01"),
        [("assignments.csv", line_of(1), "since")],
        id="bad-since-date",
    ),
    pytest.param(
        set_cell("issues", 1, "reported_at", "2024/05/01"),
        [("issues.csv", line_of(1), "reported_at")],
        id="bad-reported_at-date",
    ),
    pytest.param(
        set_cell("assignments", 3, "until", "2019-12-31"),
        [("assignments.csv", line_of(3), "until")],
        id="until-before-since",
    ),
    pytest.param(
        set_cell("people", 4, "party_member", "maybe"),
        [("people.csv", line_of(4), "party_member")],
        id="bad-party_member",
    ),
    pytest.param(
        then(
            set_cell("issues", 1, "reported_at", "9999-12-30"), set_cell("issues", 1, "due_at", "")
        ),
        [("issues.csv", line_of(1), "reported_at")],
        id="issue-whose-default-due-date-is-past-the-calendar",
    ),
    pytest.param(
        set_cell("units", 0, "parent_id", "PROVINCE"),
        [("units.csv", line_of(0), "parent_id")],
        id="county-with-a-parent",
    ),
    pytest.param(
        set_cell("units", 2, "parent_id", ""),
        [("units.csv", line_of(2), "parent_id")],
        id="township-without-a-parent",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), REFUSALS)
def test_bad_row_is_refused_at_its_place_and_nothing_is_stored(
    mutation: Mutation, expected: list[Place], tmp_path: Path, backend: MemoryBackend
) -> None:
    rows = small()
    mutation(rows)
    write_folder(rows, tmp_path / "ledger")
    assert refusal(backend, tmp_path / "ledger") == expected
    assert_empty(backend)
    backend.close()
    assert_empty(MemoryBackend(tmp_path / "gridchain.db"))  # nothing reached the file either


def test_county_alone_on_its_units_file_is_accepted(tmp_path: Path, backend: MemoryBackend) -> None:
    rows = small()
    units_at(0, 1)(rows)  # the setting of the missing-level-column case, minus the fault
    write_folder(rows, tmp_path / "ledger")
    assert import_folder(backend, tmp_path / "ledger").added == {**NOTHING, "units": 2}


def test_refusal_lists_every_problem_sorted_by_file_and_line(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    rows = small()
    rows["people"][4]["party_member"] = "maybe"
    rows["households"][5]["color"] = "purple"
    rows["households"][1]["unit_id"] = "G9"
    write_folder(rows, tmp_path / "ledger")
    assert refusal(backend, tmp_path / "ledger") == [
        ("households.csv", line_of(1), "unit_id"),
        ("households.csv", line_of(5), "color"),
        ("people.csv", line_of(4), "party_member"),
    ]


def test_refused_import_over_a_good_one_changes_nothing(
    tmp_path: Path, backend: MemoryBackend, small_folder: Path
) -> None:
    import_folder(backend, small_folder)
    before = snapshot(backend)
    rows = small()
    rows["households"][0]["color"] = "red"  # a good change, refused with the bad row below
    rows["assignments"][0]["role"] = "boss"
    append_row("units", id="G9", name="新组", level="grid", parent_id="V1")(rows)
    write_folder(rows, tmp_path / "changed")
    assert refusal(backend, tmp_path / "changed") == [("assignments.csv", line_of(0), "role")]
    assert snapshot(backend) == before
    backend.close()
    assert snapshot(MemoryBackend(tmp_path / "gridchain.db")) == before


def test_id_stored_under_another_label_is_refused(
    tmp_path: Path, backend: MemoryBackend, small_folder: Path
) -> None:
    import_folder(backend, small_folder)
    before = snapshot(backend)
    second = tmp_path / "second"
    second.mkdir()
    (second / "units.csv").write_text("id,name,level,kind,parent_id\n", encoding="utf-8")
    write_folder({"people": [{"id": "H1", "name": "冒名", "kind": "cadre"}]}, second)
    assert refusal(backend, second) == [("people.csv", 2, "id")]
    assert snapshot(backend) == before


def test_unit_changing_level_on_a_second_import_is_refused(
    tmp_path: Path, backend: MemoryBackend, small_folder: Path
) -> None:
    import_folder(backend, small_folder)
    rows = small()
    rows["units"][10]["level"] = "grid"  # B2 was a building
    rows["units"][10]["parent_id"] = "V2"
    write_folder(rows, tmp_path / "changed")
    before = snapshot(backend)
    assert refusal(backend, tmp_path / "changed") == [("units.csv", line_of(10), "id")]
    assert snapshot(backend) == before


def test_folder_without_units_is_refused(tmp_path: Path, backend: MemoryBackend) -> None:
    rows = small()
    del rows["units"]
    write_folder(rows, tmp_path / "ledger")
    assert [place[0] for place in refusal(backend, tmp_path / "ledger")] == ["units.csv"]


# ---- reading: encodings, physical lines, workbooks ---------------------------------------


def reencode(folder: Path, encode: Callable[[str], bytes]) -> None:
    for file in folder.glob("*.csv"):
        file.write_bytes(encode(file.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda text: text.encode("gb18030"), id="gb18030"),
    ],
)
def test_csv_encodings_keep_chinese_names(
    encode: Callable[[str], bytes], small_folder: Path, backend: MemoryBackend
) -> None:
    reencode(small_folder, encode)
    report = import_folder(backend, small_folder)
    assert report.added["units"] == 12
    chain = backend.who("H5", AS_OF).chain
    assert [level.name for level in chain[1:]] == [
        "1号楼",
        "锦绣小区",
        "东塘社区",
        "花马池镇",
        "盐池县",
    ]
    assert backend.resident("R1").name == "居民1"


def test_quoted_newline_shifts_the_lines_of_later_rows(
    small_folder: Path, backend: MemoryBackend
) -> None:
    rows = small()
    rows["households"][0]["address"] = "花马池镇\n柳杨堡村一组"  # row 0 takes lines 2 and 3
    rows["households"][3]["color"] = "purple"  # row 3 is on line 6, not 5
    write_folder(rows, small_folder)
    assert refusal(backend, small_folder) == [("households.csv", 6, "color")]


def test_blank_lines_are_skipped_but_counted(small_folder: Path, backend: MemoryBackend) -> None:
    rows = small()
    rows["households"][3]["color"] = "purple"
    write_folder(rows, small_folder)
    file = small_folder / "households.csv"
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2:2] = ["\r\n", ",,,,,\r\n"]  # after H1: an empty line and a line of empty cells
    file.write_text("".join(lines), encoding="utf-8", newline="")
    assert refusal(backend, small_folder) == [("households.csv", line_of(3) + 2, "color")]


def test_blank_lines_import_nothing_extra(small_folder: Path, backend: MemoryBackend) -> None:
    file = small_folder / "households.csv"
    file.write_text(file.read_text(encoding="utf-8") + "\r\n\r\n", encoding="utf-8")
    assert import_folder(backend, small_folder).added["households"] == 11


def write_workbook(rows: Rows, path: Path, bad: tuple[str, int, str, str] | None = None) -> None:
    """One sheet per file stem; dates as real datetimes, empty cells as nothing."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for kind, records in rows.items():
        sheet = book.create_sheet(kind)
        sheet.append(list(records[0]))
        for record in records:
            sheet.append([cell_value(column, text) for column, text in record.items()])
    if bad is not None:
        kind, blank_rows, column, value = bad
        sheet = book[kind]
        for _ in range(blank_rows):
            sheet.append([])
        broken = {**rows[kind][0], "id": "X99", column: value}
        sheet.append([cell_value(c, text) for c, text in broken.items()])
    book.save(path)


def cell_value(column: str, text: str) -> object:
    if not text:
        return None
    if column in DATE_COLUMNS:
        return dt.datetime.fromisoformat(text)
    return text


def test_workbook_imports_the_same_as_the_csv_folder(
    tmp_path: Path, small_folder: Path, backend: MemoryBackend
) -> None:
    book = tmp_path / "county.xlsx"
    write_workbook(small(), book)
    import_folder(backend, book)
    from_csv = MemoryBackend(tmp_path / "from-csv.db")
    import_folder(from_csv, small_folder)
    assert snapshot(backend) == snapshot(from_csv)
    assert backend.trace("I1", AS_OF).issue.overdue_days == 22  # type: ignore[union-attr]
    from_csv.close()


def test_workbook_problem_names_sheet_and_row(tmp_path: Path, backend: MemoryBackend) -> None:
    book = tmp_path / "county.xlsx"
    write_workbook(small(), book, bad=("households", 2, "color", "purple"))
    # header, 11 households, two empty rows, then the bad one
    assert refusal(backend, book) == [("county.xlsx[households]", 1 + 11 + 2 + 1, "color")]
    assert_empty(backend)


def test_extra_columns_are_kept(tmp_path: Path, small_folder: Path, backend: MemoryBackend) -> None:
    rows = small()
    for household in rows["households"]:
        household["remark"] = "低保户" if household["id"] == "H1" else ""
    write_folder(rows, small_folder)
    import_folder(backend, small_folder)
    assert households_of(backend)["H1"].extra == {"remark": "低保户"}
    assert households_of(backend)["H2"].extra == {}
    backend.close()
    reopened = MemoryBackend(tmp_path / "gridchain.db")
    assert households_of(reopened)["H1"].extra == {"remark": "低保户"}


def households_of(backend: MemoryBackend) -> dict[str, Household]:
    return {h.id: h for h in backend.snapshot().households}


# ---- a second import ---------------------------------------------------------------------


def test_importing_the_same_folder_twice_changes_nothing(
    small_folder: Path, backend: MemoryBackend
) -> None:
    first = import_folder(backend, small_folder)
    assert first.added["units"] == 12 and first.added["assignments"] == 24
    assert first.changed == NOTHING
    before = snapshot(backend)
    second = import_folder(backend, small_folder)
    assert second.added == NOTHING
    assert second.changed == NOTHING
    assert snapshot(backend) == before


def test_reimport_into_a_reopened_store_changes_nothing(
    tmp_path: Path, small_folder: Path, backend: MemoryBackend
) -> None:
    import_folder(backend, small_folder)
    before = snapshot(backend)
    backend.close()
    reopened = MemoryBackend(tmp_path / "gridchain.db")
    assert snapshot(reopened) == before
    report = import_folder(reopened, small_folder)
    assert (report.added, report.changed) == (NOTHING, NOTHING)


def test_changed_file_updates_exactly_what_changed(
    tmp_path: Path, small_folder: Path, backend: MemoryBackend
) -> None:
    import_folder(backend, small_folder)
    rows = small()
    rows["households"][0]["color"] = "red"  # H1: now high risk, nobody of cadre kind on it
    rows["assignments"][12]["until"] = "2024-05-01"  # M2 left H3 before AS_OF
    assert rows["assignments"][12]["person_id"] == "M2"
    write_folder(rows, tmp_path / "changed")
    report = import_folder(backend, tmp_path / "changed")
    assert report.added == NOTHING
    assert report.changed == {**NOTHING, "households": 1, "assignments": 1}
    kinds_ids = [(g.kind, g.id) for g in backend.gaps(AS_OF).gaps]
    assert ("unattended_high_risk", "H1") in kinds_ids
    assert ("uncovered_household", "H3") in kinds_ids
    assert backend.who("H3", AS_OF).chain[0].vacant == ["grid_member"]
    assert backend.trace("H3", AS_OF).path[0].person is None
    assert backend.trace("H3", dt.date(2024, 5, 1)).path[0].person is not None
    assert backend.stats(AS_OF).assignments["grid_member"] == 4


def test_second_import_of_assignments_resolves_against_the_store(
    tmp_path: Path, small_folder: Path, backend: MemoryBackend
) -> None:
    import_folder(backend, small_folder)
    assert backend.who("G2", AS_OF).chain[0].vacant == ["grid_head"]
    second = tmp_path / "second"
    second.mkdir()
    (second / "units.csv").write_text("id,name,level,kind,parent_id\n", encoding="utf-8")
    write_folder(
        {
            "assignments": [
                {"person_id": "GH1", "target_id": "G2", "role": "grid_head", "since": "2024-01-01"},
                {"person_id": "M2", "target_id": "H4", "role": "grid_member", "since": ""},
            ]
        },
        second,
    )
    report = import_folder(backend, second)
    assert report.added == {**NOTHING, "assignments": 2}
    assert backend.who("G2", AS_OF).chain[0].vacant == []
    gaps = [(g.kind, g.id) for g in backend.gaps(AS_OF, scope="V1").gaps]
    assert gaps == []


def test_rows_given_twice_in_one_import_are_refused_not_merged(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    rows = small()
    rows["assignments"].append(dict(rows["assignments"][5]))
    write_folder(rows, tmp_path / "ledger")
    # assignments.csv has no id column: the row's own id is who, where, as what, from when
    [(file, line, _)] = refusal(backend, tmp_path / "ledger")
    assert (file, line) == ("assignments.csv", line_of(24))


# ---- what one cell may be (engine/fields.py) -----------------------------------------------


@pytest.mark.parametrize("good", ["C", "H0003576", "P1.a_b-c:d", "x" * 64])
def test_ids_of_printable_ascii_are_taken(good: str) -> None:
    assert fields.cell_problem("id", good) is None


@pytest.mark.parametrize("bad", ["x" * 65, "Т02", "H 1", "H/1", "H\u200b1", "H\x1b1", "H\x001"])
def test_other_ids_are_refused(bad: str) -> None:
    assert fields.id_problem(bad) is not None


def test_only_an_assignment_may_be_known_by_its_key() -> None:
    key = "M2>H4:grid_member@2024-01-01"
    assert fields.cell_problem("id", key, "assignments") is None
    assert fields.cell_problem("id", key, "households") is not None


def test_text_may_run_over_lines_a_name_may_not() -> None:
    assert fields.cell_problem("address", "花马池镇\n柳杨堡村\t一组") is None
    assert fields.cell_problem("note", "长" * fields.MAX_NOTE) is None
    assert fields.cell_problem("note", "长" * (fields.MAX_NOTE + 1)) is not None
    assert fields.cell_problem("name", "一\n组") is not None
    assert fields.cell_problem("address", "见\u202e附件") is not None


def test_an_escape_is_shown_by_its_code_point_never_raw() -> None:
    problem = fields.cell_problem("name", "\x1b[31m五组")
    assert problem is not None
    assert "U+001B" in problem
    assert "\x1b" not in problem


def test_a_refusal_of_many_problems_keeps_the_first_100_and_counts_all(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    rows = small()
    rows["households"] += [{"id": f"H{n}x", "unit_id": "G99"} for n in range(150)]
    write_folder(rows, tmp_path / "ledger")
    with pytest.raises(ImportRefused) as refused:
        import_folder(backend, tmp_path / "ledger")
    assert (len(refused.value.problems), refused.value.total) == (100, 150)
    assert "150" in str(refused.value)
