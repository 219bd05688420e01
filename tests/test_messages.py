"""Every message the engine gives a person is Chinese by default and English on request
(issue 10): a refused ledger names its file, line and column in the language of the reader, in
process and through the installed `gridchain` command, and so does a record not found."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import load
from counties import AS_OF, Rows, small
from test_cli import GRIDCHAIN, clean_env

from engine import loop
from engine.backends.memory import MemoryBackend
from engine.errors import GridchainError, ImportProblem, ImportRefused, NotFound
from engine.finding import find, resolve
from engine.importer import validate
from engine.issues import IssueChange
from engine.lang import speaking
from engine.ledger import read_dataset, write_folder
from engine.semantics import IssueFilter

Mutation = Callable[[Rows], None]
# Two English words in a row: a sentence left untranslated. Codes (grid_head), ids (T99),
# file names (units.csv) and formats (YYYY-MM-DD) are single words and stay as they are.
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]+ [A-Za-z]+\b")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# What a message quotes: a value as given ('县公安局', '大水坑镇') and the vocabulary's names of
# what may be given instead (网格长 (grid_head)) stay as they are in either language.
QUOTED = re.compile(r"'[^']*'|[^ ,:]*\([^)]*\)")


@pytest.fixture(autouse=True)
def chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing asks for a language: what a county's user gets."""
    monkeypatch.delenv("GRIDCHAIN_LANG", raising=False)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[MemoryBackend]:
    opened = MemoryBackend(tmp_path / "gridchain.db")
    yield opened
    opened.close()


def line_of(index: int) -> int:
    """The physical line of the row at `index` of a file written by `write_folder`."""
    return index + 2


