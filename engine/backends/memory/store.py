"""The embedded store's file: one SQLite database, one table per kind of record.

Every write is one `BEGIN IMMEDIATE` transaction, committed (WAL, synchronous=FULL) before the
caller is told it happened, so an acknowledged write survives a kill -9 and two processes never
both pass a check that only one of them may. Each thread reads on a connection of its own, so a
long read never holds up another (WAL lets readers go on while one writer writes).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.errors import BackendUnavailable, GridchainError, StoreFull
from engine.lang import say
from engine.model import (
    BODY_KINDS,
    HISTORY_KINDS,
    RECORD_KINDS,
    RECORD_TYPES,
    Record,
)

STORED_KINDS = RECORD_KINDS + HISTORY_KINDS
# Version 1 stores had the tables without the indexes the point questions read by, version 2
# no history of changes, version 3 no order of colour marks, version 4 no visits, sweeps or
# monitored groups; what they lack is added when such a store is first opened.
SCHEMA_VERSION = 5
INDEXES = {
    "units_by_parent": "units (parent_id)",
    "households_by_unit": "households (unit_id)",
    "residents_by_household": "residents (household_id)",
    "assignments_by_target": "assignments (target_id, role)",
    "assignments_by_person": "assignments (person_id)",
    "bodies_by_unit": "bodies (unit_id)",
    "issues_by_target": "issues (target_id)",
    "issues_by_status": "issues (status)",
    "issue_events_of": "issue_events (issue_id, seq)",
    "color_changes_in_order": "color_changes (household_id, seq)",
    "changes_of": "changes (record)",
    # Whether a household was visited in a window is read from this index alone.
    "visits_by_household": "visits (household_id, visited_at, counts)",
    # ... and the households a person reached in a window, from this one.
    "visits_by_person": "visits (person_id, visited_at, household_id, counts)",
    "sweeps_by_scope": "sweeps (scope_id)",
    # Few households are monitored: overdue visits are looked for among those alone.
    "monitored_households": "households (id) WHERE groups IS NOT NULL",
}
# The history of changes is append-only: the store itself refuses to rewrite or delete it.
APPEND_ONLY = {
    f"changes_never_{verb.lower()}d": f"BEFORE {verb} ON changes BEGIN "
    "SELECT RAISE(ABORT, 'the history of changes is append-only'); END"
    for verb in ("UPDATE", "DELETE")
}
DATE_FIELDS = {
    "since",
    "until",
    "reported_at",
    "due_at",
    "resolved_at",
    "visited_at",
    "starts",
    "ends",
}
DATETIME_FIELDS = {"at"}
BOOL_FIELDS = {"party_member", "satisfied"}
# Codes kept as a JSON list (a household's monitored groups), NULL when there are none.
LIST_FIELDS = {"groups"}
# A body's label, from its kind (the labels are engine.model's, never input).
BODY_LABEL = (
    "CASE kind "
    + " ".join(f"WHEN '{kind}' THEN '{label}'" for kind, label in BODY_KINDS.items())
    + " END"
)
# Past one wanted id per this many stored rows, a whole table is read rather than probed.
SCAN_RATIO = 4
# How long a writer waits for another process's write to finish before it gives up.
BUSY_SECONDS = 30.0


def number_colour_marks(db: sqlite3.Connection) -> None:
    """Give an older store's colour marks their order: the order they were committed in."""
    db.execute("ALTER TABLE color_changes ADD COLUMN seq")
    db.execute("DROP INDEX IF EXISTS color_changes_of")  # color_changes_in_order replaces it
    db.execute(
        "UPDATE color_changes SET seq = (SELECT COUNT(*) FROM color_changes AS earlier "
        "WHERE earlier.household_id = color_changes.household_id "
        "AND earlier.rowid <= color_changes.rowid)"
    )


def columns_of(kind: str) -> list[str]:
    return [f.name for f in fields(RECORD_TYPES[kind])]


# What the store derives and keeps beside a kind's own columns: whether a visit counts for its
# household (SPEC §4.5), kept up to date by every write that could change it (writes.recount).
DERIVED = {"visits": ["counts"]}


COLUMNS = {kind: columns_of(kind) for kind in STORED_KINDS}


