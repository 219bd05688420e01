"""Taking a data set in (SPEC §5): read it against the store, retire what its snapshot no longer
holds, let the caller refuse it, store it — all in one hold of the store, so no other writer
slips in between the checks and the writes. The command line's imports, the API's uploads and
its one-row writes come in through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from engine import history
from engine.backends.base import Progress, no_progress
from engine.errors import ImportProblem, ImportRefused, header_of
from engine.importer import validate
from engine.issues import color_change, now, status_of
from engine.lang import say
from engine.model import RECORD_KINDS, Household
from engine.snapshot import ImportMode, Retirement, gone_before_validation, retire, without_gone
from engine.vocabulary import ISSUE_STATUSES

if TYPE_CHECKING:
    from engine.backends.base import Backend
    from engine.ledger import Table
    from engine.model import ColorChange, DataSet, ImportReport, Record

# A stage of an import ("validating", "storing") and the progress callback it reports to.
Stages = Callable[[str], AbstractContextManager[Progress]]


@contextmanager
def unseen(stage: str) -> Iterator[Progress]:
    """For callers that show no progress."""
    yield no_progress


def no_check(data: DataSet) -> None:
    """For callers that need no say on what is written (the command line)."""


# What the steps of the issue loop set; a ledger row may not set them once the loop has steps.
LOOP_FIELDS = ("target_id", "status", "reported_at", "due_at", "resolved_at")


def refuse_loop_changes(data: DataSet, backend: Backend) -> None:
    """An issue with recorded steps keeps them: a row that would change what its steps say is
    refused, pointing at the issue loop."""
    stored = backend.known_labels({issue.id for issue in data.issues})
    problems = []
    for issue in data.issues:
        if stored.get(issue.id) != "Issue":
            continue
        current, steps = backend.issue(issue.id)
        changed = [name for name in LOOP_FIELDS if getattr(issue, name) != getattr(current, name)]
        if steps and changed:
            file, line = data.origins[issue.id]
            status = status_of(current)
            headers = "、".join(header_of(file, name) for name in changed)
            problems.append(
                ImportProblem(
                    file,
                    line,
                    changed[0],
                    say(
                        f"事项 {issue.id} 已在办理流程中（{ISSUE_STATUSES.name(status, 'zh')}）："
                        f"其{headers}"
                        f"只能随办理步骤改变（gridchain issue …，POST /issues/{issue.id}/…），"
                        "台账行不能改",
                        f"issue {issue.id!r} is in the issue loop ({status}): its "
                        f"{', '.join(changed)} change only by its steps (gridchain issue …, "
                        f"POST /issues/{issue.id}/…), not by a ledger row",
                    ),
                )
            )
    if problems:
        raise ImportRefused(problems)


def colour_marks(data: DataSet, stored: dict[str, Record], at: dt.datetime) -> list[ColorChange]:
    """A household the ledger gives a new colour gets a colour change, as any other mark does
    (五色动态管理), recorded as made by the import at the row's file and line; `stored` holds
    the households as they are."""
    marks = []
    for household in data.households:
        before = stored.get(household.id)
        if isinstance(before, Household) and household.color not in (None, before.color):
            file, line = data.origins[household.id]
            by = f"import ({file}, line {line})"
            marks.append(color_change(household.id, household.color, by, at))
    return marks


def stored_before(
    data: DataSet, retirement: Retirement, backend: Backend
) -> dict[str, dict[str, Record]]:
    """What the store holds now of every record the import writes or retires."""
    stored = {}
    for kind in RECORD_KINDS:
        ids = {record.id for record in getattr(data, kind)} | retirement.removed_ids(kind)
        if kind == "assignments":
            ids |= set(retirement.ended)
        stored[kind] = backend.records(kind, ids) if ids else {}
    return stored


def take_in(
    backend: Backend,
    tables: dict[str, Table],
    mode: ImportMode,
    authorise: Callable[[DataSet], None] = no_check,
    dry_run: bool = False,
    stages: Stages = unseen,
) -> tuple[DataSet, ImportReport]:
    """Validate all or nothing (ImportRefused), retire what the snapshot no longer holds, let
    `authorise` refuse, then store; durable when it returns. A dry run stores nothing and
    reports what the import would do."""
    with backend.writing():
        with stages(say("校验", "validating")):
            gone = gone_before_validation(tables, backend, mode)
            data = validate(tables, without_gone(backend.known_labels, gone))
            authorise(data)
            refuse_loop_changes(data, backend)
            retirement = retire(data, tables, backend, mode, gone)
            if not dry_run:  # what a write keeps of itself; a dry run only counts
                before = stored_before(data, retirement, backend)
                data.color_changes += colour_marks(data, before["households"], now())
                files = {kind: table.file for kind, table in tables.items()}
                data.changes = history.of_import(data, before, retirement, files, mode.ledger)
        with stages(say("存入", "storing")) as progress:
            return data, backend.store(data, progress, retirement, dry_run)