def set_cell(kind: str, index: int, column: str, value: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        rows[kind][index][column] = value

    return mutate


def drop_column(kind: str, column: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        for row in rows[kind]:
            del row[column]

    return mutate


def append_row(kind: str, **cells: str) -> Mutation:
    def mutate(rows: Rows) -> None:
        rows[kind].append({**dict.fromkeys(rows[kind][0], ""), **cells})

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(rows: Rows) -> None:
        for step in mutations:
            step(rows)

    return mutate


def ledger(tmp_path: Path, mutation: Mutation) -> Path:
    rows = small()
    mutation(rows)
    folder = tmp_path / "ledger"
    write_folder(rows, folder)
    return folder


def problems_of(folder: Path, backend: MemoryBackend) -> list[ImportProblem]:
    with pytest.raises(ImportRefused) as refused:
        validate(read_dataset(folder), backend.known_labels)
    return refused.value.problems


# Row indexes in counties.small() (see tests/test_import.py): units C=0 T1=1 T2=2 V1=3 …
# B1=9; households H1..H11 = 0..10; people L0=0 … M2=13; issues I1=0, I2=1.
PROBLEMS = [
    pytest.param(drop_column("residents", "name"), ("residents.csv", 1, "name"),
                 id="missing-column"),
    pytest.param(set_cell("residents", 3, "name", ""), ("residents.csv", line_of(3), "name"),
                 id="empty-cell"),
    pytest.param(set_cell("units", 7, "parent_id", "V9"), ("units.csv", line_of(7), "parent_id"),
                 id="unknown-reference"),
    pytest.param(append_row("households", id="H2", unit_id="G1"),
                 ("households.csv", line_of(11), "id"), id="duplicate-id"),
    pytest.param(both(set_cell("units", 1, "parent_id", "T2"),
                      set_cell("units", 2, "parent_id", "T1")),
                 ("units.csv", line_of(1), "parent_id"), id="parent-cycle"),
    pytest.param(set_cell("units", 3, "parent_id", "C"), ("units.csv", line_of(3), "parent_id"),
                 id="wrong-parent-level"),
    pytest.param(set_cell("assignments", 0, "person_id", "H1"),
                 ("assignments.csv", line_of(0), "person_id"), id="a-household-for-a-person"),
    pytest.param(set_cell("assignments", 4, "role", "boss"),
                 ("assignments.csv", line_of(4), "role"), id="unknown-role"),
    pytest.param(set_cell("assignments", 1, "since", "2020-13-01"),
                 ("assignments.csv", line_of(1), "since"), id="bad-date"),
    pytest.param(set_cell("assignments", 3, "until", "2019-12-31"),
                 ("assignments.csv", line_of(3), "until"), id="ends-before-it-starts"),
    pytest.param(set_cell("households", 5, "color", "purple"),
                 ("households.csv", line_of(5), "color"), id="unknown-colour"),
    pytest.param(set_cell("people", 12, "kind", "wizard"), ("people.csv", line_of(12), "kind"),
                 id="unknown-person-kind"),
    pytest.param(set_cell("people", 4, "party_member", "maybe"),
                 ("people.csv", line_of(4), "party_member"), id="not-yes-or-no"),
    pytest.param(set_cell("units", 0, "parent_id", "PROVINCE"),
                 ("units.csv", line_of(0), "parent_id"), id="county-with-a-parent"),
    pytest.param(set_cell("units", 2, "parent_id", ""), ("units.csv", line_of(2), "parent_id"),
                 id="township-without-a-parent"),
    pytest.param(both(set_cell("issues", 1, "reported_at", "9999-12-30"),
                      set_cell("issues", 1, "due_at", "")),
                 ("issues.csv", line_of(1), "reported_at"), id="no-due-date-in-the-calendar"),
]  # fmt: skip


@pytest.mark.parametrize(("mutation", "place"), PROBLEMS)
def test_each_import_problem_is_said_in_chinese_and_in_english_on_request(
    mutation: Mutation, place: tuple[str, int, str], tmp_path: Path, backend: MemoryBackend
) -> None:
    folder = ledger(tmp_path, mutation)
    [chinese] = problems_of(folder, backend)
    with speaking("en"):
        [english] = problems_of(folder, backend)
        english_place = str(english).removesuffix(english.message)
    assert (chinese.file, chinese.line, chinese.column) == place
    assert (english.file, english.line, english.column) == place
    assert CHINESE.search(chinese.message), chinese.message
    assert ENGLISH_WORDS.findall(str(chinese)) == [], str(chinese)
    assert ENGLISH_WORDS.search(english.message), english.message
    assert not CHINESE.search(english_place), english_place


def test_a_refusal_names_its_place_in_the_readers_words(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    folder = ledger(tmp_path, set_cell("units", 7, "parent_id", "V9"))
    with pytest.raises(ImportRefused) as chinese:
        validate(read_dataset(folder), backend.known_labels)
    with speaking("en"), pytest.raises(ImportRefused) as english:
        validate(read_dataset(folder), backend.known_labels)
    where = line_of(7)
    assert str(chinese.value) == (
        "导入未通过，未存入任何数据（共 1 处问题）：\n"
        f"  units.csv 第 {where} 行 上级编号 列: 找不到村 V9"
    )
    assert str(english.value) == (
        "import refused, nothing stored (1 problems):\n"
        f"  units.csv, line {where}, column parent_id: unknown reference 'V9'"
    )


def test_a_chinese_ledger_is_answered_with_its_own_headers(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    (folder / "单元.csv").write_text(
        "编号,名称,级别,上级编号\nC,盐池县,县,\nT1,花马池镇,乡镇,C\nV1,柳杨堡村,村,T99\n",
        encoding="utf-8",
    )
    (folder / "人员.csv").write_text("编号,姓名,类型\nP1,,干部\n", encoding="utf-8")
    shown = [str(problem) for problem in problems_of(folder, backend)]
    assert shown == [
        "人员.csv 第 2 行 姓名 列: 必填项为空",
        "单元.csv 第 4 行 上级编号 列: 找不到乡镇 T99",
    ]


def test_an_id_the_store_holds_as_another_kind_is_named_in_chinese(
    tmp_path: Path, backend: MemoryBackend
) -> None:
    backend.store(validate(read_dataset(ledger(tmp_path, lambda rows: None)), backend.known_labels))
    again = tmp_path / "again"
    write_folder({"people": [{"id": "G1", "name": "重名", "kind": "cadre"}]}, again)
    write_folder({"units": small()["units"][:1]}, again)  # the county alone
    [problem] = problems_of(again, backend)
    assert problem.message == "编号 G1 在库中已是网格，不能再作人员"


@pytest.mark.parametrize(
    ("files", "chinese"),
    [
        pytest.param({"unit.csv": "id\n"}, "不是台账的文件名（是不是 units.csv？）", id="misnamed"),
        pytest.param({}, "中没有这个文件", id="no-units-file"),
        pytest.param({"units.csv": ""}, "文件是空的（没有表头）", id="empty-file"),
        pytest.param({"units.csv": b"id\n\xff\xfe\xfa"}, "不是 UTF-8 或 GB18030", id="not-text"),
    ],
)
def test_a_ledger_that_cannot_be_read_is_refused_in_chinese(
    files: dict[str, str | bytes], chinese: str, tmp_path: Path
) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        read_dataset(folder)
    shown = [str(problem) for problem in refused.value.problems]
    assert any(chinese in text for text in shown), shown
    assert [ENGLISH_WORDS.findall(text) for text in shown] == [[]] * len(shown)


def test_a_record_not_found_is_said_in_either_language() -> None:
    assert str(NotFound("T99", "unit")) == "找不到单元 T99"
    assert str(NotFound("P0001", "person")) == "找不到人员 P0001"
    with speaking("en"):
        assert str(NotFound("T99", "unit")) == "no unit with id 'T99'"


def test_the_queries_say_what_is_missing_in_either_language(backend: MemoryBackend) -> None:
    with pytest.raises(NotFound, match=r"^找不到编号 NOWHERE$"):
        backend.who("NOWHERE", dt.date(2024, 6, 1))
    with pytest.raises(NotFound, match=r"^找不到人员 NOBODY$"):
        backend.person("NOBODY", dt.date(2024, 6, 1))
    with speaking("en"), pytest.raises(NotFound, match=r"^no person with id 'NOBODY'$"):
        backend.person("NOBODY", dt.date(2024, 6, 1))


def dispatch_resolved_issue(county: MemoryBackend) -> object:
    at = dt.datetime(2024, 6, 10, 9, 30, tzinfo=dt.UTC)
    change = IssueChange("I2", "dispatched", "SEC1", "test", at, "县民政局")
    return loop.transition(county, change)


def acknowledge_uncalled(county: MemoryBackend) -> object:
    at = dt.datetime(2024, 6, 10, 9, 30, tzinfo=dt.UTC)
    change = IssueChange("I1", "acknowledged", "SEC1", "test", at, "县公安局")
    return loop.transition(county, change)


def ambiguous_name(county: MemoryBackend) -> object:
    load(county, {"people": [{**small()["people"][0], "id": "P-NAMESAKE", "name": "大水坑镇"}]})
    return resolve(county, "大水坑镇")


# What a question or a step refuses, as its Chinese text says it.
REFUSED = [
    pytest.param(dispatch_resolved_issue,
                 "事项 I2 已处置，不能派遣（仅在已上报、已派遣或已报到时可以）", id="illegal-step"),
    pytest.param(acknowledge_uncalled,
                 "事项 I1 已派遣，但部门 '县公安局' 未被派遣到此事项；请先派遣",
                 id="department-not-called"),
    pytest.param(lambda county: loop.issue_list(county, AS_OF, IssueFilter(status="forgotten")),
                 "无法识别的事项状态 'forgotten'（可填：已上报 (reported), 已派遣 (dispatched), "
                 "已报到 (acknowledged), 已处置 (resolved), 已办结 (closed)）",
                 id="unknown-status"),
    pytest.param(lambda county: county.gaps(AS_OF, color="purple"),
                 "无法识别的颜色 'purple'（可填：绿 (green), 蓝 (blue), 黄 (yellow), 橙 (orange), "
                 "红 (red)）",
                 id="unknown-colour"),
    pytest.param(lambda county: county.gaps(AS_OF, kind="holes"), "无法识别的缺口类型 'holes'",
                 id="unknown-gap-kind"),
    pytest.param(lambda county: county.who("SEC1", AS_OF),
                 "SEC1 是人员，不在责任链上；请问单元、户、居民或事项", id="who-of-a-person"),
    pytest.param(lambda county: county.gaps(AS_OF, scope="NOWHERE"), "找不到单元 NOWHERE",
                 id="no-such-scope"),
    pytest.param(lambda county: find(county, "  "), "请写明要找什么：一个名称，或名称的一部分",
                 id="find-nothing"),
    pytest.param(ambiguous_name,
                 "叫 大水坑镇 的不止一处：T2（乡镇）、P-NAMESAKE（人员）；请给出编号",
                 id="ambiguous-name"),
]  # fmt: skip


@pytest.mark.parametrize(("ask", "chinese"), REFUSED)
def test_each_refused_question_or_step_is_said_in_chinese_and_in_english_on_request(
    ask: Callable[[MemoryBackend], object], chinese: str, backend: MemoryBackend
) -> None:
    load(backend, small())
    with pytest.raises(GridchainError) as refused:
        ask(backend)
    assert str(refused.value).startswith(chinese)
    assert ENGLISH_WORDS.findall(str(refused.value)) == []
    with speaking("en"), pytest.raises(GridchainError) as english:
        ask(backend)
    said = str(english.value)
    assert ENGLISH_WORDS.search(said) and not CHINESE.search(QUOTED.sub("", said)), said


# ---- through the installed command ---------------------------------------------------------


def gridchain(*args: str | Path, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = clean_env(**({"GRIDCHAIN_LANG": lang} if lang else {}))
    return subprocess.run(
        [GRIDCHAIN, *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", check=False, timeout=120, env=env,
    )  # fmt: skip


def test_the_command_refuses_a_bad_ledger_in_chinese_and_in_english_on_request(
    tmp_path: Path,
) -> None:
    folder = ledger(
        tmp_path,
        both(set_cell("units", 7, "parent_id", "V9"), set_cell("assignments", 4, "role", "boss")),
    )
    store = tmp_path / "gridchain.db"
    chinese = gridchain("--db", store, "import", folder)
    english = gridchain("--db", store, "import", folder, lang="en")
    assert (chinese.returncode, english.returncode) == (2, 2)
    assert "Traceback" not in chinese.stderr + english.stderr
    assert "导入未通过，未存入任何数据（共 2 处问题）：\n" in chinese.stderr
    assert f"  units.csv 第 {line_of(7)} 行 上级编号 列: 找不到村 V9\n" in chinese.stderr
    assert f"  assignments.csv 第 {line_of(4)} 行 职责 列: 无法识别 'boss'" in chinese.stderr
    assert "网格长 (grid_head)" in chinese.stderr
    assert "import refused, nothing stored (2 problems):\n" in english.stderr
    assert (
        f"  units.csv, line {line_of(7)}, column parent_id: unknown reference 'V9'\n"
        in english.stderr
    )
    assert (
        f"  assignments.csv, line {line_of(4)}, column role: unknown role 'boss'" in english.stderr
    )


def test_the_command_says_an_id_names_nothing_in_either_language(tmp_path: Path) -> None:
    store = tmp_path / "gridchain.db"
    assert gridchain("--db", store, "import", ledger(tmp_path, lambda rows: None)).returncode == 0
    chinese = gridchain("--db", store, "who", "T99")
    english = gridchain("--db", store, "who", "T99", lang="en")
    assert (chinese.returncode, english.returncode) == (1, 1)
    assert chinese.stderr.rstrip() == "错误：找不到编号 T99"
    assert english.stderr.rstrip() == "error: no node with id 'T99'"
