"""The lists the pages show, each built from the sheet its export writes (engine/tables.py),
with what only a page adds: links from a cell to its list or view, and the countdown colours
of issues."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote

from api.pages import Links, Listing, coverage_path, node_path
from engine import tables
from engine.issues import DONE_STATUSES
from engine.lang import say
from engine.model import (
    SCORECARD_BY,
    UNIT_LABELS,
    CoversResult,
    FindResult,
    GapsResult,
    IssuesResult,
    IssueView,
    ScorecardResult,
    VisitView,
)
from engine.sheets import Sheet
from engine.sweeps import level_label
from engine.visiting import SweepsResult
from engine.vocabulary import label_name

Names = Mapping[str, str]
SOON_DAYS = 3  # an issue due within this many days is marked amber
SCORECARD = "/view/scorecard"
# The gaps of visits (SPEC §4.5): each opens the household's visits too.
VISIT_GAPS = ("overdue_visit", "unvisited_household")
SWEEP_COLUMN = 5  # of tables.gaps_sheet: kind, id, what, name, where, sweep


def visits_path(household: str) -> str:
    return f"/view/households/{quote(household, safe='')}/visits"


def views_of(node: str, links: Links) -> str:
    """Links to a node's chain and reverse trace."""
    chain = links.to(node_path("who", node))
    trace = links.to(node_path("trace", node))
    return (
        f'<a href="{chain}">{say("责任链", "chain")}</a> '
        f'<a href="{trace}">{say("反向追溯", "trace")}</a>'
    )


# ---- gaps ----------------------------------------------------------------------------------


def gaps_listing(result: GapsResult, names: Names, links: Links, kind: str | None) -> Listing:
    """One page of gaps (`result` holds just them), each with its chain and trace; a grid
    member's overload is a person's, who has no chain: their coverage instead."""
    views = []
    hrefs = {}
    for r, gap in enumerate(result.gaps):
        if gap.level == "Person":
            href = links.to(coverage_path(gap.id))
            views.append(f'<a href="{href}">{say("包抓范围", "coverage")}</a>')
            continue
        shown = views_of(gap.id, links)
        if gap.kind in VISIT_GAPS:
            visits = links.to(visits_path(gap.id))
            shown += f' <a href="{visits}">{say("走访记录", "visits")}</a>'
        if gap.sweep is not None:  # the sweep that missed it: its scorecard
            hrefs[r, SWEEP_COLUMN] = links.to(SCORECARD, sweep=gap.sweep)
        views.append(shown)
    return Listing(
        tables.gaps_sheet(result, names),
        "/view/gaps",
        {"scope": result.scope, "kind": kind},
        hrefs,
        views=views,
    )


def townships_listing(
    result: GapsResult, names: Names, households: Mapping[str, int], links: Links
) -> Listing:
    """Gaps per township by name, per 1,000 households, worst first; a count opens its list,
    and each township its printable inspection report."""
    sheet = tables.townships_sheet(result, names, households)
    township_of = {tables.named(township, names): township for township in households}
    hrefs = {}
    views = []
    for r, row in enumerate(sheet.rows):
        township = township_of[str(row[0])]
        hrefs[r, 0] = hrefs[r, 1] = links.to("/view/gaps", scope=township)
        report = links.to("/view/report", scope=township)
        views.append(f'<a href="{report}">{say("督查报告", "inspection report")}</a>')
    return Listing(sheet, "/view/townships", {"scope": result.scope}, hrefs, views=views)


def kinds_listing(result: GapsResult, names: Names, links: Links) -> Listing:
    """Gaps per kind in the area, and per kind in each township; a count opens its list."""
    summary = tables.gap_summary_sheet(result, names)
    townships = list(result.summary.by_township)
    counts = Counter((township_of(gap.path, townships), gap.kind) for gap in result.gaps)
    kinds = list(result.summary.by_kind)
    sheet = Sheet(
        summary.title,
        (*summary.columns, *(tables.named(township, names) for township in townships)),
        [
            (*row, *(counts[township, kind] for township in townships))
            for row, kind in zip(summary.rows, kinds, strict=True)
        ],
        right=summary.right | {tables.named(township, names) for township in townships},
    )
    hrefs = {}
    for r, kind in enumerate(kinds):
        hrefs[r, 1] = links.to("/view/gaps", scope=result.scope, kind=kind)
        for c, township in enumerate(townships, start=2):
            hrefs[r, c] = links.to("/view/gaps", scope=township, kind=kind)
    return Listing(sheet, "/view/kinds", {"scope": result.scope}, hrefs)


def township_of(path: list[str], townships: list[str]) -> str | None:
    return next((node for node in path if node in townships), None)


