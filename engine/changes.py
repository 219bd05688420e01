"""What an import adds and changes, counted the same way by every backend."""

from __future__ import annotations

from collections.abc import Callable

from engine.model import RECORD_KINDS, DataSet, ImportReport, Record

# (kind, ids) -> the records of that kind already stored under those ids
StoredRecords = Callable[[str, list[str]], dict[str, Record]]


def count_changes(data: DataSet, stored: StoredRecords) -> ImportReport:
    added: dict[str, int] = {}
    changed: dict[str, int] = {}
    for kind in RECORD_KINDS:
        records: list[Record] = getattr(data, kind)
        before = stored(kind, [r.id for r in records]) if records else {}
        added[kind] = sum(1 for r in records if r.id not in before)
        changed[kind] = sum(1 for r in records if r.id in before and before[r.id] != r)
    return ImportReport(added=added, changed=changed)
