"""The rules of the issue loop (线索上报 → 问题处置 → 结果反馈; 网格吹哨、部门报到).

Which step may follow which, what a step changes, the due date a category gets and how often
a late issue climbs its chain. Backends only store and fetch; every rule is here, so both
apply it alike.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from engine import vocabulary
from engine.errors import BadQuery, IssueConflict, either
from engine.lang import say
from engine.model import COLORS, ISSUE_STATUSES, ColorChange, Issue, IssueEvent
from engine.settings import refused, whole_number

# event kind -> {status before: status after}; any other pair is an illegal transition.
TRANSITIONS: dict[str, dict[str, str]] = {
    # The grid blows the whistle; more departments may be called while it is being handled.
    "dispatched": {
        "reported": "dispatched",
        "dispatched": "dispatched",
        "acknowledged": "acknowledged",
    },
    # A department called reports in.
    "acknowledged": {"dispatched": "acknowledged", "acknowledged": "acknowledged"},
    "resolved": {"acknowledged": "resolved"},
    # The reporter's feedback: satisfied closes it, unsatisfied sends it back to the departments.
    "closed": {"resolved": "closed"},
    "reopened": {"resolved": "dispatched"},
}
DONE_STATUSES = ("resolved", "closed")
SATISFIED = {"closed": True, "reopened": False}  # what the reporter's feedback said
NEEDS_DEPARTMENT = ("dispatched", "acknowledged")
LEDGER = "import"  # who recorded the history an imported issue is known by

# Days from report to due date per category (the demo's categories), and for any other.
DEFAULT_DUE_DAYS: dict[str, int] = {
    "epidemic": 3,
    "dispute": 7,
    "service": 10,
    "poverty": 15,
    "party_building": 15,
    "legal": 10,
    "counselling": 7,
    "*": 7,
}
DEFAULT_ESCALATION_DAYS = 3
SLA_ENV = "GRIDCHAIN_SLA_DAYS"
ESCALATION_ENV = "GRIDCHAIN_ESCALATION_DAYS"


@dataclass(frozen=True)
class IssuePolicy:
    """Due days per category ("*" for the rest) and the days a late issue waits at one step
    of its chain before it climbs to the next."""

    due_days: Mapping[str, int]
    escalation_days: int

    def due_at(self, category: str, reported_at: dt.date) -> dt.date:
        days = self.due_days.get(category, self.due_days.get("*", DEFAULT_DUE_DAYS["*"]))
        try:
            return reported_at + dt.timedelta(days=days)
        except OverflowError:
            raise BadQuery(
                say(
                    f"上报日期 {reported_at} 加上办结天数，超出了日历范围",
                    f"reported on {reported_at}: no due date fits in the calendar",
                )
            ) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IssuePolicy:
        """GRIDCHAIN_SLA_DAYS: a JSON object of days per category, over the defaults;
        GRIDCHAIN_ESCALATION_DAYS: days per escalation step."""
        due_days = dict(DEFAULT_DUE_DAYS)
        raw = env.get(SLA_ENV, "").strip()
        if raw:
            try:
                given = json.loads(raw)
            except json.JSONDecodeError:
                given = None
            if not isinstance(given, dict) or not all(positive(v) for v in given.values()):
                raise refused(
                    SLA_ENV,
                    raw,
                    ' JSON 对象 {"类别": 天数, ...}，天数为正整数',
                    'a JSON object {"category": days, ...} with positive whole days',
                )
            due_days.update(given)
        period = whole_number(env, ESCALATION_ENV, DEFAULT_ESCALATION_DAYS)
        return cls(due_days, period)


def positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@cache
def policy() -> IssuePolicy:
    """The policy of this process, read from its environment once."""
    return IssuePolicy.from_env(os.environ)


@dataclass(frozen=True)
class IssueHistory:
    """An issue and every step of its loop so far, in order."""

    issue: Issue
    events: list[IssueEvent]

    @property
    def departments(self) -> list[str]:
        """The departments the grid has called, in the order it called them."""
        called = (e.department for e in self.events if e.kind == "dispatched" and e.department)
        return list(dict.fromkeys(called))


@dataclass(frozen=True)
class IssueChange:
    """A step asked for: `kind` is a key of TRANSITIONS."""

    issue: str
    kind: str
    by: str | None
    recorded_by: str
    at: dt.datetime
    department: str | None = None
    note: str | None = None


def feedback_kind(satisfied: bool) -> str:
    return "closed" if satisfied else "reopened"


def status_of(issue: Issue) -> str:
    return issue.status or "reported"


def moved_on(issue: str, status: str) -> IssueConflict:
    """A step refused because another was stored first: the issue is `status` now."""
    now_zh = vocabulary.ISSUE_STATUSES.name(status, "zh")
    return IssueConflict(
        issue,
        status,
        say(
            f"事项 {issue} 已有新的进展：现为{now_zh}",
            f"issue {issue!r} moved on: it is {status}",
        ),
    )


def history_of(issue: Issue, stored: list[IssueEvent]) -> IssueHistory:
    """An issue's recorded steps; one stored before the loop was recorded (an import) is
    known by the steps its ledger row implies."""
    return IssueHistory(issue, stored or ledger_events(issue))


def apply(history: IssueHistory, change: IssueChange) -> tuple[Issue, IssueEvent]:
    """The issue after `change` and the event recording it; IssueConflict when the issue's
    status does not allow it."""
    issue = history.issue
    status = status_of(issue)
    allowed = TRANSITIONS.get(change.kind)
    if allowed is None:
        steps = ", ".join(
            f"{word.zh} ({word.code})"
            for word in vocabulary.ISSUE_EVENTS.words
            if word.code in TRANSITIONS
        )
        raise BadQuery(
            say(
                f"无法识别的步骤 '{change.kind}'（可填：{steps}）",
                f"unknown step {change.kind!r} (expected one of {', '.join(TRANSITIONS)})",
            )
        )
    step = vocabulary.ISSUE_EVENTS.name(change.kind, "zh")
    now_zh = vocabulary.ISSUE_STATUSES.name(status, "zh")
    if status not in allowed:
        when = either([vocabulary.ISSUE_STATUSES.name(before, "zh") for before in allowed])
        raise IssueConflict(
            issue.id,
            status,
            say(
                f"事项 {issue.id} {now_zh}，不能{step}（仅在{when}时可以）",
                f"issue {issue.id!r} is {status}: it cannot be {change.kind} "
                f"(only when {' or '.join(allowed)})",
            ),
        )
    if change.kind in NEEDS_DEPARTMENT and not change.department:
        raise BadQuery(say(f"{step}须写明责任部门", f"a {change.kind} step names its department"))
    if change.kind == "acknowledged" and change.department not in history.departments:
        raise IssueConflict(
            issue.id,
            status,
            say(
                f"事项 {issue.id} {now_zh}，但部门 '{change.department}' "
                "未被派遣到此事项；请先派遣",
                f"issue {issue.id!r} is {status}, but department {change.department!r} was not "
                "called to it; dispatch it first",
            ),
        )
    after = allowed[status]
    seq = len(history.events) + 1
    event = IssueEvent(
        id=event_id(issue.id, seq),
        issue_id=issue.id,
        seq=seq,
        kind=change.kind,
        at=change.at,
        status=after,
        by=change.by,
        recorded_by=change.recorded_by,
        department=change.department,
        note=change.note,
        satisfied=SATISFIED.get(change.kind),
    )
    resolved_at = issue.resolved_at
    if change.kind == "resolved":
        resolved_at = change.at.date()
    elif change.kind == "reopened":
        resolved_at = None
    department = issue.department
    if change.kind == "dispatched" and department is None:
        department = change.department  # the record keeps the first department called
    return replace(issue, status=after, resolved_at=resolved_at, department=department), event


def event_id(issue: str, seq: int) -> str:
    return f"{issue}#{seq}"


@lru_cache(maxsize=4096)  # ledgers repeat their days; the time zone lookup is the cost
def midnight(day: dt.date) -> dt.datetime:
    """A day given without a time, as the start of that day in this machine's time zone."""
    return dt.datetime.combine(day, dt.time()).astimezone()


