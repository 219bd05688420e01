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

from engine.errors import BadQuery
from engine.model import (
    ALL_LABELS,
    GAP_KINDS,
    REQUIRED_ROLE,
    ROLES,
    BodyRef,
    ChainLevel,
    Gap,
    GapsResult,
    GapSummary,
    Issue,
    PersonRef,
    RoleHolder,
    StatsResult,
    TraceIssue,
    TraceResult,
    TraceStep,
    WhoResult,
)

# Levels that are a step of a reverse trace, bottom up (SPEC §4.3), and who answers for each.
TRACE_ROLE: dict[str, str] = {
    "Household": "grid_member",
    "Grid": "grid_head",
    "Village": "commander",
    "Township": "commander",
}


def check_gap_kind(kind: str | None) -> None:
    if kind is not None and kind not in GAP_KINDS:
        raise BadQuery(f"unknown gap kind {kind!r} (expected one of {', '.join(GAP_KINDS)})")


def sorted_holders(holders: Iterable[RoleHolder]) -> list[RoleHolder]:
    return sorted(holders, key=lambda h: (h.role, h.person.id))


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


def trace_issue(issue: Issue, as_of: dt.date) -> TraceIssue:
    return TraceIssue(
        id=issue.id,
        reported_at=issue.reported_at,
        due_at=issue.due_at,
        resolved_at=issue.resolved_at,
        overdue_days=overdue_days(issue.due_at, issue.resolved_at, as_of),
    )


def overdue_days(due_at: dt.date | None, resolved_at: dt.date | None, as_of: dt.date) -> int:
    """Days past due, counted to the resolution if there is one, else to `as_of`."""
    if due_at is None:
        return 0
    end = resolved_at or as_of
    return max(0, (end - due_at).days)


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

    def holding(self, role: str) -> PersonRef | None:
        return first_person(h.ref for h in self.holders if h.role == role)


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
        chain=[
            ChainLevel.of(
                level=level.label,
                unit=level.unit,
                name=level.name,
                assignments=[h.entry for h in sorted(level.holders, key=HOLDER_ORDER)],
                vacant=vacancies(level.label, (h.role for h in level.holders), covered),
                bodies=sorted(level.bodies, key=lambda b: b.id),
            )
            for level in levels
        ],
    )


def trace_result(
    target: str, as_of: dt.date, levels: list[Level], issue: Issue | None
) -> TraceResult:
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
    return TraceResult.of(
        target=target,
        as_of=as_of,
        commander=township_commander(levels),
        path=steps,
        issue=trace_issue(issue, as_of) if issue else None,
    )


class ChainAnswers(ABC):
    """`who` and `trace` for a backend that can find a query's start and its path's facts."""

    @abstractmethod
    def start_of(self, target: str) -> tuple[str, Issue | None]:
        """The unit a query starts from (a resident's household, an issue's subject)."""

    @abstractmethod
    def levels(self, start: str, as_of: dt.date) -> list[Level]:
        """The containment path from `start` up, with each unit's active holders."""

    def who(self, target: str, as_of: dt.date) -> WhoResult:
        start, _ = self.start_of(target)
        return who_result(target, as_of, self.levels(start, as_of))

    def trace(self, target: str, as_of: dt.date) -> TraceResult:
        start, issue = self.start_of(target)
        return trace_result(target, as_of, self.levels(start, as_of), issue)
