"""The in-memory query graph: a networkx digraph with the edges of SPEC §3.

The graph is the truth; `Index` is derived from it after every write and holds the lookups the
queries make per call, so a `who` or `trace` costs a few dictionary reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import networkx as nx

from engine.model import (
    BODY_KINDS,
    Assignment,
    Body,
    BodyRef,
    ColorChange,
    DataSet,
    Household,
    Issue,
    IssueEvent,
    Person,
    Record,
    Unit,
)
from engine.semantics import Holder


class CountyGraph:
    """A directed graph; a person's assignments to one unit share one RESPONSIBLE_FOR edge."""

    def __init__(self) -> None:
        self.g: nx.DiGraph[str] = nx.DiGraph()
        self.assignments: dict[str, Assignment] = {}
        # History, by issue and by household, in order; not part of the graph's shape.
        self.events: dict[str, list[IssueEvent]] = defaultdict(list)
        self.colors: dict[str, list[ColorChange]] = defaultdict(list)
        self.index = Index(self.g, self.assignments, self.events, self.colors)

    def add(self, data: DataSet, reset_issues: Collection[str] = ()) -> None:
        """Upsert every record of `data`; a stored node's old edges give way to its new ones,
        and the events of `reset_issues` to none."""
        for issue in reset_issues:
            self.events.pop(issue, None)
        self.add_history(data.issue_events, data.color_changes)
        nodes = list(node_rows(data))
        for node, _, _, _ in nodes:
            if node in self.g:
                self.drop_own_edges(node)
        self.g.add_nodes_from((node, {"label": label, "record": r}) for node, label, r, _ in nodes)
        self.g.add_edges_from(
            (source, target, {"type": edge})
            for node, _, _, edges in nodes
            for source, target, edge in edges
        )
        for assignment in data.assignments:
            self.put_assignment(assignment)
        self.index = Index(self.g, self.assignments, self.events, self.colors)

    def add_history(self, events: list[IssueEvent], colors: list[ColorChange]) -> None:
        for event in events:
            held = self.events[event.issue_id]
            held[:] = upserted(held, event, lambda e: (e.seq, e.id))
        for change in colors:
            changes = self.colors[change.household_id]
            changes[:] = upserted(changes, change, lambda c: (c.at, c.id))

    def replace_record(self, record: Issue | Household) -> None:
        """A new state of a stored node whose edges stay as they are (an issue's status, a
        household's colour): no index to rebuild, however large the county."""
        self.g.nodes[record.id]["record"] = record
        self.index.records[record.id] = record

    def put_assignment(self, assignment: Assignment) -> None:
        old = self.assignments.pop(assignment.id, None)
        if old is not None:
            held = self.g.edges[old.person_id, old.target_id]["assignments"]
            del held[old.id]
            if not held:
                self.g.remove_edge(old.person_id, old.target_id)
        self.assignments[assignment.id] = assignment
        if not self.g.has_edge(assignment.person_id, assignment.target_id):
            self.g.add_edge(
                assignment.person_id, assignment.target_id, type="RESPONSIBLE_FOR", assignments={}
            )
        self.g.edges[assignment.person_id, assignment.target_id]["assignments"][assignment.id] = (
            assignment
        )

    def drop_own_edges(self, node: str) -> None:
        """The edges a node's record states (its parent, its holder), not the assignments."""
        stale = [
            (node, target)
            for target, attrs in self.g.succ[node].items()
            if attrs["type"] != "RESPONSIBLE_FOR"
        ]
        stale += [
            (source, node)
            for source, attrs in self.g.pred[node].items()
            if attrs["type"] == "HOLDS"
        ]
        self.g.remove_edges_from(stale)


H = TypeVar("H", bound=Record)


def upserted(held: list[H], record: H, order: Callable[[H], Any]) -> list[H]:
    """`held` with `record` in the place of any record of its id, in `order`."""
    return sorted([r for r in held if r.id != record.id] + [record], key=order)


NodeRow = tuple[str, str, Record, list[tuple[str, str, str]]]


