"""The one interface every backend implements: the import and the queries of SPEC §4."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from engine.model import (
    DEFAULT_MEMBER_LIMIT,
    Assignment,
    DataSet,
    GapsResult,
    ImportReport,
    NodeRef,
    PersonView,
    ResidentView,
    StatsResult,
    TraceResult,
    WhoResult,
)

# Called with (records written so far, records in all); lets a terminal draw a progress bar.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The progress callback for callers that show none."""


class Backend(Protocol):
    name: str

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        """The label of each of `ids` already stored; absent ids are left out."""
        ...

    def store(self, data: DataSet, progress: Progress = no_progress) -> ImportReport:
        """Write a validated data set; idempotent, and what is new or changed is counted."""
        ...

    def who(self, target: str, as_of: dt.date) -> WhoResult: ...

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
    ) -> GapsResult: ...

    def trace(self, target: str, as_of: dt.date) -> TraceResult: ...

    def path_of(self, node: str) -> list[NodeRef]:
        """The containment path of a unit, household, resident or issue, up to the county."""
        ...

    def resident(self, resident: str) -> ResidentView: ...

    def person(self, person: str, as_of: dt.date) -> PersonView: ...

    def assignment(self, assignment: str) -> Assignment: ...

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult: ...

    def close(self) -> None: ...
