"""Work done against work assigned (SPEC §4.5), the parts that do not depend on where the graph
lives: a sweep's window, when it is finished, how often a monitored household must be visited,
and the scorecard's rows, order and arithmetic.

Backends find the facts: which visits count (the visitor held an assignment over the household
on the day), how many households of each unit a window's counting visits reached, who holds a
unit's required role. These functions give the answers their one shape on every backend.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine import vocabulary
from engine.errors import BadQuery
from engine.lang import say
from engine.model import (
    DEFAULT_VISIT_DAYS,
    LEVEL_LABELS,
    MONITORED_GROUPS,
    SCORECARD_BY,
    UNIT_LABELS,
    PersonRef,
    ScorecardResult,
    ScoreRow,
    ScoreTotal,
    Sweep,
    SweepView,
)
from engine.semantics import IssueFacts, IssueFilter

if TYPE_CHECKING:
    from engine.backends.base import Backend

# The setting that gives a monitored group its own visit interval: `subsistence=14,marginal=60`.
VISIT_DAYS_SETTING = "GRIDCHAIN_VISIT_DAYS"


# ---- sweeps ------------------------------------------------------------------------------


def window(sweep: Sweep, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of a sweep whose visits count as of `as_of`: `starts … min(ends, as_of)`; None
    before it starts."""
    end = min(sweep.ends, as_of)
    return (sweep.starts, end) if sweep.starts <= end else None


def finished(sweep: Sweep, as_of: dt.date) -> bool:
    return sweep.ends < as_of


def latest_finished(sweeps: Iterable[Sweep], as_of: dt.date) -> Sweep | None:
    """The sweep whose misses are gaps: of the finished, the latest `ends`, then the highest id."""
    done = [sweep for sweep in sweeps if finished(sweep, as_of)]
    return max(done, key=lambda sweep: (sweep.ends, sweep.id), default=None)


def sweep_view(sweep: Sweep) -> SweepView:
    return SweepView.of(
        id=sweep.id, name=sweep.name, scope=sweep.scope_id, starts=sweep.starts, ends=sweep.ends
    )


# ---- monitored households ----------------------------------------------------------------


