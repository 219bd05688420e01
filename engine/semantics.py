"""The parts of SPEC §4 that do not depend on where the graph lives.

Backends find the facts (who holds what, which node is a gap); these functions give the
answers their one shape, order and arithmetic, so every backend answers alike.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter

from engine import issues, timeline, vocabulary
from engine.errors import BadQuery
from engine.issues import IssueHistory
from engine.lang import say
from engine.model import (
    ALL_LABELS,
    GAP_KINDS,
    ISSUE_STATUSES,
    REQUIRED_ROLE,
    ROLES,
    BodyRef,
    ChainLevel,
    Gap,
    GapsResult,
    GapSummary,
    IssuesResult,
    IssueView,
    Person,
    PersonRef,
    PersonView,
    Resident,
    ResidentView,
    Responsibility,
    RoleHolder,
    StatsResult,
    TraceResult,
    TraceStep,
    WhoResult,
)
from engine.vocabulary import label_name

# Levels that are a step of a reverse trace, bottom up (SPEC §4.3), and who answers for each.
TRACE_ROLE: dict[str, str] = {
    "Household": "grid_member",
    "Grid": "grid_head",
    "Village": "commander",
    "Township": "commander",
}


def check_gap_kind(kind: str | None) -> None:
    if kind is not None and kind not in GAP_KINDS:
        raise BadQuery(
            say(
                f"无法识别的缺口类型 '{kind}'（可填：{vocabulary.GAP_KINDS.shown()}）",
                f"unknown gap kind {kind!r} (expected one of {', '.join(GAP_KINDS)})",
            )
        )


def vacancies(label: str, roles_held: Iterable[str], covered: bool | None = None) -> list[str]:
    """The required role of a level when nobody holds it; a household asks `covered`."""
    required = REQUIRED_ROLE.get(label)
    if required is None:
        return []
    if label == "Household":
        return [] if covered else [required]
    return [] if required in set(roles_held) else [required]


def first_person(candidates: Iterable[PersonRef]) -> PersonRef | None:
    """Wherever several people qualify, the lowest person id is taken (SPEC §4.3)."""
    return min(candidates, key=lambda p: p.id, default=None)


def gaps_result(
    as_of: dt.date, scope: str | None, found: Iterable[tuple[Gap, str | None]]
) -> GapsResult:
    """Sort gaps by kind then id and count them; `found` pairs each gap with its township."""
    pairs = sorted(found, key=lambda pair: (pair[0].kind, pair[0].id))
    by_kind = Counter(gap.kind for gap, _ in pairs)
    by_township = Counter(township for _, township in pairs if township is not None)
    return GapsResult(
        as_of=as_of,
        scope=scope,
        gaps=[gap for gap, _ in pairs],
        summary=GapSummary(
            total=len(pairs),
            by_kind=dict(sorted(by_kind.items())),
            by_township=dict(sorted(by_township.items())),
        ),
    )


def stats_result(
    as_of: dt.date,
    scope: str | None,
    nodes: dict[str, int],
    assignments: dict[str, int],
    gaps: GapsResult,
) -> StatsResult:
    """Every label and role is listed, zero or not, so dashboards see a stable shape."""
    return StatsResult(
        as_of=as_of,
        scope=scope,
        nodes={label: nodes.get(label, 0) for label in ALL_LABELS},
        assignments={role: assignments.get(role, 0) for role in ROLES},
        gaps={kind: gaps.summary.by_kind.get(kind, 0) for kind in GAP_KINDS},
    )


# ---- who and trace from the facts of a containment path ----------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    """An active assignment into a level, with what the rules need to know of its person."""

    role: str
    person: str
    name: str
    kind: str
    # Answers are immutable, so one holder's pieces of answer are built once and shared.
    ref: PersonRef = field(init=False, compare=False)
    entry: RoleHolder = field(init=False, compare=False)

    def __post_init__(self) -> None:
        ref = PersonRef.of(id=self.person, name=self.name, role=self.role)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "entry", RoleHolder.of(role=self.role, person=ref))


@dataclass(frozen=True, slots=True)
class Level:
    """One unit of a containment path as a backend found it: target first, county last."""

    label: str
    unit: str
    name: str
    holders: tuple[Holder, ...]
    bodies: tuple[BodyRef, ...]
    # A level kept by a backend answers many questions: its entry of a chain is made once
    # (per answer to "is the household covered", which only a household's vacancy depends on).
    entries: dict[bool, ChainLevel] = field(default_factory=dict, compare=False)

    def holding(self, role: str) -> PersonRef | None:
        return first_person(h.ref for h in self.holders if h.role == role)

    def chain_level(self, covered: bool) -> ChainLevel:
        """This level as an entry of a `who` chain (SPEC §4.1)."""
        entry = self.entries.get(covered)
        if entry is None:
            entry = ChainLevel.of(
                level=self.label,
                unit=self.unit,
                name=self.name,
                assignments=[h.entry for h in sorted(self.holders, key=HOLDER_ORDER)],
                vacant=vacancies(self.label, (h.role for h in self.holders), covered),
                bodies=sorted(self.bodies, key=lambda b: b.id),
            )
            self.entries[covered] = entry
        return entry


COVERING_LABELS = ("Household", "Building", "Grid")
HOLDER_ORDER = attrgetter("role", "person")  # SPEC §4.1: by role, then person id


def grid_member(levels: list[Level]) -> PersonRef | None:
    """A household's grid member: nearest level wins (household, then building, then grid)."""
    for level in levels:
        if level.label not in COVERING_LABELS:
            break
        found = level.holding("grid_member")
        if found is not None:
            return found
    return None


