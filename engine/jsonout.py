"""Answers as JSON, one encoding for every caller that prints or compares them.

The text is what pydantic's `model_dump_json` wrote before the answers were dataclasses:
fields in declaration order, dates and times in ISO 8601 with UTC as `Z`, and non-ASCII text
as UTF-8 rather than `\\u` escapes, so the CLI's `--json` bodies stayed byte for byte the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from typing import Any


@cache
def field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def iso_time(value: dt.datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode(value: object) -> Any:
    """What `json` cannot write by itself, one level at a time: it recurses into the result."""
    if isinstance(value, dt.datetime):
        return iso_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in field_names(type(value))}
    raise TypeError(f"{type(value).__name__} is not part of an answer")


def to_json(answer: object, indent: int | None = None) -> str:
    """Indented for a person (the CLI's `--json`), else on one line without spaces."""
    separators = (",", ": ") if indent is not None else (",", ":")
    return json.dumps(
        answer, default=encode, ensure_ascii=False, indent=indent, separators=separators
    )
