"""The issue loop (线索上报 → 问题处置 → 结果反馈; 网格吹哨、部门报到): report, dispatch to
departments, their acknowledgement, resolution, the reporter's feedback, and the lists."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.answers import json_answer
from api.auth import Caller, Principal, actor
from api.problems import problem_responses, refused_fields
from api.routes.areas import ColorFilter, Scope
from api.schemas import (
    DEFAULT_PAGE,
    DepartmentIn,
    FeedbackIn,
    IdInPath,
    IssueIn,
    IssueStatus,
    Page,
    ResolveIn,
)
from api.scopes import area_scope, forbidden, require_report, require_step
from api.services import AsOf, Limit, Offset, Services, Svc, day
from engine import loop
from engine.errors import ImportRefused
from engine.issues import IssueChange, feedback_kind, new_report, now
from engine.lang import say
from engine.model import DataSet, Issue, IssuesResult, TraceIssue, immutable
from engine.semantics import IssueFilter

router = APIRouter(tags=["issues"], responses=problem_responses(401, 403, 404, 422))
WRITE_PROBLEMS = problem_responses(400, 409)


def state_of(svc: Services, issue: str) -> TraceIssue:
    found = svc.backend.trace(issue, dt.date.today()).issue
    assert found is not None  # `issue` names an issue
    return found


@router.post("/issues", status_code=201, responses=WRITE_PROBLEMS)
def report_issue(body: IssueIn, caller: Caller, svc: Svc) -> TraceIssue:
    """Report an issue about a household or unit; a grid member reports as itself, for the
    households it covers. Its due date defaults to its category's. Durable when answered."""
    reporter = body.reported_by
    if caller.role == "grid_member":
        if reporter not in (None, caller.person):
            raise forbidden(
                say("网格员只能以自己的名义上报问题", "a grid member reports issues as itself")
            )
        reporter = caller.person
    elif caller.role == "inspector":
        raise forbidden(
            say(
                "督查密钥不能写入；由乡镇管理员和网格员上报",
                "an inspector key cannot write; township admins and grid members report",
            )
        )
    new = new_report(
        target=body.target,
        category=body.category,
        reporter=reporter,
        recorded_by=actor(caller),
        at=now(),
        issue_id=body.id,
        reported_at=body.reported_at,
        due_at=body.due_at,
        department=body.department,
        note=body.note,
    )

    def authorise(data: DataSet) -> None:
        require_report(caller, svc.backend, data.issues[0].target_id)

    try:
        loop.report(svc.backend, new, authorise)
    except ImportRefused as exc:
        raise refused_fields(exc, names={"target_id": "target"}) from None
    return state_of(svc, new.issue)


def step(
    svc: Services,
    caller: Principal,
    issue: str,
    kind: str,
    by: str | None,
    department: str | None = None,
    note: str | None = None,
) -> TraceIssue:
    """Move an issue on; durable when answered, refused (409, its current status) when its
    status does not allow the step."""
    change = IssueChange(issue, kind, by, actor(caller), now(), department, note)

    def authorise(record: Issue) -> None:
        require_step(caller, svc.backend, record, kind)

    loop.transition(svc.backend, change, authorise)
    return state_of(svc, issue)


@router.post("/issues/{issue}/dispatch", responses=WRITE_PROBLEMS)
def dispatch(issue: IdInPath, body: DepartmentIn, caller: Caller, svc: Svc) -> TraceIssue:
    """The grid blows the whistle (网格吹哨): a department is called to the issue."""
    return step(svc, caller, issue, "dispatched", actor(caller), body.department, body.note)


@router.post("/issues/{issue}/ack", responses=WRITE_PROBLEMS)
def acknowledge(issue: IdInPath, body: DepartmentIn, caller: Caller, svc: Svc) -> TraceIssue:
    """A department called to the issue reports in (部门报到)."""
    return step(svc, caller, issue, "acknowledged", body.department, body.department, body.note)


@router.post("/issues/{issue}/resolve", responses=WRITE_PROBLEMS)
def resolve(issue: IdInPath, body: ResolveIn, caller: Caller, svc: Svc) -> TraceIssue:
    """The issue is dealt with (问题处置), by a department called to it or a person."""
    return step(svc, caller, issue, "resolved", body.by, note=body.note)


@router.post("/issues/{issue}/feedback", responses=WRITE_PROBLEMS)
def feedback(issue: IdInPath, body: FeedbackIn, caller: Caller, svc: Svc) -> TraceIssue:
    """The reporter's feedback (结果反馈): satisfied closes it, unsatisfied sends it back to
    the departments (status `dispatched`)."""
    kind = feedback_kind(body.satisfied)
    return step(svc, caller, issue, kind, actor(caller), note=body.note)


@immutable
class IssuesPage(IssuesResult):
    """`issues` is one page of them; `page.total` counts them all."""

    page: Page


@router.get("/issues", response_model=IssuesPage)
def list_issues(
    caller: Caller,
    svc: Svc,
    status: IssueStatus | None = None,
    overdue: Annotated[bool, Query(description="Only what is late and still open.")] = False,
    scope: Scope = None,
    color: ColorFilter = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
    as_of: AsOf = None,
) -> Response:
    """Issues, the latest first, each with who in its chain holds it now; a grid member
    sees the issues it reported. `issues` is one page."""
    if caller.role == "grid_member":
        wanted = IssueFilter(status, overdue, scope, color, reported_by=caller.person)
    else:
        wanted = IssueFilter(status, overdue, area_scope(caller, svc.backend, scope), color)
    found = svc.issues(day(as_of), wanted)
    return json_answer(
        IssuesPage(
            as_of=found.as_of,
            scope=found.scope,
            issues=found.issues[offset : offset + limit],
            page=Page(offset=offset, limit=limit, total=len(found.issues)),
        )
    )
