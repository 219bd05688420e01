"""An engine answer as the body of a read: written to JSON once, by pydantic-core.

FastAPI's own path for a returned dataclass deep-copies it into dicts (`dataclasses.asdict`)
and validates them back into dataclasses before it writes a byte: three times the work of the
question itself for a `who`. A read returns `json_answer(result)` and declares the answer's
type as its `response_model`, so the OpenAPI document still describes the body.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

# One adapter per answer type, built at its first answer.
ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def json_answer(result: object) -> Response:
    kind = type(result)
    found = ADAPTERS.get(kind)
    if found is None:
        found = ADAPTERS[kind] = TypeAdapter(kind)
    return Response(content=found.dump_json(result), media_type="application/json")
