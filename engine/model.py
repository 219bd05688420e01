"""What the graph is: its vocabularies (SPEC §3) and the shapes of every answer (SPEC §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Self, TypeVar, dataclass_transform

from engine import vocabulary
from engine.vocabulary import label_of

# Unit levels, bottom up; a ledger names them (engine/vocabulary.py), the graph labels them.
LEVEL_LABELS: dict[str, str] = {code: label_of(code) for code in vocabulary.LEVELS.codes}
UNIT_LABELS = ("County", "Township", "Village", "Grid", "Building", "Household")
# The label each unit level must hang under (a Household may hang under a Grid or a Building).
PARENT_LABELS: dict[str, tuple[str, ...]] = {
    "Township": ("County",),
    "Village": ("Township",),
    "Grid": ("Village",),
    "Building": ("Grid",),
    "Household": ("Grid", "Building"),
}
# A Building is no step of a trace and has no required role: it inherits its Grid's.
REQUIRED_ROLE: dict[str, str] = {
    "Township": "commander",
    "Village": "commander",
    "Grid": "grid_head",
    "Household": "grid_member",
}

ROLES = vocabulary.ROLES.codes
PERSON_KINDS = vocabulary.PERSON_KINDS.codes
BODY_KINDS: dict[str, str] = {code: label_of(code) for code in vocabulary.BODY_KINDS.codes}
COLORS = vocabulary.COLORS.codes
HIGH_RISK_COLORS = ("red", "orange")
# A household under home quarantine needs a team of four people (四包一), and a high-risk one a
# cadre or leader assigned to it directly (SPEC §4.2).
QUARANTINE = vocabulary.HOME_QUARANTINE.code
FOUR_TO_ONE_TEAM = 4
RESPONSIBLE_KINDS = ("cadre", "leader")
ISSUE_STATUSES = vocabulary.ISSUE_STATUSES.codes
# What happens to an issue (SPEC §3 Issue): each recorded step of the loop, and `escalated`,
# which is not recorded but follows from the due date (see engine/timeline.py).

GAP_KINDS = vocabulary.GAP_KINDS.codes
DEFAULT_MEMBER_LIMIT = 50
MONITORED_GROUPS = vocabulary.MONITORED_GROUPS.codes
VISIT_KINDS = vocabulary.VISIT_KINDS.codes
# A monitored household is visited at least this often unless its group's interval is set
# otherwise (SPEC §4.5: the days up to and including the day asked about).
DEFAULT_VISIT_DAYS = 30
# The levels a scorecard ranks units at, and `person`, which ranks the people (SPEC §4.5).
SCORECARD_LEVELS = ("grid", "village", "township")
SCORECARD_BY = (*SCORECARD_LEVELS, "person")
ALL_LABELS = (
    *UNIT_LABELS,
    "Person",
    "Resident",
    *BODY_KINDS.values(),
    "Issue",
    "Sweep",
)

# The API's type of a gap kind: vocabulary.GAP_KINDS spelled out for the type checker (a test
# keeps the two one).
GapKind = Literal[
    "empty_household",
    "incomplete_four_to_one",
    "missing_commander",
    "missing_grid_head",
    "orphan_unit",
    "overdue_visit",
    "overloaded_member",
    "uncovered_household",
    "unattended_high_risk",
    "unvisited_household",
]
ScorecardBy = Literal["grid", "village", "township", "person"]


# Records are slotted dataclasses, not pydantic models: the importer has checked every value
# already, and a county holds a quarter of a million of them (pydantic costs ~7 µs each).

T = TypeVar("T")


@dataclass_transform(frozen_default=True, kw_only_default=True)
def immutable(cls: type[T]) -> type[T]:
    """A record or answer: a slotted dataclass that nothing may change once made.

    The type checker (mypy --strict, in CI) refuses any assignment to one; at run time it is a
    plain slotted dataclass, because `frozen=True` costs a short process such as `gridchain who`
    a generated `__setattr__` and `__delattr__` per class and a slower `__init__` per object.
    (So they are not hashable: nothing keys a set or a dict by a record or an answer.)"""
    return dataclass(slots=True, kw_only=True)(cls)


@immutable
class Record:
    """A stored node or assignment; `extra` keeps the ledger's additional columns."""

    id: str


