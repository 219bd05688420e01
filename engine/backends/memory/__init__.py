"""The embedded backend: a SQLite file is the store, and every question is answered from it.

Point questions (`who`, `trace`, one record) read the few rows of one chain through the
store's indexes; whole-area questions (`gaps`, `stats`) are set-wise SQL; every write is one
transaction that checks the stored state inside it. Several processes may share the file: what
a process keeps between questions is dropped as soon as another one commits. ("memory" is the
name this backend had when it held the county in memory; it stays for compatibility.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from engine.backends.base import Progress, no_progress
from engine.backends.memory import inventory
from engine.backends.memory.places import Places
from engine.backends.memory.reads import MemoryReads
from engine.backends.memory.store import STORED_KINDS, StoreFile, decode, select
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
    TraceResult,
    WhoResult,
)
from engine.semantics import IssueFacts, IssueFilter
from engine.snapshot import Dependent, Retirement

if TYPE_CHECKING:
    from engine.backends.memory.areas import MemoryAreas
    from engine.backends.memory.writes import MemoryWrites


class MemoryBackend:
    name = "memory"

    def __init__(self, path: Path) -> None:
        self.file = StoreFile(path)
        self.places = Places(self.file)
        self.reads = MemoryReads(self.file, self.places)

    # Whole-area questions and writes are loaded when first asked for: a `gridchain who` is a
    # process of its own, and what it does not import it does not pay for.

    @cached_property
    def areas(self) -> MemoryAreas:
        from engine.backends.memory.areas import MemoryAreas

        return MemoryAreas(self.file, self.places)

    @cached_property
    def writes(self) -> MemoryWrites:
        from engine.backends.memory.writes import MemoryWrites

        return MemoryWrites(self.file)

    def snapshot(self) -> DataSet:
        """Everything stored, as a data set (for `gridchain push`)."""
        db = self.file.reader()
        # The store holds only what was validated on the way in, so it is not validated again.
        data = DataSet()
        for kind in STORED_KINDS:
            setattr(data, kind, [decode(kind, row) for row in db.execute(select(kind))])
        return data

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self.file.writing():
            yield

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        return self.reads.labels(ids)

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
        return inventory.stored_ids(self.file.reader(), kind, within)

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        return inventory.assignment_terms(self.file.reader(), ids)

    def dependents(self, places: set[str]) -> list[Dependent]:
        return inventory.dependents(self.file.reader(), places)

    def colors(self, households: set[str]) -> dict[str, str | None]:
        return inventory.colors(self.file.reader(), households)

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        return inventory.referred_people(self.file.reader(), people, going)

    def who(self, target: str, as_of: dt.date) -> WhoResult:
        return self.reads.who(target, as_of)

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        return self.areas.gaps(as_of, scope, kind, member_limit, color)

    def trace(self, target: str, as_of: dt.date) -> TraceResult:
        return self.reads.trace(target, as_of)

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

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult:
        return self.areas.stats(as_of, scope, DEFAULT_MEMBER_LIMIT)

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        return self.reads.issue(issue)

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        self.writes.record_transition(issue, events, seen, changes)

    def issue_facts(self, wanted: IssueFilter, as_of: dt.date) -> list[IssueFacts]:
        return self.reads.issue_facts(wanted, as_of)

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        self.writes.record_color(change, changes)

    def names(self, ids: set[str]) -> dict[str, str]:
        return self.reads.names(ids)

    def households_under(self, place: str) -> list[str]:
        return self.reads.households_under(place)

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        return self.reads.named(text, limit)

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        return self.reads.records(kind, ids)

    def history(self, record: str, since: dt.date | None = None) -> HistoryResult:
        return self.reads.history(record, since)

    def color_history(self, household: str) -> ColorHistory:
        return self.reads.color_history(household)

    def close(self) -> None:
        self.file.close()
