"""The facts of one place (a unit or a household) that `who`, `trace` and the issue lists read,
loaded from the store by its indexes and kept until the store changes.

A chain is at most seven places, and the upper ones (grid, village, township, county) are shared
by every household under them, so a process that answers many questions reads each of those
once per change of the store, and a cold process reads only the rows of its one chain.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

from engine import semantics
from engine.backends.memory.store import StoreFile
from engine.model import UNIT_LABELS, BodyRef

# A place, the assignments into it (with their people) and the bodies serving it, in one
# statement: the place's row first, then one row per assignment or body.
PLACE_SQL = """
SELECT 0, label, name, parent, color, NULL, NULL FROM (
  SELECT 'Household' AS label, COALESCE(address, id) AS name, unit_id AS parent, color
  FROM households WHERE id = ?1
  UNION ALL
  SELECT label, name, parent_id, NULL FROM units WHERE id = ?1
)
UNION ALL
SELECT 1, a.role, a.person_id, p.name, p.kind, a.since, a.until
FROM assignments a JOIN people p ON p.id = a.person_id WHERE a.target_id = ?1
UNION ALL
SELECT 2, id, kind, name, NULL, NULL, NULL FROM bodies WHERE unit_id = ?1
"""
PLACE, ASSIGNED, BODY = 0, 1, 2
# A long-running server keeps at most this many places; past it, it starts again.
MOST_PLACES = 50_000
# ...and the levels of at most this many days per place (a question may ask of any day).
DAYS_KEPT = 4


@dataclass(frozen=True, slots=True)
class Assigned:
    """An assignment into a place: its holder and the days it runs (ISO text, as stored)."""

    holder: semantics.Holder
    since: str | None
    until: str | None

    def active_on(self, day: str) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    label: str
    name: str
    parent: str | None
    color: str | None  # a household's five-colour mark
    assigned: tuple[Assigned, ...]
    bodies: tuple[BodyRef, ...]
    # Levels are immutable and most questions ask about today: each day's is built once.
    on_day: dict[str, semantics.Level] = field(default_factory=dict, compare=False)

    def level(self, day: str) -> semantics.Level:
        """This place as a level of a chain judged on `day` (ISO)."""
        found = self.on_day.get(day)
        if found is None:
            holders = tuple(a.holder for a in self.assigned if a.active_on(day))
            found = semantics.Level(self.label, self.id, self.name, holders, self.bodies)
            if len(self.on_day) < DAYS_KEPT:
                self.on_day[day] = found
        return found


def load_place(db: sqlite3.Connection, place: str) -> Place | None:
    rows = db.execute(PLACE_SQL, (place,)).fetchall()
    head = next((row for row in rows if row[0] == PLACE), None)
    if head is None:
        return None  # no such place (what is assigned to it or serves it is left alone)
    _, label, name, parent, color, _, _ = head
    assigned = tuple(
        Assigned(semantics.Holder(role, person, person_name, kind), since, until)
        for row_kind, role, person, person_name, kind, since, until in rows
        if row_kind == ASSIGNED
    )
    bodies = tuple(
        BodyRef.of(id=body, kind=kind, name=body_name)
        for row_kind, body, kind, body_name, *_ in rows
        if row_kind == BODY
    )
    return Place(place, label, name, parent, color, assigned, bodies)


class Places:
    """Places by id, forgotten whenever the store changes (in this process or another)."""

    def __init__(self, file: StoreFile) -> None:
        self.file = file
        self.known: dict[str, Place] = {}
        self.epoch = 0
        self.keeping = threading.Lock()
        file.on_change.append(self.forget)

    def forget(self) -> None:
        with self.keeping:
            self.known = {}
            self.epoch += 1

    def get(self, db: sqlite3.Connection, place: str) -> Place | None:
        found = self.known.get(place)
        if found is not None:
            return found
        epoch = self.epoch
        found = load_place(db, place)
        with self.keeping:
            # What was read before a change is not kept after it.
            if found is not None and epoch == self.epoch:
                if len(self.known) >= MOST_PLACES:
                    self.known = {}
                self.known[place] = found
        return found

    def path(self, db: sqlite3.Connection, start: str) -> list[Place]:
        """`start` and each place above it, up to the county (or the first missing parent)."""
        chain: list[Place] = []
        node: str | None = start
        while node is not None and len(chain) < len(UNIT_LABELS):  # a bad parent loop ends too
            place = self.get(db, node)
            if place is None:
                break
            chain.append(place)
            node = place.parent
        return chain