@immutable
class Unit(Record):
    """A county, township, village, grid or building (its `label`), under `parent_id`."""

    name: str
    label: str
    kind: str | None = None
    parent_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Household(Record):
    """A household (户) in a grid or building, with its five-colour mark, its status and the
    monitored groups (重点人群) it is in, by code, in the vocabulary's order."""

    unit_id: str
    address: str | None = None
    color: str | None = None
    status: str | None = None
    points: str | None = None
    groups: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Resident(Record):
    """A person living in a household; phone and ID number are personal data (SPEC §8)."""

    household_id: str
    name: str
    phone: str | None = None
    id_number: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Person(Record):
    """Anyone who holds an assignment: a leader, cadre, grid member or volunteer."""

    name: str
    kind: str
    org: str | None = None
    phone: str | None = None
    party_member: bool | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Assignment(Record):
    """A 包抓 edge: a person responsible for a unit or household, in a role, for a time."""

    person_id: str
    target_id: str
    role: str
    since: dt.date | None = None
    until: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@immutable
class Body(Record):
    """A party or volunteer body (pioneer post or team, party org, volunteer team) at a unit."""

    name: str
    kind: str
    unit_id: str
    holder_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Visit(Record):
    """A person at a household on a day (走访、巡查、服务). Whether it counts for the household
    depends on what the visitor was assigned to that day (SPEC §4.5); it is kept either way."""

    person_id: str
    household_id: str
    visited_at: dt.date
    kind: str = "visit"
    note: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Sweep(Record):
    """A named round of door-to-door visits (摸排) over the households under `scope_id`, from
    `starts` to `ends`, both days included."""

    name: str
    scope_id: str
    starts: dt.date
    ends: dt.date
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class Issue(Record):
    """An issue reported about a household or unit, as its ledger row or last step left it."""

    target_id: str
    category: str
    reported_by: str
    reported_at: dt.date
    department: str | None = None
    due_at: dt.date | None = None
    resolved_at: dt.date | None = None
    status: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@immutable
class IssueEvent(Record):
    """One step of an issue's loop, as it happened: `seq` orders an issue's events from 1.

    `by` is who the step is attributed to (the reporter, the department reporting in, whoever
    resolved it); `recorded_by` is who wrote it down (an API key's holder, the CLI, an import).
    `status` is the issue's status after the step."""

    issue_id: str
    seq: int
    kind: str
    at: dt.datetime
    status: str
    by: str | None = None
    recorded_by: str | None = None
    department: str | None = None
    note: str | None = None
    satisfied: bool | None = None


@immutable
class ColorChange(Record):
    """A household's five-colour mark (五色动态管理) set by someone at some time."""

    household_id: str
    color: str
    by: str
    at: dt.datetime
    # The mark's place in its household's history, given when it is stored: marks made in the
    # same second keep the order they were made in.
    seq: int | None = None


@immutable
class Change(Record):
    """One change of a record, kept for ever (issue 9): the record's fields before and after,
    as JSON text (none before it was added, none after it was removed); when, by whom and from
    where; and `n`, its place among the changes one write made. Nothing rewrites or deletes one.

    `kind` is the record's kind (units, ..., issues); `change` is added, changed, ended, removed,
    color (a five-colour mark) or step (a step of the issue loop)."""

    record: str
    kind: str
    change: str
    before: str | None = None
    after: str | None = None
    at: dt.datetime
    by: str
    source: str
    n: int


@dataclass
class DataSet:
    """A validated data set, ready to be written by any backend.

    `issue_events`, `color_changes` and `changes` are history, not ledger rows: no import file
    holds them, but a store's snapshot does, so `gridchain push` carries them along."""

    units: list[Unit] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    bodies: list[Body] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    sweeps: list[Sweep] = field(default_factory=list)
    issue_events: list[IssueEvent] = field(default_factory=list)
    color_changes: list[ColorChange] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # Where each record came from: its file and physical line (what a ledger held, not stored).
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)


RECORD_KINDS = (
    "units",
    "households",
    "residents",
    "people",
    "assignments",
    "bodies",
    "issues",
    "visits",
    "sweeps",
)
HISTORY_KINDS = ("issue_events", "color_changes", "changes")
RECORD_TYPES: dict[str, type[Record]] = {
    "units": Unit,
    "households": Household,
    "residents": Resident,
    "people": Person,
    "assignments": Assignment,
    "bodies": Body,
    "issues": Issue,
    "visits": Visit,
    "sweeps": Sweep,
    "issue_events": IssueEvent,
    "color_changes": ColorChange,
    "changes": Change,
}


