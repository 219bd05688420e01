"""What the server holds, as an import that retires needs to know it (engine/snapshot.py): the
ids of a kind, the terms of assignments, what hangs under a place, who is referred to."""

from __future__ import annotations

import datetime as dt

from engine.backends.neo4j.connection import Connection
from engine.backends.neo4j.reads import to_date
from engine.snapshot import RETIRED_KINDS, Dependent

# The statement listing a kind's ids: everywhere, and under a unit (cypher/snapshot.cypher).
IDS_OF = {kind: (f"ids_of_{kind}", f"ids_of_{kind}_under") for kind in RETIRED_KINDS}
DEPENDENT_KINDS = {
    "MEMBER_OF": "residents",
    "SERVES": "bodies",
    "ABOUT": "issues",
    "RESPONSIBLE_FOR": "assignments",
}


class Neo4jInventory:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def stored_ids(self, kind: str, within: str | None = None) -> set[str]:
        narrowed = within is not None and kind != "people"
        rows = self.connection.read("snapshot", IDS_OF[kind][narrowed], within=within)
        return {row["id"] for row in rows}

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        rows = self.connection.read_batches("snapshot", "assignment_terms", sorted(ids))
        return {row["id"]: (to_date(row["since"]), to_date(row["until"])) for row in rows}

    def dependents(self, places: set[str]) -> list[Dependent]:
        rows = self.connection.read_batches("snapshot", "dependents", sorted(places))
        return [
            Dependent(row["place"], dependent_kind(row["edge"], row["label"]), row["id"])
            for row in rows
        ]

    def colors(self, households: set[str]) -> dict[str, str | None]:
        rows = self.connection.read_batches("read", "colors_of", sorted(households))
        return {row["id"]: row["color"] for row in rows}

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        rows = self.connection.read_batches(
            "snapshot", "referred_people", sorted(people), going=sorted(going)
        )
        return {row["id"] for row in rows}


def dependent_kind(edge: str, label: str) -> str:
    """The kind of record a dependent of a place is, from the edge it hangs by."""
    if edge == "IN":
        return "households" if label == "Household" else "units"
    return DEPENDENT_KINDS[edge]
