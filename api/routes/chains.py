"""Who is accountable (SPEC §4.1) and the reverse trace (SPEC §4.3)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.answers import json_answer
from api.auth import Caller
from api.problems import problem_responses
from api.scopes import require_read
from api.services import AsOf, Svc, day
from engine.model import TraceResult, WhoResult

router = APIRouter(tags=["chains"], responses=problem_responses(401, 403, 404, 422))


@router.get("/units/{node}/accountability", response_model=WhoResult)
def accountability(node: str, caller: Caller, svc: Svc, as_of: AsOf = None) -> Response:
    """The chain of a unit, household, resident or issue: the target first, the county last,
    every active assignment and vacancy at each level."""
    require_read(caller, svc.backend, node)
    return json_answer(svc.backend.who(node, day(as_of)))


@router.get("/trace/{node}", response_model=TraceResult)
def trace(node: str, caller: Caller, svc: Svc, as_of: AsOf = None) -> Response:
    """The escalation path from a household or issue up to the county, bottom up, with an
    issue's timeline and overdue days."""
    require_read(caller, svc.backend, node)
    return json_answer(svc.backend.trace(node, day(as_of)))
