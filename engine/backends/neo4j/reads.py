"""Point questions: a chain from its start up, one record, names, an issue and its history;
each one statement (or one per batch of ids) that the server answers from its indexes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from engine import history, semantics
from engine.backends.neo4j.connection import Connection
from engine.backends.neo4j.records import record_from
from engine.errors import NotFound
from engine.issues import IssueHistory, history_of
from engine.model import (
    RECORD_TYPES,
    Assignment,
    BodyRef,
    Change,
    ColorChange,
    ColorEntry,
    ColorHistory,
    HistoryResult,
    Issue,
    IssueEvent,
    NodeRef,
    Person,
    PersonView,
    Record,
    Resident,
    ResidentView,
    Responsibility,
)

STORED_STATEMENTS = {
    "units": "stored_units",
    "households": "stored_units",
    "residents": "stored_residents",
    "people": "stored_people",
    "assignments": "stored_assignments",
    "bodies": "stored_bodies",
    "issues": "stored_issues",
}


class Neo4jReads:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        rows = self.connection.read_batches("read", "labels_of", sorted(ids))
        return {row["id"]: row["label"] for row in rows}

    def stored(self, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        rows = self.connection.read_batches("read", STORED_STATEMENTS[kind], ids)
        return {row["id"]: dict(row["props"]) for row in rows}

    # ---- who and trace -----------------------------------------------------------------

    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        found = self.connection.read("read", "locate", id=target)[0]
        if found["unit"] is not None:
            return found["unit"], None
        if found["household"] is not None:
            return found["household"], None
        if found["issue"] is not None:
            return found["subject"], history_of(*self.issue(target))
        if found["other"] is not None:
            raise semantics.no_chain(target, found["other"])
        raise NotFound(target)

    def levels(self, start: str, as_of: dt.date) -> list[semantics.Level]:
        rows = self.connection.read("read", "chain", ids=[start], as_of=as_of.isoformat())
        return levels_of(rows)

    # ---- single records ----------------------------------------------------------------

    def path_of(self, node: str) -> list[NodeRef]:
        start, _ = self.start_of(node)
        rows = sorted(self.connection.read("read", "path_up", start=start), key=depth)
        return [NodeRef.of(level=row["label"], id=row["id"]) for row in rows]

    def resident(self, resident: str) -> ResidentView:
        rows = self.connection.read("read", "resident", id=resident)
        if not rows:
            raise NotFound(resident, "resident")
        record = record_from(Resident, dict(rows[0]["props"]))
        path = [ref.id for ref in self.path_of(record.household_id)]
        return semantics.resident_view(record, path)

    def person(self, person: str, as_of: dt.date) -> PersonView:
        day = as_of.isoformat()
        rows = self.connection.read("read", "person", id=person, as_of=day)
        if not rows:
            raise NotFound(person, "person")
        record = record_from(Person, dict(rows[0]["props"]))
        covered = self.connection.read("read", "households_covered", id=person, as_of=day)
        held = (
            Responsibility.of(
                assignment=a,
                role=role,
                target=target,
                level=level,
                since=to_date(since),
                until=to_date(until),
            )
            for a, role, target, level, since, until in rows[0]["responsibilities"]
        )
        households = covered[0]["covered"] if covered else 0
        return semantics.person_view(record, as_of, held, households)

    def assignment(self, assignment: str) -> Assignment:
        rows = self.connection.read("read", "assignment", id=assignment)
        if not rows:
            raise NotFound(assignment, "assignment")
        return record_from(Assignment, dict(rows[0]["props"]))

    def assigned_places(self, people: set[str]) -> dict[str, set[str]]:
        places: dict[str, set[str]] = {}
        for row in self.connection.read_batches("read", "assigned_places", sorted(people)):
            places.setdefault(row["person"], set()).add(row["target"])
        return places

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        found = self.stored(kind, sorted(ids))
        return {i: record_from(RECORD_TYPES[kind], props) for i, props in found.items()}

    def history(self, record: str, since: dt.date | None = None) -> HistoryResult:
        rows = self.connection.read(
            "history", "history", id=record, since=since.isoformat() if since else None
        )
        changes = [record_from(Change, dict(row["props"])) for row in rows]
        return history.result(record, since, changes)

    # ---- names -------------------------------------------------------------------------

    def names(self, ids: set[str]) -> dict[str, str]:
        rows = self.connection.read_batches("find", "names_of", sorted(ids))
        return {row["id"]: row["name"] for row in rows}

    def households_under(self, place: str) -> list[str]:
        rows = self.connection.read("find", "households_under", place=place)
        return sorted(row["id"] for row in rows)

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        rows = self.connection.read("find", "named", text=text, limit=limit)
        return [(row["id"], row["label"], row["name"]) for row in rows]

    # ---- the issue loop and household colours -----------------------------------------

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        rows = self.connection.read("issues", "issue", id=issue)
        if not rows:
            raise NotFound(issue, "issue")
        return record_from(Issue, dict(rows[0]["props"])), events_of(rows[0]["events"])

    def issue_facts(
        self, wanted: semantics.IssueFilter, as_of: dt.date
    ) -> list[semantics.IssueFacts]:
        rows = self.connection.read(
            "issues",
            "issues",
            statuses=list(wanted.statuses()),
            scope=wanted.scope,
            color=wanted.color,
            reported_by=wanted.reported_by,
        )
        found = [
            (record_from(Issue, dict(row["props"])), events_of(row["events"]), row["color"])
            for row in rows
        ]
        subjects = sorted({issue.target_id for issue, _, _ in found})
        chains: dict[str, list[neo4j.Record]] = {}
        for row in self.connection.read_batches("read", "chain", subjects, as_of=as_of.isoformat()):
            chains.setdefault(row["start"], []).append(row)
        return [
            semantics.IssueFacts(
                history_of(issue, events), levels_of(chains.get(issue.target_id, [])), color
            )
            for issue, events, color in found
        ]

    def color_history(self, household: str) -> ColorHistory:
        rows = self.connection.read("issues", "color_history", id=household)
        if not rows:
            raise NotFound(household, "household")
        changes = sorted(
            (record_from(ColorChange, dict(props)) for props in rows[0]["changes"]),
            key=lambda c: (c.seq or 0, c.at, c.id),  # a mark stored before seq: by its time
        )
        return ColorHistory.of(
            household=household,
            color=rows[0]["color"],
            changes=[ColorEntry.of(color=c.color, by=c.by, at=c.at) for c in changes],
        )


def levels_of(rows: list[neo4j.Record]) -> list[semantics.Level]:
    """A containment path from the rows of the `chain` statement for one start."""
    return [
        semantics.Level(
            label=row["label"],
            unit=row["id"],
            name=row["name"],
            holders=tuple(semantics.Holder(*holder) for holder in row["holders"]),
            bodies=tuple(BodyRef.of(id=b[0], kind=b[1], name=b[2]) for b in row["bodies"]),
        )
        for row in sorted(rows, key=depth)
    ]


def events_of(rows: list[dict[str, Any]]) -> list[IssueEvent]:
    return sorted((record_from(IssueEvent, dict(props)) for props in rows), key=lambda e: e.seq)


def depth(row: neo4j.Record) -> int:
    return int(row["depth"])


def to_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
