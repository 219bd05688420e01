"""The issue loop on every backend (SPEC §3 Issue, §4.3): 线索上报 → 问题处置 → 结果反馈, each
step stored with the event that explains it, illegal steps refused with the issue's status,
late issues climbing their trace path, the lists of what is late, and five-colour marks.

Tests run in file order on one small county per backend: the first ones read the imported
issues, the later ones report and move issues of their own."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import as_json, load
from counties import AS_OF, small

from engine import loop
from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.errors import BadQuery, Conflict, ImportRefused, IssueConflict, NotFound
from engine.intake import take_in
from engine.issues import (
    DEFAULT_DUE_DAYS,
    IssueChange,
    IssuePolicy,
    history_of,
    new_report,
)
from engine.ledger import tables_from_rows
from engine.model import ColorChange, Issue, TraceIssue
from engine.semantics import IssueFilter
from engine.snapshot import ImportMode
from engine.timeline import escalation_step


@pytest.fixture(autouse=True)
def in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages; tests/test_messages.py reads the Chinese ones."""
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")


def at(day: int, month: int = 6) -> dt.datetime:
    return dt.datetime(2024, month, day, 9, 30, tzinfo=dt.UTC)


def step(backend: Backend, issue: str, kind: str, day: int, department: str | None = None) -> Issue:
    change = IssueChange(issue, kind, department or "SEC1", "test", at(day), department)
    return loop.transition(backend, change).issue


def traced(backend: Backend, issue: str, as_of: dt.date = AS_OF) -> TraceIssue:
    found = backend.trace(issue, as_of).issue
    assert found is not None
    return found


def listed(backend: Backend, **wanted: object) -> list[str]:
    result = loop.issue_list(backend, AS_OF, IssueFilter(**wanted))  # type: ignore[arg-type]
    return [issue.id for issue in result.issues]


# ---- the rules, without a backend --------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "climbed"), [(0, 0), (1, 1), (3, 1), (4, 2), (7, 3), (10, 4), (400, 4)]
)
def test_a_late_issue_climbs_one_step_per_period_up_to_the_top(late: int, climbed: int) -> None:
    assert escalation_step(late, period=3, steps=5) == climbed


def test_due_days_and_the_period_come_from_the_environment() -> None:
    policy = IssuePolicy.from_env(
        {"GRIDCHAIN_SLA_DAYS": '{"epidemic": 1, "*": 5}', "GRIDCHAIN_ESCALATION_DAYS": "2"}
    )
    assert policy.due_at("epidemic", dt.date(2024, 6, 1)) == dt.date(2024, 6, 2)
    assert policy.due_at("dispute", dt.date(2024, 6, 1)) == dt.date(2024, 6, 8)
    assert policy.due_at("anything", dt.date(2024, 6, 1)) == dt.date(2024, 6, 6)
    assert policy.escalation_days == 2
    assert IssuePolicy.from_env({}).due_days == DEFAULT_DUE_DAYS


@pytest.mark.parametrize(
    "env",
    [
        {"GRIDCHAIN_SLA_DAYS": "[1]"},
        {"GRIDCHAIN_SLA_DAYS": '{"x": 0}'},
        {"GRIDCHAIN_SLA_DAYS": "{"},
        {"GRIDCHAIN_ESCALATION_DAYS": "0"},
    ],
)
def test_a_bad_policy_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(Exception, match="GRIDCHAIN_"):
        IssuePolicy.from_env(env)


# ---- imported issues: their ledger row's steps, escalation, lists -------------------------


def test_an_imported_issue_is_known_by_the_steps_its_row_implies(small_county: Backend) -> None:
    issue, stored = small_county.issue("I1")
    assert (issue.status, stored) == ("dispatched", [])
    history = history_of(issue, stored)
    assert [(e.kind, e.by, e.department) for e in history.events] == [
        ("reported", "M2", None),
        ("dispatched", None, "县民政局"),
    ]
    resolved = history_of(*small_county.issue("I2"))
    assert [e.kind for e in resolved.events] == [
        "reported",
        "dispatched",
        "acknowledged",
        "resolved",
    ]
    assert resolved.events[-1].at.date() == dt.date(2024, 5, 15)
    with pytest.raises(NotFound):
        small_county.issue("H1")


