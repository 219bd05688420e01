"""Pages for a browser: the gap dashboard, gap lists, and chains and traces drawn as graphs.

These alone accept the key as `?key=` too, since a browser cannot add a header to a link.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api import graphview, pages
from api.auth import PageCaller
from api.problems import problem_responses
from api.routes.areas import Scope
from api.schemas import DEFAULT_PAGE
from api.scopes import area_scope, require_read
from api.services import AsOf, Limit, Offset, Svc, day
from engine.model import GapKind

router = APIRouter(
    tags=["views"],
    responses=problem_responses(401, 403, 404, 422),
    default_response_class=HTMLResponse,
)

# The page keeps whatever it loads to itself: no Referer (the URL may hold the key), no cache,
# and nothing fetched from anywhere (the graph library is inlined in the page).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; worker-src blob:; base-uri 'none'; "
        "form-action 'none'"
    ),
}


def page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=PAGE_HEADERS)


def links(request: Request, as_of: AsOf) -> pages.Links:
    return pages.Links(day(as_of), request.query_params.get("key"))


@router.get("/")
def dashboard(request: Request, caller: PageCaller, svc: Svc, as_of: AsOf = None) -> HTMLResponse:
    """Gap counts per township and kind, each linking to its list (a township admin: its
    township)."""
    area = area_scope(caller, svc.backend, None)
    result = svc.gaps(day(as_of), area)
    names = svc.backend.names(set(result.summary.by_township))
    return page(pages.dashboard(result, links(request, as_of), names))


@router.get("/view/gaps")
def gap_list(
    request: Request,
    caller: PageCaller,
    svc: Svc,
    scope: Scope = None,
    kind: Annotated[GapKind | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
    as_of: AsOf = None,
) -> HTMLResponse:
    """One page of gaps, each linking to its chain and reverse trace."""
    result = svc.gaps(day(as_of), area_scope(caller, svc.backend, scope), kind)
    return page(pages.gap_list(result, kind, offset, limit, links(request, as_of)))


@router.get("/view/who/{node}")
def who_view(node: str, caller: PageCaller, svc: Svc, as_of: AsOf = None) -> HTMLResponse:
    """The accountability chain drawn as a graph."""
    require_read(caller, svc.backend, node)
    return page(graphview.who_page(svc.backend.who(node, day(as_of))))


@router.get("/view/trace/{node}")
def trace_view(node: str, caller: PageCaller, svc: Svc, as_of: AsOf = None) -> HTMLResponse:
    """The reverse trace drawn as a graph."""
    require_read(caller, svc.backend, node)
    return page(graphview.trace_page(svc.backend.trace(node, day(as_of))))
