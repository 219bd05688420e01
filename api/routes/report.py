"""The printable inspection report of a unit (督查报告) as a page: what `gridchain report`
writes to a file, for the browser to print on A4, in the request's language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.auth import PageCaller
from api.problems import problem_responses
from api.routes.views import page
from api.scopes import area_scope
from api.services import AsOf, Svc, day
from engine.report import gather, report_html

router = APIRouter(
    tags=["views"],
    responses=problem_responses(401, 403, 404, 422),
    default_response_class=HTMLResponse,
)

ReportScope = Annotated[
    str, Query(min_length=1, max_length=100, description="The unit reported on, by id.")
]


@router.get("/view/report")
def report_view(
    caller: PageCaller, svc: Svc, scope: ReportScope, as_of: AsOf = None
) -> HTMLResponse:
    """A unit's accountability, figures, coverage gaps and overdue issues, to print and sign (a
    township admin: a unit of its township; a grid member reads no areas)."""
    area_scope(caller, svc.backend, scope)  # refuses a unit outside the caller's township
    with svc.area_questions:  # the gaps and issues of a whole area take a core for a while
        made_at = dt.datetime.now(dt.UTC)
        answers = gather(svc.backend, scope, day(as_of), made_at, svc.visit_days)
    return page(report_html(answers))
