"""What gridchain says to a person: the `gridchain` command (SPEC §6)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine import loop, render
from engine.backends import BACKENDS, open_backend
from engine.backends.base import Backend, no_progress
from engine.backends.base import Progress as ProgressCallback
from engine.errors import BadQuery, GridchainError, ImportRefused, NotFound
from engine.importer import validate
from engine.issues import IssueChange, feedback_kind, new_report, now
from engine.jsonout import to_json
from engine.ledger import Table, read_dataset
from engine.model import DEFAULT_MEMBER_LIMIT, ImportReport
from engine.semantics import IssueFilter

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
CLI_ACTOR = "cli"  # who a write from the command line is recorded as, unless told

app = typer.Typer(
    help="gridchain: who is accountable, where the gaps are, and the reverse trace.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long


class Settings:
    """Global options, read once per invocation."""

    db: Path = Path("gridchain.db")
    backend: str = "memory"


settings = Settings()


@app.callback()
def options(
    db: Annotated[
        Path, typer.Option(envvar="GRIDCHAIN_DB", help="Embedded store file (memory backend).")
    ] = Path("gridchain.db"),
    backend: Annotated[
        str, typer.Option(envvar="GRIDCHAIN_BACKEND", help="memory or neo4j.")
    ] = "memory",
) -> None:
    if backend not in BACKENDS:
        fail(f"unknown backend {backend!r} (expected one of {', '.join(BACKENDS)})", EXIT_BAD_INPUT)
    settings.db = db
    settings.backend = backend


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Date the assignments are judged on (YYYY-MM-DD).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def parse_day(text: str | None, option: str = "--as-of") -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: bad date {text!r} (expected YYYY-MM-DD)", EXIT_BAD_INPUT)


@contextmanager
def backend_session() -> Iterator[Backend]:
    """Open the configured backend and turn every known error into one line and an exit code."""
    backend: Backend | None = None
    try:
        backend = open_backend(settings.backend, settings.db)
        yield backend
    except ImportRefused as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    except BadQuery as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    except (NotFound, GridchainError) as exc:
        fail(str(exc), EXIT_NOT_FOUND)
    finally:
        if backend is not None:
            backend.close()


def emit(result: Any, as_json: bool, show: Callable[[Console, Any], None]) -> None:
    if as_json:
        sys.stdout.write(to_json(result, indent=2) + "\n")
    else:
        show(out, result)


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """A progress bar on a terminal; silence when the output goes to a file or a pipe."""
    if not err.is_terminal:
        yield no_progress
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def import_tables(backend: Backend, tables: dict[str, Table]) -> ImportReport:
    with progress_bar("validating"):
        data = validate(tables, backend.known_labels)
    with progress_bar("storing") as progress:
        return backend.store(data, progress)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or an .xlsx workbook.")],
) -> None:
    """Import a county's ledgers; all or nothing."""
    if not path.exists():
        fail(f"{path}: no such file or folder", EXIT_BAD_INPUT)
    with backend_session() as backend:
        report = import_tables(backend, read_dataset(path))
    render.show_import(out, report)


@app.command()
def who(target: str, as_of: AsOf = None, as_json: AsJson = False) -> None:
    """The accountability chain of a household, resident, unit or issue."""
    day = parse_day(as_of)
    with backend_session() as backend:
        emit(backend.who(target, day), as_json, render.show_who)


@app.command()
def trace(target: str, as_of: AsOf = None, as_json: AsJson = False) -> None:
    """The reverse trace from a household or issue up to its commander."""
    day = parse_day(as_of)
    with backend_session() as backend:
        emit(backend.trace(target, day), as_json, render.show_trace)


Scope = Annotated[str | None, typer.Option(help="A unit id; default the whole graph.")]
ColorOption = Annotated[
    str | None, typer.Option("--color", help="Only households of this colour (green ... red).")
]


