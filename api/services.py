"""What every request works with: the one backend of this process and its write lock."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request

from api.problems import refused_fields
from api.schemas import MAX_PAGE, IsoDate
from engine.backends.base import Backend
from engine.errors import ImportRefused
from engine.importer import validate
from engine.ledger import Table
from engine.model import DataSet, ImportReport


@dataclass
class Services:
    backend: Backend
    # Validation reads the store and storing writes it: one write at a time keeps both steps
    # about the same store, so two requests cannot both pass a check only one of them may.
    writes: threading.RLock = field(default_factory=threading.RLock)

    def write(
        self, tables: dict[str, Table], authorise: Callable[[DataSet], None]
    ) -> tuple[DataSet, ImportReport]:
        """Validate all or nothing, let `authorise` refuse, store; durable when it returns
        (every backend commits before it acknowledges)."""
        with self.writes:
            data = validate(tables, self.backend.known_labels)
            authorise(data)
            return data, self.backend.store(data)

    def write_body(
        self, kind: str, row: dict[str, str], authorise: Callable[[DataSet], None]
    ) -> DataSet:
        """A JSON body written as the one row of a ledger file, so it passes the same checks
        as an import; its refusals name the body's fields."""
        try:
            data, _ = self.write({kind: Table(f"{kind}.csv", list(row), [(2, row)])}, authorise)
        except ImportRefused as exc:
            raise refused_fields(exc) from None
        return data


def cells(values: dict[str, object]) -> dict[str, str]:
    """Values as the cells of a ledger row: empty for not given, ISO for dates."""
    return {k: "" if v is None else str(v) for k, v in values.items()}


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


Svc = Annotated[Services, Depends(services)]

AsOf = Annotated[
    IsoDate | None,
    Query(description="The day assignments are judged on (YYYY-MM-DD); default today."),
]


def day(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


Offset = Annotated[int, Query(ge=0, description="Skip this many items.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
