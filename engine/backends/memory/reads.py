"""Point questions answered from the store's indexes: each reads only the rows it needs (a
chain is at most seven places), however large the county."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from engine import history, semantics
from engine.backends.memory.places import Places
from engine.backends.memory.store import (
    BODY_LABEL,
    COLUMNS,
    StoreFile,
    decode,
    id_list,
    rows_with_ids,
    select,
)
from engine.errors import NotFound
from engine.issues import IssueHistory, history_of
from engine.model import (
    Assignment,
    ColorEntry,
    ColorHistory,
    HistoryResult,
    Issue,
    IssueEvent,
    NodeRef,
    PersonView,
    Record,
    ResidentView,
    Responsibility,
)

# Ids are unique across the graph; each table answers for the labels it holds.
LABEL_OF = {
    "units": "label",
    "households": "'Household'",
    "residents": "'Resident'",
    "people": "'Person'",
    "bodies": BODY_LABEL,
    "issues": "'Issue'",
}
# Records by name (a household by its address), at most :limit of each kind, the exact names
# first; `\` escapes LIKE's marks in the text.
NAMED = " UNION ALL ".join(
    f"SELECT * FROM (SELECT id, {label}, {name} AS name FROM {table} "
    f"WHERE {name} LIKE :pattern ESCAPE '\\' ORDER BY {name} <> :text, id LIMIT :limit)"
    for table, label, name in (
        ("units", "label", "name"),
        ("households", "'Household'", "address"),
        ("people", "'Person'", "name"),
        ("residents", "'Resident'", "name"),
    )
)
HOUSEHOLDS_UNDER = """
WITH RECURSIVE under(id) AS (
  SELECT :place UNION SELECT u.id FROM units u JOIN under ON u.parent_id = under.id
)
SELECT h.id FROM households h WHERE h.id = :place OR h.unit_id IN under ORDER BY h.id
"""
# An assignment is active on ?2 (ISO text compares as dates do).
ACTIVE = "(a.since IS NULL OR a.since <= ?2) AND (a.until IS NULL OR ?2 <= a.until)"
HELD_BY_SQL = f"""
SELECT a.id, a.role, a.target_id, COALESCE(u.label, 'Household'), a.since, a.until
FROM assignments a LEFT JOIN units u ON u.id = a.target_id
WHERE a.person_id = ?1 AND {ACTIVE}
"""
# The households a person's active grid-member assignments cover, each once: a target's own
# household, the households of the unit it is, and those one unit further down (SPEC §4.2).
COVERED_SQL = f"""
WITH targets AS (
  SELECT a.target_id AS id FROM assignments a
  WHERE a.person_id = ?1 AND a.role = 'grid_member' AND {ACTIVE}
)
SELECT COUNT(*) FROM (
  SELECT h.id FROM targets t JOIN households h ON h.id = t.id
  UNION SELECT h.id FROM targets t JOIN households h ON h.unit_id = t.id
  UNION SELECT h.id FROM targets t JOIN units u ON u.parent_id = t.id
        JOIN households h ON h.unit_id = u.id
)
"""

# Every assignment of the people in ?1 (a JSON list), whatever its dates.
ASSIGNED_SQL = """
SELECT person_id, target_id FROM assignments
WHERE person_id IN (SELECT value FROM json_each(?1))
"""


def events_of(db: sqlite3.Connection, issue: str) -> list[IssueEvent]:
    rows = db.execute(f"{select('issue_events')} WHERE issue_id = ? ORDER BY seq, id", (issue,))
    return [decode("issue_events", row) for row in rows]


def record_of(db: sqlite3.Connection, kind: str, node: str) -> Any:
    row = db.execute(f"{select(kind)} WHERE id = ?", (node,)).fetchone()
    return None if row is None else decode(kind, row)


class MemoryReads(semantics.ChainAnswers):
    def __init__(self, file: StoreFile, places: Places) -> None:
        self.file = file
        self.places = places

    def labels(self, ids: set[str]) -> dict[str, str]:
        db = self.file.reader()
        found: dict[str, str] = {}
        for table, label in LABEL_OF.items():
            found.update(rows_with_ids(db, table, f"id, {label}", ids))
        return found

    # ---- who and trace: SPEC §4.1 and §4.3 are stated once, in engine.semantics ----------

    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        db = self.file.reader()  # every question starts here: the store is looked at afresh
        if self.places.get(db, target) is not None:
            return target, None
        row = db.execute("SELECT household_id FROM residents WHERE id = ?", (target,)).fetchone()
        if row is not None:
            return row[0], None
        issue = record_of(db, "issues", target)
        if isinstance(issue, Issue):
            return issue.target_id, history_of(issue, events_of(db, target))
        label = self.labels({target}).get(target)
        if label is None:
            raise NotFound(target)
        raise semantics.no_chain(target, label)

    def levels(self, start: str, as_of: dt.date) -> list[semantics.Level]:
        day = as_of.isoformat()
        return [place.level(day) for place in self.places.path(self.file.connection(), start)]

    def path_ids(self, start: str) -> list[str]:
        return [place.id for place in self.places.path(self.file.connection(), start)]

    # ---- single records --------------------------------------------------------------------

    def path_of(self, node: str) -> list[NodeRef]:
        start, _ = self.start_of(node)
        return [
            NodeRef.of(level=place.label, id=place.id)
            for place in self.places.path(self.file.connection(), start)
        ]

    def resident(self, node: str) -> ResidentView:
        record = record_of(self.file.reader(), "residents", node)
        if record is None:
            raise NotFound(node, "resident")
        return semantics.resident_view(record, self.path_ids(record.household_id))

    def person(self, node: str, as_of: dt.date) -> PersonView:
        db = self.file.reader()
        record = record_of(db, "people", node)
        if record is None:
            raise NotFound(node, "person")
        day = as_of.isoformat()
        held = [
            Responsibility.of(
                assignment=assignment,
                role=role,
                target=target,
                level=level,
                since=dt.date.fromisoformat(since) if since else None,
                until=dt.date.fromisoformat(until) if until else None,
            )
            for assignment, role, target, level, since, until in db.execute(
                HELD_BY_SQL, (node, day)
            )
        ]
        covered = db.execute(COVERED_SQL, (node, day)).fetchone()[0]
        return semantics.person_view(record, as_of, held, covered)

    def assignment(self, assignment: str) -> Assignment:
        record = record_of(self.file.reader(), "assignments", assignment)
        if not isinstance(record, Assignment):
            raise NotFound(assignment, "assignment")
        return record

    def assigned_places(self, people: set[str]) -> dict[str, set[str]]:
        places: dict[str, set[str]] = {}
        for person, target in self.file.reader().execute(ASSIGNED_SQL, (id_list(people),)):
            places.setdefault(person, set()).add(target)
        return places

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        db = self.file.reader()
        record = record_of(db, "issues", issue)
        if not isinstance(record, Issue):
            raise NotFound(issue, "issue")
        return record, events_of(db, issue)

    def color_history(self, household: str) -> ColorHistory:
        db = self.file.reader()
        row = db.execute("SELECT color FROM households WHERE id = ?", (household,)).fetchone()
        if row is None:
            raise NotFound(household, "household")
        changes = db.execute(
            # In the order they were made: several may share a second.
            "SELECT color, by, at FROM color_changes WHERE household_id = ? ORDER BY seq",
            (household,),
        )
        return ColorHistory.of(
            household=household,
            color=row[0],
            changes=[
                ColorEntry.of(color=color, by=by, at=dt.datetime.fromisoformat(at))
                for color, by, at in changes
            ],
        )

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        db = self.file.reader()
        rows = rows_with_ids(db, kind, ", ".join(COLUMNS[kind]), ids)
        return {row[0]: decode(kind, row) for row in rows}

    def names(self, ids: set[str]) -> dict[str, str]:
        db = self.file.reader()
        found = dict(rows_with_ids(db, "units", "id, name", ids))
        found.update(rows_with_ids(db, "households", "id, COALESCE(address, id)", ids))
        found.update(rows_with_ids(db, "people", "id, name", ids))
        return found

    def households_under(self, place: str) -> list[str]:
        rows = self.file.reader().execute(HOUSEHOLDS_UNDER, {"place": place})
        return [row[0] for row in rows]

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        """(id, label, name) of the records whose name holds `text`, exact names first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.file.reader().execute(NAMED, {"pattern": pattern, "text": text, "limit": limit})
        return [(node, label, name) for node, label, name in rows]

    def history(self, record: str, since: dt.date | None) -> HistoryResult:
        db = self.file.reader()
        rows = db.execute(
            f"{select('changes')} WHERE record = ? AND (? IS NULL OR at >= ?) ORDER BY rowid DESC",
            (record, since and since.isoformat(), since and since.isoformat()),
        )
        return history.result(record, since, [decode("changes", row) for row in rows])

    # ---- the issue loop ----------------------------------------------------------------------

    def issue_facts(
        self, wanted: semantics.IssueFilter, as_of: dt.date
    ) -> list[semantics.IssueFacts]:
        db = self.file.reader()
        found = [
            decode("issues", row)
            for row in db.execute(
                f"{select('issues')} WHERE COALESCE(status, 'reported') IN "
                "(SELECT value FROM json_each(?))",
                (id_list(wanted.statuses()),),
            )
        ]
        events: dict[str, list[IssueEvent]] = {issue.id: [] for issue in found}
        for row in db.execute(
            f"{select('issue_events')} WHERE issue_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY issue_id, seq, id",
            (id_list(events),),
        ):
            event: IssueEvent = decode("issue_events", row)
            events[event.issue_id].append(event)
        day = as_of.isoformat()
        facts = []
        for issue in found:
            path = self.places.path(db, issue.target_id)
            facts.append(
                semantics.IssueFacts(
                    history_of(issue, events[issue.id]),
                    [place.level(day) for place in path],
                    path[0].color if path else None,
                )
            )
        return [fact for fact in facts if wanted.admits(fact)]