@app.command()
def gaps(
    scope: Scope = None,
    kind: Annotated[str | None, typer.Option(help="Only gaps of this kind.")] = None,
    limit_households: Annotated[
        int, typer.Option(min=1, help="Households a grid member may cover before overload.")
    ] = DEFAULT_MEMBER_LIMIT,
    color: ColorOption = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """Every coverage gap in a scope."""
    day = parse_day(as_of)
    with backend_session() as backend:
        result = backend.gaps(day, scope, kind, limit_households, color)
        emit(result, as_json, render.show_gaps)


@app.command()
def overdue(
    scope: Scope = None, color: ColorOption = None, as_of: AsOf = None, as_json: AsJson = False
) -> None:
    """Every issue late and still open, the latest first, and who in its chain holds it now."""
    day = parse_day(as_of)
    with backend_session() as backend:
        wanted = IssueFilter(overdue=True, scope=scope, color=color)
        result = loop.issue_list(backend, day, wanted)
        emit(result, as_json, render.show_issues)


@app.command()
def color(
    household: str,
    new: Annotated[str | None, typer.Argument(help="Mark it with this colour.")] = None,
    by: Annotated[str, typer.Option(help="Who marks it (a person id).")] = CLI_ACTOR,
    as_json: AsJson = False,
) -> None:
    """A household's five-colour mark and its changes; given a colour, mark it first."""
    with backend_session() as backend:
        if new is None:
            result = backend.color_history(household)
        else:
            result = loop.set_color(backend, household, new, by, now())
        emit(result, as_json, render.show_colors)


# ---- the issue loop: 线索上报 → 问题处置 → 结果反馈 -------------------------------------------

issue_app = typer.Typer(help="Report an issue and move it through the loop.", no_args_is_help=True)
app.add_typer(issue_app, name="issue")
Note = Annotated[str | None, typer.Option(help="A note kept with the step.")]
ActedBy = Annotated[str, typer.Option(help="Who the step is recorded as made by.")]


def move(
    issue: str, kind: str, by: str | None, department: str | None, note: str | None, as_json: bool
) -> None:
    with backend_session() as backend:
        loop.transition(backend, IssueChange(issue, kind, by, CLI_ACTOR, now(), department, note))
        state = backend.trace(issue, dt.date.today()).issue
        assert state is not None  # `issue` names an issue
        emit(state, as_json, render.show_issue)


@issue_app.command("report")
def report_issue(
    target: Annotated[str, typer.Argument(help="The household or unit it is about.")],
    category: Annotated[str, typer.Option(help="What kind of issue (service, dispute, ...).")],
    by: Annotated[str, typer.Option(help="The reporting person's id.")],
    due_at: Annotated[
        str | None, typer.Option("--due-at", help="Due date; default the category's.")
    ] = None,
    note: Note = None,
    issue_id: Annotated[str | None, typer.Option("--id", help="Default: a new id.")] = None,
    as_json: AsJson = False,
) -> None:
    """Report an issue (线索上报)."""
    due = parse_day(due_at, "--due-at") if due_at else None
    new = new_report(
        target=target,
        category=category,
        reporter=by,
        recorded_by=CLI_ACTOR,
        at=now(),
        issue_id=issue_id,
        due_at=due,
        note=note,
    )
    with backend_session() as backend:
        loop.report(backend, new)
        state = backend.trace(new.issue, dt.date.today()).issue
        assert state is not None  # just reported
        emit(state, as_json, render.show_issue)


@issue_app.command("dispatch")
def dispatch_issue(
    issue: str,
    department: Annotated[str, typer.Option(help="The department called in.")],
    by: ActedBy = CLI_ACTOR,
    note: Note = None,
    as_json: AsJson = False,
) -> None:
    """Blow the whistle (网格吹哨): call a department to the issue."""
    move(issue, "dispatched", by, department, note, as_json)


@issue_app.command("ack")
def acknowledge_issue(
    issue: str,
    department: Annotated[str, typer.Option(help="The department reporting in.")],
    note: Note = None,
    as_json: AsJson = False,
) -> None:
    """A department called to the issue reports in (部门报到)."""
    move(issue, "acknowledged", department, department, note, as_json)


@issue_app.command("resolve")
def resolve_issue(issue: str, by: ActedBy, note: Note = None, as_json: AsJson = False) -> None:
    """The issue is resolved (问题处置)."""
    move(issue, "resolved", by, None, note, as_json)


@issue_app.command("feedback")
def feedback_issue(
    issue: str,
    satisfied: Annotated[
        bool, typer.Option("--satisfied/--unsatisfied", help="Closes it, or reopens it.")
    ],
    by: ActedBy = CLI_ACTOR,
    note: Note = None,
    as_json: AsJson = False,
) -> None:
    """The reporter's feedback (结果反馈): satisfied closes it, unsatisfied reopens it."""
    move(issue, feedback_kind(satisfied), by, None, note, as_json)


@app.command()
def stats(
    scope: Annotated[str | None, typer.Option(help="A unit id; default the whole graph.")] = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """Counts of nodes, assignments and gaps."""
    day = parse_day(as_of)
    with backend_session() as backend:
        emit(backend.stats(day, scope), as_json, render.show_stats)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Same seed, same county.")] = 2020,
    scale: Annotated[int, typer.Option(min=1, help="Multiply the county.")] = 1,
    export: Annotated[
        Path | None, typer.Option(help="Also write the data set as CSV files here.")
    ] = None,
) -> None:
    """Generate the Yanchi county, load it, and show what gridchain answers."""
    from engine.demo import run_demo

    with backend_session() as backend:
        run_demo(backend, out, seed=seed, scale=scale, export=export, import_tables=import_tables)


@app.command()
def push() -> None:
    """Copy the embedded store (--db) into the configured Neo4j; re-running converges."""
    from engine.backends.memory import MemoryBackend

    if not settings.db.exists():
        fail(f"{settings.db}: no embedded store to push", EXIT_BAD_INPUT)
    settings.backend = "neo4j"
    with backend_session() as target:
        source = MemoryBackend(settings.db)
        try:
            data = source.snapshot()
        finally:
            source.close()
        with progress_bar("pushing") as progress:
            report = target.store(data, progress)
    render.show_import(out, report)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    keys: Annotated[
        Path | None,
        typer.Option(
            envvar="GRIDCHAIN_KEYS",
            help='JSON list of API keys: {"key": K, "role": inspector | township_admin '
            '(+ "township") | grid_member (+ "person")}.',
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured backend."""
    # Imported here: every other command starts faster without the web stack.
    from api.auth import KeyFileError, KeyRing
    from api.server import run

    if keys is None:
        fail(
            "serve needs --keys FILE (or GRIDCHAIN_KEYS): the API answers no one without keys",
            EXIT_BAD_INPUT,
        )
    try:
        keyring = KeyRing.load(keys)
    except KeyFileError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    with backend_session() as backend:
        run(backend, keyring, host, port)


def main() -> None:
    """Console entry point: never a traceback, always an exit code."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last guard: a user sees one line, not a traceback
        err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
        if os.environ.get("GRIDCHAIN_DEBUG"):
            raise
        sys.exit(1)
