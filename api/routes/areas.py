"""Coverage gaps (SPEC §4.2) and counts (SPEC §4.4) of an area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.answers import json_answer
from api.auth import Caller
from api.problems import problem_responses
from api.schemas import DEFAULT_PAGE, Color, GapsPage, Page
from api.scopes import area_scope
from api.services import AsOf, Limit, Offset, Svc, day
from engine.model import DEFAULT_MEMBER_LIMIT, GapKind, GapsResult, StatsResult

router = APIRouter(tags=["areas"], responses=problem_responses(401, 403, 404, 422))

Scope = Annotated[
    str | None,
    Query(description="A unit id; default the whole graph (a township admin's: its township)."),
]
ColorFilter = Annotated[
    Color | None, Query(description="Only households of this colour (五色动态管理).")
]
# Bounded so that every backend can pass it on as a 64-bit integer.
MemberLimit = Annotated[
    int, Query(ge=1, le=10**9, description="Households a grid member may cover.")
]


def paged_gaps(result: GapsResult, offset: int, limit: int) -> GapsPage:
    return GapsPage(
        as_of=result.as_of,
        scope=result.scope,
        gaps=result.gaps[offset : offset + limit],
        summary=result.summary,
        page=Page(offset=offset, limit=limit, total=len(result.gaps)),
    )


@router.get("/gaps", response_model=GapsPage)
def gaps(
    caller: Caller,
    svc: Svc,
    scope: Scope = None,
    kind: GapKind | None = None,
    limit_households: MemberLimit = DEFAULT_MEMBER_LIMIT,
    color: ColorFilter = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
    as_of: AsOf = None,
) -> Response:
    """Every gap in a scope, sorted by kind then id; `gaps` is one page, `summary` counts all.
    With `color`, only the gaps of households of that colour."""
    area = area_scope(caller, svc.backend, scope)
    result = svc.gaps(day(as_of), area, kind, limit_households, color)
    return json_answer(paged_gaps(result, offset, limit))


@router.get("/stats", response_model=StatsResult)
def stats(caller: Caller, svc: Svc, scope: Scope = None, as_of: AsOf = None) -> Response:
    """Nodes per label, active assignments per role and gaps per kind in a scope."""
    return json_answer(svc.stats(day(as_of), area_scope(caller, svc.backend, scope)))