def township_commander(levels: list[Level]) -> PersonRef | None:
    township = next((lv for lv in levels if lv.label == "Township"), None)
    return township.holding("commander") if township else None


def county_leader(levels: list[Level], county: Level) -> PersonRef | None:
    """The county leader in liaison with the path's township, else the county's commander."""
    township = next((lv for lv in levels if lv.label == "Township"), None)
    liaisons = (
        h.ref
        for h in (township.holders if township else ())
        if h.role == "liaison" and h.kind == "leader"
    )
    return first_person(liaisons) or county.holding("commander")


def who_result(target: str, as_of: dt.date, levels: list[Level]) -> WhoResult:
    covered = grid_member(levels) is not None
    return WhoResult.of(
        target=target,
        as_of=as_of,
        commander=township_commander(levels),
        chain=[level.chain_level(covered) for level in levels],
    )


def trace_steps(levels: list[Level]) -> list[TraceStep]:
    """The escalation path, bottom up: one step per level but the Building."""
    steps = []
    for level in levels:
        if level.label == "Household":
            person = grid_member(levels)
        elif level.label == "County":
            person = county_leader(levels, level)
        elif level.label in TRACE_ROLE:
            person = level.holding(TRACE_ROLE[level.label])
        else:
            continue  # a Building is no step of its own
        steps.append(TraceStep.of(level=level.label, unit=level.unit, person=person))
    return steps


def trace_result(
    target: str, as_of: dt.date, levels: list[Level], history: IssueHistory | None
) -> TraceResult:
    steps = trace_steps(levels)
    period = issues.policy().escalation_days
    return TraceResult.of(
        target=target,
        as_of=as_of,
        commander=township_commander(levels),
        path=steps,
        issue=timeline.trace_issue(history, steps, as_of, period) if history else None,
    )


def resident_view(record: Resident, path: list[str]) -> ResidentView:
    return ResidentView.of(
        id=record.id,
        name=record.name,
        phone=record.phone,
        id_number=record.id_number,
        household=record.household_id,
        path=path,
    )


def person_view(
    record: Person, as_of: dt.date, held: Iterable[Responsibility], households_covered: int
) -> PersonView:
    """A person with the active assignments it holds, by role then target."""
    return PersonView.of(
        id=record.id,
        name=record.name,
        kind=record.kind,
        org=record.org,
        phone=record.phone,
        party_member=record.party_member,
        as_of=as_of,
        responsibilities=sorted(held, key=lambda r: (r.role, r.target)),
        households_covered=households_covered,
    )