def test_the_timeline_shows_who_held_a_late_issue_and_for_how_long(
    small_county: Backend,
) -> None:
    issue = traced(small_county, "I1")
    assert (issue.status, issue.overdue_days, issue.departments) == ("dispatched", 22, ["县民政局"])
    assert [
        (e.at.date().isoformat(), e.event, e.level, e.holder.id if e.holder else None, e.held_days)
        for e in issue.timeline
    ] == [
        ("2024-05-01", "reported", "Household", "M2", 0),
        ("2024-05-01", "dispatched", "Household", "M2", 10),
        ("2024-05-11", "escalated", "Grid", None, 3),  # G2 has no grid head: nobody held it
        ("2024-05-14", "escalated", "Village", "TV1", 3),
        ("2024-05-17", "escalated", "Township", "SEC1", 3),
        ("2024-05-20", "escalated", "County", "L1", 12),
    ]
    assert (issue.level, issue.holder) == ("County", issue.timeline[-1].holder)


@pytest.mark.parametrize(
    ("day", "level", "holder", "late"),
    [
        ("2024-05-10", "Household", "M2", 0),
        ("2024-05-12", "Grid", None, 2),
        ("2024-05-14", "Village", "TV1", 4),
    ],
)
def test_who_holds_a_late_issue_depends_on_the_day_asked(
    small_county: Backend, day: str, level: str, holder: str | None, late: int
) -> None:
    issue = traced(small_county, "I1", dt.date.fromisoformat(day))
    assert (issue.level, issue.holder.id if issue.holder else None) == (level, holder)
    assert issue.overdue_days == late


def test_a_resolved_issue_is_held_by_nobody(small_county: Backend) -> None:
    issue = traced(small_county, "I2")
    assert (issue.status, issue.overdue_days, issue.level, issue.holder) == (
        "resolved",
        3,
        None,
        None,
    )
    assert [(e.event, e.level, e.held_days) for e in issue.timeline] == [
        ("reported", "Household", 0),
        ("dispatched", "Household", 0),
        ("acknowledged", "Household", 12),
        ("escalated", "Grid", 2),
        ("resolved", None, 0),
    ]


def test_overdue_lists_what_is_late_and_who_holds_it(small_county: Backend) -> None:
    result = loop.issue_list(small_county, AS_OF, IssueFilter(overdue=True))
    [late] = result.issues
    assert as_json(late) == {
        "id": "I1",
        "target": "H3",
        "category": "service",
        "status": "dispatched",
        "reported_by": "M2",
        "reported_at": "2024-05-01",
        "due_at": "2024-05-10",
        "resolved_at": None,
        "departments": ["县民政局"],
        "color": "yellow",
        "overdue_days": 22,
        "level": "County",
        "holder": {"id": "L1", "name": "李副县长", "role": "liaison"},
        "path": ["H3", "G2", "V1", "T1", "C"],
    }


@pytest.mark.parametrize(
    ("wanted", "ids"),
    [
        ({}, ["I1", "I2"]),  # the latest first
        ({"status": "resolved"}, ["I2"]),
        ({"scope": "G1"}, ["I2"]),
        ({"scope": "T2", "overdue": True}, []),
        ({"color": "yellow"}, ["I1"]),
        ({"color": "red"}, []),
        ({"reported_by": "M1"}, ["I2"]),
    ],
)
def test_issue_lists_filter(
    small_county: Backend, wanted: dict[str, object], ids: list[str]
) -> None:
    assert listed(small_county, **wanted) == ids


def test_bad_issue_filters_are_refused(small_county: Backend) -> None:
    with pytest.raises(NotFound):
        listed(small_county, scope="NOWHERE")
    with pytest.raises(BadQuery):
        listed(small_county, status="forgotten")
    with pytest.raises(BadQuery):
        listed(small_county, color="purple")


# ---- the loop: report, whistle, report in, resolve, feedback -----------------------------


