"""SPEC §6 through the installed `gridchain` command: each call a new process, as a user runs it.

`gridchain demo` is covered by its own test, beside the demo generator.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from counties import small
from openpyxl import Workbook, load_workbook

from engine.ledger import write_folder
from engine.model import RECORD_KINDS
from engine.vocabulary import FILES

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

AS_OF = "2024-06-01"


def installed_gridchain() -> str:
    """The console script of this environment (the one beside its Python), else on PATH."""
    beside = Path(sys.executable).parent / "gridchain"
    found = str(beside) if beside.exists() else shutil.which("gridchain")
    assert found, "the gridchain console script is not installed (pip install -e .)"
    return found


GRIDCHAIN = installed_gridchain()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDCHAIN_", "NEO4J_"))}
    return {**env, **extra}


def run(
    *args: str | Path,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    options = ["--db", str(db)] if db is not None else []
    return subprocess.run(
        [GRIDCHAIN, *options, *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
        env=env or clean_env(),
        cwd=cwd,
    )


def answer(*args: str | Path, db: Path) -> Any:
    """The parsed JSON of a successful query."""
    result = run(*args, "--json", db=db)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ledger") / "small"
    write_folder(small(), folder)
    return folder


@pytest.fixture(scope="module")
def db(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store the small county was imported into by one `gridchain import` process."""
    path = tmp_path_factory.mktemp("store") / "gridchain.db"
    result = run("import", ledger, db=path)
    assert result.returncode == 0, result.stderr
    return path


# ---- import ------------------------------------------------------------------------------


def import_counts(stdout: str) -> dict[str, tuple[int, int]]:
    """The (added, changed) of each kind, read off the import table (kind, added, changed,
    ended, removed), whose kinds are named in Chinese (户) or English (households)."""
    counts = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        kind = FILES.code_of(cells[0])
        if len(cells) == 5 and kind in RECORD_KINDS:
            counts[kind] = (int(cells[1].replace(",", "")), int(cells[2].replace(",", "")))
    return counts


def test_import_prints_added_counts(ledger: Path, tmp_path: Path) -> None:
    result = run("import", ledger, db=tmp_path / "new.db")
    assert result.returncode == 0, result.stderr
    assert import_counts(result.stdout) == {
        "units": (12, 0),
        "households": (11, 0),
        "residents": (11, 0),
        "people": (21, 0),
        "assignments": (24, 0),
        "bodies": (2, 0),
        "issues": (2, 0),
        "visits": (0, 0),
        "sweeps": (0, 0),
    }


def test_second_import_reports_nothing_new(ledger: Path, tmp_path: Path) -> None:
    assert run("import", ledger, db=tmp_path / "g.db").returncode == 0
    again = run("import", ledger, db=tmp_path / "g.db")
    assert again.returncode == 0, again.stderr
    assert import_counts(again.stdout) == dict.fromkeys(RECORD_KINDS, (0, 0))


def test_refused_import_names_file_line_and_column(ledger: Path, tmp_path: Path, db: Path) -> None:
    rows = small()
    rows["households"][3]["color"] = "purple"
    write_folder(rows, tmp_path / "bad")
    store = tmp_path / "store.db"
    shutil.copy(db, store)
    before = answer("stats", "--as-of", AS_OF, db=store)
    result = run("import", tmp_path / "bad", db=store)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "households.csv 第 5 行 颜色 列" in result.stderr
    assert answer("stats", "--as-of", AS_OF, db=store) == before
    english = run("--lang", "en", "import", tmp_path / "bad", db=store)
    assert "households.csv, line 5, column color" in english.stderr


def test_import_of_a_missing_path_is_bad_input(tmp_path: Path) -> None:
    line = assert_one_line_error(run("import", tmp_path / "nowhere", db=tmp_path / "g.db"), 2)
    assert "nowhere" in line