def no_chain(target: str, label: str) -> BadQuery:
    """What `who` or `trace` says of a record that lies in no chain (a person, a body)."""
    return BadQuery(
        say(
            f"{target} 是{label_name(label, 'zh')}，不在责任链上；请问单元、户、居民或事项",
            f"{target!r} is a {label}; ask about a unit, household, resident or issue",
        )
    )


class ChainAnswers(ABC):
    """`who` and `trace` for a backend that can find a query's start and its path's facts."""

    @abstractmethod
    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        """The unit a query starts from (a resident's household, an issue's subject), and
        the issue with its history when `target` is one."""

    @abstractmethod
    def levels(self, start: str, as_of: dt.date) -> list[Level]:
        """The containment path from `start` up, with each unit's active holders."""

    def who(self, target: str, as_of: dt.date) -> WhoResult:
        start, _ = self.start_of(target)
        return who_result(target, as_of, self.levels(start, as_of))

    def trace(self, target: str, as_of: dt.date) -> TraceResult:
        start, history = self.start_of(target)
        return trace_result(target, as_of, self.levels(start, as_of), history)


# ---- issue lists -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """An issue with its history, the containment path of its subject (subject first) and
    the subject's colour, as a backend found them."""

    history: IssueHistory
    levels: list[Level]
    color: str | None


@dataclass(frozen=True, slots=True)
class IssueFilter:
    status: str | None = None
    overdue: bool = False  # only what is late and still open
    scope: str | None = None
    color: str | None = None
    reported_by: str | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in ISSUE_STATUSES:
            raise BadQuery(
                say(
                    f"无法识别的事项状态 '{self.status}'"
                    f"（可填：{vocabulary.ISSUE_STATUSES.shown()}）",
                    f"unknown status {self.status!r} (expected one of {', '.join(ISSUE_STATUSES)})",
                )
            )
        issues.check_color(self.color)

    def statuses(self) -> tuple[str, ...]:
        """The statuses worth fetching: every backend narrows its read to these."""
        if self.status is not None:
            return (self.status,)
        if self.overdue:
            return tuple(s for s in ISSUE_STATUSES if s not in issues.DONE_STATUSES)
        return ISSUE_STATUSES

    def admits(self, facts: IssueFacts) -> bool:
        issue = facts.history.issue
        return (
            issues.status_of(issue) in self.statuses()
            and (self.scope is None or any(level.unit == self.scope for level in facts.levels))
            and (self.color is None or facts.color == self.color)
            and (self.reported_by is None or issue.reported_by == self.reported_by)
        )


def issues_result(as_of: dt.date, wanted: IssueFilter, found: Iterable[IssueFacts]) -> IssuesResult:
    """The issues `wanted` asks for, the latest first (most days overdue), then by id, from
    those a backend `found` for it (which it admits: only lateness is judged here)."""
    period = issues.policy().escalation_days
    views = []
    for facts in found:
        now = timeline.standing(facts.history, trace_steps(facts.levels), as_of, period)
        if wanted.overdue and not now.late:
            continue
        issue = facts.history.issue
        views.append(
            IssueView.of(
                id=issue.id,
                target=issue.target_id,
                category=issue.category,
                status=issues.status_of(issue),
                reported_by=issue.reported_by,
                reported_at=issue.reported_at,
                due_at=issue.due_at,
                resolved_at=issue.resolved_at,
                departments=facts.history.departments,
                color=facts.color,
                overdue_days=now.overdue_days,
                level=now.level,
                holder=now.holder,
                path=[level.unit for level in facts.levels],
            )
        )
    views.sort(key=lambda view: (-view.overdue_days, view.id))
    return IssuesResult.of(as_of=as_of, scope=wanted.scope, issues=views)
