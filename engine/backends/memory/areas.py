"""Whole-area questions (`gaps`, `stats`) as set-wise SQL: each gap kind is one statement that
returns only the gaps; containment paths are walked over the units of the scope, read once.

The rules are SPEC §4.2 and §4.5, the same as the Neo4j backend's `cypher/gaps.cypher`; the
vocabulary (roles, colours, kinds) comes from engine.model as parameters, never typed into a
statement.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from engine import semantics, sweeps
from engine.backends.memory.places import Places
from engine.backends.memory.store import BODY_LABEL, StoreFile, id_list
from engine.errors import NotFound
from engine.issues import check_color
from engine.model import (
    FOUR_TO_ONE_TEAM,
    HIGH_RISK_COLORS,
    QUARANTINE,
    REQUIRED_ROLE,
    RESPONSIBLE_KINDS,
    UNIT_LABELS,
    Gap,
    GapsResult,
    StatsResult,
)

ACTIVE = "(a.since IS NULL OR a.since <= :as_of) AND (a.until IS NULL OR :as_of <= a.until)"
# The units under :scope (itself included), and the places (units and households) among them.
SCOPE = """
scope(id) AS (
  SELECT :scope UNION SELECT u.id FROM units u JOIN scope s ON u.parent_id = s.id
),
places(id) AS (
  SELECT id FROM scope UNION ALL SELECT h.id FROM households h WHERE h.unit_id IN scope
)"""
# The places an active grid member is assigned to, and the units whose households that covers:
# a targeted unit, and a building whose grid is targeted.
COVERING = f"""
covering AS MATERIALIZED (
  SELECT DISTINCT a.target_id AS id FROM assignments a
  WHERE a.role = 'grid_member' AND {ACTIVE}
),
covered_units(id) AS MATERIALIZED (
  SELECT id FROM covering
  UNION SELECT u.id FROM covering c JOIN units u ON u.parent_id = c.id WHERE u.label = 'Building'
)"""
# One statement per household gap kind (SPEC §4.2), each returning only its gaps.
HOUSEHOLD_GAPS = {
    "uncovered_household": """
SELECT h.id, h.unit_id FROM households h
WHERE $households AND h.unit_id NOT IN covered_units AND h.id NOT IN covering""",
    "empty_household": """
SELECT h.id, h.unit_id FROM households h
WHERE $households AND h.id NOT IN (SELECT household_id FROM residents)""",
    "incomplete_four_to_one": f"""
SELECT h.id, h.unit_id FROM households h
WHERE $households AND h.status = :quarantine AND (
  SELECT COUNT(DISTINCT a.person_id) FROM assignments a
  WHERE a.target_id = h.id AND a.role = 'four_to_one' AND {ACTIVE}
) < :team""",
    "unattended_high_risk": f"""
SELECT h.id, h.unit_id FROM households h
WHERE $households AND h.color IN (SELECT value FROM json_each(:high_risk)) AND NOT EXISTS (
  SELECT 1 FROM assignments a JOIN people p ON p.id = a.person_id
  WHERE a.target_id = h.id AND {ACTIVE} AND p.kind IN (SELECT value FROM json_each(:responsible))
)""",
}
# Each unit under a finished sweep, with the latest finished sweep over it (latest `ends`, then
# the highest id: `ends` is ISO text of one length, so the two compare as one text) and the
# first and last day of its window (a finished sweep's window ends with it).
LATEST_SWEEPS = """
finished AS MATERIALIZED (SELECT id, scope_id, starts, ends FROM sweeps WHERE ends < :as_of),
reach(unit, sweep, first, last, rank) AS (
  SELECT f.scope_id, f.id, f.starts, f.ends, f.ends || ' ' || f.id FROM finished f
  UNION SELECT u.id, r.sweep, r.first, r.last, r.rank
  FROM reach r JOIN units u ON u.parent_id = r.unit
),
unit_sweeps AS MATERIALIZED (
  SELECT unit, sweep, first, last, MAX(rank) FROM reach GROUP BY unit
)"""
# Each monitored household with the first day a visit must fall on (its strictest group's).
DUE = """
cutoffs(grp, due) AS (SELECT key, value FROM json_each(:cutoffs)),
monitored AS MATERIALIZED (
  SELECT h.id, h.unit_id, MAX(c.due) AS due FROM households h, json_each(h.groups) g
  JOIN cutoffs c ON c.grp = g.value
  WHERE h.groups IS NOT NULL AND $households GROUP BY h.id
)"""
# The visit gaps: (statement, its common table expression); each row a household, its unit and
# the sweep that missed it. Whether a visit counts is kept with it (see writes.recount).
VISIT_GAPS = {
    "unvisited_household": (
        """
