"""Pages for a browser: the dashboard, the lists it opens (each also as .xlsx and CSV, with
`?format=`), and chains and traces drawn as graphs. A grid member's home is its coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from api import graphview, listings, pages
from api.auth import PageCaller, Principal
from api.pages import pager
from api.problems import problem_responses
from api.routes.areas import Scope
from api.routes.search import Text, readable
from api.routes.visits import ByParam, readable_sweep, scored, sweeps_of
from api.schemas import DEFAULT_PAGE, IdInPath
from api.scopes import area_scope, coverage_seen_by, require_person, require_read
from api.services import AsOf, Limit, Offset, Services, Svc, day
from engine import fields, finding, tables
from engine.lang import say
from engine.model import GapKind, GapsResult, IssuesResult, ScorecardResult
from engine.semantics import IssueFilter
from engine.sheets import MEDIA_TYPES, Format, Sheet, encode
from engine.visiting import SweepsResult, sweep_list

router = APIRouter(
    tags=["views"],
    responses=problem_responses(401, 403, 404, 422),
    default_response_class=HTMLResponse,
)

# The page keeps whatever it loads to itself: no Referer, no cache, nothing fetched from
# anywhere (the graph library is inlined in the page); its forms (search, logout) post home.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; worker-src blob:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}
ExportFormat = Annotated[
    Format | None,
    Query(
        alias="format",
        description="Download the list as a workbook (`xlsx`) or as CSV (UTF-8 with a BOM).",
    ),
]
# A list page answers HTML, or with `format` the list as a file.
LIST_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The page, or with `format` the list as a file to save.",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            **{media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
        },
    }
}
# How many open issues the dashboard shows before its link to them all.
DASHBOARD_ISSUES = 10


def page(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers=PAGE_HEADERS)


def download(sheet: Sheet, format: Format, stem: str) -> Response:
    """A list as a file to save: named by its title (in the reader's language; `stem` for
    the browsers that read only an ASCII name)."""
    name = quote(f"{sheet.title}.{format}", safe="")
    disposition = f"attachment; filename=\"{stem}.{format}\"; filename*=UTF-8''{name}"
    headers = {**PAGE_HEADERS, "Content-Disposition": disposition}
    return Response(encode(sheet, format), media_type=MEDIA_TYPES[format], headers=headers)


def listed(
    listing: pages.Listing, format: Format | None, stem: str, links: pages.Links
) -> Response:
    if format is not None:
        return download(listing.sheet, format, stem)
    return page(pages.list_page(listing, links))


def links(request: Request, as_of: AsOf) -> pages.Links:
    query = request.url.query
    return pages.Links(day(as_of), request.url.path + (f"?{query}" if query else ""))


def gap_names(svc: Services, result: GapsResult) -> dict[str, str]:
    return svc.backend.names(
        tables.places_of(*(gap.path for gap in result.gaps), [result.scope or ""])
    )


def households(svc: Services, result: GapsResult) -> dict[str, int]:
    return {
        township: len(svc.backend.households_under(township))
        for township in result.summary.by_township
    }


def caller_issues(caller: Principal, svc: Services, today: dt.date) -> IssuesResult:
    """The open issues a caller may read, the most urgent first: a grid member's own
    reports, else those of the caller's area."""
    if caller.role == "grid_member":
        wanted = IssueFilter(reported_by=caller.person)
    else:
        wanted = IssueFilter(scope=area_scope(caller, svc.backend, None))
    return listings.open_issues(svc.issues(today, wanted))


def issue_names(svc: Services, result: IssuesResult) -> dict[str, str]:
    places = tables.places_of(
        *(issue.path for issue in result.issues), [i.target for i in result.issues]
    )
    return svc.backend.names(places)


@router.get("/", response_model=None)
def dashboard(
    request: Request, caller: PageCaller, svc: Svc, as_of: AsOf = None
) -> HTMLResponse | RedirectResponse:
    """Gaps per township by name, ranked per 1,000 households, and per kind; the open issues
    most urgent first with their countdown; the sweeps, each opening its scorecard; the search
    box (in every page's header). A township admin sees its township; a grid member is sent to
    what it covers."""
    today = day(as_of)
    if caller.role == "grid_member" and caller.person is not None:
        here = f"{pages.coverage_path(caller.person)}?as_of={today.isoformat()}"
        return RedirectResponse(here, status_code=303)
    at = links(request, as_of)
    area = area_scope(caller, svc.backend, None)
    result = svc.gaps(today, area)
    names = gap_names(svc, result)
    issues = caller_issues(caller, svc, today)
    rounds = sweep_list(svc.backend, today, sweeps_of(caller, svc.backend))
    body = (
        '<div class="side-by-side">'
        + pages.section(listings.townships_listing(result, names, households(svc, result), at), at)
        + pages.section(listings.kinds_listing(result, names, at), at)
        + "</div>"
        + most_urgent(svc, issues, at)
        + pages.section(listings.sweeps_listing(rounds, at), at)
    )
    scope = tables.scope_text(area, names)
    title = say(f"{scope}网格化治理督查（{today}）", f"Grid governance in {scope}, {today}")
    return page(pages.document(title, body, links=at))


