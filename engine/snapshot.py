"""A data set is a snapshot of the files it holds (SPEC §5.1): what a file held at the last
import and no longer holds is retired when the data set comes in again.

A county re-exports its ledgers when people move; the official who left must stop being
accountable from the day the new ledger takes effect, and stay in the chains of earlier days.
So an assignment gone from `assignments.csv` ends the day before the import's effective date;
a household, resident, body, visit or sweep gone from its file is removed; a unit only when
nothing remains under it; a person only when nothing, past or present, refers to them. A file
that is not in the data set retires nothing, and a merge (`--merge`) retires nothing at all.
Issues are never retired: the issue loop owns them.

What points at a place that goes: the assignments to it and the visits to it (edges of the
graph, whose history stays) go with it; a resident, a body, a sweep over it or anything under
it must go from its own file too (else the import is refused naming it); an issue about it
keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.errors import ImportProblem, ImportRefused
from engine.lang import say
from engine.vocabulary import FILES

if TYPE_CHECKING:
    from engine.backends.base import Backend
    from engine.importer import KnownLabels
    from engine.ledger import Table
    from engine.model import DataSet

# What an import may retire, in the order a retirement is written (what hangs under a record
# goes before it).
RETIRED_KINDS = (
    "assignments",
    "visits",
    "residents",
    "bodies",
    "households",
    "sweeps",
    "units",
    "people",
)
# What a place's removal takes along: the edges that point at it.
GO_WITH_THEIR_PLACE = ("assignments", "visits")
ONE = {
    "units": "unit",
    "households": "household",
    "residents": "resident",
    "people": "person",
    "assignments": "assignment",
    "bodies": "body",
    "issues": "issue",
    "visits": "visit",
    "sweeps": "sweep",
}
# The records that name a person and that an import may remove (see `referred_people`).
REFERRING_KINDS = ("assignments", "bodies", "visits")
# How many problems or ids a report names of each kind.
SHOWN = 5


@dataclass(frozen=True)
class ImportMode:
    """How a data set is taken in: on which day it takes effect, whether its files are whole
    ledgers (a snapshot) or partial updates (`merge`), and where it may retire anything: a
    township admin's upload retires only inside its township, and never a person."""

    effective: dt.date
    merge: bool = False
    within: str | None = None
    # Rows from ledger files: each change's source is its file and line; else (a request's
    # body written as a row) the source is where the write came from.
    ledger: bool = True


@dataclass
class Retirement:
    """What an import retires: assignments ended (their new last day), records removed."""

    ended: dict[str, dt.date] = field(default_factory=dict)
    removed: dict[str, set[str]] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # people gone from people.csv, still referred to

    def removed_ids(self, kind: str) -> set[str]:
        return self.removed.get(kind, set())


@dataclass(frozen=True)
class Dependent:
    """A stored record that hangs under a place or points at it."""

    place: str
    kind: str
    id: str


def gone_before_validation(
    tables: dict[str, Table], backend: Backend, mode: ImportMode
) -> dict[str, set[str]]:
    """Per kind whose file is in the data set, the stored ids its rows no longer hold. (The
    ids of assignments are only known once their rows are read: see `retire`.)"""
    if mode.merge:
        return {}
    gone: dict[str, set[str]] = {}
    for kind in RETIRED_KINDS:
        table = tables.get(kind)
        if kind == "assignments" or table is None or (kind == "people" and mode.within):
            continue
        listed = {row.get("id", "") for _, row in table.rows}
        gone[kind] = backend.stored_ids(kind, mode.within) - listed
    return gone


def without_gone(known: KnownLabels, gone: dict[str, set[str]]) -> KnownLabels:
    """The stored labels an import's references may name: not those its snapshot retires."""
    retired = set().union(*gone.values()) if gone else set()

    def labels(ids: set[str]) -> dict[str, str]:
        return {i: label for i, label in known(ids).items() if i not in retired}

    return labels


def retire(
    data: DataSet,
    tables: dict[str, Table],
    backend: Backend,
    mode: ImportMode,
    gone: dict[str, set[str]],
) -> Retirement:
    """What the import of `data` retires; ImportRefused (naming what still hangs there) when a
    unit or household gone from its file still has something under it."""
    retirement = Retirement()
    if mode.merge:
        return retirement
    for kind in ("visits", "residents", "bodies", "households", "sweeps", "units"):
        if gone.get(kind):
            retirement.removed[kind] = set(gone[kind])
    if "assignments" in tables:
        listed = {a.id for a in data.assignments}
        stale = backend.stored_ids("assignments", mode.within) - listed
        end_assignments(retirement, backend.assignment_terms(stale), mode.effective)
    refuse_orphans(data, tables, backend, retirement)
    if gone.get("people"):
        going = set().union(*(retirement.removed_ids(kind) for kind in REFERRING_KINDS))
        referred = backend.referred_people(gone["people"], going) | people_named_by(data)
        retirement.kept = gone["people"] & referred
        retirement.removed["people"] = gone["people"] - referred
    return retirement


def end_assignments(
    retirement: Retirement,
    terms: dict[str, tuple[dt.date | None, dt.date | None]],
    effective: dt.date,
) -> None:
    """An assignment gone from the ledger ends the day before the effective date; one that had
    not begun by then never held, and goes."""
    last = effective - dt.timedelta(days=1)
    for assignment, (since, until) in terms.items():
        if since is not None and since > last:
            retirement.removed.setdefault("assignments", set()).add(assignment)
        elif until is None or until > last:
            retirement.ended[assignment] = last


def refuse_orphans(
    data: DataSet, tables: dict[str, Table], backend: Backend, retirement: Retirement
) -> None:
    places = retirement.removed_ids("units") | retirement.removed_ids("households")
    if not places:
        return
    listed: dict[str, set[str]] = {kind: {r.id for r in getattr(data, kind)} for kind in ONE}
    problems = []
    for child in backend.dependents(places):
        if child.id in listed.get(child.kind, set()):
            continue  # written again, pointing elsewhere (a row naming a place gone was refused)
        if child.kind in GO_WITH_THEIR_PLACE:
            # An assignment or a visit to a place that goes, goes with it (its history stays).
            retirement.ended.pop(child.id, None)
            retirement.removed.setdefault(child.kind, set()).add(child.id)
        elif child.id not in retirement.removed_ids(child.kind):
            kind = "households" if child.place in retirement.removed_ids("households") else "units"
            if child.kind == "issues":
                remedy = say(
                    "导入从不删除事项：请保留这一行",
                    "an import never removes an issue: keep the row",
                )
            else:
                remedy = say("请把它一并删去，或保留这一行", "remove that too, or keep the row")
            problems.append(
                ImportProblem(
                    tables[kind].file,
                    0,
                    "id",
                    say(
                        f"{FILES.name(kind, 'zh')} {child.place} 已从文件中删去，但"
                        f"{FILES.name(child.kind, 'zh')} {child.id} 仍在它下面或指向它；{remedy}",
                        f"{ONE[kind]} {child.place!r} is gone from the file, but "
                        f"{ONE[child.kind]} {child.id!r} still lies under it or points at it; "
                        f"{remedy}",
                    ),
                )
            )
    if problems:
        raise ImportRefused(problems)


def people_named_by(data: DataSet) -> set[str]:
    named: Iterable[str | None] = (
        *(a.person_id for a in data.assignments),
        *(b.holder_id for b in data.bodies),
        *(i.reported_by for i in data.issues),
        *(v.person_id for v in data.visits),
    )
    return {person for person in named if person}


def first_ids(ids: Iterable[str]) -> list[str]:
    return sorted(ids)[:SHOWN]
