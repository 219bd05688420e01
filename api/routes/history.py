"""The append-only history of a record (issue 9): every change, newest first, read by whoever
may read the record itself."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.answers import json_answer
from api.auth import Caller, Principal
from api.masking import mask_id_number, mask_phone
from api.problems import problem_responses
from api.schemas import IsoDate
from api.scopes import forbidden, require_person, require_read
from api.services import Svc
from engine import history
from engine.backends.base import Backend
from engine.errors import BadQuery, NotFound
from engine.lang import say
from engine.model import HistoryEntry, HistoryResult

router = APIRouter(tags=["history"], responses=problem_responses(401, 403, 404, 422))
Since = Annotated[IsoDate | None, Query(description="Only changes on or after this day.")]


@router.get("/history/{record}", response_model=HistoryResult)
def record_history(
    record: str,
    caller: Caller,
    svc: Svc,
    since: Annotated[
        IsoDate | None, Query(description="Only changes on or after this day.")
    ] = None,
) -> Response:
    """Every change of a unit, household, resident, person, assignment, body or issue, newest
    first: the fields before and after, when (with its zone), by whom and from where. Read by
    whoever may read the record; what is gone, and bodies, by inspectors. Residents' and
    people's phone and ID numbers are masked for whom they are masked elsewhere."""
    require_history(caller, svc.backend, record)
    found = history.of_record(svc.backend, record, since)
    if caller.role != "inspector" and caller.role != "township_admin":
        found = replace(found, entries=[masked(entry) for entry in found.entries])
    return json_answer(found)


def require_history(caller: Principal, backend: Backend, record: str) -> None:
    """The record as it stands decides who reads its history (scopes judged today)."""
    if caller.role == "inspector":
        return
    try:
        require_read(caller, backend, record)  # a unit, household, resident or issue
        return
    except (NotFound, BadQuery):
        pass
    try:
        require_read(caller, backend, backend.assignment(record).target_id)
        return
    except NotFound:
        pass
    try:
        require_person(caller, backend, record)
        return
    except NotFound:
        pass
    raise forbidden(
        say(
            f"{record!r} 的变更历史只有督查可以查看",
            f"the history of {record!r} is read by inspectors",
        )
    )


def masked(entry: HistoryEntry) -> HistoryEntry:
    return replace(entry, before=masked_fields(entry.before), after=masked_fields(entry.after))


def masked_fields(fields: dict[str, Any] | None) -> dict[str, Any] | None:
    if fields is None:
        return None
    return {
        **fields,
        **({"phone": mask_phone(fields["phone"])} if fields.get("phone") else {}),
        **({"id_number": mask_id_number(fields["id_number"])} if fields.get("id_number") else {}),
    }