def test_import_of_a_file_that_is_no_workbook_is_bad_input(tmp_path: Path) -> None:
    book = tmp_path / "county.xlsx"
    book.write_bytes(b"not a zip file at all")
    result = run("import", book, db=tmp_path / "g.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "county.xlsx" in result.stderr


def test_import_of_undecodable_text_is_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    (folder / "units.csv").write_bytes(b"id,name,level,kind,parent_id\n\xff\xfe\xff,x,county,,\n")
    result = run("import", folder, db=tmp_path / "g.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "units.csv" in result.stderr


def test_import_of_a_misnamed_file_is_bad_input_naming_the_file_it_meant(
    ledger: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ledger"
    shutil.copytree(ledger, folder)
    (folder / "households.csv").rename(folder / "household.csv")
    result = run("--lang", "en", "import", folder, db=tmp_path / "g.db")
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert (
        "  household.csv: not a ledger file name (did you mean households.csv?); expected "
        "units.csv (单元.csv), households.csv (户.csv)," in result.stderr
    )


def test_import_of_a_misnamed_sheet_is_bad_input_naming_the_sheet_it_meant(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "unit"
    sheet.append(["id", "name", "level", "parent_id"])
    sheet.append(["C", "盐池县", "county", ""])
    book.save(tmp_path / "county.xlsx")
    result = run("--lang", "en", "import", tmp_path / "county.xlsx", db=tmp_path / "g.db")
    assert result.returncode == 2, result.stdout
    assert "  county.xlsx[unit]: not a ledger sheet name (did you mean units?); expected " in (
        result.stderr
    )
    assert "  county.xlsx: no sheet named units" in result.stderr


# ---- queries, each in a new process ------------------------------------------------------


def test_who_json_has_the_spec_shape(db: Path) -> None:
    result = answer("who", "H5", "--as-of", AS_OF, db=db)
    assert set(result) >= {"target", "as_of", "commander", "chain"}
    assert (result["target"], result["as_of"]) == ("H5", AS_OF)
    assert result["commander"] == {"id": "SEC1", "name": "张书记", "role": "commander"}
    assert [level["unit"] for level in result["chain"]] == ["H5", "B1", "G3", "V2", "T1", "C"]
    assert set(result["chain"][0]) >= {"level", "unit", "name", "assignments", "vacant", "bodies"}
    assert result["chain"][3]["vacant"] == ["commander"]


def test_trace_json_of_an_overdue_issue(db: Path) -> None:
    result = answer("trace", "I1", "--as-of", AS_OF, db=db)
    assert result["issue"]["overdue_days"] == 22
    assert [step["unit"] for step in result["path"]] == ["H3", "G2", "V1", "T1", "C"]
    assert result["path"][1]["person"] is None


def test_gaps_json_within_a_scope(db: Path) -> None:
    result = answer("gaps", "--scope", "V1", "--as-of", AS_OF, db=db)
    assert result["scope"] == "V1"
    assert [(g["kind"], g["id"]) for g in result["gaps"]] == [
        ("missing_grid_head", "G2"),
        ("uncovered_household", "H4"),
    ]
    assert result["summary"] == {
        "total": 2,
        "by_kind": {"missing_grid_head": 1, "uncovered_household": 1},
        "by_township": {"T1": 2},
    }


def test_gaps_json_of_one_kind(db: Path) -> None:
    result = answer("gaps", "--kind", "missing_commander", "--as-of", AS_OF, db=db)
    assert [g["id"] for g in result["gaps"]] == ["T2", "V2", "V3"]


def test_gaps_limit_households_finds_overloaded_members(db: Path) -> None:
    result = answer(
        "gaps", "--kind", "overloaded_member", "--limit-households", "3", "--as-of", AS_OF, db=db
    )
    assert [g["id"] for g in result["gaps"]] == ["M5"]


def test_stats_json(db: Path) -> None:
    result = answer("stats", "--as-of", AS_OF, db=db)
    assert set(result) >= {"as_of", "scope", "nodes", "assignments", "gaps"}
    assert result["nodes"]["Household"] == 11
    assert result["assignments"]["grid_member"] == 5
    assert result["gaps"]["missing_commander"] == 3


def test_as_of_changes_the_answer(db: Path) -> None:
    later = answer("who", "V3", "--as-of", "2030-01-01", db=db)
    assert [h["person"]["id"] for h in later["chain"][0]["assignments"]] == ["TV3NEW"]


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["who", "H5"], ["H5", "B1", "G3", "V2", "T1", "SEC1", "M3"]),
        (["trace", "I1"], ["H3", "G2", "M2", "SEC1", "L1", "22"]),
        (["gaps", "--scope", "V1"], ["G2", "H4", "缺网格长", "户无网格员", "柳杨堡村 (V1)"]),
        (["stats"], ["户", "11"]),
    ],
    ids=["who", "trace", "gaps", "stats"],
)
def test_human_output_shows_the_key_ids(args: list[str], shown: list[str], db: Path) -> None:
    result = run(*args, "--as-of", AS_OF, db=db)
    assert result.returncode == 0, result.stderr
    for text in shown:
        assert text in result.stdout
    assert not result.stdout.lstrip().startswith("{")


def test_gridchain_db_env_var_is_honoured(ledger: Path, tmp_path: Path) -> None:
    store = tmp_path / "from-env.db"
    env = clean_env(GRIDCHAIN_DB=str(store))
    assert run("import", ledger, env=env, cwd=tmp_path).returncode == 0
    assert store.exists()
    assert not (tmp_path / "gridchain.db").exists()
    result = run("who", "H5", "--json", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["target"] == "H5"


def test_python_dash_m_engine_shows_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "engine", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    for command in ("import", "who", "trace", "gaps", "stats"):
        assert command in result.stdout


# ---- errors: one line, an exit code, never a traceback -----------------------------------


def test_unknown_id_exits_1_with_one_line(db: Path) -> None:
    line = assert_one_line_error(run("who", "NOPE", db=db), 1)
    assert "NOPE" in line


def test_trace_of_unknown_id_exits_1(db: Path) -> None:
    assert_one_line_error(run("trace", "NOPE", "--json", db=db), 1)


def test_gaps_of_unknown_scope_exits_1(db: Path) -> None:
    assert_one_line_error(run("gaps", "--scope", "NOPE", db=db), 1)


def test_bad_as_of_exits_2(db: Path) -> None:
    line = assert_one_line_error(run("who", "H5", "--as-of", "2024-13-01", db=db), 2)
    assert "2024-13-01" in line


def test_unknown_gap_kind_exits_2(db: Path) -> None:
    line = assert_one_line_error(run("gaps", "--kind", "nonsense", db=db), 2)
    assert "nonsense" in line


def test_unknown_backend_exits_2(db: Path) -> None:
    assert_one_line_error(run("--backend", "oracle", "stats", db=db), 2)


def test_store_that_is_not_sqlite_exits_1(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(bytes(range(256)) * 16)
    line = assert_one_line_error(run("stats", db=garbage), 1)
    assert "garbage.db" in line


# ---- the issue loop and five colours -------------------------------------------------------


@pytest.fixture(scope="module")
def loop_db(ledger: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of its own: these tests move issues and colour households."""
    path = tmp_path_factory.mktemp("loop") / "gridchain.db"
    assert run("import", ledger, db=path).returncode == 0
    return path


def test_overdue_json_lists_what_is_late_and_who_holds_it(loop_db: Path) -> None:
    result = answer("overdue", "--as-of", AS_OF, db=loop_db)
    assert (result["as_of"], result["scope"]) == (AS_OF, None)
    [late] = result["issues"]
    assert {key: late[key] for key in ("id", "target", "status", "due_at", "overdue_days")} == {
        "id": "I1",
        "target": "H3",
        "status": "dispatched",
        "due_at": "2024-05-10",
        "overdue_days": 22,
    }
    assert (late["level"], late["holder"]["id"], late["path"]) == (
        "County",
        "L1",
        ["H3", "G2", "V1", "T1", "C"],
    )
    assert answer("overdue", "--scope", "T2", "--as-of", AS_OF, db=loop_db)["issues"] == []
    assert answer("overdue", "--color", "green", "--as-of", AS_OF, db=loop_db)["issues"] == []


def test_an_imported_issue_without_due_date_is_overdue_by_its_category(tmp_path: Path) -> None:
    rows = small()
    unheard = {**rows["issues"][0], "id": "I3", "category": "dispute", "due_at": ""}
    rows["issues"].append(unheard)  # reported 2024-05-01, a dispute: due 7 days later
    write_folder(rows, tmp_path / "ledger")
    store = tmp_path / "g.db"
    imported = run("import", tmp_path / "ledger", db=store)
    assert imported.returncode == 0, imported.stderr
    late = {i["id"]: i for i in answer("overdue", "--as-of", AS_OF, db=store)["issues"]}
    assert (late["I3"]["due_at"], late["I3"]["overdue_days"]) == ("2024-05-08", 24)


def test_the_loop_from_the_command_line(loop_db: Path) -> None:
    steps = [
        ("issue", "dispatch", "I1", "--department", "县公安局"),
        ("issue", "ack", "I1", "--department", "县公安局"),
        ("issue", "resolve", "I1", "--by", "县公安局", "--note", "已处置"),
        ("issue", "feedback", "I1", "--unsatisfied", "--by", "M2"),
    ]
    assert [answer(*step, db=loop_db)["status"] for step in steps] == [
        "dispatched",
        "acknowledged",
        "resolved",
        "dispatched",
    ]
    line = assert_one_line_error(run("issue", "feedback", "I1", "--satisfied", db=loop_db), 1)
    assert "已派遣" in line
    timeline = answer("trace", "I1", db=loop_db)["issue"]["timeline"]
    assert [e["event"] for e in timeline if e["event"] != "escalated"] == [
        "reported",
        "dispatched",
        "dispatched",
        "acknowledged",
        "resolved",
        "reopened",
    ]


def test_a_report_from_the_command_line(loop_db: Path) -> None:
    report = ("issue", "report", "H4", "--category", "epidemic", "--by", "M2", "--id", "I9")
    issue = answer(*report, db=loop_db)
    due = dt.date.today() + dt.timedelta(days=3)  # an epidemic's days
    assert (issue["status"], issue["due_at"], issue["reported_by"]) == (
        "reported",
        due.isoformat(),
        "M2",
    )
    assert_one_line_error(run(*report, db=loop_db), 1)  # the id is taken


def test_colour_marks_from_the_command_line(loop_db: Path) -> None:
    marked = answer("color", "H2", "red", "--by", "M1", db=loop_db)
    assert (marked["color"], [c["by"] for c in marked["changes"]]) == ("red", ["M1"])
    assert answer("color", "H2", db=loop_db) == marked
    gaps = answer("gaps", "--color", "red", "--as-of", AS_OF, db=loop_db)["gaps"]
    assert [(g["kind"], g["id"]) for g in gaps] == [
        ("unattended_high_risk", "H10"),
        ("unattended_high_risk", "H2"),
    ]
    line = assert_one_line_error(run("color", "H2", "purple", db=loop_db), 2)
    assert "purple" in line


# ---- the reader's language and the lists taken away ---------------------------------------


def test_english_on_request_by_option_or_environment(db: Path) -> None:
    by_option = run("--lang", "en", "gaps", "--scope", "V1", "--as-of", AS_OF, db=db)
    by_env = run(
        "gaps", "--scope", "V1", "--as-of", AS_OF, db=db, env=clean_env(GRIDCHAIN_LANG="en")
    )
    for shown in (by_option, by_env):
        assert shown.returncode == 0, shown.stderr
        assert "missing grid head" in shown.stdout and "uncovered household" in shown.stdout
        assert "柳杨堡村 (V1)" in shown.stdout  # names stay as the county wrote them
        assert "缺网格长" not in shown.stdout


def test_an_unknown_language_is_a_usage_error(db: Path) -> None:
    assert "zh" in assert_one_line_error(run("stats", db=db, env=clean_env(GRIDCHAIN_LANG="fr")), 2)
    assert run("--lang", "fr", "stats", db=db).returncode == 2


def test_json_keeps_its_codes_in_either_language(db: Path) -> None:
    chinese = answer("gaps", "--scope", "V1", "--as-of", AS_OF, db=db)
    english = json.loads(
        run("--lang", "en", "gaps", "--scope", "V1", "--as-of", AS_OF, "--json", db=db).stdout
    )
    assert chinese == english
    assert {gap["kind"] for gap in chinese["gaps"]} >= {"missing_grid_head"}


def test_a_trace_table_reads_names_beside_ids(db: Path) -> None:
    shown = run("trace", "H4", "--as-of", AS_OF, db=db)
    assert shown.returncode == 0, shown.stderr
    assert "柳杨堡村 (V1)" in shown.stdout and "花马池镇 (T1)" in shown.stdout
    assert "网格长" in shown.stdout or "空缺" in shown.stdout


def test_a_wide_table_is_not_cut_short(db: Path) -> None:
    """Written to a pipe, a table is not cut at 80 columns: every role's name is whole."""
    shown = run("--lang", "en", "who", "G1", "--as-of", AS_OF, db=db)
    assert shown.returncode == 0, shown.stderr
    assert "deputy commander" in shown.stdout and "…" not in shown.stdout


@pytest.mark.parametrize("how", [("--format", "csv", "--out"), ("--out",)])
def test_a_list_exports_as_csv_excel_reads(db: Path, tmp_path: Path, how: tuple[str, ...]) -> None:
    out = tmp_path / "gaps.csv"
    result = run("gaps", "--scope", "V1", "--as-of", AS_OF, *how, out, db=db)
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, not GBK
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    gaps = answer("gaps", "--scope", "V1", "--as-of", AS_OF, db=db)["gaps"]
    assert rows[0][:2] == ["缺口类型", "编号"]
    assert [row[1] for row in rows[1:]] == [gap["id"] for gap in gaps]
    assert "缺网格长" in {row[0] for row in rows[1:]}


def test_a_list_exports_as_xlsx(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "overdue.xlsx"
    result = run(
        "--lang", "en", "overdue", "--as-of", AS_OF, "--format", "xlsx", "--out", out, db=db
    )
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.values)
    issues = answer("overdue", "--as-of", AS_OF, db=db)["issues"]
    assert rows[0][:3] == ("issue", "category", "about")
    assert [row[0] for row in rows[1:]] == [issue["id"] for issue in issues]
    assert [row[6] for row in rows[1:]] == [issue["overdue_days"] for issue in issues]


def test_a_gaps_export_holds_every_gap(tmp_path: Path, db: Path) -> None:
    """A terminal shows the first 200 gaps; a file takes them all."""
    out = tmp_path / "all.xlsx"
    assert run("gaps", "--as-of", AS_OF, "--out", out, db=db).returncode == 0
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet.max_row - 1 == answer("gaps", "--as-of", AS_OF, db=db)["summary"]["total"]


def test_an_out_file_that_cannot_be_written_is_refused_with_its_path(
    db: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir.csv"
    line = assert_one_line_error(run("gaps", "--out", missing, db=db), 2)
    assert str(missing) in line


def test_help_is_written_in_the_readers_language() -> None:
    chinese = run("who", "--help")
    english = run("--lang", "en", "who", "--help")
    assert "户、居民、单元或事项的责任链" in chinese.stdout and "以 JSON 输出" in chinese.stdout
    assert "The accountability chain of a household" in english.stdout
    assert "以 JSON 输出" not in english.stdout


def test_the_issue_loop_takes_names_for_ids(db: Path, tmp_path: Path) -> None:
    """An issue is reported about a household by its address, by a person by their name."""
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    reported = answer(
        "issue", "report", "H1号", "--category", "service", "--by", "张书记", "--id", "IN1", db=copy
    )
    assert (reported["target"], reported["reported_by"]) == ("H1", "SEC1")
    dispatched = answer(
        "issue", "dispatch", "IN1", "--department", "县民政局", "--by", "张书记", db=copy
    )
    assert dispatched["timeline"][-1]["by"] == "SEC1"
