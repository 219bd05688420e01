"""Finding by name (issue 10): units, people and residents by name, households by address,
each shown only to whoever may read it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from api.answers import json_answer
from api.auth import Caller, Principal
from api.problems import problem_responses
from api.scopes import require_person, require_read
from api.services import Limit, Svc
from engine import finding
from engine.backends.base import Backend
from engine.model import FindResult, Match

router = APIRouter(tags=["search"], responses=problem_responses(401, 422))
Text = Annotated[str, Query(min_length=1, max_length=100, description="A name, or part of one.")]


@router.get("/search", response_model=FindResult)
def search(q: Text, caller: Caller, svc: Svc, limit: Limit = finding.MOST_MATCHES) -> Response:
    """Units, people and residents whose name holds `q`, households whose address does, exact
    names first, each with its containment path; only what the caller may read is listed."""
    found = finding.find(svc.backend, q, limit)
    shown = [match for match in found.matches if readable(caller, svc.backend, match)]
    return json_answer(replace(found, matches=shown))


def readable(caller: Principal, backend: Backend, match: Match) -> bool:
    """Whether the caller may read what a match names (scopes judged today)."""
    try:
        if match.level == "Person":
            require_person(caller, backend, match.id)
        else:
            require_read(caller, backend, match.id)
    except HTTPException:
        return False
    return True