# ---- issues --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """How an open issue stands against its due date: `late` (red), `soon` (amber), `ok`
    (green), or `none` when it has no due date."""

    mark: str
    text: str

    @classmethod
    def of(cls, issue: IssueView, as_of: dt.date) -> Countdown:
        if issue.overdue_days > 0:
            days = issue.overdue_days
            return cls("late", say(f"逾期 {days} 天", f"{days} days overdue"))
        if issue.due_at is None:
            return cls("none", say("无时限", "no due date"))
        left = (issue.due_at - as_of).days
        if left == 0:
            return cls("soon", say("今天到期", "due today"))
        text = say(f"剩 {left} 天", f"{left} days left")
        return cls("soon" if left <= SOON_DAYS else "ok", text)


def urgency(issue: IssueView) -> tuple[int, dt.date, str]:
    """The latest first, then the soonest due; those without a due date last."""
    return -issue.overdue_days, issue.due_at or dt.date.max, issue.id


def open_issues(result: IssuesResult) -> IssuesResult:
    """The issues still open, the most urgent first."""
    still_open = [i for i in result.issues if i.status not in DONE_STATUSES]
    return replace(result, issues=sorted(still_open, key=urgency))


def issues_listing(result: IssuesResult, names: Names, links: Links) -> Listing:
    """Open issues (`result`, most urgent first), each with its countdown in a coloured row,
    its target and where it lies by name, who holds it, and a link to its trace."""
    countdowns = [Countdown.of(issue, result.as_of) for issue in result.issues]
    base = tables.issues_sheet(result, names)
    countdown = say("倒计时", "countdown")
    sheet = Sheet(
        say(f"待办事项倒计时（{result.as_of}）", f"Open issues by due date, {result.as_of}"),
        (countdown, *base.columns),
        [(c.text, *row) for c, row in zip(countdowns, base.rows, strict=True)],
        right=base.right,
    )
    # Columns: the countdown, then the issues sheet's: issue, category, about, colour,
    # status, due, days overdue, held by, where.
    hrefs = {}
    for r, issue in enumerate(result.issues):
        hrefs[r, 1] = links.to(node_path("trace", issue.id))
        hrefs[r, 3] = links.to(node_path("who", issue.target))
        if issue.holder is not None:
            hrefs[r, 8] = links.to(coverage_path(issue.holder.id))
    return Listing(sheet, "/view/issues", {}, hrefs, [c.mark for c in countdowns])


# ---- search and coverage --------------------------------------------------------------------


def find_listing(result: FindResult, names: Names, links: Links) -> Listing:
    """What a search found: a unit, household or resident opens its chain, a person what they
    cover."""
    sheet = tables.find_sheet(result, names)
    hrefs = {}
    for r, match in enumerate(result.matches):
        if match.level == "Person":
            hrefs[r, 2] = links.to(coverage_path(match.id))
        elif match.level in UNIT_LABELS:
            hrefs[r, 2] = links.to(node_path("who", match.id))
        elif match.path:  # a resident: their household's chain
            hrefs[r, 2] = links.to(node_path("who", match.path[0]))
    return Listing(sheet, "/view/search", {"q": result.text}, hrefs)


def covers_listing(result: CoversResult, names: Names, links: Links) -> Listing:
    """What a person covers: each place opens its chain, its gaps their list."""
    sheet = tables.covers_sheet(result, names)
    hrefs = {}
    for r, held in enumerate(result.assignments):
        hrefs[r, 1] = links.to(node_path("who", held.unit))
        if held.gaps:
            hrefs[r, 4] = links.to("/view/gaps", scope=held.unit)
    person = coverage_path(result.person.id)
    return Listing(sheet, person, {}, hrefs)


# ---- work done: sweeps and scorecards ---------------------------------------------------------


def sweeps_listing(result: SweepsResult, links: Links) -> Listing:
    """The sweeps the caller may read: each opens its scorecard by grid, village or township."""
    sheet = tables.sweeps_sheet(result)
    hrefs = {}
    views = []
    for r, sweep in enumerate(result.sweeps):
        hrefs[r, 0] = hrefs[r, 1] = links.to(SCORECARD, sweep=sweep.id)
        by_level = [
            f'<a href="{links.to(SCORECARD, sweep=sweep.id, by=by)}">{name}</a>'
            for by, name in scorecard_choices(sweep.scope_level)
        ]
        views.append(" ".join(by_level))
    return Listing(sheet, "/view/sweeps", {}, hrefs, views=views)


def scorecard_choices(scope_level: str) -> list[tuple[str, str]]:
    """Each ranking a sweep over a unit of `scope_level` has, by its code and its name: the
    levels at or below its scope, and people."""
    below = UNIT_LABELS[UNIT_LABELS.index(scope_level) :] if scope_level in UNIT_LABELS else ()
    return [
        (by, say("按", "by ") + label_name(label))
        for by in SCORECARD_BY
        if (label := level_label(by)) in below or label == "Person"
    ]


def scorecard_listing(result: ScorecardResult, names: Names, links: Links) -> Listing:
    """A sweep's coverage, the least covered first: a unit opens its chain, a person (the
    accountable one, or the one ranked) what they cover."""
    sheet = tables.scorecard_sheet(result, names)
    hrefs = {}
    for r, row in enumerate(result.rows):
        if result.by == "person":
            hrefs[r, 0] = links.to(coverage_path(row.unit))
            continue
        hrefs[r, 0] = links.to(node_path("who", row.unit))
        if row.accountable is not None:
            hrefs[r, ACCOUNTABLE_COLUMN] = links.to(coverage_path(row.accountable.id))
    params = {"sweep": result.sweep.id, "by": result.by}
    return Listing(sheet, SCORECARD, params, hrefs)


ACCOUNTABLE_COLUMN = 4  # of tables.scorecard_sheet: unit, households, visited, coverage, who


def visits_listing(household: str, visits: list[VisitView], names: Names, links: Links) -> Listing:
    """A household's visits, newest first; each visitor opens what they cover."""
    sheet = tables.visits_sheet(household, visits, names)
    hrefs = {(r, 3): links.to(coverage_path(visit.person.id)) for r, visit in enumerate(visits)}
    return Listing(sheet, visits_path(household), {}, hrefs)