@immutable
class ImportReport:
    """Per kind of record: how many were new, changed, ended (assignments gone from their
    ledger) and removed; the people gone from people.csv but kept because something refers to
    them; the first ids of each (`first[what][kind]`); and whether nothing was written."""

    added: dict[str, int]
    changed: dict[str, int]
    ended: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    first: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    dry_run: bool = False


# ---- answers (SPEC §6) -------------------------------------------------------------------
# Slotted dataclasses too: a `gridchain who` is one short process, and importing pydantic alone
# would cost it more than its query. engine/jsonout.py writes them as JSON; the API documents
# and serialises them itself (FastAPI takes stdlib dataclasses as response models).


@immutable
class Answer:
    """The base of every answer: built by the engine, never changed afterwards."""

    @classmethod
    def of(cls, **fields: Any) -> Self:
        """An answer from values the engine computed itself, every field given."""
        return cls(**fields)


@immutable
class PersonRef(Answer):
    """A person as an answer names them: id, name and the role they hold there."""

    id: str
    name: str
    role: str


@immutable
class RoleHolder(Answer):
    """An active assignment into a level of a chain."""

    role: str
    person: PersonRef


@immutable
class BodyRef(Answer):
    """A body serving a level of a chain."""

    id: str
    kind: str
    name: str


@immutable
class ChainLevel(Answer):
    """One unit of an accountability chain, with its holders, vacancies and bodies."""

    level: str
    unit: str
    name: str
    assignments: list[RoleHolder]
    vacant: list[str]
    bodies: list[BodyRef]


@immutable
class WhoResult(Answer):
    """The accountability chain of a target (SPEC §4.1): the target first, the county last."""

    target: str
    as_of: dt.date
    commander: PersonRef | None
    chain: list[ChainLevel]


@immutable
class Gap(Answer):
    """A coverage gap (SPEC §4.2): its kind, the node, its level and its containment path; an
    `unvisited_household` names the sweep that missed it (SPEC §4.5)."""

    kind: str
    id: str
    level: str
    path: list[str]
    sweep: str | None = None


@immutable
class GapSummary(Answer):
    """How many gaps there are, by kind and by township."""

    total: int
    by_kind: dict[str, int]
    by_township: dict[str, int]


@immutable
class GapsResult(Answer):
    """Every gap in a scope, sorted by kind then id, and their summary."""

    as_of: dt.date
    scope: str | None
    gaps: list[Gap]
    summary: GapSummary


@immutable
class TraceStep(Answer):
    """One step of a reverse trace: a level, its unit and who answers for it."""

    level: str
    unit: str
    person: PersonRef | None


@immutable
class TimelineEntry(Answer):
    """A step of an issue's timeline, and who in its chain held the issue from then on, for
    how many days (to the next entry, or to its resolution, or to `as_of`)."""

    at: dt.datetime
    event: str
    status: str
    by: str | None
    department: str | None
    note: str | None
    satisfied: bool | None
    level: str | None
    holder: PersonRef | None
    held_days: int


@immutable
class TraceIssue(Answer):
    """An issue on its trace: its dates, where it stands, who holds it, its timeline."""

    id: str
    target: str
    reported_by: str
    reported_at: dt.date
    due_at: dt.date | None
    resolved_at: dt.date | None
    overdue_days: int
    category: str
    status: str
    departments: list[str]
    level: str | None  # the trace step holding an open issue now; null once resolved
    holder: PersonRef | None
    timeline: list[TimelineEntry]


@immutable
class TraceResult(Answer):
    """The reverse trace of a target (SPEC §4.3), bottom up, with its issue if it is one."""

    target: str
    as_of: dt.date
    commander: PersonRef | None
    path: list[TraceStep]
    issue: TraceIssue | None


@immutable
class IssueView(Answer):
    """An issue in a list: where it stands, how late it is and who in its chain holds it."""

    id: str
    target: str
    category: str
    status: str
    reported_by: str
    reported_at: dt.date
    due_at: dt.date | None
    resolved_at: dt.date | None
    departments: list[str]
    color: str | None
    overdue_days: int
    level: str | None
    holder: PersonRef | None
    path: list[str]


