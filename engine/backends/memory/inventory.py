"""What the store holds, as an import that retires needs to know it (engine/snapshot.py): the
ids of a kind, the terms of assignments, what hangs under a place, who is referred to (a visit
hangs under its household and names its visitor; a sweep points at its scope)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from engine.backends.memory.store import id_list
from engine.snapshot import Dependent

# The units and the places (units and households) strictly under :within: a township admin's
# snapshot retires nothing of the township itself or at it (its commander, the county leader
# in liaison with it), which the county keeps.
UNDER = """
WITH RECURSIVE below(id) AS (
  SELECT u.id FROM units u WHERE u.parent_id = :within
  UNION SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id
),
places(id) AS (
  SELECT id FROM below UNION ALL SELECT h.id FROM households h WHERE h.unit_id IN below
)
"""
# Per kind: its ids everywhere, and under :within.
IDS = {
    "units": ("SELECT id FROM units", "SELECT id FROM below"),
    "households": ("SELECT id FROM households", "SELECT id FROM households WHERE id IN places"),
    "residents": (
        "SELECT id FROM residents",
        "SELECT id FROM residents WHERE household_id IN places",
    ),
    "bodies": ("SELECT id FROM bodies", "SELECT id FROM bodies WHERE unit_id IN places"),
    "assignments": (
        "SELECT id FROM assignments",
        "SELECT id FROM assignments WHERE target_id IN places",
    ),
    "people": ("SELECT id FROM people", None),
    "visits": ("SELECT id FROM visits", "SELECT id FROM visits WHERE household_id IN places"),
    "sweeps": ("SELECT id FROM sweeps", "SELECT id FROM sweeps WHERE scope_id IN below"),
}
IN_LIST = "IN (SELECT value FROM json_each(:ids))"
DEPENDENTS = f"""
SELECT parent_id, 'units', id FROM units WHERE parent_id {IN_LIST}
UNION ALL SELECT unit_id, 'households', id FROM households WHERE unit_id {IN_LIST}
UNION ALL SELECT household_id, 'residents', id FROM residents WHERE household_id {IN_LIST}
UNION ALL SELECT unit_id, 'bodies', id FROM bodies WHERE unit_id {IN_LIST}
UNION ALL SELECT target_id, 'issues', id FROM issues WHERE target_id {IN_LIST}
UNION ALL SELECT target_id, 'assignments', id FROM assignments WHERE target_id {IN_LIST}
UNION ALL SELECT household_id, 'visits', id FROM visits WHERE household_id {IN_LIST}
UNION ALL SELECT scope_id, 'sweeps', id FROM sweeps WHERE scope_id {IN_LIST}
"""
# (:going lists what the same import removes, assignments, bodies, visits: they refer to no one
# after.)
REFERRED = f"""
SELECT person_id FROM assignments
WHERE person_id {IN_LIST} AND id NOT IN (SELECT value FROM json_each(:going))
UNION SELECT holder_id FROM bodies
WHERE holder_id {IN_LIST} AND id NOT IN (SELECT value FROM json_each(:going))
UNION SELECT reported_by FROM issues WHERE reported_by {IN_LIST}
UNION SELECT person_id FROM visits
WHERE person_id {IN_LIST} AND id NOT IN (SELECT value FROM json_each(:going))
"""


def stored_ids(db: sqlite3.Connection, kind: str, within: str | None) -> set[str]:
    everywhere, under = IDS[kind]
    if within is None or under is None:
        return {row[0] for row in db.execute(everywhere)}
    return {row[0] for row in db.execute(UNDER + under, {"within": within})}


def assignment_terms(
    db: sqlite3.Connection, ids: set[str]
) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    rows = db.execute(
        f"SELECT id, since, until FROM assignments WHERE id {IN_LIST}", {"ids": id_list(ids)}
    )
    return {
        assignment: (
            dt.date.fromisoformat(since) if since else None,
            dt.date.fromisoformat(until) if until else None,
        )
        for assignment, since, until in rows
    }


def dependents(db: sqlite3.Connection, places: set[str]) -> list[Dependent]:
    rows = db.execute(DEPENDENTS, {"ids": id_list(places)})
    return [Dependent(place, kind, child) for place, kind, child in rows]


def colors(db: sqlite3.Connection, households: set[str]) -> dict[str, str | None]:
    rows = db.execute(
        f"SELECT id, color FROM households WHERE id {IN_LIST}", {"ids": id_list(households)}
    )
    return dict(rows.fetchall())


def referred_people(db: sqlite3.Connection, people: set[str], going: set[str]) -> set[str]:
    rows = db.execute(REFERRED, {"ids": id_list(people), "going": id_list(going)})
    return {row[0] for row in rows}
