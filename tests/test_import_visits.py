"""SPEC §5 and §5.2 for the work done: visits.csv (走访), sweeps.csv (摸排) and the monitored
groups (重点人群) of households.csv. Each refusal names file, physical line and column, in
Chinese unless English is asked for; Chinese files, headers and values read as the English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from counties import Rows, small
from openpyxl import Workbook

from engine.backends.memory import MemoryBackend
from engine.errors import ImportRefused
from engine.importer import validate
from engine.lang import speaking
from engine.ledger import read_dataset, write_folder
from engine.model import DataSet, Sweep, Visit

Place = tuple[str, int, str]
Mutation = Callable[[Rows], None]

# Monitored groups of the small county's households H1..H11, as a ledger may write them.
GROUPS = {"H1": "subsistence", "H3": "兜底户；边缘户", "H9": "脱贫监测户", "H10": "income drop"}


def visits() -> list[dict[str, str]]:
    """Visits to the small county's households (tests/counties.py): by their grid members, and
    one by a cadre whose liaison is elsewhere."""
    rows = [
        ("W1", "M1", "H1", "2024-05-20", "visit", "家中一切正常"),
        ("W2", "M2", "H3", "2024-05-21", "patrol", ""),
        ("W3", "M3", "H5", "2024-05-22", "service", "代办医保"),
        ("W4", "CAD1", "H10", "2024-05-23", "", ""),
    ]
    columns = ("id", "person_id", "household_id", "visited_at", "kind", "note")
    return [dict(zip(columns, row, strict=True)) for row in rows]


def sweeps() -> list[dict[str, str]]:
    return [
        {
            "id": "S1",
            "name": "花马池镇第四轮大摸排",
            "scope_id": "T1",
            "starts": "2024-05-01",
            "ends": "2024-05-31",
        },
        {
            "id": "S2",
            "name": "三组摸排",
            "scope_id": "G4",
            "starts": "2024-05-15",
            "ends": "2024-06-15",
        },
    ]


def visited() -> Rows:
    """The small county with its visits, its sweeps and its monitored households."""
    rows = small()
    for household in rows["households"]:
        household["groups"] = GROUPS.get(household["id"], "")
    return {**rows, "visits": visits(), "sweeps": sweeps()}


def line_of(index: int) -> int:
    """The physical line of the row at `index` of a file written by `write_folder`."""
    return index + 2


def read(rows: Rows, folder: Path) -> DataSet:
    write_folder(rows, folder)
    backend = MemoryBackend(folder.parent / "empty.db")
    try:
        return validate(read_dataset(folder), backend.known_labels)
    finally:
        backend.close()


def problems(rows: Rows, folder: Path) -> list[Place]:
    with pytest.raises(ImportRefused) as refused:
        read(rows, folder)
    return [(p.file, p.line, p.column) for p in refused.value.problems]


def set_cell(kind: str, index: int, column: str, value: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        rows[kind][index][column] = value

    return mutate


def append_row(kind: str, **cells: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        rows[kind].append({**dict.fromkeys(rows[kind][0], ""), **cells})

    return mutate


def drop_column(kind: str, column: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        for row in rows[kind]:
            del row[column]

    return mutate


# Row indexes: visits W1..W4 = 0..3, sweeps S1 = 0, S2 = 1, households H1..H11 = 0..10.
REFUSALS = [
    pytest.param(
        set_cell("visits", 0, "person_id", "NOBODY"),
        ("visits.csv", line_of(0), "person_id"),
        id="visit-by-an-unknown-person",
    ),
    pytest.param(
        set_cell("visits", 1, "person_id", "H3"),
        ("visits.csv", line_of(1), "person_id"),
        id="visit-by-a-household",
    ),
    pytest.param(
        set_cell("visits", 2, "household_id", "H99"),
        ("visits.csv", line_of(2), "household_id"),
        id="visit-to-an-unknown-household",
    ),
    pytest.param(
        set_cell("visits", 2, "household_id", "G1"),
        ("visits.csv", line_of(2), "household_id"),
        id="visit-to-a-grid",
    ),
    pytest.param(
        set_cell("visits", 3, "visited_at", "2024-02-30"),
        ("visits.csv", line_of(3), "visited_at"),
        id="visited-on-no-day",
    ),
    pytest.param(
        set_cell("visits", 3, "visited_at", "2024/05/23"),
        ("visits.csv", line_of(3), "visited_at"),
        id="visited-on-a-day-not-written-iso",
    ),
    pytest.param(
        set_cell("visits", 0, "visited_at", "1949-09-30"),
        ("visits.csv", line_of(0), "visited_at"),
        id="visited-before-1949-10-01",
    ),
    pytest.param(
        set_cell("visits", 0, "visited_at", "2101-01-01"),
        ("visits.csv", line_of(0), "visited_at"),
        id="visited-after-2100",
    ),
    pytest.param(
        set_cell("visits", 1, "kind", "chat"),
        ("visits.csv", line_of(1), "kind"),
        id="unknown-visit-kind",
    ),
    pytest.param(
        set_cell("visits", 1, "visited_at", ""),
        ("visits.csv", line_of(1), "visited_at"),
        id="visit-without-a-day",
    ),
    pytest.param(
        drop_column("visits", "household_id"),
        ("visits.csv", 1, "household_id"),
        id="visits-without-the-household-column",
    ),
    pytest.param(
        append_row("visits", id="W2", person_id="M1", household_id="H2", visited_at="2024-05-24"),
        ("visits.csv", line_of(4), "id"),
        id="duplicate-visit-id",
    ),
    pytest.param(
        set_cell("visits", 0, "id", "H1"),
        ("visits.csv", line_of(0), "id"),
        id="visit-id-of-a-household",
    ),
    pytest.param(
        set_cell("visits", 0, "id", "W 1"),
        ("visits.csv", line_of(0), "id"),
        id="visit-id-with-a-space",
    ),
    pytest.param(
        set_cell("visits", 0, "note", "长" * 4_001),
        ("visits.csv", line_of(0), "note"),
        id="visit-note-too-long",
    ),
    pytest.param(
        set_cell("sweeps", 0, "scope_id", "T9"),
        ("sweeps.csv", line_of(0), "scope_id"),
        id="sweep-over-an-unknown-scope",
    ),
    pytest.param(
        set_cell("sweeps", 0, "scope_id", "H1"),
        ("sweeps.csv", line_of(0), "scope_id"),
        id="sweep-over-a-household",
    ),
    pytest.param(
        set_cell("sweeps", 1, "scope_id", "M5"),
        ("sweeps.csv", line_of(1), "scope_id"),
        id="sweep-over-a-person",
    ),
    pytest.param(
        set_cell("sweeps", 1, "starts", "2024-5-15"),
        ("sweeps.csv", line_of(1), "starts"),
        id="sweep-starting-on-no-day",
    ),
    pytest.param(
        set_cell("sweeps", 0, "ends", "2024-04-30"),
        ("sweeps.csv", line_of(0), "ends"),
        id="sweep-ending-before-it-starts",
    ),
    pytest.param(
        set_cell("sweeps", 0, "ends", "2101-01-01"),
        ("sweeps.csv", line_of(0), "ends"),
        id="sweep-ending-after-2100",
    ),
    pytest.param(
        set_cell("sweeps", 0, "starts", "1949-09-30"),
        ("sweeps.csv", line_of(0), "starts"),
        id="sweep-starting-before-1949-10-01",
    ),
    pytest.param(
        set_cell("sweeps", 1, "name", ""),
        ("sweeps.csv", line_of(1), "name"),
        id="sweep-without-a-name",
    ),
    pytest.param(
        set_cell("sweeps", 1, "name", "三组\u202e摸排"),
        ("sweeps.csv", line_of(1), "name"),
        id="sweep-name-with-a-bidirectional-control",
    ),
    pytest.param(
        drop_column("sweeps", "ends"),
        ("sweeps.csv", 1, "ends"),
        id="sweeps-without-the-ends-column",
    ),
    pytest.param(
        set_cell("sweeps", 1, "id", "S1"),
        ("sweeps.csv", line_of(1), "id"),
        id="duplicate-sweep-id",
    ),
    pytest.param(
        set_cell("sweeps", 1, "id", "G4"),
        ("sweeps.csv", line_of(1), "id"),
        id="sweep-id-of-a-unit",
    ),
    pytest.param(
        set_cell("households", 0, "groups", "低保户"),
        ("households.csv", line_of(0), "groups"),
        id="unknown-monitored-group",
    ),
    pytest.param(
        set_cell("households", 2, "groups", "兜底户；低保户"),
        ("households.csv", line_of(2), "groups"),
        id="one-unknown-group-among-known-ones",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), REFUSALS)
def test_a_bad_row_is_refused_at_its_place(
    mutation: Mutation, expected: Place, tmp_path: Path
) -> None:
    rows = visited()
    mutation(rows)
    assert problems(rows, tmp_path / "ledger") == [expected]


def visit(
    visit_id: str, person: str, household: str, day: str, kind: str = "visit", note: str = ""
) -> Visit:
    return Visit(
        id=visit_id,
        person_id=person,
        household_id=household,
        visited_at=dt.date.fromisoformat(day),
        kind=kind,
        note=note or None,
    )


def sweep(sweep_id: str, name: str, scope: str, starts: str, ends: str) -> Sweep:
    return Sweep(
        id=sweep_id,
        name=name,
        scope_id=scope,
        starts=dt.date.fromisoformat(starts),
        ends=dt.date.fromisoformat(ends),
    )


def test_the_visits_the_sweeps_and_the_groups_are_read(tmp_path: Path) -> None:
    data = read(visited(), tmp_path / "ledger")
    assert data.visits == [
        visit("W1", "M1", "H1", "2024-05-20", note="家中一切正常"),
        visit("W2", "M2", "H3", "2024-05-21", kind="patrol"),
        visit("W3", "M3", "H5", "2024-05-22", kind="service", note="代办医保"),
        visit("W4", "CAD1", "H10", "2024-05-23"),  # a visit unless told otherwise
    ]
    assert data.sweeps == [
        sweep("S1", "花马池镇第四轮大摸排", "T1", "2024-05-01", "2024-05-31"),
        sweep("S2", "三组摸排", "G4", "2024-05-15", "2024-06-15"),
    ]
    assert {h.id: h.groups for h in data.households if h.groups} == {
        "H1": ("subsistence",),
        "H3": ("subsistence", "marginal"),
        "H9": ("poverty_watch",),
        "H10": ("income_drop",),
    }
    assert all(h.extra == {} for h in data.households)  # groups is no county's own column
    assert data.origins["W3"] == ("visits.csv", line_of(2))
    assert data.origins["S2"] == ("sweeps.csv", line_of(1))


@pytest.mark.parametrize(
    ("cell", "groups"),
    [
        ("兜底户；边缘户", ("subsistence", "marginal")),
        ("边缘户、收入下滑户", ("income_drop", "marginal")),
        ("marginal;poverty_watch; Income Drop ;", ("income_drop", "poverty_watch", "marginal")),
        ("兜底户;subsistence；兜底户", ("subsistence",)),
        ("", ()),
    ],
    ids=["full-width-semicolon", "enumeration-comma", "codes-and-names", "repeated", "none"],
)
def test_groups_are_codes_in_the_vocabularys_order_each_once(
    cell: str, groups: tuple[str, ...], tmp_path: Path
) -> None:
    rows = visited()
    rows["households"][0]["groups"] = cell
    [first, *_] = read(rows, tmp_path / "ledger").households
    assert (first.id, first.groups) == ("H1", groups)


def chinese_ledger(folder: Path) -> Path:
    """The small county, its new files written as a Chinese clerk writes them: 走访.csv and
    摸排.csv with Chinese headers and values, households with a 重点人群 column."""
    rows = small()
    for household in rows["households"]:
        household["groups"] = GROUPS.get(household["id"], "")
    write_folder(rows, folder)
    households = folder / "households.csv"
    text = households.read_text(encoding="utf-8").replace(",groups\r\n", ",重点人群\r\n", 1)
    households.unlink()
    (folder / "户.csv").write_text(text, encoding="utf-8-sig")
    (folder / "走访.csv").write_text(
        "编号,走访人,户编号,走访日期,类型,备注\n"
        "W1,M1,H1,2024-05-20,走访,家中一切正常\n"
        "W2,M2,H3,2024-05-21,巡查,\n"
        "W3,M3,H5,2024-05-22,服务,代办医保\n"
        "W4,CAD1,H10,2024-05-23,,\n",
        encoding="utf-8-sig",
    )
    (folder / "摸排.csv").write_text(
        "编号,名称,范围,开始日期,结束日期\n"
        "S1,花马池镇第四轮大摸排,T1,2024-05-01,2024-05-31\n"
        "S2,三组摸排,G4,2024-05-15,2024-06-15\n",
        encoding="gb18030",
    )
    return folder


def test_chinese_files_headers_and_values_read_as_the_english(tmp_path: Path) -> None:
    english = read(visited(), tmp_path / "english" / "ledger")
    backend = MemoryBackend(tmp_path / "empty.db")
    chinese = validate(read_dataset(chinese_ledger(tmp_path / "chinese")), backend.known_labels)
    backend.close()
    assert chinese.visits == english.visits
    assert chinese.visits[1].kind == "patrol"  # 类型 巡查
    assert chinese.sweeps == english.sweeps
    assert chinese.households == english.households


def test_a_workbook_holds_visits_and_sweeps_on_sheets_named_in_chinese(tmp_path: Path) -> None:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, records in {**visited(), "走访": visits(), "摸排": sweeps()}.items():
        if title in ("visits", "sweeps"):
            continue
        sheet = book.create_sheet(title)
        sheet.append(list(records[0]))
        for record in records:
            sheet.append(
                [
                    dt.datetime.fromisoformat(v) if k == "visited_at" else v or None
                    for k, v in record.items()
                ]
            )
    book.save(tmp_path / "台账.xlsx")
    backend = MemoryBackend(tmp_path / "empty.db")
    data = validate(read_dataset(tmp_path / "台账.xlsx"), backend.known_labels)
    backend.close()
    assert data.visits == read(visited(), tmp_path / "ledger").visits
    assert [sweep.id for sweep in data.sweeps] == ["S1", "S2"]


# ---- what a clerk reads ------------------------------------------------------------------


def said(rows: Rows, folder: Path) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        read(rows, folder)
    return [str(problem) for problem in refused.value.problems]


def broken() -> Rows:
    rows = visited()
    rows["visits"][0]["person_id"] = "NOBODY"
    rows["visits"][1]["kind"] = "闲聊"
    rows["sweeps"][0]["scope_id"] = "H1"
    rows["sweeps"][1]["ends"] = "2024-05-01"
    rows["households"][0]["groups"] = "低保户"
    return rows


def test_the_refusals_are_said_in_chinese_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRIDCHAIN_LANG", raising=False)
    assert said(broken(), tmp_path / "ledger") == [
        "households.csv 第 2 行 重点人群 列: 无法识别 '低保户'（可填：收入下滑户 (income_drop), "
        "兜底户 (subsistence), 脱贫监测户 (poverty_watch), 边缘户 (marginal)）",
        "sweeps.csv 第 2 行 范围 列: H1 是户，这里应为县、乡镇、村、网格或楼栋",
        "sweeps.csv 第 3 行 结束日期 列: 结束日期（2024-05-01）早于开始日期（2024-05-15）",
        "visits.csv 第 2 行 走访人 列: 找不到人员 NOBODY",
        "visits.csv 第 3 行 类型 列: 无法识别 '闲聊'（可填：走访 (visit), 巡查 (patrol), "
        "服务 (service)）",
    ]


def test_the_refusals_are_said_in_english_when_asked(tmp_path: Path) -> None:
    with speaking("en"):
        assert said(broken(), tmp_path / "ledger") == [
            "households.csv, line 2, column groups: unknown monitored group '低保户' (expected "
            "收入下滑户 (income_drop), 兜底户 (subsistence), 脱贫监测户 (poverty_watch), "
            "边缘户 (marginal))",
            "sweeps.csv, line 2, column scope_id: 'H1' is a Household, expected County or "
            "Township or Village or Grid or Building",
            "sweeps.csv, line 3, column ends: ends (2024-05-01) before it starts (2024-05-15)",
            "visits.csv, line 2, column person_id: unknown reference 'NOBODY'",
            "visits.csv, line 3, column kind: unknown visit kind '闲聊' (expected 走访 (visit), "
            "巡查 (patrol), 服务 (service))",
        ]