def test_a_report_gets_its_category_due_date_and_a_first_step(small_county: Backend) -> None:
    new = new_report(
        target="H1",
        category="dispute",
        reporter="M1",
        recorded_by="test",
        at=at(2),
        issue_id="I3",
        note="邻里纠纷",
    )
    issue = loop.report(small_county, new)
    assert (issue.status, issue.due_at, issue.extra) == (
        "reported",
        dt.date(2024, 6, 9),
        {"note": "邻里纠纷"},
    )
    stored, events = small_county.issue("I3")
    assert stored == issue
    assert [(e.kind, e.at, e.by, e.recorded_by) for e in events] == [
        ("reported", at(2), "M1", "test")
    ]
    with pytest.raises(Conflict):
        loop.report(small_county, new)


def test_the_loop_reopens_on_unsatisfied_feedback_and_closes_on_satisfied(
    small_county: Backend,
) -> None:
    statuses = [
        step(small_county, "I3", "dispatched", 3, "县司法局").status,
        step(small_county, "I3", "dispatched", 3, "县信访局").status,  # a second department
        step(small_county, "I3", "acknowledged", 4, "县司法局").status,
        step(small_county, "I3", "resolved", 5).status,
        step(small_county, "I3", "reopened", 6).status,
        step(small_county, "I3", "acknowledged", 7, "县信访局").status,
    ]
    assert statuses == [
        "dispatched",
        "dispatched",
        "acknowledged",
        "resolved",
        "dispatched",
        "acknowledged",
    ]
    assert small_county.issue("I3")[0].resolved_at is None  # reopened: not resolved after all
    assert step(small_county, "I3", "resolved", 8).resolved_at == dt.date(2024, 6, 8)
    closed = step(small_county, "I3", "closed", 9)
    assert (closed.status, closed.department) == ("closed", "县司法局")
    issue, events = small_county.issue("I3")
    assert issue == closed
    assert [(e.seq, e.kind, e.status, e.satisfied) for e in events] == [
        (1, "reported", "reported", None),
        (2, "dispatched", "dispatched", None),
        (3, "dispatched", "dispatched", None),
        (4, "acknowledged", "acknowledged", None),
        (5, "resolved", "resolved", None),
        (6, "reopened", "dispatched", False),
        (7, "acknowledged", "acknowledged", None),
        (8, "resolved", "resolved", None),
        (9, "closed", "closed", True),
    ]
    trace = traced(small_county, "I3", dt.date(2024, 6, 30))
    assert trace.departments == ["县司法局", "县信访局"]
    assert (trace.overdue_days, trace.level, trace.holder) == (0, None, None)


@pytest.mark.parametrize(
    ("issue", "kind", "department", "status"),
    [
        ("I3", "dispatched", "县民政局", "closed"),
        ("I3", "reopened", None, "closed"),
        ("I2", "resolved", None, "resolved"),
        ("I2", "acknowledged", "县民政局", "resolved"),
        ("I1", "resolved", None, "dispatched"),
        ("I1", "closed", None, "dispatched"),
        ("I1", "acknowledged", "县公安局", "dispatched"),  # never called to I1
    ],
)
def test_an_illegal_step_is_refused_with_the_current_status_and_stores_nothing(
    small_county: Backend, issue: str, kind: str, department: str | None, status: str
) -> None:
    before = small_county.issue(issue)
    with pytest.raises(IssueConflict) as refused:
        step(small_county, issue, kind, 10, department)
    assert refused.value.status == status
    assert status in str(refused.value)
    assert small_county.issue(issue) == before


def test_a_step_judged_on_a_stale_history_is_refused(small_county: Backend) -> None:
    issue, events = small_county.issue("I3")
    stale = replace(events[4], id="I3#stale")  # as if judged when I3 had four events
    with pytest.raises(IssueConflict) as refused:
        small_county.record_transition(replace(issue, status="resolved"), [stale], seen=4)
    assert refused.value.status == "closed"
    assert small_county.issue("I3") == (issue, events)


def test_the_first_step_of_an_imported_issue_stores_its_ledger_steps(
    small_county: Backend,
) -> None:
    step(small_county, "I1", "acknowledged", 2, "县民政局")
    issue, events = small_county.issue("I1")
    assert issue.status == "acknowledged"
    assert [(e.seq, e.kind, e.recorded_by) for e in events] == [
        (1, "reported", "import"),
        (2, "dispatched", "import"),
        (3, "acknowledged", "test"),
    ]
    assert listed(small_county, overdue=True) == ["I1"]  # acknowledged, still late