def now() -> dt.datetime:
    return dt.datetime.now().astimezone().replace(microsecond=0)


# Whom each step an issues.csv row implies is attributed to; who called the departments in,
# the row does not say.
LEDGER_BY: dict[str, Callable[[Issue], str | None]] = {
    "reported": lambda issue: issue.reported_by,
    "dispatched": lambda issue: None,
    "acknowledged": lambda issue: issue.department,
    "resolved": lambda issue: issue.department,
    "closed": lambda issue: issue.reported_by,
}


def ledger_events(issue: Issue) -> list[IssueEvent]:
    """The steps an issues.csv row implies: each status up to its own, on the days the row
    gives (reported_at; resolved_at for resolution and closing)."""
    reached = ISSUE_STATUSES[: ISSUE_STATUSES.index(status_of(issue)) + 1]
    events = []
    for seq, kind in enumerate(reached, start=1):
        done = kind in DONE_STATUSES
        called = kind in NEEDS_DEPARTMENT
        day = (issue.resolved_at or issue.reported_at) if done else issue.reported_at
        events.append(
            IssueEvent(
                id=event_id(issue.id, seq),
                issue_id=issue.id,
                seq=seq,
                kind=kind,
                at=midnight(day),
                status=kind,
                by=LEDGER_BY[kind](issue),
                recorded_by=LEDGER,
                department=issue.department if called else None,
                satisfied=SATISFIED.get(kind),
            )
        )
    return events


