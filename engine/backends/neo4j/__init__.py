"""The Neo4j backend: the rules of SPEC §4 stated in Cypher, so the server does the work.

`Neo4jBackend` only delegates: talking to the server (bookmarks, batches, retried
transactions) is `connection`; point questions are `reads`; gaps and stats `areas`; what an
import that retires needs to know `inventory`; imports, issue steps and colour marks `writes`.
Every statement comes from `cypher/` by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager

import neo4j

from engine import semantics
from engine.backends.base import Progress, no_progress
from engine.backends.neo4j.areas import Neo4jAreas
from engine.backends.neo4j.connection import Connection
from engine.backends.neo4j.inventory import Neo4jInventory
from engine.backends.neo4j.reads import Neo4jReads
from engine.backends.neo4j.settings import Neo4jSettings as Neo4jSettings
from engine.backends.neo4j.writes import Neo4jWrites
from engine.issues import IssueHistory
from engine.model import (
    DEFAULT_MEMBER_LIMIT,
    Assignment,
    Change,
    ColorChange,
    ColorHistory,
    DataSet,
    GapsResult,
    HistoryResult,
    ImportReport,
    Issue,
    IssueEvent,
    NodeRef,
    PersonView,
    Record,
    ResidentView,
    StatsResult,
)
from engine.snapshot import Dependent, Retirement


class Neo4jBackend(semantics.ChainAnswers):
    name = "neo4j"

    def __init__(self, settings: Neo4jSettings) -> None:
        self.connection = Connection(settings)
        self.reads = Neo4jReads(self.connection)
        self.areas = Neo4jAreas(self.connection, self.reads)
        self.inventory = Neo4jInventory(self.connection)
        self.writes = Neo4jWrites(self.connection, self.reads)

    @property
    def settings(self) -> Neo4jSettings:
        return self.connection.settings

    @property
    def driver(self) -> neo4j.Driver:
        return self.connection.driver

    @property
    def database(self) -> str | None:
        return self.connection.database

    # ---- import ------------------------------------------------------------------------

    def writing(self) -> AbstractContextManager[None]:
        return self.writes.writing()

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        return self.reads.known_labels(ids)

    def store(
        self,
        data: DataSet,
        progress: Progress = no_progress,
        retirement: Retirement | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        return self.writes.store(data, progress, retirement, dry_run)

    # ---- what an import that retires needs to know (engine/snapshot.py) -------------------

    def stored_ids(self, kind: str, within: str | None = None) -> set[str]:
        return self.inventory.stored_ids(kind, within)

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        return self.inventory.assignment_terms(ids)

    def dependents(self, places: set[str]) -> list[Dependent]:
        return self.inventory.dependents(places)

    def colors(self, households: set[str]) -> dict[str, str | None]:
        return self.inventory.colors(households)

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        return self.inventory.referred_people(people, going)

    # ---- who and trace (semantics.ChainAnswers) ----------------------------------------

    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        return self.reads.start_of(target)

    def levels(self, start: str, as_of: dt.date) -> list[semantics.Level]:
        return self.reads.levels(start, as_of)

    # ---- gaps and stats ----------------------------------------------------------------

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        return self.areas.gaps(as_of, scope, kind, member_limit, color)

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult:
        return self.areas.stats(as_of, scope)

    # ---- single records ----------------------------------------------------------------

    def path_of(self, node: str) -> list[NodeRef]:
        return self.reads.path_of(node)

    def resident(self, resident: str) -> ResidentView:
        return self.reads.resident(resident)

    def person(self, person: str, as_of: dt.date) -> PersonView:
        return self.reads.person(person, as_of)

    def assignment(self, assignment: str) -> Assignment:
        return self.reads.assignment(assignment)

    def assigned_places(self, people: set[str]) -> dict[str, set[str]]:
        return self.reads.assigned_places(people)

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        return self.reads.records(kind, ids)

    def history(self, record: str, since: dt.date | None = None) -> HistoryResult:
        return self.reads.history(record, since)

    # ---- the issue loop and household colours -----------------------------------------

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        return self.reads.issue(issue)

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        self.writes.record_transition(issue, events, seen, changes)

    def issue_facts(
        self, wanted: semantics.IssueFilter, as_of: dt.date
    ) -> list[semantics.IssueFacts]:
        return self.reads.issue_facts(wanted, as_of)

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        self.writes.record_color(change, changes)

    def color_history(self, household: str) -> ColorHistory:
        return self.reads.color_history(household)

    # ---- names -------------------------------------------------------------------------

    def names(self, ids: set[str]) -> dict[str, str]:
        return self.reads.names(ids)

    def households_under(self, place: str) -> list[str]:
        return self.reads.households_under(place)

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        return self.reads.named(text, limit)

    def close(self) -> None:
        self.connection.close()
