"""What an import adds and changes, counted the same way by every backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.model import RECORD_KINDS, DataSet, ImportReport, Record

# (kind, ids) -> what is already stored under those ids, in the backend's own form
StoredRecords = Callable[[str, list[str]], dict[str, Any]]
# (kind, record) -> the record in that same form
StoredForm = Callable[[str, Record], Any]


def as_record(kind: str, record: Record) -> Record:
    return record


@dataclass(frozen=True)
class Changes:
    """Per kind of record, the ids that are new and the ids whose record differs."""

    added: dict[str, set[str]]
    changed: dict[str, set[str]]

    def report(self) -> ImportReport:
        return ImportReport(
            added={kind: len(ids) for kind, ids in self.added.items()},
            changed={kind: len(ids) for kind, ids in self.changed.items()},
        )


def find_changes(
    data: DataSet, stored: StoredRecords, stored_form: StoredForm = as_record
) -> Changes:
    added: dict[str, set[str]] = {}
    changed: dict[str, set[str]] = {}
    for kind in RECORD_KINDS:
        records: list[Record] = getattr(data, kind)
        before = stored(kind, [r.id for r in records]) if records else {}
        added[kind] = {r.id for r in records if r.id not in before}
        changed[kind] = {
            r.id for r in records if r.id in before and before[r.id] != stored_form(kind, r)
        }
    return Changes(added, changed)
