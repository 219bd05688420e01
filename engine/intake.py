"""Taking a data set in (SPEC §5): read it against the store, retire what its snapshot no longer
holds, let the caller refuse it, store it — all in one hold of the store, so no other writer
slips in between the checks and the writes. The command line's imports, the API's uploads and
its one-row writes come in through here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from engine.backends.base import Progress, no_progress
from engine.importer import validate
from engine.snapshot import ImportMode, gone_before_validation, retire, without_gone

if TYPE_CHECKING:
    from engine.backends.base import Backend
    from engine.ledger import Table
    from engine.model import DataSet, ImportReport

# A stage of an import ("validating", "storing") and the progress callback it reports to.
Stages = Callable[[str], AbstractContextManager[Progress]]


@contextmanager
def unseen(stage: str) -> Iterator[Progress]:
    """For callers that show no progress."""
    yield no_progress


def no_check(data: DataSet) -> None:
    """For callers that need no say on what is written (the command line)."""


def take_in(
    backend: Backend,
    tables: dict[str, Table],
    mode: ImportMode,
    authorise: Callable[[DataSet], None] = no_check,
    dry_run: bool = False,
    stages: Stages = unseen,
) -> tuple[DataSet, ImportReport]:
    """Validate all or nothing (ImportRefused), retire what the snapshot no longer holds, let
    `authorise` refuse, then store; durable when it returns. A dry run stores nothing and
    reports what the import would do."""
    with backend.writing():
        with stages("validating"):
            gone = gone_before_validation(tables, backend, mode)
            data = validate(tables, without_gone(backend.known_labels, gone))
            authorise(data)
            retirement = retire(data, tables, backend, mode, gone)
        with stages("storing") as progress:
            return data, backend.store(data, progress, retirement, dry_run)