@immutable
class IssuesResult(Answer):
    """A list of issues as of a day, the latest first."""

    as_of: dt.date
    scope: str | None
    issues: list[IssueView]


@immutable
class ColorEntry(Answer):
    """One change of a household's five-colour mark."""

    color: str
    by: str
    at: dt.datetime


@immutable
class ColorHistory(Answer):
    """A household's colour now and every change of it, in order."""

    household: str
    color: str | None
    changes: list[ColorEntry]


@immutable
class HistoryEntry(Answer):
    """A change of a record as `history` shows it: the fields before and after (null before it
    was added, after it was removed), when (with its zone), by whom and from where."""

    at: dt.datetime
    change: str
    kind: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str
    source: str


@immutable
class HistoryResult(Answer):
    """Every change of one record, newest first."""

    record: str
    since: dt.date | None
    entries: list[HistoryEntry]


@immutable
class StatsResult(Answer):
    """Counts of nodes per label, active assignments per role and gaps per kind."""

    as_of: dt.date
    scope: str | None
    nodes: dict[str, int]
    assignments: dict[str, int]
    gaps: dict[str, int]


@immutable
class PersonName(Answer):
    id: str
    name: str


@immutable
class Covered(Answer):
    """One active assignment of a person: the place, the households under it, the gaps in it."""

    role: str
    unit: str
    name: str
    level: str
    households: list[str]
    gaps: list[Gap]


@immutable
class CoversResult(Answer):
    """What a person is responsible for on a day: the reverse of `who` (SPEC §6)."""

    person: PersonName
    as_of: dt.date
    assignments: list[Covered]


@immutable
class Match(Answer):
    """A record found by its name (or a household by its address): what it is and where."""

    id: str
    level: str
    name: str
    path: list[str]


@immutable
class FindResult(Answer):
    """What a text names: exact names first, then names that contain it."""

    text: str
    matches: list[Match]


@immutable
class NodeRef(Answer):
    """A node of a containment path: its label and id."""

    level: str
    id: str


@immutable
class ResidentView(Answer):
    """A resident with the containment path of their household."""

    id: str
    name: str
    phone: str | None
    id_number: str | None
    household: str
    path: list[str]


@immutable
class Responsibility(Answer):
    """An active assignment as a person's record lists it."""

    assignment: str
    role: str
    target: str
    level: str
    since: dt.date | None
    until: dt.date | None


@immutable
class PersonView(Answer):
    """A person with the assignments they hold on a day and the households covered."""

    id: str
    name: str
    kind: str
    org: str | None
    phone: str | None
    party_member: bool | None
    as_of: dt.date
    responsibilities: list[Responsibility]
    households_covered: int


@immutable
class VisitView(Answer):
    """A visit as a household's record lists it, and whether it counts for the household: only
    a visit by someone assigned to it, its building or its grid on that day does (SPEC §4.5)."""

    id: str
    household: str
    person: PersonName
    visited_at: dt.date
    kind: str
    note: str | None
    counts: bool


@immutable
class SweepView(Answer):
    """A sweep as a scorecard names it."""

    id: str
    name: str
    scope: str
    starts: dt.date
    ends: dt.date


@immutable
class ScoreRow(Answer):
    """One unit of a scorecard (or one person, `level` "Person"): its households, those visited
    by a counting visit in the sweep's window, the share, and who answers for the unit.

    `reported`, `resolved_on_time` and `satisfied` count the issues about households of the
    row reported in the window, those resolved by their due date, and those closed with
    satisfied feedback."""

    unit: str
    name: str
    level: str
    households: int
    visited: int
    coverage: float | None
    accountable: PersonRef | None
    reported: int = 0
    resolved_on_time: int = 0
    satisfied: int = 0


@immutable
class ScoreTotal(Answer):
    """The whole scope of a scorecard."""

    households: int
    visited: int
    coverage: float | None
    reported: int = 0
    resolved_on_time: int = 0
    satisfied: int = 0


@immutable
class ScorecardResult(Answer):
    """How much of a sweep's scope was visited, by unit or person (SPEC §4.5), as of a day:
    the least covered first."""

    sweep: SweepView
    as_of: dt.date
    by: str
    finished: bool
    rows: list[ScoreRow]
    total: ScoreTotal
