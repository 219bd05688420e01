"""What every request works with: the one backend of this process, and the services over it
that hold the store for a write or queue the questions that take a core for a while."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request

from api.problems import refused_fields
from api.schemas import MAX_PAGE, IsoDate
from engine import coverage, loop, sweeps
from engine.backends.base import Backend
from engine.errors import ImportRefused
from engine.intake import take_in
from engine.ledger import Table
from engine.model import (
    DEFAULT_MEMBER_LIMIT,
    Assignment,
    CoversResult,
    DataSet,
    GapsResult,
    ImportReport,
    IssuesResult,
    ScorecardResult,
    StatsResult,
)
from engine.semantics import IssueFilter
from engine.snapshot import ImportMode


def area_question_slots() -> threading.BoundedSemaphore:
    """Whole-area questions (gaps, stats, issue lists) take a core each for a while: they queue
    for all cores but one, which stays free for the point questions every page asks."""
    return threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))


@dataclass
class Services:
    backend: Backend
    area_questions: threading.BoundedSemaphore = field(default_factory=area_question_slots)
    # Each monitored group's visit interval (GRIDCHAIN_VISIT_DAYS); None: the default for all.
    visit_days: Mapping[str, int] | None = None

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        with self.area_questions:
            return self.backend.gaps(as_of, scope, kind, member_limit, color, self.visit_days)

    def stats(self, as_of: dt.date, scope: str | None) -> StatsResult:
        with self.area_questions:
            return self.backend.stats(as_of, scope)

    def scorecard(self, sweep: str, by: str, as_of: dt.date) -> ScorecardResult:
        with self.area_questions:
            return sweeps.scorecard(self.backend, sweep, by, as_of)

    def covers(self, person: str, as_of: dt.date) -> CoversResult:
        with self.area_questions:  # the gaps of each place a person holds
            return coverage.covers(self.backend, person, as_of)

    def issues(self, as_of: dt.date, wanted: IssueFilter) -> IssuesResult:
        with self.area_questions:
            return loop.issue_list(self.backend, as_of, wanted)

    def write(
        self,
        tables: dict[str, Table],
        authorise: Callable[[DataSet], None],
        mode: ImportMode,
        dry_run: bool = False,
    ) -> tuple[DataSet, ImportReport]:
        """Validate all or nothing, retire what the snapshot no longer holds, let `authorise`
        refuse, store; durable when it returns (every backend commits before it acknowledges).
        It all happens in one hold of the store, so two writers (of this process or another)
        cannot both pass a check that only one of them may."""
        return take_in(self.backend, tables, mode, authorise, dry_run)

    def write_body(
        self, kind: str, row: dict[str, str], authorise: Callable[[DataSet], None]
    ) -> DataSet:
        """A JSON body written as the one row of a ledger file, so it passes the same checks
        as an import (a partial update: it retires nothing); its refusals name the body's
        fields."""
        table = Table(f"{kind}.csv", list(row), [(2, row)])
        try:
            body = ImportMode(dt.date.today(), merge=True, ledger=False)
            data, _ = self.write({kind: table}, authorise, body)
        except ImportRefused as exc:
            raise refused_fields(exc) from None
        return data

    def end_assignment(
        self, assignment: str, until: dt.date, authorise: Callable[[Assignment], None]
    ) -> Assignment:
        """Set an assignment's last active day, read and rewritten in one hold of the store."""
        with self.backend.writing():
            current = self.backend.assignment(assignment)
            authorise(current)
            fields = {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
            row = cells({**fields.pop("extra"), **fields, "until": until})
            return self.write_body("assignments", row, lambda data: None).assignments[0]


def cells(values: dict[str, object]) -> dict[str, str]:
    """Values as the cells of a ledger row: empty for not given, ISO for dates."""
    return {k: "" if v is None else str(v) for k, v in values.items()}


async def services(request: Request) -> Services:
    """(On the event loop, like api.auth's dependencies: it only reads memory.)"""
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]

AsOf = Annotated[
    IsoDate | None,
    Query(description="The day assignments are judged on (YYYY-MM-DD); default today."),
]


def day(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


Offset = Annotated[int, Query(ge=0, description="Skip this many items.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
