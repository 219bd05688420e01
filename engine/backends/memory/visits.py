"""Work done against work assigned (SPEC §4.5): sweeps, a household's visits, and how many
households of each unit (or person) a window's counting visits reached, as set-wise SQL.

Whether a visit counts is kept with it by every write (see writes.recount), so each question
here reads it from an index alone (`visits_by_household`, `visits_by_person`).
"""

from __future__ import annotations

import datetime as dt

from engine.backends.memory.store import StoreFile, decode, id_list, select
from engine.errors import NotFound
from engine.model import REQUIRED_ROLE, PersonName, PersonRef, Sweep, VisitView
from engine.sweeps import UnitCoverage

ACTIVE = "(a.since IS NULL OR a.since <= :as_of) AND (a.until IS NULL OR :as_of <= a.until)"
# A counting visit to household h.id within :first … :last (never, when the window is NULL).
VISITED = """EXISTS (
  SELECT 1 FROM visits v
  WHERE v.household_id = h.id AND v.visited_at BETWEEN :first AND :last AND v.counts
)"""
HOUSEHOLD_VISITS = """
SELECT v.id, v.household_id, v.person_id, COALESCE(p.name, v.person_id), v.visited_at, v.kind,
       v.note, v.counts
FROM visits v LEFT JOIN people p ON p.id = v.person_id
WHERE v.household_id = ? ORDER BY v.visited_at DESC, v.id DESC
"""
# The units under :scope (itself included), each with the unit of :label at or above it inside
# the scope (NULL above the first one of that label).
TAGGED = """
WITH RECURSIVE tagged(id, label, unit) AS (
  SELECT u.id, u.label, CASE WHEN u.label = :label THEN u.id END FROM units u WHERE u.id = :scope
  UNION SELECT u.id, u.label, COALESCE(t.unit, CASE WHEN u.label = :label THEN u.id END)
  FROM tagged t JOIN units u ON u.parent_id = t.id
)"""
UNITS_OF_LABEL = TAGGED + "SELECT id FROM tagged WHERE label = :label ORDER BY id"
# (Counted per unit the households lie in first, as the index holds them, then added up: a
# fifth cheaper than grouping the county's households by their unit of :label.)
UNIT_COUNTS = (
    TAGGED
    + f""",
direct(unit, households, visited) AS (
  SELECT h.unit_id, COUNT(*), SUM({VISITED}) FROM households h
  WHERE h.unit_id IN (SELECT id FROM tagged WHERE unit IS NOT NULL) GROUP BY h.unit_id
)
SELECT t.unit, SUM(d.households), SUM(d.visited)
FROM tagged t JOIN direct d ON d.unit = t.id
WHERE t.unit IS NOT NULL GROUP BY t.unit
"""
)
# Each person with an active assignment over households of :scope, the households under their
# assignments (inside the scope), and those they reached themselves with a counting visit: the
# units of the scope at or under a unit they hold, and the households assigned to them in none
# of those, each counted once. (CROSS JOIN keeps SQLite's join order: from the holders to their
# visits in the window, read from visits_by_person alone; `+` keeps it finding each visit's
# household by its id, not by every unit of the scope.)
PERSON_COUNTS = f"""
WITH RECURSIVE scope(id) AS (
  SELECT :scope UNION SELECT u.id FROM units u JOIN scope s ON u.parent_id = s.id
),
above(id) AS (
  SELECT :scope UNION SELECT u.parent_id FROM units u JOIN above a ON u.id = a.id
  WHERE u.parent_id IS NOT NULL
),
units_held(person, unit) AS MATERIALIZED (
  SELECT DISTINCT a.person_id, a.target_id FROM assignments a
  WHERE a.target_id IN (SELECT id FROM above UNION ALL SELECT id FROM scope) AND {ACTIVE}
),
below(person, unit) AS MATERIALIZED (
  SELECT person, unit FROM units_held WHERE unit IN scope
  UNION SELECT person, :scope FROM units_held WHERE unit IN above
  UNION SELECT b.person, u.id FROM below b JOIN units u ON u.parent_id = b.unit
),
houses_held(person, household) AS MATERIALIZED (
  SELECT DISTINCT a.person_id, h.id FROM assignments a JOIN households h ON h.id = a.target_id
  WHERE h.unit_id IN scope AND {ACTIVE}
    AND NOT EXISTS (SELECT 1 FROM below b WHERE b.person = a.person_id AND b.unit = h.unit_id)
),
counted(person, households) AS (
  SELECT b.person, d.households FROM below b JOIN (
    SELECT unit_id AS unit, COUNT(*) AS households FROM households
    WHERE unit_id IN scope GROUP BY unit_id
  ) d ON d.unit = b.unit
  UNION ALL SELECT person, 1 FROM houses_held
),
holders(person, households) AS MATERIALIZED (
  SELECT person, SUM(households) FROM counted GROUP BY person
),
reached(person, household, unit) AS (
  SELECT DISTINCT v.person_id, v.household_id, h.unit_id
  FROM holders p CROSS JOIN visits v ON v.person_id = p.person
  CROSS JOIN households h ON h.id = v.household_id
  WHERE v.visited_at BETWEEN :first AND :last AND v.counts AND +h.unit_id IN scope
),
visited(person, households) AS (
  SELECT r.person, COUNT(*) FROM reached r
  WHERE EXISTS (SELECT 1 FROM below b WHERE b.person = r.person AND b.unit = r.unit)
     OR EXISTS (
       SELECT 1 FROM houses_held o WHERE o.person = r.person AND o.household = r.household
     )
  GROUP BY r.person
)
SELECT p.person, p.households, COALESCE(v.households, 0)
FROM holders p LEFT JOIN visited v ON v.person = p.person ORDER BY p.person
"""
# The role each unit level must have held (SPEC §4.2); labels and roles are engine.model's.
REQUIRED = (
    "CASE u.label "
    + " ".join(f"WHEN '{label}' THEN '{role}'" for label, role in REQUIRED_ROLE.items())
    + " END"
)
REQUIRED_HOLDERS = f"""
SELECT u.id, a.person_id, p.name, a.role
FROM units u JOIN assignments a ON a.target_id = u.id JOIN people p ON p.id = a.person_id
WHERE u.id IN (SELECT value FROM json_each(:units)) AND a.role = {REQUIRED} AND {ACTIVE}
ORDER BY u.id, a.person_id
"""


