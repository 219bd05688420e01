"""Every write of the embedded store: one transaction each, checking the stored state inside
it, so a write made by another process in the meantime is seen, never overwritten."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from engine.backends.base import Progress, no_progress
from engine.backends.memory.store import (
    COLUMNS,
    STORED_KINDS,
    StoreFile,
    encode_row,
    id_list,
    rows_with_ids,
)
from engine.changes import Changes, find_changes
from engine.errors import Conflict, NotFound
from engine.issues import moved_on
from engine.lang import say
from engine.model import Change, ColorChange, DataSet, ImportReport, Issue, IssueEvent, Record
from engine.snapshot import RETIRED_KINDS, Retirement

# History is only ever added to: an event or colour change already stored is a conflict.
HISTORY = ("issue_events", "color_changes", "changes")
# Rows per statement when an import is written, so a progress bar can move.
CHUNK = 20_000


class MemoryWrites:
    def __init__(self, file: StoreFile) -> None:
        self.file = file

    def store(
        self,
        data: DataSet,
        progress: Progress = no_progress,
        retirement: Retirement | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        with self.file.writing() as db:
            changes = find_changes(data, lambda kind, ids: stored_rows(db, kind, ids), as_row)
            if dry_run:
                return changes.report(retirement, dry_run=True)
            moved = assignments_moved(changes, retirement)
            visitors = holders(db, moved)  # before the writes: who held what is rewritten
            written = [(kind, records_to_write(data, kind, changes)) for kind in STORED_KINDS]
            written = [
                (kind, numbered(db, records) if kind == "color_changes" else records)
                for kind, records in written
            ]
            total = sum(len(records) for _, records in written)
            done = 0
            progress(done, total)
            for kind, records in written:
                for start in range(0, len(records), CHUNK):
                    chunk = records[start : start + CHUNK]
                    insert(db, kind, chunk, replace=kind not in HISTORY)
                    done += len(chunk)
                    progress(done, total)
            if retirement is not None:
                write_retirement(db, retirement)
            recount(
                db,
                visits=changes.added["visits"] | changes.changed["visits"],
                people=visitors | holders(db, moved),
                households=households_moved(db, changes),
            )
        return changes.report(retirement)

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        with self.file.writing() as db:
            stored = db.execute(
                "SELECT COUNT(*) FROM issue_events WHERE issue_id = ?", (issue.id,)
            ).fetchone()[0]
            if stored != seen:
                row = db.execute("SELECT status FROM issues WHERE id = ?", (issue.id,)).fetchone()
                status = row[0] if row and row[0] else "reported"
                raise moved_on(issue.id, status)
            insert(db, "issue_events", events, replace=False)
            insert(db, "issues", [issue], replace=True)
            insert(db, "changes", changes, replace=False)

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        with self.file.writing() as db:
            updated = db.execute(
                "UPDATE households SET color = ? WHERE id = ?", (change.color, change.household_id)
            )
            if updated.rowcount == 0:
                raise NotFound(change.household_id, "household")
            insert(db, "color_changes", numbered(db, [change]), replace=False)
            insert(db, "changes", changes, replace=False)


def numbered(db: sqlite3.Connection, marks: Sequence[Record]) -> list[Record]:
    """Colour marks, each with its place in its household's history (after what is stored)."""
    last: dict[str, int] = {}
    found: list[Record] = []
    for mark in marks:
        assert isinstance(mark, ColorChange)  # only colour marks are numbered
        if mark.seq is None:
            household = mark.household_id
            if household not in last:
                row = db.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM color_changes WHERE household_id = ?",
                    (household,),
                ).fetchone()
                last[household] = row[0]
            last[household] += 1
            mark = replace(mark, seq=last[household])
        found.append(mark)
    return found


