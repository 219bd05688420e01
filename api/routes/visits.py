"""Work done against work assigned (SPEC §4.5): visits recorded where they happen, sweeps
(摸排) over a township's units, and the scorecard of a sweep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.answers import json_answer
from api.auth import Caller, Principal
from api.problems import problem_responses, refused_field, refused_fields
from api.schemas import IdInPath, SweepIn, VisitIn
from api.scopes import (
    area_scope,
    cannot_write,
    forbidden,
    outside_township,
    require_read,
    require_report,
    require_write,
    require_writer,
    township_of,
)
from api.services import AsOf, Services, Svc, day
from engine import fields
from engine.backends.base import Backend
from engine.errors import BadQuery, ImportRefused
from engine.lang import say
from engine.model import (
    Answer,
    DataSet,
    ScorecardBy,
    ScorecardResult,
    Sweep,
    SweepView,
    VisitView,
    immutable,
)
from engine.visiting import (
    RecordedVisit,
    SweepsResult,
    latest_day,
    record_sweep,
    record_visit,
    sweep_list,
)

router = APIRouter(tags=["visits"], responses=problem_responses(401, 403, 404, 422))
WRITE_PROBLEMS = problem_responses(400, 409)
# The ledger columns a refused body's fields stand for, where their names differ.
VISIT_FIELDS = {"household_id": "household", "person_id": "person"}
SWEEP_FIELDS = {"scope_id": "scope"}


@router.post("/visits", status_code=201, responses=WRITE_PROBLEMS)
def post_visit(body: VisitIn, caller: Caller, svc: Svc) -> RecordedVisit:
    """Record a visit to a household, checked as a row of visits.csv and durable when answered:
    a grid member records its own visits to the households it covers today, a township admin
    anyone's visits to households inside its township. The answer says whether the visit
    counts (`counts`, and `verdict` in words): only a visit by someone assigned to the
    household, its building or its grid on that day does."""
    visitor = body.person
    if caller.role == "grid_member":
        if visitor not in (None, caller.person):
            raise forbidden(
                say("网格员只能以自己的名义记录走访", "a grid member records its own visits")
            )
        visitor = caller.person
    elif caller.role != "township_admin":
        raise cannot_write(
            caller, say("由乡镇管理员和网格员记录走访", "township admins and grid members do")
        )
    if visitor is None:
        raise refused_field(
            "body", "person", say("必填：走访人的人员编号", "required: who visited (a person id)")
        )
    if body.visited_at is not None and body.visited_at > latest_day():
        raise refused_field(
            "body",
            "visited_at",
            say("走访日期还没有到：走访在发生后记录", "a visit is recorded after it happens"),
        )

    def authorise(data: DataSet) -> None:
        require_report(caller, svc.backend, data.visits[0].household_id)

    try:
        return record_visit(
            svc.backend, body.household, visitor, body.visited_at, body.kind, body.note, authorise
        )
    except ImportRefused as exc:
        raise refused_fields(exc, names=VISIT_FIELDS) from None


@immutable
class HouseholdVisits(Answer):
    """Every visit to a household, newest first, each saying whether it counts."""

    household: str
    visits: list[VisitView]


@router.get("/households/{household}/visits", response_model=HouseholdVisits)
def household_visits(household: IdInPath, caller: Caller, svc: Svc) -> Response:
    """Every visit to a household, newest first, each saying whether it counts; read by
    whoever may read the household."""
    require_read(caller, svc.backend, household)
    found = svc.backend.household_visits(household)
    return json_answer(HouseholdVisits.of(household=household, visits=found))


@router.post("/sweeps", status_code=201, responses=WRITE_PROBLEMS)
def post_sweep(body: SweepIn, caller: Caller, svc: Svc) -> SweepView:
    """Start a sweep (摸排) over a unit of the caller's township, checked as a row of
    sweeps.csv and durable when answered; township admins only."""
    require_writer(caller)

    def authorise(data: DataSet) -> None:
        require_write(caller, svc.backend, data.sweeps[0].scope_id)

    try:
        return record_sweep(
            svc.backend, body.name, body.scope, body.starts, body.ends, body.id, authorise
        )
    except ImportRefused as exc:
        raise refused_fields(exc, names=SWEEP_FIELDS) from None


def sweeps_of(caller: Principal, backend: Backend) -> Callable[[Sweep], bool]:
    """Which sweeps a caller reads: an inspector all, a township admin those inside its
    township; a grid member reads no area."""
    area_scope(caller, backend, None)  # refuses a grid member
    if caller.role == "inspector":
        return lambda sweep: True
    return lambda sweep: township_of(backend.path_of(sweep.scope_id)) == caller.township


@router.get("/sweeps", response_model=SweepsResult)
def get_sweeps(caller: Caller, svc: Svc, as_of: AsOf = None) -> Response:
    """The sweeps the caller may read (a township admin: those inside its township), by id,
    each with its scope's name and whether it is running or finished as of the day."""
    return json_answer(sweep_list(svc.backend, day(as_of), sweeps_of(caller, svc.backend)))


SweepParam = Annotated[
    str, Query(min_length=1, max_length=fields.MAX_ID, description="The sweep's id.")
]
ByParam = Annotated[
    ScorecardBy, Query(description="Rank grids, villages, townships or people (default grid).")
]


def readable_sweep(caller: Principal, svc: Services, sweep: str) -> Sweep:
    """A sweep whose scorecard the caller may read: an inspector any, a township admin one
    inside its township."""
    found = svc.backend.sweep(sweep)
    area_scope(caller, svc.backend, None)  # refuses a grid member
    outside = township_of(svc.backend.path_of(found.scope_id)) != caller.township
    if caller.role == "township_admin" and outside:
        raise outside_township(found.scope_id, caller.township)
    return found


def scored(svc: Services, sweep: str, by: str, as_of: AsOf) -> ScorecardResult:
    """The scorecard; a ranking the sweep's scope cannot have is a refused `by`."""
    try:
        return svc.scorecard(sweep, by, day(as_of))
    except BadQuery as exc:
        raise refused_field("query", "by", str(exc)) from None


@router.get("/scorecard", response_model=ScorecardResult)
def scorecard(
    caller: Caller, svc: Svc, sweep: SweepParam, by: ByParam = "grid", as_of: AsOf = None
) -> Response:
    """How much of a sweep's scope a counting visit reached, by unit or person, the least
    covered first, with each unit's accountable person and the issue figures of the sweep's
    days; as of a day before the sweep ends, its coverage so far (`finished` false)."""
    readable_sweep(caller, svc, sweep)
    return json_answer(scored(svc, sweep, by, as_of))