def window_params(days: tuple[dt.date, dt.date] | None) -> dict[str, str | None]:
    if days is None:
        return {"first": None, "last": None}
    return {"first": days[0].isoformat(), "last": days[1].isoformat()}


class MemoryVisits:
    def __init__(self, file: StoreFile) -> None:
        self.file = file

    def sweep(self, sweep: str) -> Sweep:
        row = self.file.reader().execute(f"{select('sweeps')} WHERE id = ?", (sweep,)).fetchone()
        if row is None:
            raise NotFound(sweep, "sweep")
        found: Sweep = decode("sweeps", row)
        return found

    def sweeps(self) -> list[Sweep]:
        rows = self.file.reader().execute(f"{select('sweeps')} ORDER BY id")
        return [decode("sweeps", row) for row in rows]

    def household_visits(self, household: str) -> list[VisitView]:
        db = self.file.reader()
        if db.execute("SELECT 1 FROM households WHERE id = ?", (household,)).fetchone() is None:
            raise NotFound(household, "household")
        return [
            VisitView.of(
                id=visit,
                household=place,
                person=PersonName.of(id=person, name=name),
                visited_at=dt.date.fromisoformat(day),
                kind=kind,
                note=note,
                counts=bool(counts),
            )
            for visit, place, person, name, day, kind, note, counts in db.execute(
                HOUSEHOLD_VISITS, (household,)
            )
        ]

    def unit_coverage(
        self, scope: str, label: str, days: tuple[dt.date, dt.date] | None
    ) -> list[UnitCoverage]:
        db = self.file.reader()
        params = {"scope": scope, "label": label, **window_params(days)}
        counts = {
            unit: (households, visited)
            for unit, households, visited in db.execute(UNIT_COUNTS, params)
        }
        return [
            UnitCoverage(unit, *counts.get(unit, (0, 0)))
            for (unit,) in db.execute(UNITS_OF_LABEL, params)
        ]

    def person_coverage(
        self, scope: str, days: tuple[dt.date, dt.date] | None, as_of: dt.date
    ) -> list[UnitCoverage]:
        params = {"scope": scope, "as_of": as_of.isoformat(), **window_params(days)}
        rows = self.file.reader().execute(PERSON_COUNTS, params)
        return [UnitCoverage(person, households, visited) for person, households, visited in rows]

    def required_holders(self, units: set[str], as_of: dt.date) -> dict[str, PersonRef]:
        params = {"units": id_list(units), "as_of": as_of.isoformat()}
        holders: dict[str, PersonRef] = {}
        for unit, person, name, role in self.file.reader().execute(REQUIRED_HOLDERS, params):
            holders.setdefault(unit, PersonRef.of(id=person, name=name, role=role))
        return holders
