"""包抓 assignments: read one, create one, end one (a township admin, in its township)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException

from api.auth import Caller
from api.problems import problem_responses
from api.schemas import AssignmentEnd, AssignmentIn, AssignmentInPath
from api.scopes import require_assignable, require_read, require_write, require_writer
from api.services import Svc, cells
from engine.errors import NotFound
from engine.lang import say
from engine.model import Assignment, DataSet

router = APIRouter(tags=["assignments"], responses=problem_responses(401, 403, 404, 422))
WRITE_PROBLEMS = problem_responses(400, 409)


@router.get("/assignments/{assignment}")
def get_assignment(assignment: AssignmentInPath, caller: Caller, svc: Svc) -> Assignment:
    """One assignment, read by whoever may read its target, and by the person holding it."""
    found = svc.backend.assignment(assignment)
    if caller.person != found.person_id:
        require_read(caller, svc.backend, found.target_id)
    return found


@router.post("/assignments", status_code=201, responses=WRITE_PROBLEMS)
def create_assignment(body: AssignmentIn, caller: Caller, svc: Svc) -> Assignment:
    """Assign a person to a unit or household; validated as a row of assignments.csv, durable
    when answered. A township admin assigns, in its township, the people serving in it today
    and those who never served elsewhere; the county assigns anyone else (by an import)."""
    require_writer(caller)

    def authorise(data: DataSet) -> None:
        new = data.assignments[0]
        require_write(caller, svc.backend, new.target_id)
        require_assignable(caller, svc.backend, new.person_id)
        try:
            svc.backend.assignment(new.id)
        except NotFound:
            return
        raise HTTPException(
            409,
            say(
                f"包抓关系 {new.id!r} 已存在；请先结束它，或换一个编号",
                f"assignment {new.id!r} exists; end it or give another id",
            ),
        )

    return svc.write_body("assignments", cells(body.model_dump()), authorise).assignments[0]


@router.post("/assignments/{assignment}/end", responses=problem_responses(400))
def end_assignment(
    assignment: AssignmentInPath, caller: Caller, svc: Svc, body: AssignmentEnd | None = None
) -> Assignment:
    """Set the last active day of an assignment (default today); durable when answered."""
    require_writer(caller)
    until = (body.until if body else None) or dt.date.today()

    def authorise(current: Assignment) -> None:
        require_write(caller, svc.backend, current.target_id)

    return svc.end_assignment(assignment, until, authorise)
