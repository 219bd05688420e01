"""Records as graph properties and back: dates as ISO strings, extra columns flattened, a
household's monitored groups as a list (left out when there are none, as None is)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any, TypeVar

from engine.model import Record

DATE_FIELDS = frozenset(
    {"since", "until", "reported_at", "due_at", "resolved_at", "visited_at", "starts", "ends"}
)
DATETIME_FIELDS = frozenset({"at"})
LIST_FIELDS = frozenset({"groups"})


def props_of(record: Record, label: str) -> dict[str, Any]:
    """The properties a record is stored as; None is left out, as Neo4j does."""
    props: dict[str, Any] = {"label": label}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name == "extra":
            props.update({k: v for k, v in value.items() if k not in props})
        elif isinstance(value, dt.date):
            props[f.name] = value.isoformat()
        elif isinstance(value, tuple):
            if value:
                props[f.name] = list(value)
        elif value is not None:
            props[f.name] = value
    return props


R = TypeVar("R", bound=Record)


def record_from(record_type: type[R], props: dict[str, Any]) -> R:
    names = {f.name for f in fields(record_type)}
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    for key, value in props.items():
        if key in DATE_FIELDS and value is not None:
            values[key] = dt.date.fromisoformat(value)
        elif key in DATETIME_FIELDS:
            values[key] = dt.datetime.fromisoformat(value)
        elif key in LIST_FIELDS:
            values[key] = tuple(value)
        elif key in names:
            values[key] = value
        elif key != "label":
            extra[key] = str(value)
    if "extra" in names:  # history records (events, colour changes) keep no ledger columns
        values["extra"] = extra
    return record_type(**values)
