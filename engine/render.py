"""Answers as a person reads them on a terminal: rich tables, one per answer.

rich is imported only once a table is drawn: a `--json` answer never needs it, and its import
costs a short `gridchain` process more than its query.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from engine.errors import GridchainError
from engine.model import (
    ColorHistory,
    CoversResult,
    FindResult,
    GapsResult,
    HistoryResult,
    ImportReport,
    IssuesResult,
    PersonRef,
    StatsResult,
    TraceIssue,
    TraceResult,
    WhoResult,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

MAX_GAP_ROWS = 200
# The county's time zone: times are read there, and marked with their offset (the JSON answers
# keep each time's own zone).
COUNTY_ZONE = "Asia/Shanghai"


@cache
def county_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("GRIDCHAIN_ZONE", COUNTY_ZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GridchainError(
            f"GRIDCHAIN_ZONE: no time zone {name!r} (e.g. {COUNTY_ZONE})"
        ) from None


def county_time(at: dt.datetime) -> str:
    """A time as the county reads it: `2024-06-03 17:30 +08:00`."""
    local = at.astimezone(county_zone())
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def new_table(title: str) -> Table:
    from rich.table import Table

    return Table(title=title)


def person_text(person: PersonRef | None) -> str:
    return f"{person.name} ({person.id}, {person.role})" if person else "[red]vacant[/red]"


def show_who(console: Console, result: WhoResult) -> None:
    table = new_table(f"Accountability chain of {result.target} as of {result.as_of}")
    for column in ("level", "unit", "name", "responsible", "vacant", "bodies"):
        table.add_column(column)
    for level in result.chain:
        table.add_row(
            level.level,
            level.unit,
            level.name,
            "\n".join(f"{h.role}: {h.person.name} ({h.person.id})" for h in level.assignments),
            "[red]" + ", ".join(level.vacant) + "[/red]" if level.vacant else "",
            "\n".join(b.name for b in level.bodies[:3])
            + (f"\n+{len(level.bodies) - 3} more" if len(level.bodies) > 3 else ""),
        )
    console.print(table)
    console.print(f"Commander: {person_text(result.commander)}")


def show_trace(console: Console, result: TraceResult) -> None:
    table = new_table(f"Reverse trace of {result.target} as of {result.as_of}")
    for column in ("level", "unit", "responsible"):
        table.add_column(column)
    for step in result.path:
        table.add_row(step.level, step.unit, person_text(step.person))
    console.print(table)
    if result.issue:
        show_issue(console, result.issue)
    console.print(f"Commander: {person_text(result.commander)}")


def show_issue(console: Console, issue: TraceIssue) -> None:
    """An issue's standing and its timeline: each step, who held it then and how long."""
    held = f", held by {person_text(issue.holder)} ({issue.level})" if issue.level else ""
    console.print(
        f"Issue {issue.id} ({issue.category}) is {issue.status}{held}: reported "
        f"{issue.reported_at}, due {issue.due_at or '-'}, resolved {issue.resolved_at or '-'}, "
        f"overdue {issue.overdue_days} days"
    )
    table = new_table(f"Timeline of {issue.id}")
    for column in ("at", "event", "by", "status", "held by", "days"):
        table.add_column(column, justify="right" if column == "days" else "left")
    for entry in issue.timeline:
        by = ", ".join(x for x in (entry.by, entry.note) if x)
        holder = f"{entry.level}: {person_text(entry.holder)}" if entry.level else ""
        table.add_row(
            county_time(entry.at),
            entry.event,
            by,
            entry.status,
            holder,
            str(entry.held_days),
        )
    console.print(table)


def show_issues(console: Console, result: IssuesResult) -> None:
    table = new_table(f"Issues in {result.scope or 'whole graph'} as of {result.as_of}")
    for column in ("issue", "about", "status", "due", "overdue", "held by", "path"):
        table.add_column(column, justify="right" if column == "overdue" else "left")
    for issue in result.issues:
        holder = f"{issue.level}: {person_text(issue.holder)}" if issue.level else "-"
        table.add_row(
            issue.id,
            issue.target + (f" ({issue.color})" if issue.color else ""),
            issue.status,
            str(issue.due_at or "-"),
            str(issue.overdue_days),
            holder,
            " > ".join(issue.path),
        )
    console.print(table)
    console.print(f"{len(result.issues)} issues")


def show_colors(console: Console, result: ColorHistory) -> None:
    console.print(f"Household {result.household} is {result.color or 'not coloured'}")
    for change in result.changes:
        when = county_time(change.at)
        console.print(f"  {when}: {change.color} by {change.by}", markup=False, highlight=False)


