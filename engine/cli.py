"""What gridchain says to a person: the `gridchain` command (SPEC §6)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine import render
from engine.backends import BACKENDS, open_backend
from engine.backends.base import Backend, no_progress
from engine.backends.base import Progress as ProgressCallback
from engine.errors import BadQuery, GridchainError, ImportRefused, NotFound
from engine.importer import validate
from engine.ledger import Table, read_dataset
from engine.model import DEFAULT_MEMBER_LIMIT, ImportReport

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2

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


def parse_day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of: bad date {text!r} (expected YYYY-MM-DD)", EXIT_BAD_INPUT)


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


def emit(result: BaseModel, as_json: bool, show: Callable[[Console, BaseModel], None]) -> None:
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
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
        emit(backend.who(target, day), as_json, render.show_who)  # type: ignore[arg-type]


@app.command()
def trace(target: str, as_of: AsOf = None, as_json: AsJson = False) -> None:
    """The reverse trace from a household or issue up to its commander."""
    day = parse_day(as_of)
    with backend_session() as backend:
        emit(backend.trace(target, day), as_json, render.show_trace)  # type: ignore[arg-type]


@app.command()
def gaps(
    scope: Annotated[str | None, typer.Option(help="A unit id; default the whole graph.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only gaps of this kind.")] = None,
    limit_households: Annotated[
        int, typer.Option(min=1, help="Households a grid member may cover before overload.")
    ] = DEFAULT_MEMBER_LIMIT,
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """Every coverage gap in a scope."""
    day = parse_day(as_of)
    with backend_session() as backend:
        result = backend.gaps(day, scope, kind, limit_households)
        emit(result, as_json, render.show_gaps)  # type: ignore[arg-type]


@app.command()
def stats(
    scope: Annotated[str | None, typer.Option(help="A unit id; default the whole graph.")] = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
) -> None:
    """Counts of nodes, assignments and gaps."""
    day = parse_day(as_of)
    with backend_session() as backend:
        emit(backend.stats(day, scope), as_json, render.show_stats)  # type: ignore[arg-type]


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