def most_urgent(svc: Services, issues: IssuesResult, at: pages.Links) -> str:
    """The dashboard's first open issues, with a link to them all."""
    shown = replace(issues, issues=issues.issues[:DASHBOARD_ISSUES])
    listing = listings.issues_listing(shown, issue_names(svc, shown), at)
    count = len(issues.issues)
    more = say(f"全部 {count} 件待办事项", f"All {count} open issues")
    return pages.section(listing, at, more=f'<p><a href="{at.to("/view/issues")}">{more}</a></p>')


@router.get("/view/townships", response_model=None, responses=LIST_RESPONSES)
def townships(
    request: Request, caller: PageCaller, svc: Svc, format: ExportFormat = None, as_of: AsOf = None
) -> Response:
    """Gaps per township, by name, per 1,000 households, worst first."""
    result = svc.gaps(day(as_of), area_scope(caller, svc.backend, None))
    at = links(request, as_of)
    listing = listings.townships_listing(
        result, gap_names(svc, result), households(svc, result), at
    )
    return listed(listing, format, "townships", at)


@router.get("/view/kinds", response_model=None, responses=LIST_RESPONSES)
def kinds(
    request: Request, caller: PageCaller, svc: Svc, format: ExportFormat = None, as_of: AsOf = None
) -> Response:
    """Gaps per kind, in the whole area and in each township."""
    result = svc.gaps(day(as_of), area_scope(caller, svc.backend, None))
    at = links(request, as_of)
    return listed(listings.kinds_listing(result, gap_names(svc, result), at), format, "kinds", at)