def show_covers(console: Console, result: CoversResult) -> None:
    person = f"{result.person.name} ({result.person.id})"
    table = new_table(f"What {person} covers as of {result.as_of}")
    for column in ("role", "unit", "name", "level", "households", "gaps"):
        table.add_column(column, justify="right" if column in ("households", "gaps") else "left")
    for held in result.assignments:
        gaps = ", ".join(f"{kind} {n}" for kind, n in Counter(g.kind for g in held.gaps).items())
        table.add_row(
            held.role, held.unit, held.name, held.level, f"{len(held.households):,}", gaps or "-"
        )
    console.print(table)


def show_find(console: Console, result: FindResult) -> None:
    table = new_table(f"Found for {result.text!r}: {len(result.matches)}")
    for column in ("id", "what", "name", "where"):
        table.add_column(column)
    for match in result.matches:
        table.add_row(match.id, match.level, match.name, " › ".join(match.path[1:]))
    console.print(table)


def show_history(console: Console, result: HistoryResult) -> None:
    since = f" since {result.since}" if result.since else ""
    table = new_table(f"History of {result.record}{since}, newest first")
    for column in ("at", "change", "what", "by", "from"):
        table.add_column(column)
    for entry in result.entries:
        table.add_row(
            county_time(entry.at),
            f"{entry.change} ({entry.kind})",
            what_changed(entry.before, entry.after),
            entry.by,
            entry.source,
        )
    console.print(table)


def what_changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """The fields a change touched, as `field: old → new`."""
    if before is None or after is None:
        return ", ".join(
            f"{k}: {v}" for k, v in (after or before or {}).items() if v not in (None, {})
        )
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return "\n".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in keys)


def show_gaps(
    console: Console,
    result: GapsResult,
    summary_only: bool = False,
    names: Mapping[str, str] | None = None,
) -> None:
    """`names` (of the units on the gaps' paths) puts names where ids would stand."""
    named = names or {}
    scope = result.scope or "whole graph"
    if not summary_only:
        table = new_table(f"Coverage gaps in {scope} as of {result.as_of}")
        for column in ("kind", "id", "name", "where"):
            table.add_column(column)
        for gap in result.gaps[:MAX_GAP_ROWS]:
            where = " › ".join(named.get(node, node) for node in reversed(gap.path[1:]))
            table.add_row(gap.kind, gap.id, named.get(gap.id, gap.level), where)
        console.print(table)
        if len(result.gaps) > MAX_GAP_ROWS:
            console.print(f"... {len(result.gaps) - MAX_GAP_ROWS} more (use --json or --kind)")
    summary = new_table(f"Gap summary ({result.summary.total} in {scope})")
    summary.add_column("kind")
    summary.add_column("count", justify="right")
    for kind, count in result.summary.by_kind.items():
        summary.add_row(kind, str(count))
    console.print(summary)
    townships = new_table("Gaps by township")
    townships.add_column("township")
    townships.add_column("count", justify="right")
    for township, count in result.summary.by_township.items():
        shown = f"{named[township]} ({township})" if township in named else township
        townships.add_row(shown, str(count))
    console.print(townships)


def show_stats(console: Console, result: StatsResult) -> None:
    table = new_table(f"Stats of {result.scope or 'whole graph'} as of {result.as_of}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, count in result.nodes.items():
        table.add_row(label, f"{count:,}")
    for role, count in result.assignments.items():
        table.add_row(f"assignments: {role}", f"{count:,}")
    for kind, count in result.gaps.items():
        table.add_row(f"gaps: {kind}", f"{count:,}")
    console.print(table)


def show_import(console: Console, report: ImportReport) -> None:
    title = "Import (dry run: nothing was written)" if report.dry_run else "Import"
    table = new_table(title)
    counts = {
        "added": report.added,
        "changed": report.changed,
        "ended": report.ended,
        "removed": report.removed,
    }
    table.add_column("kind")
    for column in counts:
        table.add_column(column, justify="right")
    for kind in report.added:
        table.add_row(kind, *(f"{counted.get(kind, 0):,}" for counted in counts.values()))
    console.print(table)
    for what, kinds in report.first.items():
        if what in ("ended", "removed") or report.dry_run:
            for kind, ids in kinds.items():
                more = counts[what].get(kind, 0) - len(ids)
                shown = ", ".join(ids) + (f" and {more:,} more" if more > 0 else "")
                console.print(f"{what} {kind}: {shown}", markup=False, highlight=False)
    if report.kept:
        console.print(
            "kept, though gone from people.csv (an assignment, body or issue names them): "
            + ", ".join(report.kept),
            markup=False,
            highlight=False,
        )