def write_retirement(db: sqlite3.Connection, retirement: Retirement) -> None:
    db.executemany(
        "UPDATE assignments SET until = ? WHERE id = ?",
        ((last.isoformat(), assignment) for assignment, last in retirement.ended.items()),
    )
    for kind in RETIRED_KINDS:  # what hangs under a record goes before it
        ids = retirement.removed_ids(kind)
        if ids:
            # Table names come from the fixed list of kinds, never from input.
            db.execute(
                f"DELETE FROM {kind} WHERE id IN (SELECT value FROM json_each(?))",
                (id_list(ids),),
            )


# Whether a visit counts (SPEC §4.5): on the day of the visit, its visitor held an assignment to
# the household, to its unit (a grid or a building) or to the grid above its building.
COUNTS = """
EXISTS (
  SELECT 1 FROM households h
  LEFT JOIN units b ON b.id = h.unit_id AND b.label = 'Building'
  JOIN assignments a ON a.person_id = visits.person_id
    AND a.target_id IN (h.id, h.unit_id, b.parent_id)
  WHERE h.id = visits.household_id
    AND (a.since IS NULL OR a.since <= visits.visited_at)
    AND (a.until IS NULL OR visits.visited_at <= a.until)
)"""
IN_LIST = "IN (SELECT value FROM json_each(?))"
RECOUNT = f"""
UPDATE visits SET counts = {COUNTS}
WHERE id {IN_LIST} OR person_id {IN_LIST} OR household_id {IN_LIST}
"""


def recount(
    db: sqlite3.Connection, visits: set[str], people: set[str], households: set[str]
) -> None:
    """Decide again whether each visit a write may have changed counts: those written, those
    of people whose assignments were written or retired, those to households written or in
    units written (a household or a building moved elsewhere)."""
    if visits or people or households:
        db.execute(RECOUNT, (id_list(visits), id_list(people), id_list(households)))


def assignments_moved(changes: Changes, retirement: Retirement | None) -> set[str]:
    moved = changes.added["assignments"] | changes.changed["assignments"]
    if retirement is not None:
        moved |= set(retirement.ended) | retirement.removed_ids("assignments")
    return moved


def holders(db: sqlite3.Connection, assignments: set[str]) -> set[str]:
    """The people the stored assignments of `assignments` name."""
    if not assignments:
        return set()
    rows = db.execute(
        f"SELECT DISTINCT person_id FROM assignments WHERE id {IN_LIST}", (id_list(assignments),)
    )
    return {row[0] for row in rows}


def households_moved(db: sqlite3.Connection, changes: Changes) -> set[str]:
    """The households written, and those of the units written."""
    households = changes.added["households"] | changes.changed["households"]
    units = changes.added["units"] | changes.changed["units"]
    if units:
        rows = db.execute(f"SELECT id FROM households WHERE unit_id {IN_LIST}", (id_list(units),))
        households |= {row[0] for row in rows}
    return households


def stored_rows(db: sqlite3.Connection, kind: str, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    rows = rows_with_ids(db, kind, ", ".join(COLUMNS[kind]), set(ids))
    return {row[0]: tuple(row) for row in rows}


def as_row(kind: str, record: Record) -> tuple[Any, ...]:
    """A record as its stored row, so an import compares rows, not decoded records."""
    return encode_row(COLUMNS[kind], record)


def records_to_write(data: DataSet, kind: str, changes: Changes) -> list[Record]:
    records: list[Record] = getattr(data, kind)
    if kind in HISTORY:
        return records
    fresh = changes.added[kind] | changes.changed[kind]
    return [r for r in records if r.id in fresh]


def insert(db: sqlite3.Connection, kind: str, records: Collection[Record], replace: bool) -> None:
    if not records:
        return
    cols = COLUMNS[kind]
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    marks = ", ".join("?" for _ in cols)
    try:
        db.executemany(
            f"{verb} INTO {kind} ({', '.join(cols)}) VALUES ({marks})",
            (encode_row(cols, record) for record in records),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(
            say(
                f"{kind}：这条历史记录已经存过（{exc}）",
                f"{kind}: an entry of history is already stored ({exc})",
            )
        ) from None
