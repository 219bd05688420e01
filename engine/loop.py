"""The issue loop and five-colour marks over any backend: each step judged by the rules of
engine.issues, then stored by the backend at once, or refused with nothing stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from engine import fields, history, semantics
from engine.backends.base import Backend
from engine.errors import BadQuery, Conflict, NotFound
from engine.importer import validate
from engine.intake import no_check
from engine.issues import IssueChange, IssueHistory, Report, apply, color_change, history_of
from engine.lang import say
from engine.ledger import tables_from_rows
from engine.model import UNIT_LABELS, ColorHistory, DataSet, Issue, IssuesResult
from engine.snapshot import Retirement


def report(backend: Backend, new: Report, authorise: Callable[[DataSet], None] = no_check) -> Issue:
    """Store a reported issue, checked as a row of issues.csv; `authorise` may refuse it
    after the check and before anything is stored."""
    with backend.writing():
        data = validate(tables_from_rows({"issues": [new.row]}), backend.known_labels)
        authorise(data)
        if backend.known_labels({new.issue}):
            raise Conflict(
                say(
                    f"事项 {new.issue} 已存在，请换一个编号上报",
                    f"issue {new.issue!r} exists; report it under another id",
                )
            )
        data.issue_events.append(new.event)
        data.changes = history.of_import(data, {}, Retirement(), {}, ledger=False)
        backend.store(data)
    return data.issues[0]


def no_step_check(issue: Issue) -> None:
    """For callers that need no say on who takes a step (the command line)."""


def refuse_bad_words(change: IssueChange) -> None:
    """A step's department, doer and note obey the rules of a ledger's text (engine/fields.py),
    as the API's bodies do before they get here; the command line's, named by its options,
    are checked only here."""
    words = (
        ("department", change.department, fields.text_problem),
        ("by", change.by, fields.text_problem),
        ("note", change.note, fields.note_problem),
    )
    for name, value, rule in words:
        problem = rule(value) if value else None
        if problem:
            raise BadQuery(f"--{name}: {problem}")


def transition(
    backend: Backend, change: IssueChange, authorise: Callable[[Issue], None] = no_step_check
) -> IssueHistory:
    """Take a step of an issue's loop as its stored history allows it; `authorise` may refuse
    it given the issue as stored."""
    refuse_bad_words(change)
    with backend.writing():
        issue, stored = backend.issue(change.issue)
        authorise(issue)
        known = history_of(issue, stored)
        updated, event = apply(known, change)
        # An issue known so far by its ledger row gets those steps stored along with this one.
        new_events = [*known.events[len(stored) :], event]
        changes = history.of_step(issue, updated, new_events)
        backend.record_transition(updated, new_events, len(stored), changes)
    return IssueHistory(updated, [*known.events, event])


def issue_list(backend: Backend, as_of: dt.date, wanted: semantics.IssueFilter) -> IssuesResult:
    if (
        wanted.scope is not None
        and backend.known_labels({wanted.scope}).get(wanted.scope) not in UNIT_LABELS
    ):
        raise NotFound(wanted.scope, "unit")
    facts = backend.issue_facts(wanted, as_of)
    return semantics.issues_result(as_of, wanted, facts)


def set_color(
    backend: Backend, household: str, color: str, by: str, at: dt.datetime
) -> ColorHistory:
    change = color_change(household, color, by, at)
    with backend.writing():
        before = backend.colors({household}).get(household)
        backend.record_color(change, history.of_color(household, before, color))
    return backend.color_history(household)