def test_a_ledger_row_cannot_rewrite_what_the_loop_recorded(small_county: Backend) -> None:
    """I1 moved on through the loop; its issues.csv row, imported again, would put it back."""
    before = small_county.issue("I1")
    assert before[0].status == "acknowledged" and before[1]
    with pytest.raises(ImportRefused) as refused:
        take_in(small_county, tables_from_rows({"issues": small()["issues"]}), ImportMode(AS_OF))
    problem = refused.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("issues.csv", 2, "status")
    assert "issue loop" in problem.message
    assert small_county.issue("I1") == before


# ---- five colours ------------------------------------------------------------------------


def test_a_colour_change_is_kept_with_who_and_when_and_counts_at_once(
    small_county: Backend,
) -> None:
    assert small_county.gaps(AS_OF, color="orange").gaps == []
    history = loop.set_color(small_county, "H2", "orange", "M1", at(3))
    assert as_json(history) == {
        "household": "H2",
        "color": "orange",
        "changes": [{"color": "orange", "by": "M1", "at": "2024-06-03T09:30:00Z"}],
    }
    # Orange, and no cadre or leader assigned to it: a high-risk household left unattended.
    assert [(g.kind, g.id) for g in small_county.gaps(AS_OF, color="orange").gaps] == [
        ("unattended_high_risk", "H2")
    ]
    loop.set_color(small_county, "H2", "green", "SEC1", at(4))
    assert [c.by for c in small_county.color_history("H2").changes] == ["M1", "SEC1"]
    assert small_county.gaps(AS_OF, color="orange").gaps == []


def marks_in_one_second(county: Backend) -> None:
    """Green, then orange, in the same second; their random ids sort the other way round."""
    for mark_id, colour in (("H2@ffff", "green"), ("H2@0000", "orange")):
        county.record_color(
            ColorChange(id=mark_id, household_id="H2", color=colour, by="M1", at=at(3))
        )


def test_marks_made_in_one_second_keep_their_order(small_county: Backend) -> None:
    marks_in_one_second(small_county)
    history = small_county.color_history("H2")
    assert (history.color, [c.color for c in history.changes[-2:]]) == (
        "orange",
        ["green", "orange"],
    )


def test_marks_keep_their_order_when_the_store_is_opened_again(tmp_path: Path) -> None:
    """And a store from before marks were numbered gets them numbered in the order it holds."""
    store = MemoryBackend(tmp_path / "g.db")
    load(store, small())
    marks_in_one_second(store)
    store.close()
    with sqlite3.connect(tmp_path / "g.db") as db:  # the store as version 3 left it
        db.execute("DROP INDEX color_changes_in_order")
        db.execute("ALTER TABLE color_changes DROP COLUMN seq")
        db.execute("PRAGMA user_version = 3")
    reopened = MemoryBackend(tmp_path / "g.db")
    try:
        assert [c.color for c in reopened.color_history("H2").changes] == ["green", "orange"]
        loop.set_color(reopened, "H2", "red", "M1", at(3))
        assert [c.color for c in reopened.color_history("H2").changes] == [
            "green",
            "orange",
            "red",
        ]
    finally:
        reopened.close()


def test_gaps_by_colour_keep_only_households_of_that_colour(small_county: Backend) -> None:
    red = small_county.gaps(AS_OF, color="red")
    assert [(g.kind, g.id) for g in red.gaps] == [("unattended_high_risk", "H10")]
    assert red.summary.total == 1
    quarantined = small_county.gaps(AS_OF, scope="G4", color="green")
    assert [(g.kind, g.id) for g in quarantined.gaps] == [
        ("empty_household", "H8"),
        ("incomplete_four_to_one", "H9"),
    ]


def test_colour_changes_of_what_is_no_household_are_refused(small_county: Backend) -> None:
    with pytest.raises(NotFound):
        loop.set_color(small_county, "G1", "red", "M1", at(3))
    with pytest.raises(BadQuery):
        loop.set_color(small_county, "H1", "purple", "M1", at(3))
    with pytest.raises(NotFound):
        small_county.color_history("NOPE")