SELECT h.id, h.unit_id, s.sweep FROM unit_sweeps s JOIN households h ON h.unit_id = s.unit
WHERE $households AND NOT EXISTS (
  SELECT 1 FROM visits v
  WHERE v.household_id = h.id AND v.visited_at BETWEEN s.first AND s.last AND v.counts
)""",
        LATEST_SWEEPS,
    ),
    "overdue_visit": (
        """
SELECT m.id, m.unit_id, NULL FROM monitored m
WHERE NOT EXISTS (
  SELECT 1 FROM visits v
  WHERE v.household_id = m.id AND v.visited_at BETWEEN m.due AND :as_of AND v.counts
)""",
        DUE,
    ),
}
# Households whose unit is gone: no unit of a scope holds them, so they are found alone.
ORPHAN_HOUSEHOLDS = """
SELECT h.id FROM households h
WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = h.unit_id)
  AND (:scope IS NULL OR h.id = :scope)
"""
# The households each person's active grid-member assignments cover, each once: a target
# household, the households of a target unit, and those one unit further down (SPEC §4.2).
COVERED = f"""
members AS (
  SELECT a.person_id, a.target_id FROM assignments a
  WHERE a.role = 'grid_member' AND {ACTIVE} AND $members
),
covered(person_id, household) AS (
  SELECT m.person_id, h.id FROM members m JOIN households h ON h.id = m.target_id
  UNION SELECT m.person_id, h.id FROM members m JOIN households h ON h.unit_id = m.target_id
  UNION SELECT m.person_id, h.id FROM members m CROSS JOIN units u ON u.parent_id = m.target_id
        CROSS JOIN households h ON h.unit_id = u.id
)"""
OVERLOADED = """
SELECT person_id FROM covered c
GROUP BY person_id
HAVING COUNT(*) > :limit AND MAX($covered)
"""
HELD_ROLES = f"""
SELECT DISTINCT a.target_id, a.role FROM assignments a
WHERE a.role IN (SELECT value FROM json_each(:roles)) AND {ACTIVE}
"""
UNIT_GAPS = {
    "Township": "missing_commander",
    "Village": "missing_commander",
    "Grid": "missing_grid_head",
}
# What a filter by scope reads as over a scope, and over the whole graph (nothing to filter).
# (CROSS JOIN above keeps SQLite's join order: from the few members to their units' households.)
SCOPED = {
    "$households": "(h.id IN places) AND (:color IS NULL OR h.color = :color)",
    "$covered": "c.household IN places",
    "$assignments": "a.target_id IN places",
    # Only members assigned inside the scope or just above it can cover a household in it.
    "$members": "a.person_id IN (SELECT b.person_id FROM assignments b WHERE b.role = "
    "'grid_member' AND (b.target_id IN places OR b.target_id IN "
    "(SELECT value FROM json_each(:above))))",
}
WHOLE = {
    "$households": "(:color IS NULL OR h.color = :color)",
    "$covered": "1",
    "$assignments": "1",
    "$members": "1",
}


def statement(scoped: bool, body: str, *ctes: str) -> str:
    """`body` after its common table expressions, with the scope's first when it has one."""
    named = [SCOPE, *ctes] if scoped else list(ctes)
    text = f"WITH RECURSIVE {','.join(named)}\n{body}" if named else body
    for mark, fragment in (SCOPED if scoped else WHOLE).items():
        text = text.replace(mark, fragment)
    return text


