"""The embedded backend: a SQLite file for durability, networkx for the questions."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from engine.backends.base import Progress, no_progress
from engine.backends.memory.graph import CountyGraph
from engine.backends.memory.queries import MemoryQueries
from engine.backends.memory.store import SqliteStore
from engine.changes import find_changes
from engine.errors import IssueConflict, NotFound
from engine.issues import status_of
from engine.model import (
    DEFAULT_MEMBER_LIMIT,
    Assignment,
    ColorChange,
    ColorHistory,
    DataSet,
    GapsResult,
    Household,
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
from engine.semantics import IssueFacts


@contextmanager
def long_lived_objects() -> Iterator[None]:
    """Build the graph with the cyclic collector paused, then exempt what was built from it.

    A county is a quarter of a million objects that live as long as the process; collecting
    while they are made costs a second, and scanning them again on later queries costs more.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.freeze()


P = ParamSpec("P")
R = TypeVar("R")


def locked(
    method: Callable[Concatenate[MemoryBackend, P], R],
) -> Callable[Concatenate[MemoryBackend, P], R]:
    """Serialise a call with every other: the HTTP API calls from many threads, and a write
    mutates the graph and the SQLite connection that a concurrent query would read."""

    @wraps(method)
    def call(backend: MemoryBackend, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with backend.lock:
            return method(backend, *args, **kwargs)

    return call


class MemoryBackend:
    name = "memory"

    def __init__(self, path: Path) -> None:
        self.lock = threading.RLock()
        self.store_file = SqliteStore(path)
        self.graph = CountyGraph()
        with long_lived_objects():
            self.graph.add(self.snapshot())
        self.queries = MemoryQueries(self.graph.index)

    @locked
    def snapshot(self) -> DataSet:
        """Everything stored, as a data set (for `gridchain push`)."""
        # The store holds only what was validated on the way in, so it is not validated again.
        records: dict[str, Any] = dict(self.store_file.load())
        return DataSet(**records)

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        labels = self.graph.index.label
        return {i: labels[i] for i in ids if i in labels}

    def stored(self, kind: str, ids: list[str]) -> dict[str, Record]:
        if kind == "assignments":
            table: dict[str, Record] = dict(self.graph.assignments)
            return {i: table[i] for i in ids if i in table}
        nodes = self.graph.g.nodes
        return {i: nodes[i]["record"] for i in ids if i in nodes}

    @locked
    def store(self, data: DataSet, progress: Progress = no_progress) -> ImportReport:
        changes = find_changes(data, self.stored)
        report = changes.report()
        # An issue whose ledger row changed is known by that row again, not by its old steps.
        reset = changes.changed["issues"]
        total = sum(len(getattr(data, kind)) for kind in report.added)
        progress(0, total)
        self.store_file.write(data, reset)
        progress(total, total)
        with long_lived_objects():
            self.graph.add(data, reset)
        self.queries = MemoryQueries(self.graph.index)
        return report

    @locked
    def who(self, target: str, as_of: dt.date) -> WhoResult:
        return self.queries.who(target, as_of)

    @locked
    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        return self.queries.gaps(as_of, scope, kind, member_limit, color)

    @locked
    def trace(self, target: str, as_of: dt.date) -> TraceResult:
        return self.queries.trace(target, as_of)

    @locked
    def path_of(self, node: str) -> list[NodeRef]:
        return self.queries.path_of(node)

    @locked
    def resident(self, resident: str) -> ResidentView:
        return self.queries.resident(resident)

    @locked
    def person(self, person: str, as_of: dt.date) -> PersonView:
        return self.queries.person(person, as_of)

    @locked
    def assignment(self, assignment: str) -> Assignment:
        found = self.graph.assignments.get(assignment)
        if found is None:
            raise NotFound(assignment, "assignment")
        return found

    @locked
    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult:
        return self.queries.stats(as_of, scope, DEFAULT_MEMBER_LIMIT)

    # ---- the issue loop and household colours: one SQLite transaction each, and the node's
    # record replaced in place, so a step costs the same in a county of any size.

    @locked
    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        record = self.graph.index.records.get(issue)
        if not isinstance(record, Issue):
            raise NotFound(issue, "issue")
        return record, list(self.graph.events.get(issue, []))

    @locked
    def record_transition(self, issue: Issue, events: list[IssueEvent], seen: int) -> None:
        if len(self.graph.events.get(issue.id, [])) != seen:
            current = self.graph.index.records[issue.id]
            assert isinstance(current, Issue)
            status = status_of(current)
            raise IssueConflict(issue.id, status, f"issue {issue.id!r} moved on: it is {status}")
        self.store_file.write(DataSet(issues=[issue], issue_events=events))
        self.graph.replace_record(issue)
        self.graph.add_history(events, [])

    @locked
    def issue_facts(self, statuses: tuple[str, ...], as_of: dt.date) -> list[IssueFacts]:
        return self.queries.issue_facts(statuses, as_of)

    @locked
    def record_color(self, change: ColorChange) -> None:
        record = self.graph.index.records.get(change.household_id)
        if not isinstance(record, Household):
            raise NotFound(change.household_id, "household")
        household = replace(record, color=change.color)
        self.store_file.write(DataSet(households=[household], color_changes=[change]))
        self.graph.replace_record(household)
        self.graph.add_history([], [change])

    @locked
    def color_history(self, household: str) -> ColorHistory:
        return self.queries.color_history(household)

    @locked
    def close(self) -> None:
        self.store_file.close()
