"""The one interface every backend implements: the import and the queries of SPEC §4."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from engine.model import DEFAULT_MEMBER_LIMIT

if TYPE_CHECKING:  # the interface names these types; a process that only asks needs few
    import datetime as dt

    from engine.model import (
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

# Called with (records written so far, records in all); lets a terminal draw a progress bar.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The progress callback for callers that show none."""


class Backend(Protocol):
    name: str

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        """The label of each of `ids` already stored; absent ids are left out."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Hold the store for a check and the writes that depend on it: what is read inside
        is what the writes change (nested calls join the outer one)."""
        ...

    def store(
        self,
        data: DataSet,
        progress: Progress = no_progress,
        retirement: Retirement | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        """Write a validated data set and what its snapshot retires; idempotent, and what is
        new, changed, ended and removed is counted. A dry run counts and writes nothing."""
        ...

    # What an import that retires needs to know (engine/snapshot.py).

    def stored_ids(self, kind: str, within: str | None = None) -> set[str]:
        """The ids of a kind stored; with `within`, those lying strictly under that unit (an
        assignment or body: when its unit does)."""
        ...

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """`since` and `until` of each stored assignment of `ids`."""
        ...

    def dependents(self, places: set[str]) -> list[Dependent]:
        """Every stored record that hangs under one of `places` or points at it."""
        ...

    def colors(self, households: set[str]) -> dict[str, str | None]:
        """The colour of each stored household of `households`."""
        ...

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        """Those of `people` an assignment (of any time), a body or an issue names, but for
        the assignments and bodies of `going` (those the same import removes)."""
        ...

    def who(self, target: str, as_of: dt.date) -> WhoResult: ...

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        """`color` keeps only the gaps of households of that colour."""
        ...

    def trace(self, target: str, as_of: dt.date) -> TraceResult: ...

    def path_of(self, node: str) -> list[NodeRef]:
        """The containment path of a unit, household, resident or issue, up to the county."""
        ...

    def resident(self, resident: str) -> ResidentView: ...

    def person(self, person: str, as_of: dt.date) -> PersonView: ...

    def assignment(self, assignment: str) -> Assignment: ...

    def assigned_places(self, people: set[str]) -> dict[str, set[str]]:
        """The targets of every stored assignment of each of `people`, past, present and to
        come (`person` lists only those of one day); people with none are left out."""
        ...

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult: ...

    # The issue loop: the rules are in engine.issues and engine.loop; a backend keeps facts.

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        """An issue and the events stored for it, in order (none for one imported and not
        moved since); NotFound when there is no such issue."""
        ...

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        """Store the issue's new state, its new events and the `changes` of its history at
        once, all or nothing, if it still has `seen` events stored; IssueConflict (nothing
        stored) if not."""
        ...

    def issue_facts(self, wanted: IssueFilter, as_of: dt.date) -> list[IssueFacts]:
        """Every issue `wanted` admits (its status, scope, colour and reporter; lateness is
        judged from these facts), its history and its subject's path (with the holders active
        on `as_of`)."""
        ...

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        """Set a household's colour and keep the change and the `changes` of its history, at
        once; NotFound for no household."""
        ...

    def names(self, ids: set[str]) -> dict[str, str]:
        """The name of each stored unit and person of `ids`, a household's address (else its
        id); what has no name is left out."""
        ...

    def households_under(self, place: str) -> list[str]:
        """The households at or under a unit or household, by id."""
        ...

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        """(id, label, name) of the units, people and residents whose name holds `text`, and the
        households whose address does: of each kind at most `limit`, names equal to `text`
        before the others, then by id (engine/finding.py orders them all)."""
        ...

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        """The stored records of a kind among `ids`, as they are now."""
        ...

    def history(self, record: str, since: dt.date | None = None) -> HistoryResult:
        """Every change of a record (on or after `since`), newest first; what was removed keeps
        its history."""
        ...

    def color_history(self, household: str) -> ColorHistory: ...

    def close(self) -> None: ...
