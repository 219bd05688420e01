"""How late an issue is, who in its chain holds it, and its timeline (SPEC §4.3).

Escalation is computed, not scheduled: an issue past its due date climbs one step of its
trace path (grid member → grid head → village commander → township commander → county
leader) on its first late day and one more every escalation period, so any `as_of` gives the
same answer on every backend without a clock running anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine.issues import DONE_STATUSES, IssueHistory, midnight, status_of
from engine.model import IssueEvent, PersonRef, TimelineEntry, TraceIssue, TraceStep


def overdue_days(due_at: dt.date | None, resolved_at: dt.date | None, as_of: dt.date) -> int:
    """Days past due, counted to the resolution if there is one, else to `as_of`."""
    if due_at is None:
        return 0
    end = resolved_at or as_of
    return max(0, (end - due_at).days)


def escalation_step(late_days: int, period: int, steps: int) -> int:
    """How far up a path of `steps` steps a late issue has climbed."""
    if late_days <= 0 or steps <= 1:
        return 0
    return min(steps - 1, 1 + (late_days - 1) // period)


@dataclass(frozen=True)
class Standing:
    """Where an issue stands on `as_of`: days late, the step reached, who holds it now."""

    overdue_days: int
    climbed: int
    level: str | None
    holder: PersonRef | None

    @property
    def late(self) -> bool:
        """Late and still open: what `overdue` lists."""
        return self.level is not None and self.overdue_days > 0


def standing(
    history: IssueHistory, steps: list[TraceStep], as_of: dt.date, period: int
) -> Standing:
    issue = history.issue
    late_days = overdue_days(issue.due_at, issue.resolved_at, as_of)
    climbed = escalation_step(late_days, period, len(steps))
    if status_of(issue) in DONE_STATUSES or not steps:
        return Standing(late_days, climbed, None, None)
    step = steps[climbed]
    return Standing(late_days, climbed, step.level, step.person)


@dataclass(frozen=True)
class Moment:
    """An entry of the timeline before the days it lasted are known."""

    at: dt.datetime
    event: IssueEvent | None  # None: an escalation to `step`
    step: int


def moments(history: IssueHistory, climbed: int, period: int) -> list[Moment]:
    due = history.issue.due_at
    found = [Moment(e.at, e, 0) for e in history.events]
    if due is not None:
        found += [
            Moment(midnight(due + dt.timedelta(days=1 + (k - 1) * period)), None, k)
            for k in range(1, climbed + 1)
        ]
    # An escalation happens at the start of its day, before whatever else happens that day.
    return sorted(found, key=lambda m: (m.at, m.event is not None, m.event.seq if m.event else 0))


def timeline(
    history: IssueHistory, steps: list[TraceStep], as_of: dt.date, now: Standing, period: int
) -> list[TimelineEntry]:
    found = moments(history, now.climbed, period)
    entries: list[TimelineEntry] = []
    step = 0
    status = "reported"
    for index, moment in enumerate(found):
        event = moment.event
        if event is None:
            step = moment.step
        else:
            status = event.status
        done = event is not None and event.status in DONE_STATUSES
        until = found[index + 1].at.date() if index + 1 < len(found) else as_of
        entries.append(
            TimelineEntry.of(
                at=moment.at,
                event=event.kind if event else "escalated",
                status=status,
                by=event.by if event else None,
                department=event.department if event else None,
                note=event.note if event else None,
                satisfied=event.satisfied if event else None,
                level=None if done or not steps else steps[step].level,
                holder=None if done or not steps else steps[step].person,
                held_days=0 if done else max(0, (until - moment.at.date()).days),
            )
        )
    return entries


def trace_issue(
    history: IssueHistory, steps: list[TraceStep], as_of: dt.date, period: int
) -> TraceIssue:
    issue = history.issue
    now = standing(history, steps, as_of, period)
    return TraceIssue.of(
        id=issue.id,
        target=issue.target_id,
        reported_by=issue.reported_by,
        reported_at=issue.reported_at,
        due_at=issue.due_at,
        resolved_at=issue.resolved_at,
        overdue_days=now.overdue_days,
        category=issue.category,
        status=status_of(issue),
        departments=history.departments,
        level=now.level,
        holder=now.holder,
        timeline=timeline(history, steps, as_of, now, period),
    )