def reported_event(
    issue: str, reporter: str, reported_at: dt.date, recorded_by: str, at: dt.datetime
) -> IssueEvent:
    """The first step of an issue reported now (or, back-dated, on its report day)."""
    return IssueEvent(
        id=event_id(issue, 1),
        issue_id=issue,
        seq=1,
        kind="reported",
        at=at if at.date() == reported_at else midnight(reported_at),
        status="reported",
        by=reporter,
        recorded_by=recorded_by,
    )


@dataclass(frozen=True)
class Report:
    """An issue reported (线索上报): the issues.csv row it is checked as, and its first step."""

    row: dict[str, str]
    event: IssueEvent

    @property
    def issue(self) -> str:
        return self.row["id"]


def new_report(
    *,
    target: str,
    category: str,
    reporter: str | None,
    recorded_by: str,
    at: dt.datetime,
    issue_id: str | None = None,
    reported_at: dt.date | None = None,
    due_at: dt.date | None = None,
    department: str | None = None,
    note: str | None = None,
) -> Report:
    """A report as of `at`; the due date defaults to the category's (IssuePolicy)."""
    day = reported_at or at.date()
    issue = issue_id or f"I-{os.urandom(6).hex()}"
    row = {
        "id": issue,
        "target_id": target,
        "category": category,
        "reported_by": reporter or "",
        "reported_at": day.isoformat(),
        "department": department or "",
        "due_at": (due_at or policy().due_at(category, day)).isoformat(),
        "resolved_at": "",
        "status": "reported",
        "note": note or "",  # kept as an extra column of the issue
    }
    return Report(row, reported_event(issue, reporter or "", day, recorded_by, at))


def color_change(household: str, color: str, by: str, at: dt.datetime) -> ColorChange:
    check_color(color)
    # Random, so two changes at the same second never share an id, on either backend.
    return ColorChange(
        id=f"{household}@{os.urandom(6).hex()}", household_id=household, color=color, by=by, at=at
    )


def check_color(color: str | None) -> None:
    if color is not None and color not in COLORS:
        raise BadQuery(
            say(
                f"无法识别的颜色 '{color}'（可填：{vocabulary.COLORS.shown()}）",
                f"unknown colour {color!r} (expected one of {', '.join(COLORS)})",
            )
        )
