"""Work done against work assigned (SPEC §4.5): sweeps, a household's visits, and how many
households of each unit (or person) a window's counting visits reached, each one statement of
`cypher/visits.cypher` that the server answers set-wise. Whether a visit counts is decided in
the statement from the assignments stored, so no write has to keep it up to date."""

from __future__ import annotations

import datetime as dt

from engine.backends.neo4j.connection import Connection
from engine.backends.neo4j.records import record_from
from engine.errors import NotFound
from engine.model import REQUIRED_ROLE, PersonName, PersonRef, Sweep, Visit, VisitView
from engine.sweeps import UnitCoverage


def window_params(days: tuple[dt.date, dt.date] | None) -> dict[str, str | None]:
    """A window's first and last day; both None before a sweep starts, which no visit meets."""
    if days is None:
        return {"first": None, "last": None}
    return {"first": days[0].isoformat(), "last": days[1].isoformat()}


class Neo4jVisits:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def sweep(self, sweep: str) -> Sweep:
        rows = self.connection.read("visits", "sweep", id=sweep)
        if not rows:
            raise NotFound(sweep, "sweep")
        return record_from(Sweep, dict(rows[0]["props"]))

    def sweeps(self) -> list[Sweep]:
        rows = self.connection.read("visits", "sweeps")
        return [record_from(Sweep, dict(row["props"])) for row in rows]

    def household_visits(self, household: str) -> list[VisitView]:
        rows = self.connection.read("visits", "household_visits", id=household)
        if not rows:
            raise NotFound(household, "household")
        views = []
        for row in rows:
            if row["props"] is None:
                continue  # the household, never visited
            visit = record_from(Visit, dict(row["props"]))
            views.append(
                VisitView.of(
                    id=visit.id,
                    household=visit.household_id,
                    person=PersonName.of(id=visit.person_id, name=row["name"]),
                    visited_at=visit.visited_at,
                    kind=visit.kind,
                    note=visit.note,
                    counts=row["counts"],
                )
            )
        return views

    def unit_coverage(
        self, scope: str, label: str, days: tuple[dt.date, dt.date] | None
    ) -> list[UnitCoverage]:
        rows = self.connection.read(
            "visits", "unit_coverage", scope=scope, label=label, **window_params(days)
        )
        return [UnitCoverage(row["unit"], row["households"], int(row["visited"])) for row in rows]

    def person_coverage(
        self, scope: str, days: tuple[dt.date, dt.date] | None, as_of: dt.date
    ) -> list[UnitCoverage]:
        rows = self.connection.read(
            "visits", "person_coverage", scope=scope, as_of=as_of.isoformat(), **window_params(days)
        )
        return [UnitCoverage(row["person"], row["households"], int(row["visited"])) for row in rows]

    def required_holders(self, units: set[str], as_of: dt.date) -> dict[str, PersonRef]:
        rows = self.connection.read_batches(
            "visits",
            "required_holders",
            sorted(units),
            as_of=as_of.isoformat(),
            required=REQUIRED_ROLE,
        )
        holders: dict[str, PersonRef] = {}
        for row in sorted(rows, key=lambda row: (row["unit"], row["person"])):
            holders.setdefault(
                row["unit"], PersonRef.of(id=row["person"], name=row["name"], role=row["role"])
            )
        return holders
