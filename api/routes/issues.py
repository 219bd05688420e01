"""The issue loop's first step (线索上报): a grid member or township admin reports an issue."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, HTTPException

from api.auth import Caller
from api.problems import problem_responses
from api.schemas import IssueIn
from api.scopes import forbidden, require_report
from api.services import Svc, cells
from engine.model import DataSet, Issue

router = APIRouter(tags=["issues"], responses=problem_responses(400, 401, 403, 404, 409, 422))


@router.post("/issues", status_code=201)
def report_issue(body: IssueIn, caller: Caller, svc: Svc) -> Issue:
    """Report an issue about a household or unit; a grid member reports as itself, for the
    households it covers. Durable when answered."""
    reporter = body.reported_by
    if caller.role == "grid_member":
        if reporter not in (None, caller.person):
            raise forbidden("a grid member reports issues as itself")
        reporter = caller.person
    elif caller.role == "inspector":
        raise forbidden("an inspector key cannot write; township admins and grid members report")
    today = dt.date.today()
    row = cells(
        {
            **body.model_dump(),
            "id": body.id or f"I-{uuid.uuid4().hex[:12]}",
            "reported_by": reporter,
            "reported_at": body.reported_at or today,
            "status": "reported",
        }
    )

    def authorise(data: DataSet) -> None:
        issue = data.issues[0]
        require_report(caller, svc.backend, issue.target_id, today)
        if svc.backend.known_labels({issue.id}):
            raise HTTPException(409, f"issue {issue.id!r} exists; report it under another id")

    return svc.write_body("issues", row, authorise).issues[0]