@dataclass
class Area:
    """The units of a scope (or of the whole graph) and those above it, by id: label, parent."""

    units: dict[str, tuple[str, str | None]]
    inside: list[str]  # the units of the scope itself
    above: list[str]  # the units over the scope, nearest first

    def label(self, node: str) -> str:
        return self.units[node][0] if node in self.units else "Household"

    def path(self, node: str, parent: str | None = None) -> list[str]:
        """A unit's path, or a household's given its unit (`parent`)."""
        path = [node]
        up = parent if parent is not None else self.units.get(node, ("", None))[1]
        while up is not None and up in self.units and len(path) < len(UNIT_LABELS):
            path.append(up)
            up = self.units[up][1]
        return path

    def township(self, path: list[str]) -> str | None:
        return next((n for n in path if self.label(n) == "Township"), None)


class MemoryAreas:
    def __init__(self, file: StoreFile, places: Places) -> None:
        self.file = file
        self.places = places

    def area(self, db: sqlite3.Connection, scope: str | None) -> Area:
        if scope is None:
            rows = db.execute("SELECT id, label, parent_id FROM units").fetchall()
            units = {node: (label, parent) for node, label, parent in rows}
            return Area(units, list(units), [])
        above = self.places.path(db, scope)
        if not above:
            raise NotFound(scope, "unit")
        query = statement(
            True, "SELECT u.id, u.label, u.parent_id FROM units u WHERE u.id IN scope"
        )
        rows = db.execute(query, {"scope": scope}).fetchall()
        units = {place.id: (place.label, place.parent) for place in above[1:]}
        units.update((node, (label, parent)) for node, label, parent in rows)
        return Area(units, [node for node, _, _ in rows], [place.id for place in above[1:]])

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None,
        kind: str | None,
        member_limit: int,
        color: str | None = None,
        visit_days: Mapping[str, int] | None = None,
    ) -> GapsResult:
        semantics.check_gap_kind(kind)
        check_color(color)
        db = self.file.reader()
        area = self.area(db, scope)
        params = {
            "as_of": as_of.isoformat(),
            "scope": scope,
            "color": color,
            "limit": member_limit,
            "quarantine": QUARANTINE,
            "team": FOUR_TO_ONE_TEAM,
            "high_risk": id_list(HIGH_RISK_COLORS),
            "responsible": id_list(RESPONSIBLE_KINDS),
            "roles": id_list({REQUIRED_ROLE[label] for label in UNIT_GAPS}),
            "kind": kind,
            "above": id_list(area.above),
            "cutoffs": json.dumps(
                {
                    group: day.isoformat()
                    for group, day in sweeps.visit_cutoffs(
                        sweeps.visit_days(None) if visit_days is None else visit_days, as_of
                    ).items()
                }
            ),
        }
        found = [
            (gap, area.township(gap.path))
            for gap in self.find_gaps(db, area, params)
            if kind is None or gap.kind == kind
        ]
        return semantics.gaps_result(as_of, scope, found)

    def find_gaps(
        self, db: sqlite3.Connection, area: Area, params: dict[str, Any]
    ) -> Iterator[Gap]:
        scoped = params["scope"] is not None

        def wanted(*kinds: str) -> bool:
            return params["kind"] is None or params["kind"] in kinds

        if params["color"] is None:  # only households have a colour to be filtered by
            if wanted("missing_commander", "missing_grid_head", "orphan_unit"):
                yield from self.unit_gaps(db, area, params)
            if wanted("overloaded_member"):
                for (person,) in db.execute(statement(scoped, OVERLOADED, COVERED), params):
                    yield Gap.of(kind="overloaded_member", id=person, level="Person", path=[])
        for gap_kind, query in HOUSEHOLD_GAPS.items():
            if wanted(gap_kind):
                ctes = (COVERING,) if gap_kind == "uncovered_household" else ()
                for household, unit in db.execute(statement(scoped, query, *ctes), params):
                    path = area.path(household, unit)
                    yield Gap.of(kind=gap_kind, id=household, level="Household", path=path)
        for gap_kind, (query, cte) in VISIT_GAPS.items():
            if wanted(gap_kind):
                for household, unit, sweep in db.execute(statement(scoped, query, cte), params):
                    path = area.path(household, unit)
                    yield Gap.of(
                        kind=gap_kind, id=household, level="Household", path=path, sweep=sweep
                    )
        if wanted("orphan_unit"):
            for (household,) in db.execute(ORPHAN_HOUSEHOLDS, params):
                if params["color"] in (None, self.color_of(db, household)):
                    yield Gap.of(
                        kind="orphan_unit", id=household, level="Household", path=[household]
                    )

    def unit_gaps(
        self, db: sqlite3.Connection, area: Area, params: dict[str, Any]
    ) -> Iterator[Gap]:
        held = set(db.execute(HELD_ROLES, params).fetchall())
        for node in area.inside:
            label, parent = area.units[node]
            gap_kind = UNIT_GAPS.get(label)
            if gap_kind is not None and (node, REQUIRED_ROLE[label]) not in held:
                yield Gap.of(kind=gap_kind, id=node, level=label, path=area.path(node))
            if label != "County" and (parent is None or parent not in area.units):
                yield Gap.of(kind="orphan_unit", id=node, level=label, path=area.path(node))

    def color_of(self, db: sqlite3.Connection, household: str) -> str | None:
        row = db.execute("SELECT color FROM households WHERE id = ?", (household,)).fetchone()
        return None if row is None else row[0]

    # ---- stats -------------------------------------------------------------------------------

    def stats(self, as_of: dt.date, scope: str | None, member_limit: int) -> StatsResult:
        gaps = self.gaps(as_of, scope, None, member_limit)
        db = self.file.reader()
        scoped = scope is not None
        params = {"as_of": as_of.isoformat(), "scope": scope}
        nodes: dict[str, int] = {}
        for counted in SCOPE_NODES if scoped else ALL_NODES:
            for label, count in db.execute(statement(scoped, counted), params):
                nodes[label] = nodes.get(label, 0) + count
        roles = dict(db.execute(statement(scoped, ROLES_HELD), params).fetchall())
        return semantics.stats_result(as_of, scope, nodes, roles, gaps)


