"""The durable half of the memory backend: one SQLite file, one table per kind of record.

Every write is committed (WAL, synchronous=FULL) before the caller is told it happened, so an
acknowledged import or step of the issue loop survives a kill -9; a write is one transaction,
so an issue's new status never lands without the event that explains it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.errors import GridchainError
from engine.model import (
    HISTORY_KINDS,
    RECORD_KINDS,
    Assignment,
    Body,
    ColorChange,
    DataSet,
    Household,
    Issue,
    IssueEvent,
    Person,
    Record,
    Resident,
    Unit,
)

RECORD_TYPES: dict[str, type[Record]] = {
    "units": Unit,
    "households": Household,
    "residents": Resident,
    "people": Person,
    "assignments": Assignment,
    "bodies": Body,
    "issues": Issue,
    "issue_events": IssueEvent,
    "color_changes": ColorChange,
}
STORED_KINDS = RECORD_KINDS + HISTORY_KINDS
SCHEMA_VERSION = 1  # history tables are only added to a store: version 1 stores open as they are
DATE_FIELDS = {"since", "until", "reported_at", "due_at", "resolved_at"}
DATETIME_FIELDS = {"at"}
BOOL_FIELDS = {"party_member", "satisfied"}


def columns_of(kind: str) -> list[str]:
    return [f.name for f in fields(RECORD_TYPES[kind])]


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.create_schema()
        except sqlite3.DatabaseError as exc:
            raise GridchainError(f"{path} is not a gridchain store: {exc}") from exc

    def create_schema(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise GridchainError(
                f"{self.path} has store version {version}, expected {SCHEMA_VERSION}"
            )
        for kind in STORED_KINDS:
            cols = ", ".join(columns_of(kind))
            # Table and column names come from the fixed record types above, never from input.
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {kind} ({cols}, PRIMARY KEY (id))")
        self.db.execute("CREATE INDEX IF NOT EXISTS issue_events_of ON issue_events (issue_id)")
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def load(self) -> Iterator[tuple[str, list[Record]]]:
        for kind in STORED_KINDS:
            cols = columns_of(kind)
            record_type = RECORD_TYPES[kind]
            rows = self.db.execute(f"SELECT {', '.join(cols)} FROM {kind}").fetchall()
            yield kind, [record_type(**decode_row(cols, row)) for row in rows]

    def write(self, data: DataSet, reset_issues: Collection[str] = ()) -> None:
        """Upsert every record of `data` in one transaction: all of it or none of it. The
        events of `reset_issues` are dropped first (their ledger rows changed)."""
        with self.transaction():
            self.db.executemany(
                "DELETE FROM issue_events WHERE issue_id = ?", ((i,) for i in reset_issues)
            )
            for kind in STORED_KINDS:
                records: list[Record] = getattr(data, kind)
                if records:
                    cols = columns_of(kind)
                    marks = ", ".join("?" for _ in cols)
                    self.db.executemany(
                        f"INSERT OR REPLACE INTO {kind} ({', '.join(cols)}) VALUES ({marks})",
                        (encode_row(cols, record) for record in records),
                    )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def encode_row(cols: list[str], record: Record) -> tuple[Any, ...]:
    return tuple(encode_value(getattr(record, col)) for col in cols)


def encode_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else None
    return value


def decode_row(cols: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    fields: dict[str, Any] = dict(zip(cols, row, strict=True))
    for col in DATE_FIELDS.intersection(cols):
        if fields[col] is not None:
            fields[col] = dt.date.fromisoformat(fields[col])
    for col in DATETIME_FIELDS.intersection(cols):
        fields[col] = dt.datetime.fromisoformat(fields[col])
    if "extra" in fields:
        fields["extra"] = json.loads(fields["extra"]) if fields["extra"] else {}
    for col in BOOL_FIELDS.intersection(cols):
        if fields[col] is not None:
            fields[col] = bool(fields[col])
    return fields
