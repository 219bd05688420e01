"""What an import adds and changes, counted the same way by every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.model import RECORD_KINDS, DataSet, ImportReport, Record

# (kind, ids) -> what is already stored under those ids, in the backend's own form
StoredRecords = Callable[[str, list[str]], dict[str, Any]]
# (kind, record) -> the record in that same form
StoredForm = Callable[[str, Record], Any]


def as_record(kind: str, record: Record) -> Record:
    return record


def count_changes(
    data: DataSet, stored: StoredRecords, stored_form: StoredForm = as_record
) -> ImportReport:
    added: dict[str, int] = {}
    changed: dict[str, int] = {}
    for kind in RECORD_KINDS:
        records: list[Record] = getattr(data, kind)
        before = stored(kind, [r.id for r in records]) if records else {}
        added[kind] = sum(1 for r in records if r.id not in before)
        changed[kind] = sum(
            1 for r in records if r.id in before and before[r.id] != stored_form(kind, r)
        )
    return ImportReport(added=added, changed=changed)
