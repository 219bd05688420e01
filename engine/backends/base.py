"""The one interface every backend implements: the import and the queries of SPEC §4."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
        PersonRef,
        PersonView,
        Record,
        ResidentView,
        StatsResult,
        Sweep,
        TraceResult,
        VisitView,
        WhoResult,
    )
    from engine.semantics import IssueFacts
    from engine.snapshot import Dependent, Retirement
    from engine.sweeps import UnitCoverage

# Called with (records written so far, records in all); lets a terminal draw a progress bar.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The progress callback for callers that show none."""


class Backend(Protocol):
    name: str

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        """The label of each of `ids` already stored (a sweep's is `Sweep`; an assignment and
        a visit are edges, not nodes, and have none); absent ids are left out."""
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
        assignment or body: when its unit does; a visit: its household; a sweep: its scope)."""
        ...

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        """`since` and `until` of each stored assignment of `ids`."""
        ...

    def dependents(self, places: set[str]) -> list[Dependent]:
        """Every stored record that hangs under one of `places` or points at it: a unit or
        household under it, a resident, body, issue, assignment or visit at it, a sweep over
        it."""
        ...

    def colors(self, households: set[str]) -> dict[str, str | None]:
        """The colour of each stored household of `households`."""
        ...

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        """Those of `people` an assignment (of any time), a body, an issue or a visit names,
        but for the assignments, bodies and visits of `going` (those the same import
        removes)."""
        ...

    def who(self, target: str, as_of: dt.date) -> WhoResult: ...

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
        visit_days: Mapping[str, int] | None = None,
    ) -> GapsResult:
        """`color` keeps only the gaps of households of that colour; `visit_days` gives each
        monitored group's visit interval (engine.sweeps.visit_days; 30 days when None)."""
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

    def issue_facts(self, statuses: tuple[str, ...], as_of: dt.date) -> list[IssueFacts]:
        """Every issue with one of `statuses`, its history and its subject's path (with the
        holders active on `as_of`)."""
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

    # Work done against work assigned (SPEC §4.5): the rules are in engine.sweeps. A visit or
    # a sweep is written as a one-row data set through `store`, checked as a ledger row is.

    def sweep(self, sweep: str) -> Sweep:
        """A stored sweep; NotFound when there is none."""
        ...

    def sweeps(self) -> list[Sweep]:
        """Every stored sweep, by id."""
        ...

    def household_visits(self, household: str) -> list[VisitView]:
        """Every visit to a household, newest first, each saying whether it counts; NotFound for
        no such household."""
        ...

    def unit_coverage(
        self, scope: str, label: str, days: tuple[dt.date, dt.date] | None
    ) -> list[UnitCoverage]:
        """Each unit labelled `label` at or under `scope` (every one, with households or not):
        its households inside `scope`, and how many of them a counting visit reached within
        `days` (none when `days` is None)."""
        ...

    def person_coverage(
        self, scope: str, days: tuple[dt.date, dt.date] | None, as_of: dt.date
    ) -> list[UnitCoverage]:
        """Each person with an active assignment on `as_of` over households of `scope`: how
        many of those households their assignments hold, and how many of them they reached
        themselves with a counting visit within `days`."""
        ...

    def required_holders(self, units: set[str], as_of: dt.date) -> dict[str, PersonRef]:
        """The holder of each unit's required role (SPEC §4.2) on `as_of`, the lowest person id
        of several; units with none are left out."""
        ...

    def close(self) -> None: ...
