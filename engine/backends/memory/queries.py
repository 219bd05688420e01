"""SPEC §4 stated in Python over the memory graph's index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from engine import semantics
from engine.backends.memory.graph import Index
from engine.errors import BadQuery, NotFound
from engine.issues import IssueHistory, check_color, history_of, status_of
from engine.model import (
    HIGH_RISK_COLORS,
    UNIT_LABELS,
    Assignment,
    ColorEntry,
    ColorHistory,
    Gap,
    GapsResult,
    Household,
    Issue,
    NodeRef,
    Person,
    PersonView,
    Resident,
    ResidentView,
    Responsibility,
    StatsResult,
)

QUARANTINE = "home_quarantine"
FOUR_TO_ONE_TEAM = 4
RESPONSIBLE_KINDS = ("cadre", "leader")


class MemoryQueries(semantics.ChainAnswers):
    def __init__(self, index: Index) -> None:
        self.ix = index

    # ---- shared steps ------------------------------------------------------------------

    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        """The unit a query starts from: a resident's household, an issue's subject."""
        label = self.ix.label.get(target)
        if label is None:
            raise NotFound(target)
        if label in UNIT_LABELS:
            return target, None
        record = self.ix.record(target)
        if isinstance(record, Resident):
            return record.household_id, None
        if isinstance(record, Issue):
            return record.target_id, history_of(record, self.ix.events.get(target, []))
        raise BadQuery(f"{target!r} is a {label}; ask about a unit, household, resident or issue")

    def active(self, node: str, as_of: dt.date, role: str | None = None) -> list[Assignment]:
        return [
            a
            for a in self.ix.assigned_to.get(node, ())
            if (role is None or a.role == role) and a.active_on(as_of)
        ]

    def levels(self, start: str, as_of: dt.date) -> list[semantics.Level]:
        holders = self.ix.holders
        return [
            semantics.Level(
                label=self.ix.label[node],
                unit=node,
                name=self.ix.unit_name(node),
                holders=tuple(
                    holders[a.id] for a in self.ix.assigned_to.get(node, ()) if a.active_on(as_of)
                ),
                bodies=self.ix.body_refs.get(node, ()),
            )
            for node in self.ix.path_up(start)
        ]

    # ---- gaps --------------------------------------------------------------------------

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None,
        kind: str | None,
        member_limit: int,
        color: str | None = None,
    ) -> GapsResult:
        semantics.check_gap_kind(kind)
        check_color(color)
        if scope is not None and self.ix.label.get(scope) not in UNIT_LABELS:
            raise NotFound(scope, "unit")
        nodes = self.ix.subtree(scope) if scope else list(self.ix.label)
        found = [
            (gap, self.township_of(gap.path))
            for gap in self.find_gaps(nodes, scope, as_of, member_limit)
            if (kind is None or gap.kind == kind)
            and (color is None or self.color_of(gap.id) == color)
        ]
        return semantics.gaps_result(as_of, scope, found)

    def color_of(self, node: str) -> str | None:
        """A household's colour; any other node has none."""
        record = self.ix.records.get(node)
        return record.color if isinstance(record, Household) else None

    def find_gaps(
        self, nodes: list[str], scope: str | None, as_of: dt.date, member_limit: int
    ) -> Iterator[Gap]:
        covering = {
            a.target_id
            for a in self.ix.assignments.values()
            if a.role == "grid_member" and a.active_on(as_of)
        }
        in_scope = set(nodes)
        for node in nodes:
            label = self.ix.label[node]
            if label in ("Township", "Village") and not self.active(node, as_of, "commander"):
                yield self.gap("missing_commander", node)
            elif label == "Grid" and not self.active(node, as_of, "grid_head"):
                yield self.gap("missing_grid_head", node)
            elif label == "Household":
                yield from self.household_gaps(node, covering, as_of)
            if label in UNIT_LABELS and label != "County" and node not in self.ix.parent:
                yield self.gap("orphan_unit", node)
        yield from self.overloaded_members(in_scope if scope else None, as_of, member_limit)

    def household_gaps(self, node: str, covering: set[str], as_of: dt.date) -> Iterator[Gap]:
        household = self.ix.record(node)
        assert isinstance(household, Household)
        up = self.ix.path_up(node)[:3]
        if not any(
            n in covering for n in up if self.ix.label[n] in ("Household", "Building", "Grid")
        ):
            yield self.gap("uncovered_household", node)
        if not self.ix.residents.get(node):
            yield self.gap("empty_household", node)
        if household.status == QUARANTINE:
            team = {a.person_id for a in self.active(node, as_of, "four_to_one")}
            if len(team) < FOUR_TO_ONE_TEAM:
                yield self.gap("incomplete_four_to_one", node)
        if household.color in HIGH_RISK_COLORS and not any(
            self.ix.person(a.person_id).kind in RESPONSIBLE_KINDS for a in self.active(node, as_of)
        ):
            yield self.gap("unattended_high_risk", node)

    def overloaded_members(
        self, in_scope: set[str] | None, as_of: dt.date, member_limit: int
    ) -> Iterator[Gap]:
        for person in self.ix.assigned_by:
            covered = self.covered_households(person, as_of)
            if len(covered) > member_limit and (
                in_scope is None or not covered.isdisjoint(in_scope)
            ):
                yield Gap.of(kind="overloaded_member", id=person, level="Person", path=[])

    def gap(self, kind: str, node: str) -> Gap:
        return Gap.of(kind=kind, id=node, level=self.ix.label[node], path=self.ix.path_up(node))

    def township_of(self, path: list[str]) -> str | None:
        return next((n for n in path if self.ix.label[n] == "Township"), None)

    # ---- single records ----------------------------------------------------------------

    def path_of(self, node: str) -> list[NodeRef]:
        start, _ = self.start_of(node)
        return [NodeRef.of(level=self.ix.label[n], id=n) for n in self.ix.path_up(start)]

    def resident(self, node: str) -> ResidentView:
        record = self.ix.record(node) if node in self.ix.label else None
        if not isinstance(record, Resident):
            raise NotFound(node, "resident")
        return semantics.resident_view(record, self.ix.path_up(record.household_id))

    def person(self, node: str, as_of: dt.date) -> PersonView:
        record = self.ix.record(node) if node in self.ix.label else None
        if not isinstance(record, Person):
            raise NotFound(node, "person")
        held = (
            Responsibility.of(
                assignment=a.id,
                role=a.role,
                target=a.target_id,
                level=self.ix.label[a.target_id],
                since=a.since,
                until=a.until,
            )
            for a in self.ix.assigned_by.get(node, ())
            if a.active_on(as_of)
        )
        covered = len(self.covered_households(node, as_of))
        return semantics.person_view(record, as_of, held, covered)

    def covered_households(self, person: str, as_of: dt.date) -> set[str]:
        """Households a person's active grid-member assignments cover, each counted once."""
        covered: set[str] = set()
        for a in self.ix.assigned_by.get(person, ()):
            if a.role == "grid_member" and a.active_on(as_of):
                covered.update(self.ix.households_below(a.target_id))
        return covered

    # ---- the issue loop ----------------------------------------------------------------

    def issue_facts(self, statuses: tuple[str, ...], as_of: dt.date) -> list[semantics.IssueFacts]:
        found = []
        for node in self.ix.nodes_of("Issue"):
            issue = self.ix.record(node)
            if isinstance(issue, Issue) and status_of(issue) in statuses:
                found.append(
                    semantics.IssueFacts(
                        history_of(issue, self.ix.events.get(node, [])),
                        self.levels(issue.target_id, as_of),
                        self.color_of(issue.target_id),
                    )
                )
        return found

    def color_history(self, household: str) -> ColorHistory:
        record = self.ix.records.get(household)
        if not isinstance(record, Household):
            raise NotFound(household, "household")
        return ColorHistory.of(
            household=household,
            color=record.color,
            changes=[
                ColorEntry.of(color=c.color, by=c.by, at=c.at)
                for c in self.ix.colors.get(household, [])
            ],
        )

    # ---- stats -------------------------------------------------------------------------

    def stats(self, as_of: dt.date, scope: str | None, member_limit: int) -> StatsResult:
        gaps = self.gaps(as_of, scope, None, member_limit)
        if scope is None:
            counted = list(self.ix.label)
        else:
            places = self.ix.subtree(scope)
            counted = [*places, *self.attached_to(places, as_of)]
        nodes: dict[str, int] = {}
        for node in counted:
            label = self.ix.label[node]
            nodes[label] = nodes.get(label, 0) + 1
        targets = set(counted) if scope else None
        roles: dict[str, int] = {}
        for a in self.ix.assignments.values():
            if a.active_on(as_of) and (targets is None or a.target_id in targets):
                roles[a.role] = roles.get(a.role, 0) + 1
        return semantics.stats_result(as_of, scope, nodes, roles, gaps)

    def attached_to(self, places: list[str], as_of: dt.date) -> Iterator[str]:
        """Residents, bodies, issues and actively assigned people of the units in a scope."""
        people: set[str] = set()
        for node in places:
            yield from self.ix.residents.get(node, ())
            yield from (b.id for b in self.ix.bodies.get(node, ()))
            people.update(a.person_id for a in self.active(node, as_of))
        place_set = set(places)
        for node in self.ix.nodes_of("Issue"):
            issue = self.ix.record(node)
            if isinstance(issue, Issue) and issue.target_id in place_set:
                yield node
        yield from people
