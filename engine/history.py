"""The append-only history (issue 9): every change of a unit, household, resident, person,
assignment, body, colour, issue, visit or sweep, from an import, the API or the command line,
with what it was and became, when, by whom and from where.

Who acts and from where is known where a request or a command starts (the API after the key
is checked, the CLI at its start), far from the writes it leads to; it travels with them as a
context variable, as request-scoped audit data does, so no layer in between carries it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.errors import NotFound
from engine.jsonout import to_json
from engine.model import (
    RECORD_KINDS,
    Assignment,
    Change,
    HistoryEntry,
    HistoryResult,
    Record,
)

if TYPE_CHECKING:
    from engine.backends.base import Backend
    from engine.model import DataSet, Issue, IssueEvent
    from engine.snapshot import Retirement


@dataclass(frozen=True)
class Origin:
    """Who acts (a key's role and subject, or the command line's user) and from where (an HTTP
    route, a command)."""

    by: str
    where: str


ORIGIN: ContextVar[Origin] = ContextVar("origin")
# A write no request or command claimed (a test, a library caller) still says so.
UNCLAIMED = Origin("unknown", "unknown")


@contextmanager
def acting(by: str, where: str) -> Iterator[None]:
    """Record every change made inside as made by `by`, from `where`."""
    token = ORIGIN.set(Origin(by, where))
    try:
        yield
    finally:
        ORIGIN.reset(token)


class Entries:
    """The changes one write makes, numbered in the order they are made, at the moment (to the
    microsecond, with its zone) the write was asked for."""

    def __init__(self) -> None:
        self.at = dt.datetime.now().astimezone()
        self.origin = ORIGIN.get(UNCLAIMED)
        self.made: list[Change] = []

    def add(
        self,
        record: str,
        kind: str,
        change: str,
        before: str | None,
        after: str | None,
        source: str | None = None,
    ) -> None:
        self.made.append(
            Change(
                id=f"{record}~{os.urandom(6).hex()}",
                record=record,
                kind=kind,
                change=change,
                before=before,
                after=after,
                at=self.at,
                by=self.origin.by,
                source=source or self.origin.where,
                n=len(self.made),
            )
        )


def of_import(
    data: DataSet,
    stored: dict[str, dict[str, Record]],
    retirement: Retirement,
    files: dict[str, str],
    ledger: bool = True,
) -> list[Change]:
    """What an import adds, changes, ends and removes, each beside what was stored (`stored`,
    per kind by id); a record's source is its file and line (of a `ledger`; else where the write
    came from), a retired one's the file it left (or the place it went with)."""
    changes = Entries()
    for kind in RECORD_KINDS:
        before = stored.get(kind, {})
        for record in getattr(data, kind):
            old = before.get(record.id)
            if old == record:
                continue
            origin = data.origins.get(record.id) if ledger else None
            changes.add(
                record.id,
                kind,
                "added" if old is None else "changed",
                None if old is None else to_json(old),
                to_json(record),
                f"{origin[0]}, line {origin[1]}" if origin else None,
            )
    gone_from = files.get("assignments", "assignments")
    for assignment, last in sorted(retirement.ended.items()):
        old = stored["assignments"][assignment]
        assert isinstance(old, Assignment)  # stored under the assignments kind
        new = replace(old, until=last)
        source = f"gone from {gone_from}"
        changes.add(assignment, "assignments", "ended", to_json(old), to_json(new), source)
    for kind, ids in retirement.removed.items():
        for record_id in sorted(ids):
            old = stored.get(kind, {}).get(record_id)
            place = retirement.along.get(record_id)
            source = f"gone with {place}" if place else f"gone from {files.get(kind, kind)}"
            changes.add(record_id, kind, "removed", to_json(old) if old else None, None, source)
    return changes.made


def of_step(before: Issue, after: Issue, events: list[IssueEvent]) -> list[Change]:
    """A step of the issue loop: the issue's status before and after it."""
    changes = Entries()
    steps = ", ".join(event.kind for event in events)
    changes.add(
        after.id,
        "issues",
        "step",
        json.dumps({"status": before.status}),
        json.dumps({"status": after.status, "steps": steps}, ensure_ascii=False),
    )
    return changes.made


def of_color(household: str, before: str | None, after: str) -> list[Change]:
    changes = Entries()
    changes.add(
        household,
        "households",
        "color",
        json.dumps({"color": before}),
        json.dumps({"color": after}),
    )
    return changes.made


def of_record(backend: Backend, record: str, since: dt.date | None) -> HistoryResult:
    """A record's history; NotFound when there is neither such a record nor any history of it
    (what was removed keeps its history)."""
    found = backend.history(record, since)
    if found.entries or backend.known_labels({record}):
        return found
    try:
        backend.assignment(record)
    except NotFound:
        raise NotFound(record, "record") from None
    return found


def result(record: str, since: dt.date | None, newest_first: list[Change]) -> HistoryResult:
    return HistoryResult.of(
        record=record,
        since=since,
        entries=[
            HistoryEntry.of(
                at=change.at,
                change=change.change,
                kind=change.kind,
                before=shown(change.before),
                after=shown(change.after),
                by=change.by,
                source=change.source,
            )
            for change in newest_first
        ],
    )


def shown(text: str | None) -> dict[str, Any] | None:
    """A stored before or after as an answer shows it."""
    return None if text is None else dict(json.loads(text))
