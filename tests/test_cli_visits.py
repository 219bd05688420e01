"""Work done through the installed `gridchain` command (issue 13, items 2–5): `visit` records a
visit and says at once whether it counts, and why not; `sweeps` lists the sweeps; `scorecard`
ranks a sweep's units or people by coverage, names beside ids, Chinese by default; `gaps` takes
each monitored group's interval from GRIDCHAIN_VISIT_DAYS."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_cli import assert_one_line_error, clean_env, run
from work_done import AS_OF, work_done_store

pytestmark = pytest.mark.slow

DAY = AS_OF.isoformat()
COMING = dt.date.today() + dt.timedelta(days=3)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return work_done_store(tmp_path_factory.mktemp("work"))


@pytest.fixture
def db(store: Path, tmp_path: Path) -> Path:
    """A copy of the store for a test that writes."""
    copy = tmp_path / "gridchain.db"
    shutil.copy(store, copy)
    return copy


def answer(*args: str, db: Path, **env: str) -> Any:
    result = run(*args, "--json", db=db, env=clean_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def person(id: str, name: str, role: str) -> dict[str, str]:
    return {"id": id, "name": name, "role": role}


# ---- scorecard -----------------------------------------------------------------------------


def test_the_scorecard_ranks_grids_least_covered_first_in_the_shape_of_the_spec(
    store: Path,
) -> None:
    card = answer("scorecard", "--sweep", "S1", "--as-of", DAY, db=store)
    assert card["sweep"] == {
        "id": "S1",
        "name": "春季大摸排",
        "scope": "T1",
        "starts": "2024-05-01",
        "ends": "2024-05-31",
    }
    assert (card["as_of"], card["by"], card["finished"]) == (DAY, "grid", True)
    rows = [
        (r["unit"], r["name"], r["level"], r["households"], r["visited"], r["coverage"])
        for r in card["rows"]
    ]
    assert rows == [
        ("G2", "二组", "Grid", 2, 0, 0.0),
        ("G3", "锦绣小区", "Grid", 3, 1, 0.333),
        ("G1", "一组", "Grid", 2, 1, 0.5),
    ]
    assert [r["accountable"] for r in card["rows"]] == [
        None,
        person("GH3", "黄网格长", "grid_head"),
        person("GH1", "杨网格长", "grid_head"),
    ]
    assert {k: card["total"][k] for k in ("households", "visited", "coverage")} == {
        "households": 7,
        "visited": 2,
        "coverage": 0.286,
    }


def test_the_scorecard_table_is_chinese_with_names_percentages_and_a_total(store: Path) -> None:
    shown = run("scorecard", "--sweep", "S1", "--as-of", DAY, db=store)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "春季大摸排（S1）走访覆盖率，按网格" in text
    for words in ("二组 (G2)", "0.0%", "锦绣小区 (G3)", "33.3%", "50.0%", "28.6%"):
        assert words in text
    assert "杨网格长 (GH1, 网格长)" in text and "空缺" in text
    assert "合计：花马池镇" in text
    assert text.index("二组 (G2)") < text.index("锦绣小区 (G3)") < text.index("一组 (G1)")


def test_the_scorecard_by_village_names_each_commander(store: Path) -> None:
    card = answer("scorecard", "--sweep", "春季大摸排", "--by", "village", "--as-of", DAY, db=store)
    assert [(r["unit"], r["coverage"], r["accountable"]) for r in card["rows"]] == [
        ("V1", 0.25, person("TV1", "刘镇干部", "commander")),
        ("V2", 0.333, None),
    ]


def test_the_scorecard_by_person_counts_only_their_own_counting_visits(store: Path) -> None:
    card = answer("scorecard", "--sweep", "S1", "--by", "person", "--as-of", DAY, db=store)
    rows = {r["unit"]: r for r in card["rows"]}
    assert (rows["M1"]["name"], rows["M1"]["households"], rows["M1"]["visited"]) == (
        "郑网格员",
        2,
        1,
    )
    assert (rows["M2"]["households"], rows["M2"]["visited"]) == (1, 0)
    assert all(r["level"] == "Person" for r in card["rows"])


def test_a_running_sweep_shows_its_coverage_so_far(store: Path) -> None:
    card = answer("scorecard", "--sweep", "S2", "--as-of", DAY, db=store)
    assert card["finished"] is False
    assert [(r["unit"], r["households"], r["visited"]) for r in card["rows"]] == [("G4", 4, 2)]
    shown = run("scorecard", "--sweep", "S2", "--as-of", DAY, db=store)
    assert "进行中，截至 2024-06-01" in shown.stdout


def test_a_ranking_above_the_sweeps_scope_and_an_unknown_sweep_are_refused(store: Path) -> None:
    above = run("scorecard", "--sweep", "S2", "--by", "township", db=store)
    assert "不能按乡镇排名" in assert_one_line_error(above, 2)
    unknown = run("scorecard", "--sweep", "S9", db=store)
    assert "S9" in assert_one_line_error(unknown, 1)


def test_the_scorecard_exports_as_csv_and_in_english(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.csv"
    done = run("scorecard", "--sweep", "S1", "--as-of", DAY, "--out", out, db=store)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["单元", "户数", "已走访", "覆盖率", "责任人", "上报事项", "按期办结", "满意"]
    assert rows[1][:4] == ["二组 (G2)", "2", "0", "0.0%"]
    assert rows[-1][:4] == ["合计：花马池镇", "7", "2", "28.6%"]
    english = run(
        "scorecard", "--sweep", "S1", "--as-of", DAY, db=store, env=clean_env(GRIDCHAIN_LANG="en")
    )
    assert "Coverage of 春季大摸排 (S1) by grid" in english.stdout
    assert "vacant" in english.stdout


# ---- sweeps --------------------------------------------------------------------------------


def test_sweeps_lists_each_with_its_scope_and_state(store: Path) -> None:
    listed = answer("sweeps", "--as-of", DAY, db=store)
    assert [(s["id"], s["scope"], s["scope_name"], s["state"]) for s in listed["sweeps"]] == [
        ("S1", "T1", "花马池镇", "finished"),
        ("S2", "V3", "新泉井村", "running"),
    ]
    shown = run("sweeps", "--as-of", DAY, db=store).stdout
    assert "花马池镇 (T1)" in shown and "已结束" in shown and "进行中" in shown


# ---- visit ---------------------------------------------------------------------------------


def test_a_visit_by_the_assigned_member_is_stored_and_counts(db: Path) -> None:
    shown = run(
        "visit", "H2", "--by", "郑网格员", "--on", "2024-05-20", "--note", "核实收入", db=db
    )
    assert shown.returncode == 0, shown.stderr
    assert "这次走访计入 H2 的走访覆盖率" in shown.stdout
    card = answer("scorecard", "--sweep", "S1", "--as-of", DAY, db=db)
    assert next(r for r in card["rows"] if r["unit"] == "G1")["visited"] == 2


def test_a_visit_outside_the_visitors_assignments_is_kept_and_says_why_it_counts_for_nothing(
    db: Path,
) -> None:
    visit = answer("visit", "H4", "--by", "M1", "--on", "2024-05-20", "--kind", "patrol", db=db)
    assert visit["id"].startswith("V20240520-") and visit["id"].isascii()
    assert (visit["household"], visit["person"], visit["kind"]) == (
        "H4",
        {"id": "M1", "name": "郑网格员"},
        "patrol",
    )
    assert visit["counts"] is False
    assert "不计入" in visit["verdict"] and "二组" in visit["verdict"]
    assert "一组（G1）" in visit["verdict"]  # what M1 did hold that day
    card = answer("scorecard", "--sweep", "S1", "--as-of", DAY, db=db)
    assert next(r for r in card["rows"] if r["unit"] == "G2")["visited"] == 0
    english = run(
        "visit", "H4", "--by", "M1", "--on", "2024-05-21", db=db, env=clean_env(GRIDCHAIN_LANG="en")
    )
    assert "counts for nothing" in english.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["H1", "--by", "P99"], "P99"),
        (["H99", "--by", "M1"], "H99"),
        (["H1", "--by", "M1", "--kind", "dance"], "dance"),
        (["H1", "--by", "M1", "--on", "2024-02-30"], "--on"),
        (
            ["H1", "--by", "M1", "--on", (dt.date.today() + dt.timedelta(days=3)).isoformat()],
            "走访",
        ),
    ],
    ids=["unknown-person", "unknown-household", "unknown-kind", "bad-date", "a-day-to-come"],
)
def test_a_bad_visit_is_refused_and_nothing_is_stored(
    db: Path, args: list[str], named: str
) -> None:
    refused = run("visit", *args, db=db)
    assert named in assert_one_line_error(refused, 2)
    visits = answer("scorecard", "--sweep", "S1", "--as-of", DAY, db=db)
    assert visits["total"]["visited"] == 2


# ---- gaps ----------------------------------------------------------------------------------


def test_gaps_name_the_sweep_that_missed_a_household(store: Path) -> None:
    found = answer("gaps", "--kind", "unvisited_household", "--as-of", DAY, db=store)
    assert {(g["id"], g["sweep"]) for g in found["gaps"]} == {
        (h, "S1") for h in ("H2", "H3", "H4", "H6", "H7")
    }
    shown = run("gaps", "--kind", "unvisited_household", "--as-of", DAY, db=store).stdout
    assert "未走访户" in shown and "摸排" in shown and "S1" in shown


def test_gaps_take_each_groups_visit_interval_from_the_setting(store: Path) -> None:
    """H10 (兜底户) was visited 12 days before: overdue only when its group's interval is less."""
    asked = ("gaps", "--kind", "overdue_visit", "--as-of", DAY)
    by_default = answer(*asked, db=store)
    assert [g["id"] for g in by_default["gaps"]] == ["H2"]
    strict = answer(*asked, db=store, GRIDCHAIN_VISIT_DAYS="兜底户=7")
    assert [g["id"] for g in strict["gaps"]] == ["H10", "H2"]
    bad = run(*asked, db=store, env=clean_env(GRIDCHAIN_VISIT_DAYS="subsistence=often"))
    assert "GRIDCHAIN_VISIT_DAYS" in assert_one_line_error(bad, 2)
