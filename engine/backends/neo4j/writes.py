"""Writes: an import as `UNWIND` batches with `MERGE` on ids, in an order that lets every edge
find both its ends; an issue step and a colour mark each one statement with their history."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString

from engine.backends.base import Progress, no_progress
from engine.backends.neo4j.connection import Connection, Row
from engine.backends.neo4j.reads import Neo4jReads
from engine.backends.neo4j.records import props_of
from engine.backends.neo4j.statements import statement
from engine.changes import find_changes
from engine.errors import NotFound
from engine.issues import moved_on, status_of
from engine.model import (
    BODY_KINDS,
    Change,
    ColorChange,
    DataSet,
    ImportReport,
    Issue,
    IssueEvent,
    Record,
)
from engine.snapshot import RETIRED_KINDS, Retirement

NODE_STATEMENTS = {
    "County": "merge_county",
    "Township": "merge_township",
    "Village": "merge_village",
    "Grid": "merge_grid",
    "Building": "merge_building",
    "Household": "merge_household",
    "Resident": "merge_resident",
    "Person": "merge_person",
    "PioneerPost": "merge_pioneer_post",
    "PioneerTeam": "merge_pioneer_team",
    "PartyOrg": "merge_party_org",
    "VolunteerTeam": "merge_volunteer_team",
    "Issue": "merge_issue",
}
NODE_LABELS = {
    "households": "Household",
    "residents": "Resident",
    "people": "Person",
    "issues": "Issue",
}


class Neo4jWrites:
    def __init__(self, connection: Connection, reads: Neo4jReads) -> None:
        self.connection = connection
        self.reads = reads
        self.one_writer = threading.RLock()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A check of the stored state and the write that follows it, as one step for this
        process (Neo4j's transactions are per statement batch, not across a whole import)."""
        with self.one_writer:
            yield

    def store(
        self,
        data: DataSet,
        progress: Progress = no_progress,
        retirement: Retirement | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        changes = find_changes(data, self.reads.stored, stored_form)
        if dry_run:
            return changes.report(retirement, dry_run=True)
        writes = list(write_plan(data))
        if retirement is not None:
            writes += list(retirement_plan(retirement))
        total = sum(len(rows) for _, rows in writes)
        done = 0
        progress(done, total)
        for name, rows in writes:
            if rows:
                done = self.connection.write(name, rows, progress, done, total)
        return changes.report(retirement)

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        rows = self.connection.write_one(
            "issues",
            "record_transition",
            id=issue.id,
            seen=seen,
            props=props_of(issue, "Issue"),
            events=[event_row(e) for e in events],
            changes=[change_row(c) for c in changes],
        )
        if rows and rows[0]["written"]:
            return
        current, stored = self.reads.issue(issue.id)
        if events[-1] in stored:
            return  # a retried transaction whose first attempt had committed
        raise moved_on(issue.id, status_of(current))

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        rows = self.connection.write_one(
            "issues",
            "record_color",
            household=change.household_id,
            color=change.color,
            id=change.id,
            props=props_of(change, "ColorChange"),
            changes=[change_row(c) for c in changes],
        )
        if not rows:
            raise NotFound(change.household_id, "household")


def event_row(event: IssueEvent) -> Row:
    """An event to store, with the department a dispatch calls (its DISPATCHED_TO edge)."""
    called = event.department if event.kind == "dispatched" else None
    return {
        "id": event.id,
        "props": props_of(event, "IssueEvent"),
        "called": [called] if called else [],
    }


def write_plan(data: DataSet) -> Iterator[tuple[LiteralString, list[Row]]]:
    """The statements of an import in an order that lets every edge find both its ends."""
    nodes: dict[str, list[Row]] = {label: [] for label in NODE_STATEMENTS}
    for unit in data.units:
        nodes[unit.label].append(node_row(unit, unit.label))
    nodes["Household"] += [node_row(h, "Household") for h in data.households]
    nodes["Resident"] += [node_row(r, "Resident") for r in data.residents]
    nodes["Person"] += [node_row(p, "Person") for p in data.people]
    for body in data.bodies:
        nodes[BODY_KINDS[body.kind]].append(node_row(body, BODY_KINDS[body.kind]))
    nodes["Issue"] += [node_row(i, "Issue") for i in data.issues]
    for label, rows in nodes.items():
        yield statement("store", NODE_STATEMENTS[label]), rows
    parents = [link(u.id, u.parent_id) for u in data.units if u.parent_id]
    yield (
        statement("store", "link_unit_parent"),
        parents + [link(h.id, h.unit_id) for h in data.households],
    )
    yield (
        statement("store", "link_resident_household"),
        [link(r.id, r.household_id) for r in data.residents],
    )
    yield statement("store", "link_body_unit"), [link(b.id, b.unit_id) for b in data.bodies]
    yield (
        statement("store", "link_body_holder"),
        [link(b.id, b.holder_id) for b in data.bodies if b.holder_id],
    )
    yield statement("store", "link_issue_subject"), [link(i.id, i.target_id) for i in data.issues]
    yield (
        statement("store", "link_issue_reporter"),
        [link(i.id, i.reported_by) for i in data.issues],
    )
    yield (
        statement("store", "merge_assignment"),
        [{"id": a.id, "props": props_of(a, "RESPONSIBLE_FOR")} for a in data.assignments],
    )
    yield statement("issues", "merge_issue_event"), [event_row(e) for e in data.issue_events]
    yield (
        statement("issues", "merge_color_change"),
        [node_row(c, "ColorChange") for c in data.color_changes],
    )
    yield statement("history", "merge_change"), [change_row(c) for c in data.changes]


def change_row(change: Change) -> Row:
    return node_row(change, "Change")


def retirement_plan(retirement: Retirement) -> Iterator[tuple[LiteralString, list[Row]]]:
    """An import's retirements, after its writes: assignments ended, then records removed,
    what hangs under a record before it."""
    ended = [{"id": a, "until": last.isoformat()} for a, last in sorted(retirement.ended.items())]
    yield statement("snapshot", "end_assignments"), ended
    for kind in RETIRED_KINDS:
        rows = [{"id": i} for i in sorted(retirement.removed_ids(kind))]
        yield statement("snapshot", f"remove_{kind}"), rows


def node_row(record: Record, label: str) -> Row:
    return {"id": record.id, "props": props_of(record, label)}


def link(source: str, target: str) -> Row:
    return {"id": source, "target": target}


def stored_form(kind: str, record: Record) -> dict[str, Any]:
    """A record as the server holds it, to tell a changed record from an unchanged one."""
    if kind == "assignments":
        return props_of(record, "RESPONSIBLE_FOR")
    if kind == "bodies":
        return props_of(record, BODY_KINDS[record.kind])  # type: ignore[attr-defined]
    return props_of(record, NODE_LABELS.get(kind) or record.label)  # type: ignore[attr-defined]
