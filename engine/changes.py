"""What an import adds and changes, counted the same way by every backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.model import RECORD_KINDS, DataSet, ImportReport, Record
from engine.snapshot import Retirement, first_ids

# (kind, ids) -> what is already stored under those ids, in the backend's own form
StoredRecords = Callable[[str, list[str]], dict[str, Any]]
# (kind, record) -> the record in that same form
StoredForm = Callable[[str, Record], Any]


@dataclass(frozen=True)
class Changes:
    """Per kind of record, the ids that are new and the ids whose record differs."""

    added: dict[str, set[str]]
    changed: dict[str, set[str]]

    def report(self, retirement: Retirement | None = None, dry_run: bool = False) -> ImportReport:
        """Counts per kind, and the first ids of each, of what the import adds, changes and
        (through `retirement`) ends and removes."""
        retirement = retirement or Retirement()
        ended = {"assignments": set(retirement.ended)} if retirement.ended else {}
        by_what = {
            "added": self.added,
            "changed": self.changed,
            "ended": ended,
            "removed": retirement.removed,
        }
        return ImportReport(
            added={kind: len(ids) for kind, ids in self.added.items()},
            changed={kind: len(ids) for kind, ids in self.changed.items()},
            ended={kind: len(ids) for kind, ids in ended.items()},
            removed={kind: len(ids) for kind, ids in retirement.removed.items() if ids},
            kept=sorted(retirement.kept),
            first={
                what: {kind: first_ids(ids) for kind, ids in kinds.items() if ids}
                for what, kinds in by_what.items()
            },
            dry_run=dry_run,
        )


def find_changes(data: DataSet, stored: StoredRecords, stored_form: StoredForm) -> Changes:
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