# Every label of the graph, counted.
ALL_NODES = (
    "SELECT label, COUNT(*) FROM units GROUP BY label",
    "SELECT 'Household', COUNT(*) FROM households",
    "SELECT 'Resident', COUNT(*) FROM residents",
    "SELECT 'Person', COUNT(*) FROM people",
    f"SELECT {BODY_LABEL}, COUNT(*) FROM bodies GROUP BY kind",
    "SELECT 'Issue', COUNT(*) FROM issues",
    "SELECT 'Sweep', COUNT(*) FROM sweeps",
)
# A scope's units and households, their residents, bodies and issues, the people actively
# assigned to them, and the sweeps over its units.
SCOPE_NODES = (
    "SELECT label, COUNT(*) FROM units WHERE id IN scope GROUP BY label",
    "SELECT 'Household', COUNT(*) FROM households WHERE id IN places",
    "SELECT 'Resident', COUNT(*) FROM residents WHERE household_id IN places",
    "SELECT 'Person', COUNT(DISTINCT a.person_id) FROM assignments a "
    f"WHERE a.target_id IN places AND {ACTIVE}",
    f"SELECT {BODY_LABEL}, COUNT(*) FROM bodies WHERE unit_id IN places GROUP BY kind",
    "SELECT 'Issue', COUNT(*) FROM issues WHERE target_id IN places",
    "SELECT 'Sweep', COUNT(*) FROM sweeps WHERE scope_id IN scope",
)
ROLES_HELD = f"""
SELECT a.role, COUNT(*) FROM assignments a WHERE $assignments AND {ACTIVE} GROUP BY a.role
"""