def node_rows(data: DataSet) -> Iterator[NodeRow]:
    """Each record as a node: its id, label, record and the edges it states (SPEC §3)."""
    for unit in data.units:
        yield unit.id, unit.label, unit, edge_to(unit.id, unit.parent_id, "IN")
    for household in data.households:
        yield household.id, "Household", household, edge_to(household.id, household.unit_id, "IN")
    for resident in data.residents:
        edges = edge_to(resident.id, resident.household_id, "MEMBER_OF")
        yield resident.id, "Resident", resident, edges
    for person in data.people:
        yield person.id, "Person", person, []
    for body in data.bodies:
        edges = edge_to(body.id, body.unit_id, "SERVES")
        if body.holder_id:
            edges.append((body.holder_id, body.id, "HOLDS"))
        yield body.id, BODY_KINDS[body.kind], body, edges
    for issue in data.issues:
        edges = [(issue.id, issue.target_id, "ABOUT"), (issue.id, issue.reported_by, "REPORTED_BY")]
        yield issue.id, "Issue", issue, edges


def edge_to(source: str, target: str | None, edge: str) -> list[tuple[str, str, str]]:
    return [] if target is None else [(source, target, edge)]


@dataclass
class Index:
    """Lookups derived from the graph: parents, children, and what points at each unit."""

    g: nx.DiGraph[str]
    assignments: dict[str, Assignment]
    events: dict[str, list[IssueEvent]]
    colors: dict[str, list[ColorChange]]
    label: dict[str, str] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    residents: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    bodies: dict[str, list[Body]] = field(default_factory=lambda: defaultdict(list))
    assigned_to: dict[str, list[Assignment]] = field(default_factory=lambda: defaultdict(list))
    assigned_by: dict[str, list[Assignment]] = field(default_factory=lambda: defaultdict(list))
    records: dict[str, Record] = field(default_factory=dict)
    # What a who or trace shows of an assignment; its person does not change between writes.
    holders: dict[str, Holder] = field(default_factory=dict)
    body_refs: dict[str, tuple[BodyRef, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node, attrs in self.g.nodes(data=True):
            self.label[node] = attrs["label"]
            self.records[node] = attrs["record"]
        for source, targets in self.g.adjacency():
            for target, attrs in targets.items():
                self.index_edge(source, target, attrs["type"])
        self.index_assignments()

    def index_edge(self, source: str, target: str, edge: str) -> None:
        if edge == "IN":
            self.parent[source] = target
            self.children[target].append(source)
        elif edge == "MEMBER_OF":
            self.residents[target].append(source)
        elif edge == "SERVES":
            self.bodies[target].append(self.record(source))  # type: ignore[arg-type]

    def index_assignments(self) -> None:
        for assignment in self.assignments.values():
            self.assigned_to[assignment.target_id].append(assignment)
            self.assigned_by[assignment.person_id].append(assignment)
            person = self.person(assignment.person_id)
            self.holders[assignment.id] = Holder(
                assignment.role, person.id, person.name, person.kind
            )
        for held in self.assigned_to.values():
            held.sort(key=lambda a: (a.role, a.person_id))
        for unit, served in self.bodies.items():
            served.sort(key=lambda b: b.id)
            self.body_refs[unit] = tuple(
                BodyRef.of(id=b.id, kind=b.kind, name=b.name) for b in served
            )

    def record(self, node: str) -> Record:
        return self.records[node]

    def unit_name(self, node: str) -> str:
        record = self.record(node)
        if isinstance(record, Unit):
            return record.name
        if isinstance(record, Household):
            return record.address or record.id
        return node

    def person(self, node: str) -> Person:
        record = self.record(node)
        assert isinstance(record, Person)
        return record

    def path_up(self, node: str) -> list[str]:
        path = [node]
        while node in self.parent:
            node = self.parent[node]
            path.append(node)
        return path

    def nodes_of(self, label: str) -> list[str]:
        return self.by_label.get(label, [])

    @cached_property
    def by_label(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for node, label in self.label.items():
            grouped[label].append(node)
        return grouped

    def households_below(self, node: str) -> list[str]:
        """The households a grid-member assignment to `node` covers."""
        if self.label.get(node) == "Household":
            return [node]
        found: list[str] = []
        for child in self.children.get(node, ()):
            found.extend(self.households_below(child))
        return found

    def subtree(self, root: str) -> list[str]:
        """`root` and every unit and household under it."""
        found = [root]
        for node in found:
            found.extend(self.children.get(node, ()))
        return found
