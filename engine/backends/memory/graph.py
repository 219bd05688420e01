"""The in-memory query graph: a networkx multigraph with the edges of SPEC §3.

The graph is the truth; `Index` is derived from it after every write and holds the lookups the
queries make per call, so a `who` or `trace` costs a few dictionary reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from engine.model import (
    BODY_KINDS,
    Assignment,
    Body,
    DataSet,
    Household,
    Issue,
    Person,
    Record,
    Resident,
    Unit,
)


class CountyGraph:
    def __init__(self) -> None:
        self.g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self.assignments: dict[str, Assignment] = {}
        self.index = Index(self.g, self.assignments)

    def add(self, data: DataSet) -> None:
        for unit in data.units:
            self.put_node(unit.id, unit.label, unit, unit.parent_id, "IN")
        for household in data.households:
            self.put_node(household.id, "Household", household, household.unit_id, "IN")
        for resident in data.residents:
            self.put_node(resident.id, "Resident", resident, resident.household_id, "MEMBER_OF")
        for person in data.people:
            self.put_node(person.id, "Person", person, None, "")
        for body in data.bodies:
            self.put_body(body)
        for issue in data.issues:
            self.put_issue(issue)
        for assignment in data.assignments:
            self.put_assignment(assignment)
        self.index = Index(self.g, self.assignments)

    def put_node(
        self, node: str, label: str, record: Record, parent: str | None, edge: str
    ) -> None:
        if node in self.g:
            self.drop_out_edges(
                node, {"IN", "MEMBER_OF", "SERVES", "HOLDS", "ABOUT", "REPORTED_BY"}
            )
        self.g.add_node(node, label=label, record=record)
        if parent is not None:
            self.g.add_edge(node, parent, key=edge, type=edge)

    def put_body(self, body: Body) -> None:
        self.put_node(body.id, BODY_KINDS[body.kind], body, body.unit_id, "SERVES")
        if body.holder_id:
            self.g.add_edge(body.holder_id, body.id, key="HOLDS", type="HOLDS")

    def put_issue(self, issue: Issue) -> None:
        self.put_node(issue.id, "Issue", issue, issue.target_id, "ABOUT")
        self.g.add_edge(issue.id, issue.reported_by, key="REPORTED_BY", type="REPORTED_BY")

    def put_assignment(self, assignment: Assignment) -> None:
        old = self.assignments.get(assignment.id)
        if old is not None:
            self.g.remove_edge(old.person_id, old.target_id, key=old.id)
        self.assignments[assignment.id] = assignment
        self.g.add_edge(
            assignment.person_id,
            assignment.target_id,
            key=assignment.id,
            type="RESPONSIBLE_FOR",
            record=assignment,
        )

    def drop_out_edges(self, node: str, types: set[str]) -> None:
        stale = [
            (node, target, key)
            for target, keyed in self.g.succ[node].items()
            for key, attrs in keyed.items()
            if attrs["type"] in types
        ]
        for source, target, key in stale:
            self.g.remove_edge(source, target, key=key)


@dataclass
class Index:
    """Lookups derived from the graph: parents, children, and what points at each unit."""

    g: nx.MultiDiGraph[str]
    assignments: dict[str, Assignment]
    label: dict[str, str] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    residents: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    bodies: dict[str, list[Body]] = field(default_factory=lambda: defaultdict(list))
    assigned_to: dict[str, list[Assignment]] = field(default_factory=lambda: defaultdict(list))
    assigned_by: dict[str, list[Assignment]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for node, attrs in self.g.nodes(data=True):
            self.label[node] = attrs["label"]
        for source, target, attrs in self.g.edges(data=True):
            edge = attrs["type"]
            if edge == "IN":
                self.parent[source] = target
                self.children[target].append(source)
            elif edge == "MEMBER_OF":
                self.residents[target].append(source)
            elif edge == "SERVES":
                self.bodies[target].append(self.record(source))  # type: ignore[arg-type]
        for assignment in self.assignments.values():
            self.assigned_to[assignment.target_id].append(assignment)
            self.assigned_by[assignment.person_id].append(assignment)
        for holders in self.assigned_to.values():
            holders.sort(key=lambda a: (a.role, a.person_id))
        for served in self.bodies.values():
            served.sort(key=lambda b: b.id)

    def record(self, node: str) -> Record:
        record: Record = self.g.nodes[node]["record"]
        return record

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

    def residents_of(self, household: str) -> list[Resident]:
        return [self.record(r) for r in self.residents.get(household, ())]  # type: ignore[misc]
