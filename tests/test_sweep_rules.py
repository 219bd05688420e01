"""SPEC §4.5's rules that need no graph (engine/sweeps.py): a sweep's window, when it is
finished, which finished sweep judges a household, the visit interval of each monitored group,
the scorecard's arithmetic and order. Every expected value is worked out here from the SPEC."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import BadQuery
from engine.lang import speaking
from engine.model import PersonRef, Sweep
from engine.sweeps import (
    IssueFigures,
    UnitCoverage,
    check_ranking,
    coverage,
    due_since,
    finished,
    latest_finished,
    level_label,
    scorecard_result,
    tally,
    visit_cutoffs,
    visit_days,
    window,
)

DAY = dt.timedelta(days=1)
MAY_1 = dt.date(2024, 5, 1)
MAY_31 = dt.date(2024, 5, 31)
JUNE_30 = dt.date(2024, 6, 30)


def sweep(sweep_id: str, starts: dt.date, ends: dt.date, scope: str = "T1") -> Sweep:
    return Sweep(id=sweep_id, name=f"摸排{sweep_id}", scope_id=scope, starts=starts, ends=ends)


MAY = sweep("S1", MAY_1, MAY_31)


# ---- window and finished -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (MAY_1 - DAY, None),  # the day before it starts: nothing counts yet
        (MAY_1, (MAY_1, MAY_1)),  # its first day: starts … min(05-31, 05-01)
        (dt.date(2024, 5, 15), (MAY_1, dt.date(2024, 5, 15))),  # running: so far
        (MAY_31, (MAY_1, MAY_31)),  # its last day: min(05-31, 05-31)
        (JUNE_30, (MAY_1, MAY_31)),  # afterwards: the whole round, never past `ends`
    ],
)
def test_window_runs_from_starts_to_the_earlier_of_ends_and_as_of(
    as_of: dt.date, expected: tuple[dt.date, dt.date] | None
) -> None:
    assert window(MAY, as_of) == expected


def test_a_one_day_sweep_has_a_one_day_window() -> None:
    assert window(sweep("S", MAY_1, MAY_1), MAY_1) == (MAY_1, MAY_1)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (MAY_1, False),
        (MAY_31, False),  # ends < as_of is false on its last day: still running
        (MAY_31 + DAY, True),  # 05-31 < 06-01
        (JUNE_30, True),
    ],
)
def test_finished_once_as_of_is_past_ends(as_of: dt.date, expected: bool) -> None:
    assert finished(MAY, as_of) is expected


def test_latest_finished_takes_the_latest_ends() -> None:
    early = sweep("S9", MAY_1, dt.date(2024, 5, 10))
    late = sweep("S1", MAY_1, MAY_31)  # lower id, but ends later
    assert latest_finished([early, late], JUNE_30) is late


def test_latest_finished_breaks_a_tie_on_ends_by_the_highest_id() -> None:
    # Both end 05-31; "S10" < "S2" as text, so the highest id is "S2".
    tied = [sweep("S10", MAY_1, MAY_31), sweep("S2", dt.date(2024, 5, 20), MAY_31)]
    assert latest_finished(tied, JUNE_30) is tied[1]
    assert latest_finished(list(reversed(tied)), JUNE_30) is tied[1]


def test_latest_finished_ignores_a_running_sweep() -> None:
    done = sweep("S1", MAY_1, MAY_31)
    running = sweep("S2", dt.date(2024, 6, 20), dt.date(2024, 7, 10))  # ends after 06-30
    ending_today = sweep("S3", dt.date(2024, 6, 1), JUNE_30)  # 06-30 < 06-30 is false
    assert latest_finished([done, running, ending_today], JUNE_30) is done


def test_latest_finished_of_nothing_finished_is_none() -> None:
    assert latest_finished([], JUNE_30) is None
    assert latest_finished([sweep("S1", MAY_1, JUNE_30)], JUNE_30) is None


# ---- monitored groups: visit intervals -----------------------------------------------------

ALL_30 = {"income_drop": 30, "subsistence": 30, "poverty_watch": 30, "marginal": 30}


@pytest.mark.parametrize("text", [None, "", " ", ",", " , ,"])
def test_visit_days_default_to_30_for_every_group(text: str | None) -> None:
    assert visit_days(text) == ALL_30


def test_visit_days_set_some_groups_by_code() -> None:
    assert visit_days("subsistence=14,marginal=60") == {
        **ALL_30,
        "subsistence": 14,
        "marginal": 60,
    }


def test_visit_days_take_chinese_names_and_spaces() -> None:
    assert visit_days(" 兜底户 = 7 , 脱贫监测户=90,") == {
        **ALL_30,
        "subsistence": 7,
        "poverty_watch": 90,
    }


def test_visit_days_take_english_names_in_any_case() -> None:
    assert visit_days("Income Drop=10") == {**ALL_30, "income_drop": 10}


def test_visit_days_bounds_are_one_day_and_a_leap_year() -> None:
    assert visit_days("marginal=1,subsistence=366") == {
        **ALL_30,
        "marginal": 1,
        "subsistence": 366,
    }


@pytest.mark.parametrize(
    "text",
    [
        "subsistence",  # no `=`
        "subsistence:14",
        "=14",  # no group
        "nobody=14",  # not a monitored group
        "低保户=14",  # a Chinese word, but not one of the four groups
        "subsistence=",
        "subsistence=0",
        "subsistence=367",
        "subsistence=-3",
        "subsistence=1.5",
        "subsistence=two",
        "subsistence=14=7",
        "subsistence=²",  # a digit to str.isdigit, not to int()
    ],
)
def test_bad_visit_days_are_a_bad_query_not_a_traceback(text: str) -> None:
    with pytest.raises(BadQuery):
        visit_days(text)


def test_bad_visit_days_name_the_setting_and_the_groups_in_chinese() -> None:
    with speaking("zh"), pytest.raises(BadQuery) as refused:
        visit_days("低保户=14")
    message = str(refused.value)
    assert "GRIDCHAIN_VISIT_DAYS" in message
    assert "低保户" in message
    assert "兜底户" in message  # what it could have said


def test_bad_visit_days_name_the_number_in_english() -> None:
    with speaking("en"), pytest.raises(BadQuery) as refused:
        visit_days("marginal=400")
    message = str(refused.value)
    assert "GRIDCHAIN_VISIT_DAYS" in message
    assert "400" in message
    assert "366" in message


def test_visit_cutoffs_count_as_of_itself() -> None:
    # 30 days up to and including 06-30 are 06-01 … 06-30: 06-30 − (30 − 1) = 06-01.
    # 14 days: 06-30 − 13 = 06-17. 60 days: 06-30 − 59 = 05-02 (29 days back to 06-01, 30
    # more through May's 31 days to 05-02). 1 day: only 06-30 itself.
    cutoffs = visit_cutoffs(
        {"income_drop": 30, "subsistence": 14, "marginal": 60, "poverty_watch": 1}, JUNE_30
    )
    assert cutoffs == {
        "income_drop": dt.date(2024, 6, 1),
        "subsistence": dt.date(2024, 6, 17),
        "marginal": dt.date(2024, 5, 2),
        "poverty_watch": JUNE_30,
    }


def test_visit_cutoffs_cross_a_leap_day() -> None:
    # 2024-03-10 − 29 days: 9 days back to 03-01, 29 Feb, then 19 more to 02-10.
    assert visit_cutoffs({"marginal": 30}, dt.date(2024, 3, 10)) == {
        "marginal": dt.date(2024, 2, 10)
    }


def test_due_since_is_none_for_a_household_in_no_group() -> None:
    assert due_since((), visit_cutoffs(ALL_30, JUNE_30)) is None


def test_due_since_holds_a_household_in_two_groups_to_the_strictest() -> None:
    cutoffs = visit_cutoffs({**ALL_30, "subsistence": 14, "marginal": 60}, JUNE_30)
    # subsistence: 06-17, marginal: 05-02; the strictest is the later day.
    assert due_since(("subsistence", "marginal"), cutoffs) == dt.date(2024, 6, 17)
    assert due_since(("marginal", "subsistence"), cutoffs) == dt.date(2024, 6, 17)
    assert due_since(("marginal",), cutoffs) == dt.date(2024, 5, 2)


# ---- the scorecard's arithmetic and order --------------------------------------------------


@pytest.mark.parametrize(
    ("households", "visited", "expected"),
    [
        (0, 0, None),  # no households: no share, not 0
        (4, 4, 1.0),
        (4, 0, 0.0),
        (2, 1, 0.5),
        (3, 2, 0.667),  # 0.6666… rounds up
        (3, 1, 0.333),  # 0.3333… rounds down
        (7, 4, 0.571),  # 0.571428…
        (9, 2, 0.222),  # 0.2222…
        (8, 1, 0.125),  # exact at three decimals
        (1000, 1, 0.001),
        (1500, 1, 0.001),  # 0.000666… rounds up
        (3000, 1, 0.0),  # 0.000333… rounds down to nothing
    ],
)
def test_coverage_is_visited_over_households_to_three_decimals(
    households: int, visited: int, expected: float | None
) -> None:
    assert coverage(households, visited) == expected


@pytest.mark.parametrize(
    ("by", "label"),
    [("grid", "Grid"), ("village", "Village"), ("township", "Township"), ("person", "Person")],
)
def test_level_label_of_each_ranking(by: str, label: str) -> None:
    assert level_label(by) == label


@pytest.mark.parametrize("by", ["county", "building", "household", "Grid", "网格", ""])
def test_an_unknown_ranking_is_a_bad_query(by: str) -> None:
    with pytest.raises(BadQuery):
        level_label(by)


@pytest.mark.parametrize(
    ("scope_label", "by", "allowed"),
    [
        ("County", "township", True),
        ("County", "grid", True),
        ("Township", "township", True),  # the scope itself is the one row
        ("Township", "village", True),
        ("Village", "township", False),  # no townships under a village
        ("Village", "village", True),
        ("Village", "grid", True),
        ("Grid", "village", False),
        ("Grid", "township", False),
        ("Grid", "grid", True),
        ("Grid", "person", True),  # people rank under any scope
        ("Building", "grid", False),
    ],
)
def test_ranking_above_the_scope_level_is_refused(scope_label: str, by: str, allowed: bool) -> None:
    if allowed:
        assert check_ranking(MAY, scope_label, by) == level_label(by)
    else:
        with pytest.raises(BadQuery):
            check_ranking(MAY, scope_label, by)


def test_a_refused_ranking_names_the_sweep_in_chinese() -> None:
    with speaking("zh"), pytest.raises(BadQuery) as refused:
        check_ranking(MAY, "Village", "township")
    message = str(refused.value)
    assert "S1" in message
    assert "村" in message
    assert "乡镇" in message


def test_tally_adds_households_and_visited() -> None:
    counts = [UnitCoverage("G1", 4, 1), UnitCoverage("G2", 3, 0), UnitCoverage("G4", 0, 0)]
    assert tally(counts) == UnitCoverage("", 7, 1)
    assert tally([]) == UnitCoverage("", 0, 0)


GH1 = PersonRef(id="GH1", name="杨网格长", role="grid_head")


def test_scorecard_rows_least_covered_first_no_households_last_then_by_id() -> None:
    counts = [
        UnitCoverage("G4", 0, 0),  # null: last
        UnitCoverage("G3", 2, 1),  # 0.5
        UnitCoverage("G1", 4, 1),  # 0.25
        UnitCoverage("G0", 0, 0),  # null: last, before G4 by id
        UnitCoverage("G2", 3, 0),  # 0.0
        UnitCoverage("G10", 4, 0),  # 0.0: before G2 ("G10" < "G2" as text)
    ]
    result = scorecard_result(
        MAY,
        JUNE_30,
        "grid",
        counts,
        {"G1": "一组", "G2": "二组"},
        {"G1": GH1},
        {},
        tally(counts),
    )
    assert [(row.unit, row.coverage) for row in result.rows] == [
        ("G10", 0.0),
        ("G2", 0.0),
        ("G1", 0.25),
        ("G3", 0.5),
        ("G0", None),
        ("G4", None),
    ]
    first = {row.unit: row for row in result.rows}
    assert first["G1"].name == "一组"
    assert first["G3"].name == "G3"  # a unit without a name is shown by its id
    assert first["G1"].accountable == GH1
    assert first["G2"].accountable is None  # vacant
    assert {row.level for row in result.rows} == {"Grid"}
    # 13 households, 2 visited: 2/13 = 0.1538… → 0.154
    assert (result.total.households, result.total.visited) == (13, 2)
    assert result.total.coverage == 0.154
    assert result.finished is True  # 05-31 < 06-30
    assert result.by == "grid"
    assert result.sweep.scope == "T1"


def test_scorecard_result_of_a_running_sweep_is_not_finished() -> None:
    running = sweep("S2", dt.date(2024, 6, 20), dt.date(2024, 7, 10))
    result = scorecard_result(running, JUNE_30, "person", [], {}, {}, {}, UnitCoverage("", 0, 0))
    assert result.finished is False
    assert result.rows == []
    assert result.total.coverage is None


def test_scorecard_result_puts_issue_figures_beside_their_row() -> None:
    counts = [UnitCoverage("G1", 2, 1)]
    figures = {"G1": IssueFigures(3, 2, 1), "": IssueFigures(5, 4, 2)}
    result = scorecard_result(MAY, JUNE_30, "grid", counts, {}, {}, figures, tally(counts))
    row = result.rows[0]
    assert (row.reported, row.resolved_on_time, row.satisfied) == (3, 2, 1)
    total = result.total
    assert (total.reported, total.resolved_on_time, total.satisfied) == (5, 4, 2)