class StoreFile:
    """The file, its per-thread connections and the one write transaction a thread may hold."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.opened: list[sqlite3.Connection] = []
        self.opening = threading.Lock()
        # Called after every commit of this process, and whenever a connection finds that
        # another connection committed: whatever was derived from the old state is dropped.
        self.on_change: list[Callable[[], None]] = []
        self.prepare()

    def connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self.local, "db", None)
        if db is None:
            db = self.connect()
            self.local.db = db
            self.local.version = None  # what this connection last saw: nothing yet
        return db

    def connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            raise self.not_a_store(exc) from exc
        with self.opening:
            self.opened.append(db)
        return db

    def not_a_store(self, error: sqlite3.DatabaseError) -> GridchainError:
        return GridchainError(
            say(
                f"{self.path} 不是 gridchain 数据库：{error}",
                f"{self.path} is not a gridchain store: {error}",
            )
        )

    def prepare(self) -> None:
        """Create the tables of a new store, or what an older one lacks (the indexes, the history
        of changes and its append-only triggers, the visits, sweeps and monitored groups)."""
        db = self.connection()
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise self.not_a_store(exc) from exc
        if version == SCHEMA_VERSION:
            return
        if version not in range(SCHEMA_VERSION):
            raise GridchainError(
                say(
                    f"{self.path} 的数据库版本是 {version}，应为 {SCHEMA_VERSION}",
                    f"{self.path} has store version {version}, expected {SCHEMA_VERSION}",
                )
            )
        with self.writing():
            for kind in STORED_KINDS:
                # Names come from the fixed record types above, never from input.
                cols = ", ".join(COLUMNS[kind] + DERIVED.get(kind, []))
                db.execute(f"CREATE TABLE IF NOT EXISTS {kind} ({cols}, PRIMARY KEY (id))")
            if 0 < version < 4:
                number_colour_marks(db)
            households = {row[1] for row in db.execute("PRAGMA table_info(households)")}
            if "groups" not in households:
                db.execute("ALTER TABLE households ADD COLUMN groups")
            for name, target in INDEXES.items():
                db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
            for name, trigger in APPEND_ONLY.items():
                db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {trigger}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def reader(self) -> sqlite3.Connection:
        """This thread's connection, after dropping what another connection's commit made
        stale (SQLite's `data_version` moves when any other connection commits)."""
        db = self.connection()
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if version != self.local.version:
            self.local.version = version
            self.changed()
        return db

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on this thread's connection; inside it, reads see the state
        the write will change, and no other process can write. Nested calls join it."""
        db = self.reader()
        if db.in_transaction:
            yield db
            return
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise BackendUnavailable(
                say(f"数据库正忙或只读：{exc}", f"the store is busy or read-only: {exc}")
            ) from exc
        try:
            yield db
        except sqlite3.OperationalError as exc:  # a full disk, a file gone read-only
            self.roll_back(db)
            raise unwritten(exc) from exc
        except BaseException:
            self.roll_back(db)
            raise
        finally:
            if db.in_transaction:
                self.commit(db)

    def commit(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.roll_back(db)
            raise unwritten(exc) from exc
        self.changed()

    def roll_back(self, db: sqlite3.Connection) -> None:
        if db.in_transaction:  # a full disk makes SQLite roll back by itself
            db.execute("ROLLBACK")
        self.changed()  # what was read inside the transaction may have seen its own writes

    def changed(self) -> None:
        for forget in self.on_change:
            forget()

    def close(self) -> None:
        with self.opening:
            for db in self.opened:
                db.close()
            self.opened.clear()
        self.local = threading.local()


def rows_with_ids(
    db: sqlite3.Connection, table: str, columns: str, ids: Collection[str]
) -> Iterator[tuple[Any, ...]]:
    """The rows of `table` (`columns`, the id first) whose id is one of `ids`: looked up by
    the primary key when they are few beside the table, else read in one pass and picked
    here (an import asks about every id it brings, and a lookup each would cost more)."""
    if not ids:
        return iter(())
    stored = db.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()[0] or 0
    if len(ids) * SCAN_RATIO < stored:
        return db.execute(
            f"SELECT {columns} FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
            (id_list(ids),),
        )
    wanted = ids if isinstance(ids, set | frozenset) else set(ids)
    return (row for row in db.execute(f"SELECT {columns} FROM {table}") if row[0] in wanted)


def id_list(ids: Iterable[str]) -> str:
    """Ids as one JSON parameter, read back by `json_each`: no limit on how many."""
    return json.dumps(list(ids))


def encode_row(cols: list[str], record: Record) -> tuple[Any, ...]:
    return tuple(encode_value(getattr(record, col)) for col in cols)


def encode_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | tuple):
        return json.dumps(value, ensure_ascii=False) if value else None
    return value


def decode(kind: str, row: tuple[Any, ...] | sqlite3.Row) -> Any:
    """A stored row of `kind` as its record."""
    cols = COLUMNS[kind]
    values: dict[str, Any] = dict(zip(cols, row, strict=True))
    for col in DATE_FIELDS.intersection(cols):
        if values[col] is not None:
            values[col] = dt.date.fromisoformat(values[col])
    for col in DATETIME_FIELDS.intersection(cols):
        values[col] = dt.datetime.fromisoformat(values[col])
    if "extra" in values:
        values["extra"] = json.loads(values["extra"]) if values["extra"] else {}
    for col in LIST_FIELDS.intersection(cols):
        values[col] = tuple(json.loads(values[col])) if values[col] else ()
    for col in BOOL_FIELDS.intersection(cols):
        if values[col] is not None:
            values[col] = bool(values[col])
    return RECORD_TYPES[kind](**values)


def select(kind: str) -> str:
    """The columns of a kind's table, in record order, for `decode`."""
    return f"SELECT {', '.join(COLUMNS[kind])} FROM {kind}"


def unwritten(error: sqlite3.OperationalError) -> BackendUnavailable:
    """A write the disk refused (full, gone read-only) or a commit that failed."""
    if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_FULL:  # the primary code of any extended one
        return StoreFull(
            say(
                f"磁盘已满，数据库没能写入（{error}）",
                f"the disk is full: the store could not be written ({error})",
            )
        )
    return BackendUnavailable(
        say(f"数据库没能写入：{error}", f"the store could not be written: {error}")
    )