@router.get("/view/gaps", response_model=None, responses=LIST_RESPONSES)
def gap_list(
    request: Request,
    caller: PageCaller,
    svc: Svc,
    scope: Scope = None,
    kind: Annotated[GapKind | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """One page of gaps, each linking to its chain and reverse trace; exported, all of them."""
    result = svc.gaps(day(as_of), area_scope(caller, svc.backend, scope), kind)
    at = links(request, as_of)
    if format is not None:
        return download(tables.gaps_sheet(result, gap_names(svc, result)), format, "gaps")
    shown = replace(result, gaps=result.gaps[offset : offset + limit])
    listing = listings.gaps_listing(shown, gap_names(svc, shown), at, kind)
    total = len(result.gaps)
    more = pager(at, "/view/gaps", offset, limit, total, scope=result.scope, kind=kind)
    return page(pages.list_page(listing, at, more=more))


@router.get("/view/issues", response_model=None, responses=LIST_RESPONSES)
def issue_list(
    request: Request,
    caller: PageCaller,
    svc: Svc,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """The open issues the caller may read, the most urgent first, with their countdown;
    exported, all of them."""
    issues = caller_issues(caller, svc, day(as_of))
    at = links(request, as_of)
    if format is not None:
        listing = listings.issues_listing(issues, issue_names(svc, issues), at)
        return download(listing.sheet, format, "issues")
    shown = replace(issues, issues=issues.issues[offset : offset + limit])
    listing = listings.issues_listing(shown, issue_names(svc, shown), at)
    more = pager(at, "/view/issues", offset, limit, len(issues.issues))
    return page(pages.list_page(listing, at, more=more))


@router.get("/view/search", response_model=None, responses=LIST_RESPONSES)
def search(
    request: Request,
    q: Text,
    caller: PageCaller,
    svc: Svc,
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """What a name (or part of one) finds: the same search as `GET /search`, showing only what
    the caller may read."""
    found = finding.find(svc.backend, q)
    shown = replace(found, matches=[m for m in found.matches if readable(caller, svc.backend, m)])
    names = svc.backend.names(tables.places_of(*(match.path for match in shown.matches)))
    at = links(request, as_of)
    return listed(listings.find_listing(shown, names, at), format, "search", at)


@router.get("/view/people/{person}/coverage", response_model=None, responses=LIST_RESPONSES)
def coverage(
    request: Request,
    person: str,
    caller: PageCaller,
    svc: Svc,
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """What a person covers: each assignment, its households and the gaps inside it."""
    require_person(caller, svc.backend, person)
    result = coverage_seen_by(caller, svc.backend, svc.covers(person, day(as_of)))
    names = svc.backend.names({held.unit for held in result.assignments})
    at = links(request, as_of)
    return listed(listings.covers_listing(result, names, at), format, "coverage", at)


@router.get("/view/who/{node}")
def who_view(
    request: Request, node: str, caller: PageCaller, svc: Svc, as_of: AsOf = None
) -> HTMLResponse:
    """The accountability chain drawn as a graph."""
    require_read(caller, svc.backend, node)
    return page(graphview.who_page(svc.backend.who(node, day(as_of)), links(request, as_of)))


@router.get("/view/trace/{node}")
def trace_view(
    request: Request, node: str, caller: PageCaller, svc: Svc, as_of: AsOf = None
) -> HTMLResponse:
    """The reverse trace drawn as a graph, its units by name."""
    require_read(caller, svc.backend, node)
    result = svc.backend.trace(node, day(as_of))
    names = svc.backend.names({step.unit for step in result.path} | {node})
    return page(graphview.trace_page(result, names, links(request, as_of)))


# ---- work done: sweeps, scorecards, visits ----------------------------------------------------


@router.get("/view/sweeps", response_model=None, responses=LIST_RESPONSES)
def sweeps(
    request: Request, caller: PageCaller, svc: Svc, format: ExportFormat = None, as_of: AsOf = None
) -> Response:
    """The sweeps (摸排) the caller may read, each opening its scorecard."""
    found = sweep_list(svc.backend, day(as_of), sweeps_of(caller, svc.backend))
    at = links(request, as_of)
    return listed(listings.sweeps_listing(found, at), format, "sweeps", at)


SweepChoice = Annotated[
    str | None, Query(max_length=fields.MAX_ID, description="The sweep's id; default: pick one.")
]


@router.get("/view/scorecard", response_model=None, responses=LIST_RESPONSES)
def scorecard(
    request: Request,
    caller: PageCaller,
    svc: Svc,
    sweep: SweepChoice = None,
    by: ByParam = "grid",
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """A sweep's scorecard: units (or people) ranked by coverage, the least covered first, with
    the accountable person of each unit and the issue figures; a running sweep's coverage so
    far. A picker chooses the sweep and the ranking; without a sweep, the list of sweeps."""
    if not sweep:
        return RedirectResponse(f"/view/sweeps?as_of={day(as_of).isoformat()}", status_code=303)
    readable_sweep(caller, svc, sweep)
    result = scored(svc, sweep, by, as_of)
    names = svc.backend.names({result.sweep.scope})
    at = links(request, as_of)
    listing = listings.scorecard_listing(result, names, at)
    if format is not None:
        return download(listing.sheet, format, "scorecard")
    rounds = sweep_list(svc.backend, result.as_of, sweeps_of(caller, svc.backend))
    body = picker(rounds, sweep, by, at) + so_far(result) + pages.section(listing, at, False)
    return page(pages.document(listing.sheet.title, body, links=at))


def so_far(result: ScorecardResult) -> str:
    """A running sweep's scorecard counts the visits made so far: say so, before the table."""
    if result.finished:
        return ""
    if result.as_of < result.sweep.starts:
        text = say(
            f"摸排 {result.sweep.starts} 开始，截至 {result.as_of} 尚无走访计入",
            f"the sweep starts on {result.sweep.starts}: no visit counts yet on {result.as_of}",
        )
    elif result.as_of == dt.date.today():
        text = say(
            f"摸排进行中：以下为截至今日（{result.as_of}）的覆盖率",
            f"running: the coverage so far, to today ({result.as_of})",
        )
    else:
        text = say(
            f"摸排进行中：以下为截至 {result.as_of} 的覆盖率",
            f"running: the coverage so far, to {result.as_of}",
        )
    return f'<p class="so-far">{escape(text)}</p>'


def picker(rounds: SweepsResult, chosen: str, by: str, at: pages.Links) -> str:
    """A form choosing the sweep and the ranking of a scorecard, on the same day."""
    sweeps = "".join(
        f'<option value="{escape(s.id)}"{" selected" if s.id == chosen else ""}>'
        f"{escape(s.name)} ({escape(s.id)}, {escape(s.scope_name)})</option>"
        for s in rounds.sweeps
    )
    level = next((s.scope_level for s in rounds.sweeps if s.id == chosen), "")
    rankings = "".join(
        f'<option value="{code}"{" selected" if code == by else ""}>{escape(name)}</option>'
        for code, name in listings.scorecard_choices(level)
    )
    return (
        '<form class="picker" method="get" action="/view/scorecard">'
        f'<label>{say("摸排", "Sweep")} <select name="sweep">{sweeps}</select></label> '
        f'<label>{say("排名", "Rank")} <select name="by">{rankings}</select></label> '
        f'<input type="hidden" name="as_of" value="{at.as_of.isoformat()}">'
        f"<button>{say('查看', 'Show')}</button></form>"
    )


@router.get("/view/households/{household}/visits", response_model=None, responses=LIST_RESPONSES)
def visits(
    request: Request,
    household: IdInPath,
    caller: PageCaller,
    svc: Svc,
    format: ExportFormat = None,
    as_of: AsOf = None,
) -> Response:
    """Every visit to a household, newest first, each saying whether it counts."""
    require_read(caller, svc.backend, household)
    found = svc.backend.household_visits(household)
    names = svc.backend.names({household})
    at = links(request, as_of)
    return listed(listings.visits_listing(household, found, names, at), format, "visits", at)