def visit_days(text: str | None) -> dict[str, int]:
    """Each monitored group's visit interval in days: 30 unless `text` (the setting's value,
    `group=days` separated by commas; a group by its code or any of its names) says otherwise."""
    days = dict.fromkeys(MONITORED_GROUPS, DEFAULT_VISIT_DAYS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, number = part.partition("=")
        group = vocabulary.MONITORED_GROUPS.code_of(name)
        if not sep or group is None:
            raise BadQuery(
                say(
                    f"{VISIT_DAYS_SETTING} 中的 '{part.strip()}' 应写作 重点人群=天数"
                    f"（重点人群可填：{vocabulary.MONITORED_GROUPS.shown()}）",
                    f"{VISIT_DAYS_SETTING}: {part.strip()!r} should read group=days "
                    f"(groups: {', '.join(MONITORED_GROUPS)})",
                )
            )
        digits = number.strip()
        if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= 366:
            raise BadQuery(
                say(
                    f"{VISIT_DAYS_SETTING} 中 {name.strip()} 的天数应为 1 到 366 的整数，"
                    f"而不是 '{digits}'",
                    f"{VISIT_DAYS_SETTING}: the days of {name.strip()} should be a whole number "
                    f"from 1 to 366, not {digits!r}",
                )
            )
        days[group] = int(digits)
    return days


def visit_cutoffs(days: Mapping[str, int], as_of: dt.date) -> dict[str, dt.date]:
    """For each group, the first day a visit must fall on or after to keep a household of it
    from being overdue as of `as_of` (the interval counts `as_of` itself)."""
    return {group: as_of - dt.timedelta(days=n - 1) for group, n in days.items()}


def due_since(groups: Iterable[str], cutoffs: Mapping[str, dt.date]) -> dt.date | None:
    """A household in several groups is held to the strictest: the latest of their cutoffs."""
    return max((cutoffs[group] for group in groups), default=None)


# ---- the scorecard -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitCoverage:
    """How many households under a unit (and inside a sweep's scope) a window's counting visits
    reached: `unit` is a unit id, or a person id when people are ranked."""

    unit: str
    households: int
    visited: int


@dataclass(slots=True)
class IssueFigures:
    reported: int = 0
    resolved_on_time: int = 0
    satisfied: int = 0


def coverage(households: int, visited: int) -> float | None:
    return round(visited / households, 3) if households else None


def level_label(by: str) -> str:
    """The graph label of a scorecard's `by` (`grid` is `Grid`), `Person` for people."""
    if by not in SCORECARD_BY:
        raise BadQuery(
            say(
                f"无法识别的排名方式 '{by}'（可填：grid、village、township、person）",
                f"unknown ranking {by!r} (expected one of {', '.join(SCORECARD_BY)})",
            )
        )
    return "Person" if by == "person" else LEVEL_LABELS[by]


def check_ranking(sweep: Sweep, scope_label: str, by: str) -> str:
    """The label ranked; refused when the sweep's scope lies below it (a village's sweep has no
    townships to rank)."""
    label = level_label(by)
    if label != "Person" and UNIT_LABELS.index(scope_label) > UNIT_LABELS.index(label):
        raise BadQuery(
            say(
                f"摸排 {sweep.id} 的范围是{vocabulary.label_name(scope_label)}，"
                f"不能按{vocabulary.label_name(label)}排名",
                f"sweep {sweep.id} covers a {scope_label.lower()}: it cannot be ranked by "
                f"{label.lower()}",
            )
        )
    return label


def issue_figures(
    found: Iterable[IssueFacts], days: tuple[dt.date, dt.date], label: str
) -> dict[str, IssueFigures]:
    """Per unit of `label` (per reporter for `Person`), the issues `found` that were reported
    in `days`, those resolved by their due date and those closed with satisfied feedback; ""
    is the whole lot."""
    start, end = days
    figures: dict[str, IssueFigures] = {}
    for facts in found:
        issue = facts.history.issue
        if not start <= issue.reported_at <= end:
            continue
        if label == "Person":
            keys = [issue.reported_by]
        else:
            keys = [level.unit for level in facts.levels if level.label == label]
        on_time = (
            issue.resolved_at is not None
            and issue.due_at is not None
            and issue.resolved_at <= issue.due_at
        )
        satisfied = any(event.satisfied for event in facts.history.events)
        for key in ("", *keys):
            tally = figures.setdefault(key, IssueFigures())
            tally.reported += 1
            tally.resolved_on_time += on_time
            tally.satisfied += satisfied
    return figures


def scorecard_result(
    sweep: Sweep,
    as_of: dt.date,
    by: str,
    counts: Iterable[UnitCoverage],
    names: Mapping[str, str],
    holders: Mapping[str, PersonRef],
    figures: Mapping[str, IssueFigures],
    total: UnitCoverage,
) -> ScorecardResult:
    """The least covered first (no households last), then by id; `total` is the whole scope."""
    label = level_label(by)
    rows = []
    for count in counts:
        tally = figures.get(count.unit, IssueFigures())
        rows.append(
            ScoreRow.of(
                unit=count.unit,
                name=names.get(count.unit, count.unit),
                level=label,
                households=count.households,
                visited=count.visited,
                coverage=coverage(count.households, count.visited),
                accountable=holders.get(count.unit),
                reported=tally.reported,
                resolved_on_time=tally.resolved_on_time,
                satisfied=tally.satisfied,
            )
        )
    rows.sort(key=lambda row: (row.coverage is None, row.coverage or 0.0, row.unit))
    whole = figures.get("", IssueFigures())
    return ScorecardResult.of(
        sweep=sweep_view(sweep),
        as_of=as_of,
        by=by,
        finished=finished(sweep, as_of),
        rows=rows,
        total=ScoreTotal.of(
            households=total.households,
            visited=total.visited,
            coverage=coverage(total.households, total.visited),
            reported=whole.reported,
            resolved_on_time=whole.resolved_on_time,
            satisfied=whole.satisfied,
        ),
    )


def tally(counts: Iterable[UnitCoverage]) -> UnitCoverage:
    """The units of one level under a scope hold each of its households once: their sum is the
    scope's."""
    totals: Counter[str] = Counter()
    for count in counts:
        totals["households"] += count.households
        totals["visited"] += count.visited
    return UnitCoverage(unit="", households=totals["households"], visited=totals["visited"])


def scorecard(backend: Backend, sweep_id: str, by: str, as_of: dt.date) -> ScorecardResult:
    """Sweep `sweep_id`'s coverage as of `as_of` (a running sweep: so far), ranked `by` units of
    a level or by people, with the accountable person of each unit and its issue figures."""
    sweep = backend.sweep(sweep_id)
    scope_label = backend.path_of(sweep.scope_id)[0].level
    label = check_ranking(sweep, scope_label, by)
    days = window(sweep, as_of)
    if label == "Person":
        counts = backend.person_coverage(sweep.scope_id, days, as_of)
        total = tally(backend.unit_coverage(sweep.scope_id, scope_label, days))
        holders: dict[str, PersonRef] = {}
    else:
        counts = backend.unit_coverage(sweep.scope_id, label, days)
        total = tally(counts)
        holders = backend.required_holders({count.unit for count in counts}, as_of)
    found = backend.issue_facts(IssueFilter(scope=sweep.scope_id), as_of) if days else []
    return scorecard_result(
        sweep,
        as_of,
        by,
        counts,
        backend.names({count.unit for count in counts}),
        holders,
        issue_figures(found, days, label) if days else {},
        total,
    )
