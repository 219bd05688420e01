"""What gridchain says to a person: the `gridchain` command (SPEC §6).

An inspector asks one question per process (`gridchain who H0000001 --json`), so starting up
is most of what a question costs: this module imports what `who` and `trace` need and no more.
Tables and progress bars (rich), the web stack, the demo generator, the importer and the
issue loop are imported by the commands that use them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

from engine import render, tables
from engine.backends import BACKENDS, open_backend
from engine.backends.base import Backend, no_progress
from engine.backends.base import Progress as ProgressCallback
from engine.errors import BadQuery, GridchainError, ImportRefused, NotFound
from engine.finding import resolve
from engine.history import acting
from engine.issues import IssueChange, feedback_kind, new_report, now
from engine.jsonout import to_json
from engine.lang import LANGS, Lang, choose, is_lang, say
from engine.lang import from_env as from_lang_env
from engine.model import (
    DEFAULT_MEMBER_LIMIT,
    SCORECARD_BY,
    GapsResult,
    ImportReport,
    IssuesResult,
    TraceResult,
)
from engine.semantics import IssueFilter
from engine.vocabulary import KEY_ROLES

if TYPE_CHECKING:
    from rich.console import Console

    from engine.ledger import Table
    from engine.sheets import Sheet
    from engine.snapshot import ImportMode
    from engine.visiting import RecordedVisit

MAX_GAP_ROWS = 200  # a terminal shows the first gaps; --format or --json gives them all
SHEET_FORMATS = ("csv", "xlsx")  # engine.sheets.FORMATS, without importing csv and io for it
OUTPUT_FORMATS = ("table", "json", *SHEET_FORMATS)
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
CLI_ACTOR = "cli"  # who a write from the command line is recorded as, unless told


def fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(say("错误：", "error: ") + message + "\n")  # one line, however long
    sys.exit(code)


def parse_day(text: str | None, option: str = "--as-of") -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(
            say(
                f"{option}：日期 {text!r} 有误（应为 YYYY-MM-DD）",
                f"{option}: bad date {text!r} (expected YYYY-MM-DD)",
            ),
            EXIT_BAD_INPUT,
        )


def terminal(stderr: bool = False, file: IO[str] | None = None) -> Console:
    from rich.console import Console

    # A table written to a file or a pipe is as wide as it needs: nothing is cut at 80 columns.
    width = None if file is None and (sys.stderr if stderr else sys.stdout).isatty() else 200
    return Console(soft_wrap=True, stderr=stderr, file=file, width=width)


@contextmanager
def backend_session(args: argparse.Namespace, backend_name: str | None = None) -> Iterator[Backend]:
    """Open the configured backend and turn every known error into one line and an exit code."""
    backend: Backend | None = None
    try:
        backend = open_backend(backend_name or args.backend, args.db)
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


Sheets = Callable[[bool], "Sequence[Sheet]"]  # an answer's sheets; True: whole, for a file


def emit(args: argparse.Namespace, result: object, sheets: Sheets) -> None:
    """The answer as asked: JSON, the first sheet as CSV or .xlsx, or tables; on stdout or in
    `--out FILE` (whose suffix names the format when `--format` does not)."""
    out: Path | None = args.out
    form = args.format or ("json" if args.as_json else None) or format_of(out)
    if form == "json":
        put(out, (to_json(result, indent=2) + "\n").encode())
    elif form in SHEET_FORMATS:
        from engine.sheets import encode, is_format

        assert is_format(form)
        if form == "xlsx" and out is None and sys.stdout.isatty():
            fail(say("xlsx 需要 --out 文件", "xlsx needs --out FILE"), EXIT_BAD_INPUT)
        put(out, encode(sheets(True)[0], form))
    elif out is None:
        render.draw(terminal(), *sheets(False))
    else:
        with out_file(out) as file:
            render.draw(terminal(file=file), *sheets(False))


def format_of(out: Path | None) -> str:
    suffix = out.suffix.lower().lstrip(".") if out else ""
    return suffix if suffix in OUTPUT_FORMATS else "table"


@contextmanager
def out_file(out: Path) -> Iterator[IO[str]]:
    try:
        with out.open("w", encoding="utf-8", newline="") as file:
            yield file
    except OSError as exc:
        cannot_write(out, exc)


def cannot_write(out: Path, exc: OSError) -> NoReturn:
    fail(
        say(f"--out {out}：无法写入（{exc.strerror}）", f"--out {out}: {exc.strerror}"),
        EXIT_BAD_INPUT,
    )


def put(out: Path | None, data: bytes) -> None:
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        cannot_write(out, exc)


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """A progress bar on a terminal; silence when the output goes to a file or a pipe."""
    if not sys.stderr.isatty():
        yield no_progress
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=terminal(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def import_tables(
    backend: Backend, tables: dict[str, Table], mode: ImportMode, dry_run: bool = False
) -> ImportReport:
    from engine.intake import take_in

    _, report = take_in(backend, tables, mode, dry_run=dry_run, stages=progress_bar)
    return report


def merge_tables(backend: Backend, tables: dict[str, Table]) -> ImportReport:
    """An import of partial files (the demo's copies of the townships, one after another)."""
    from engine.snapshot import ImportMode

    return import_tables(backend, tables, ImportMode(dt.date.today(), merge=True))


def named_places(backend: Backend, *paths: Iterable[str]) -> dict[str, str]:
    """The names of the nodes on these paths, for a person to read beside (or for) their ids."""
    return backend.names(tables.places_of(*paths))


def trace_sheets(backend: Backend, result: TraceResult) -> list[Sheet]:
    return tables.trace_sheets(result, backend.names(tables.named_in_trace(result)))


def issues_sheet(backend: Backend, result: IssuesResult) -> Sheet:
    names = named_places(backend, *(issue.path for issue in result.issues))
    return tables.issues_sheet(result, names)


def gap_sheets(backend: Backend, result: GapsResult, whole: bool) -> list[Sheet]:
    """The gaps (on a terminal, the first MAX_GAP_ROWS), their summary and their townships."""
    limit = None if whole else MAX_GAP_ROWS
    shown = result.gaps if limit is None else result.gaps[:limit]
    names = named_places(
        backend, *(gap.path for gap in shown), result.summary.by_township, [result.scope or ""]
    )
    return [
        tables.gaps_sheet(result, names, limit),
        tables.gap_summary_sheet(result, names),
        tables.townships_sheet(result, names),
    ]


# ---- commands: each takes the parsed command line; its docstring is its help -------------


def import_command(args: argparse.Namespace) -> None:
    """Import a county's ledgers, all or nothing. Each file is the whole ledger of its kind:
    what it held before and no longer holds is retired (an assignment ends the day before
    --effective; a household, resident or body is removed; a unit or person only when nothing
    is left that needs it). A file not given retires nothing."""
    from engine.ledger import read_dataset
    from engine.snapshot import ImportMode

    if not args.path.exists():
        fail(
            say(f"{args.path}：没有这个文件或文件夹", f"{args.path}: no such file or folder"),
            EXIT_BAD_INPUT,
        )
    mode = ImportMode(parse_day(args.effective, "--effective"), merge=args.merge)
    with backend_session(args) as backend:
        report = import_tables(backend, read_dataset(args.path), mode, args.dry_run)
    emit(args, report, lambda whole: [tables.import_sheet(report)])


def find(args: argparse.Namespace) -> None:
    """Units, people and residents by name, households by address: every command that takes an
    id also takes a name that only one record bears."""
    from engine import finding

    with backend_session(args) as backend:
        found = finding.find(backend, args.text)
        names = named_places(backend, *(match.path for match in found.matches))
        emit(args, found, lambda whole: [tables.find_sheet(found, names)])


def covers(args: argparse.Namespace) -> None:
    """What a person is responsible for: each active assignment, the households under it and
    the gaps inside it (the reverse of `who`)."""
    from engine.coverage import covers as person_covers

    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        result = person_covers(backend, resolve(backend, args.person), day)
        emit(args, result, lambda whole: [tables.covers_sheet(result, {})])


def who(args: argparse.Namespace) -> None:
    """The accountability chain of a household, resident, unit or issue."""
    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        result = backend.who(resolve(backend, args.target), day)
        emit(args, result, lambda whole: [tables.who_sheet(result)])


def trace(args: argparse.Namespace) -> None:
    """The reverse trace from a household or issue up to its commander."""
    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        result = backend.trace(resolve(backend, args.target), day)
        emit(args, result, lambda whole: trace_sheets(backend, result))


def gaps(args: argparse.Namespace) -> None:
    """Every coverage gap in a scope."""
    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        days = configured_visit_days()
        scope = resolve(backend, args.scope) if args.scope else None
        result = backend.gaps(day, scope, args.kind, args.limit_households, args.color, days)
        emit(args, result, lambda whole: gap_sheets(backend, result, whole))


def configured_visit_days() -> dict[str, int]:
    """Each monitored group's visit interval, from GRIDCHAIN_VISIT_DAYS (a bad one: exit 2)."""
    from engine.sweeps import VISIT_DAYS_SETTING, visit_days

    return visit_days(os.environ.get(VISIT_DAYS_SETTING))


def visit(args: argparse.Namespace) -> None:
    """Record a visit to a household (走访、巡查、服务) and say whether it counts: only a visit
    by someone assigned to the household, its building or its grid on that day does."""
    from engine.visiting import record_visit

    day = parse_day(args.on, "--on") if args.on else None
    refuse_bad_note(args.note)
    with backend_session(args) as backend:
        try:
            result = record_visit(backend, args.household, args.by, day, args.kind, args.note)
        except ImportRefused as exc:
            fail(options_refused(exc, VISIT_OPTIONS), EXIT_BAD_INPUT)
        names = backend.names({result.household})
        emit(args, result, lambda whole: [visit_sheet(result, names)])


# The option (or argument) that gave each column of a visit's row.
VISIT_OPTIONS = {
    "household_id": "HOUSEHOLD",
    "person_id": "--by",
    "visited_at": "--on",
    "kind": "--kind",
    "note": "--note",
}


def options_refused(exc: ImportRefused, options: dict[str, str]) -> str:
    """A row written from options and refused, as what was wrong with each option: the person
    typed options, not a ledger's line."""
    return say("未记录：", "not recorded: ") + "; ".join(
        f"{options.get(p.column, p.column)}: {p.message}" for p in exc.problems
    )


def visit_sheet(result: RecordedVisit, names: dict[str, str]) -> Sheet:
    sheet = tables.visits_sheet(result.household, [result], names)
    sheet.notes.append(result.verdict)
    return sheet


def refuse_bad_note(note: str | None) -> None:
    from engine.fields import note_problem

    problem = note_problem(note) if note else None
    if problem:
        fail(f"--note: {problem}", EXIT_BAD_INPUT)


def sweeps(args: argparse.Namespace) -> None:
    """Every sweep (摸排): its scope, its days, and whether it is running or finished."""
    from engine.visiting import sweep_list

    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        found = sweep_list(backend, day)
        emit(args, found, lambda whole: [tables.sweeps_sheet(found)])


def scorecard(args: argparse.Namespace) -> None:
    """How much of a sweep's scope was visited, by grid, village, township or person, the least
    covered first, with each unit's accountable person and its issue figures; as of a day
    before the sweep ends, its coverage so far."""
    from engine.sweeps import scorecard as score
    from engine.visiting import sweep_id

    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        result = score(backend, sweep_id(backend, args.sweep), args.by, day)
        names = backend.names({result.sweep.scope})
        emit(args, result, lambda whole: [tables.scorecard_sheet(result, names)])


def overdue(args: argparse.Namespace) -> None:
    """Every issue late and still open, the latest first, and who in its chain holds it now."""
    from engine import loop  # the loop brings the importer: only the commands that write need it

    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        scope = resolve(backend, args.scope) if args.scope else None
        wanted = IssueFilter(overdue=True, scope=scope, color=args.color)
        result = loop.issue_list(backend, day, wanted)
        emit(args, result, lambda whole: [issues_sheet(backend, result)])


def color(args: argparse.Namespace) -> None:
    """A household's five-colour mark and its changes; given a colour, mark it first."""
    from engine import loop

    with backend_session(args) as backend:
        household = resolve(backend, args.household)
        if args.new is None:
            result = backend.color_history(household)
        else:
            by = resolve(backend, args.by)
            result = loop.set_color(backend, household, args.new, by, now())
        names = backend.names({household, *(change.by for change in result.changes)})
        emit(args, result, lambda whole: [tables.colors_sheet(result, names)])


def stats(args: argparse.Namespace) -> None:
    """Counts of nodes, assignments and gaps."""
    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        scope = resolve(backend, args.scope) if args.scope else None
        result = backend.stats(day, scope)
        names = backend.names({scope} if scope else set())
        emit(args, result, lambda whole: [tables.stats_sheet(result, names)])


def demo(args: argparse.Namespace) -> None:
    """Generate the Yanchi county, load it, and show what gridchain answers."""
    from engine.demo import run_demo

    with backend_session(args) as backend:
        run_demo(
            backend,
            terminal(),
            seed=args.seed,
            scale=args.scale,
            export=args.export,
            import_tables=merge_tables,
        )


def push(args: argparse.Namespace) -> None:
    """Copy the embedded store (--db) into the configured Neo4j; re-running converges."""
    from engine.backends.memory import MemoryBackend

    if not args.db.exists():
        fail(
            say(f"{args.db}：没有可推送的内置存储", f"{args.db}: no embedded store to push"),
            EXIT_BAD_INPUT,
        )
    with backend_session(args, "neo4j") as target:
        source = MemoryBackend(args.db)
        try:
            data = source.snapshot()
        finally:
            source.close()
        with progress_bar(say("推送", "pushing")) as progress:
            report = target.store(data, progress)
    render.draw(terminal(), tables.import_sheet(report))


def inspection_report(args: argparse.Namespace) -> None:
    """A printable inspection report of a unit (督查报告): its accountability, figures, coverage
    gaps and overdue issues, as one HTML file to print on A4."""
    from engine.report import gather, report_html

    out: Path = args.out
    if not out.parent.is_dir():
        fail(
            say(f"--out {out}：没有文件夹 {out.parent}", f"--out {out}: no folder {out.parent}"),
            EXIT_BAD_INPUT,
        )
    day = parse_day(args.as_of)
    with backend_session(args) as backend:
        scope = resolve(backend, args.scope)
        answers = gather(backend, scope, day, dt.datetime.now(dt.UTC), configured_visit_days())
    put(out, report_html(answers).encode())
    print(say(f"报告已写入 {out}", f"report written to {out}"))


def serve(args: argparse.Namespace) -> None:
    """Serve the HTTP API (OpenAPI at /docs) on the configured backend."""
    from engine.settings import SettingsError, load

    try:
        settings = load(os.environ)
    except SettingsError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    from api.auth import KeyFileError, KeyRing
    from api.server import run

    if args.keys is None:
        fail(
            say(
                "serve 需要 --keys 文件（或 GRIDCHAIN_KEYS）：没有密钥，API 不回答任何人",
                "serve needs --keys FILE (or GRIDCHAIN_KEYS): the API answers no one without keys",
            ),
            EXIT_BAD_INPUT,
        )
    try:
        keyring = KeyRing.load(args.keys)
    except KeyFileError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    with backend_session(args) as backend:
        try:
            keyring.require_stored_subjects(backend)
        except KeyFileError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        run(backend, keyring, args.host, args.port, settings)


def keygen(args: argparse.Namespace) -> None:
    """Make a new random API key: its keys-file entry is printed, or added to --add FILE
    (created readable by its owner only), and then the key alone is printed, for its holder."""
    import json
    import secrets

    subject = {"township_admin": "--township", "grid_member": "--person"}.get(args.role)
    given = {name: getattr(args, name) for name in ("township", "person") if getattr(args, name)}
    if [f"--{name}" for name in given] != ([subject] if subject else []):
        fail(
            say(
                f"--role {args.role} 需要 {subject}，且只要它",
                f"--role {args.role} takes {subject} and no other",
            )
            if subject
            else say(
                f"--role {args.role} 不带 --township 或 --person",
                f"--role {args.role} takes neither --township nor --person",
            ),
            EXIT_BAD_INPUT,
        )
    entry = {"key": secrets.token_urlsafe(32), "role": args.role, **given}
    if args.add is None:
        print(json.dumps(entry, ensure_ascii=False))
        return
    where = f"--add {args.add}"
    try:
        entries = json.loads(args.add.read_text(encoding="utf-8")) if args.add.exists() else []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(say(f"{where}：无法读取（{exc}）", f"{where}: cannot be read ({exc})"), EXIT_BAD_INPUT)
    if not isinstance(entries, list):
        fail(say(f"{where}：不是 JSON 列表", f"{where}: not a JSON list"), EXIT_BAD_INPUT)
    lines = ",\n".join(f"  {json.dumps(e, ensure_ascii=False)}" for e in [*entries, entry])
    try:  # a new file is its owner's alone; one that exists keeps its mode and owner
        with os.fdopen(os.open(args.add, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(f"[\n{lines}\n]\n")
    except OSError as exc:
        fail(
            say(f"{where}：无法写入（{exc.strerror}）", f"{where}: {exc.strerror}"), EXIT_BAD_INPUT
        )
    print(entry["key"])
    sys.stderr.write(
        say(
            f"已作为第 {len(entries) + 1} 项加入 {args.add}；上面的密钥交给它的持有人，"
            "serve 重新启动后生效\n",
            f"added to {args.add} as entry {len(entries) + 1}; the key above is for its holder, "
            "and serves once serve starts again\n",
        )
    )


# ---- the issue loop: 线索上报 → 问题处置 → 结果反馈 -------------------------------------------


def show_issue_state(backend: Backend, issue: str, args: argparse.Namespace) -> None:
    trace = backend.trace(issue, dt.date.today())
    state = trace.issue
    assert state is not None  # `issue` names an issue
    names = backend.names(tables.named_in_trace(trace))
    emit(args, state, lambda whole: [tables.issue_sheet(state, names)])


def move(args: argparse.Namespace, kind: str, department: str | None = None) -> None:
    """A step of the loop, made by `--by` (a person's id or name), or by the department that
    reports in."""
    from engine import loop

    with backend_session(args) as backend:
        by = department if kind == "acknowledged" else resolve(backend, args.by)
        change = IssueChange(args.issue, kind, by, CLI_ACTOR, now(), department, args.note)
        loop.transition(backend, change)
        show_issue_state(backend, args.issue, args)


def report_issue(args: argparse.Namespace) -> None:
    """Report an issue (线索上报)."""
    from engine import loop

    due = parse_day(args.due_at, "--due-at") if args.due_at else None
    with backend_session(args) as backend:
        new = new_report(
            target=resolve(backend, args.target),
            category=args.category,
            reporter=resolve(backend, args.by),
            recorded_by=CLI_ACTOR,
            at=now(),
            issue_id=args.issue_id,
            due_at=due,
            note=args.note,
        )
        loop.report(backend, new)
        show_issue_state(backend, new.issue, args)


def dispatch_issue(args: argparse.Namespace) -> None:
    """Blow the whistle (网格吹哨): call a department to the issue."""
    move(args, "dispatched", args.department)


def acknowledge_issue(args: argparse.Namespace) -> None:
    """A department called to the issue reports in (部门报到)."""
    move(args, "acknowledged", args.department)


def resolve_issue(args: argparse.Namespace) -> None:
    """The issue is resolved (问题处置)."""
    move(args, "resolved")


def feedback_issue(args: argparse.Namespace) -> None:
    """The reporter's feedback (结果反馈): satisfied closes it, unsatisfied reopens it."""
    move(args, feedback_kind(args.satisfied))


# ---- the command line --------------------------------------------------------------------


def number_from(low: int, high: int | None = None) -> Callable[[str], int]:
    """An option's whole number, refused (a usage error) outside `low`..`high`."""

    def number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is not {bounds}")
        return value

    return number


def from_env(name: str) -> str | None:
    """An option's default from the environment; set but empty counts as not set."""
    return os.environ.get(name) or None


# What each command does, in Chinese, by its function (whose docstring says it in English).
SUMMARIES = {
    "covers": "某人包抓了什么：每项有效包抓、其下的户和其中的缺口（who 的反向）。",
    "find": "按名称查单元、人员、居民，按地址查户；凡是接受编号的命令，也接受唯一的名称。",
    "history_command": "一条记录（单元、户、居民、人员、包抓、组织或事项）的全部变更，新的在前："
    "改前改后、时间、操作人和来源。",
    "import_command": "导入一个县的台账，要么全部成功，要么什么都不写。每个文件是该类记录的"
    "完整台账：以前有而现在没有的记录被终止（包抓在 --effective 前一天终止）或删除；"
    "没给的文件不影响任何记录。",
    "who": "户、居民、单元或事项的责任链。",
    "trace": "从户或事项倒查到指挥长。",
    "gaps": "范围内的全部覆盖缺口。",
    "overdue": "全部逾期未办结的事项，新的在前，以及链上现在由谁负责。",
    "color": "户的五色标记及其变化；给出颜色则先标记。",
    "stats": "单元、人员、包抓和缺口的数量。",
    "demo": "生成盐池县示例数据，导入，并展示 gridchain 的回答。",
    "push": "把内置存储（--db）复制到配置的 Neo4j；重复执行结果一致。",
    "serve": "在配置的后端上提供 HTTP API（OpenAPI 文档在 /docs）。",
    "keygen": "生成一个新的随机 API 密钥：打印它在密钥文件中的一项，或用 --add 加入文件"
    "（新建的文件只有所有者可读），然后只打印密钥，交给它的持有人。",
    "report_issue": "上报事项（线索上报）。",
    "dispatch_issue": "网格吹哨：把部门叫到事项上来。",
    "acknowledge_issue": "被叫到的部门报到（部门报到）。",
    "resolve_issue": "事项已处置（问题处置）。",
    "inspection_report": "一个单元的督查报告：责任体系、基本情况、覆盖缺口和逾期事项，"
    "一个可在 A4 纸上打印的 HTML 文件。",
    "feedback_issue": "上报人反馈（结果反馈）：满意则办结，不满意则重办。",
    "visit": "记录一次入户走访（走访、巡查、服务），并说明是否计入覆盖率：只有当天包抓该户、"
    "其楼栋或其网格的人的走访才计入。",
    "sweeps": "全部摸排：范围、起止日期，以及进行中还是已结束。",
    "scorecard": "一轮摸排的走访覆盖率，按网格、村、乡镇或人员排名，覆盖率低的在前，附各单元"
    "责任人和事项办理情况；摸排未结束时，显示截至当日的覆盖率。",
}


def command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace], None],
) -> argparse.ArgumentParser:
    doc = say(SUMMARIES[run.__name__], run.__doc__ or "")
    parser = commands.add_parser(name, help=doc, description=doc, allow_abbrev=False)
    parser.set_defaults(run=run, where=parser.prog)  # "gridchain issue dispatch", for history
    return parser


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help=say(
            "判定包抓是否有效的日期（YYYY-MM-DD），默认今天。",
            "Date the assignments are judged on (YYYY-MM-DD).",
        ),
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        dest="as_json",
        action="store_true",
        help=say("以 JSON 输出。", "Print the answer as JSON."),
    )
    parser.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help=say(
            "table（默认表格）、json，或把列表导出为 csv（带 BOM 的 UTF-8，Excel 可直接"
            "打开）或 xlsx。",
            "table (default), json, or the list as csv (UTF-8 with BOM, for Excel) or xlsx.",
        ),
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        type=Path,
        help=say(
            "把结果写入文件（未给 --format 时按后缀 .csv、.xlsx、.json 定格式）。",
            "Write the answer to FILE (its suffix names the format when --format does not: "
            ".csv, .xlsx, .json).",
        ),
    )


def add_scope(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope",
        metavar="UNIT",
        help=say("单元编号或名称；默认全县。", "A unit id; default the whole graph."),
    )


def add_color(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        metavar="COLOUR",
        help=say(
            "只看这种颜色的户（绿、蓝、黄、橙、红）。",
            "Only households of this colour (green ... red).",
        ),
    )


def add_note(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", help=say("随本环节保存的备注。", "A note kept with the step."))


def add_acted_by(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--by",
        required=required,
        default=None if required else CLI_ACTOR,
        help=say("本环节记在谁的名下（人员编号）。", "Who the step is recorded as made by."),
    )


def issue_commands(issue: argparse.ArgumentParser) -> None:
    steps = issue.add_subparsers(metavar="COMMAND", required=True)

    report = command(steps, "report", report_issue)
    report.add_argument(
        "target",
        metavar="TARGET",
        help=say("事项涉及的户或单元。", "The household or unit it is about."),
    )
    report.add_argument(
        "--category",
        required=True,
        help=say(
            "事项类别（service、dispute 等）。", "What kind of issue (service, dispute, ...)."
        ),
    )
    report.add_argument(
        "--by", required=True, help=say("上报人编号。", "The reporting person's id.")
    )
    report.add_argument(
        "--due-at", help=say("办结时限；默认按类别。", "Due date; default the category's.")
    )
    add_note(report)
    report.add_argument("--id", dest="issue_id", help=say("默认新编号。", "Default: a new id."))
    add_output(report)

    dispatch = command(steps, "dispatch", dispatch_issue)
    dispatch.add_argument("issue", metavar="ISSUE")
    dispatch.add_argument(
        "--department", required=True, help=say("被吹哨的部门。", "The department called in.")
    )
    add_acted_by(dispatch)
    add_note(dispatch)
    add_output(dispatch)

    ack = command(steps, "ack", acknowledge_issue)
    ack.add_argument("issue", metavar="ISSUE")
    ack.add_argument(
        "--department", required=True, help=say("报到的部门。", "The department reporting in.")
    )
    add_note(ack)
    add_output(ack)

    resolve = command(steps, "resolve", resolve_issue)
    resolve.add_argument("issue", metavar="ISSUE")
    add_acted_by(resolve, required=True)
    add_note(resolve)
    add_output(resolve)

    feedback = command(steps, "feedback", feedback_issue)
    feedback.add_argument("issue", metavar="ISSUE")
    verdict = feedback.add_mutually_exclusive_group(required=True)
    verdict.add_argument(
        "--satisfied", dest="satisfied", action="store_true", help=say("满意，办结。", "Closes it.")
    )
    verdict.add_argument(
        "--unsatisfied",
        dest="satisfied",
        action="store_false",
        help=say("不满意，重办。", "Reopens it."),
    )
    add_acted_by(feedback)
    add_note(feedback)
    add_output(feedback)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="gridchain",
        description=say(
            "gridchain：谁负责、缺口在哪、倒查到人。",
            "gridchain: who is accountable, where the gaps are, and the reverse trace.",
        ),
        allow_abbrev=False,
    )
    top.add_argument(
        "--db",
        type=Path,
        default=Path(from_env("GRIDCHAIN_DB") or "gridchain.db"),
        metavar="PATH",
        help=say(
            "内置存储文件；默认 %(default)s。环境变量 GRIDCHAIN_DB。",
            "Embedded store file (memory backend); default %(default)s. Env: GRIDCHAIN_DB.",
        ),
    )
    top.add_argument(
        "--lang",
        choices=LANGS,
        default=None,
        help=say(
            "显示语言：zh（默认）或 en。环境变量 GRIDCHAIN_LANG。",
            "Language of what is printed for a person: zh (default) or en. Env: GRIDCHAIN_LANG.",
        ),
    )
    top.add_argument(
        "--backend",
        default=from_env("GRIDCHAIN_BACKEND") or "memory",
        metavar="NAME",
        help=say(
            "memory 或 neo4j；默认 %(default)s。环境变量 GRIDCHAIN_BACKEND。",
            "memory or neo4j; default %(default)s. Env: GRIDCHAIN_BACKEND.",
        ),
    )
    commands = top.add_subparsers(metavar="COMMAND", required=True)

    covered = command(commands, "covers", covers)
    covered.add_argument(
        "person", metavar="PERSON", help=say("人员编号或姓名。", "A person's id or name.")
    )
    add_as_of(covered)
    add_output(covered)

    finder = command(commands, "find", find)
    finder.add_argument(
        "text", metavar="TEXT", help=say("名称或其一部分。", "A name, or a part of one.")
    )
    add_output(finder)

    changes = command(commands, "history", history_command)
    changes.add_argument("record", metavar="ID")
    changes.add_argument(
        "--since",
        metavar="DATE",
        help=say("只看这一天及以后的变更。", "Only changes on or after this day."),
    )
    add_output(changes)

    imports = command(commands, "import", import_command)
    imports.add_argument(
        "path",
        metavar="PATH",
        type=Path,
        help=say(
            "CSV 文件所在的文件夹，或一个 .xlsx 工作簿。",
            "A folder of CSV files or an .xlsx workbook.",
        ),
    )
    imports.add_argument(
        "--effective",
        metavar="DATE",
        help=say(
            "台账生效日期（默认今天）；从包抓台账中消失的包抓在前一天终止。",
            "The day the ledgers take effect (default today); an assignment gone from "
            "assignments.csv ends the day before.",
        ),
    )
    imports.add_argument(
        "--merge",
        action="store_true",
        help=say(
            "文件只是部分更新：不终止、不删除任何记录。",
            "The files are partial updates: retire nothing.",
        ),
    )
    imports.add_argument(
        "--dry-run",
        action="store_true",
        help=say(
            "只报告将新增、修改、终止和删除什么，不写入。",
            "Report what would be added, changed, ended and removed; write nothing.",
        ),
    )
    add_output(imports)

    for name, chain_query in (("who", who), ("trace", trace)):
        query = command(commands, name, chain_query)
        query.add_argument("target", metavar="ID")
        add_as_of(query)
        add_output(query)

    gap_list = command(commands, "gaps", gaps)
    add_scope(gap_list)
    gap_list.add_argument("--kind", help=say("只看这一类缺口。", "Only gaps of this kind."))
    gap_list.add_argument(
        "--limit-households",
        type=number_from(1),
        default=DEFAULT_MEMBER_LIMIT,
        metavar="N",
        help=say(
            "一名网格员最多包抓的户数，超过即超负荷；默认 %(default)s。",
            "Households a grid member may cover before overload; default %(default)s.",
        ),
    )
    add_color(gap_list)
    add_as_of(gap_list)
    add_output(gap_list)

    visited = command(commands, "visit", visit)
    visited.add_argument(
        "household", metavar="HOUSEHOLD", help=say("户编号或地址。", "A household's id or address.")
    )
    visited.add_argument(
        "--by", required=True, help=say("走访人编号或姓名。", "Who visited: a person's id or name.")
    )
    visited.add_argument(
        "--on",
        metavar="DATE",
        help=say("走访日期；默认今天。", "The day of the visit; default today."),
    )
    visited.add_argument(
        "--kind",
        default="visit",
        help=say(
            "走访类型：visit（走访，默认）、patrol（巡查）或 service（服务）。",
            "visit (default), patrol or service.",
        ),
    )
    visited.add_argument("--note", help=say("随走访保存的备注。", "A note kept with the visit."))
    add_output(visited)

    rounds = command(commands, "sweeps", sweeps)
    add_as_of(rounds)
    add_output(rounds)

    scores = command(commands, "scorecard", scorecard)
    scores.add_argument(
        "--sweep", required=True, help=say("摸排编号或名称。", "A sweep's id or name.")
    )
    scores.add_argument(
        "--by",
        choices=SCORECARD_BY,
        default="grid",
        help=say(
            "按 grid（网格，默认）、village（村）、township（乡镇）或 person（人员）排名。",
            "Rank grids (default), villages, townships or people.",
        ),
    )
    add_as_of(scores)
    add_output(scores)

    late = command(commands, "overdue", overdue)
    add_scope(late)
    add_color(late)
    add_as_of(late)
    add_output(late)

    colors = command(commands, "color", color)
    colors.add_argument("household", metavar="HOUSEHOLD")
    colors.add_argument(
        "new",
        metavar="COLOUR",
        nargs="?",
        help=say("标记为这种颜色。", "Mark it with this colour."),
    )
    colors.add_argument(
        "--by", default=CLI_ACTOR, help=say("标记人（人员编号）。", "Who marks it (a person id).")
    )
    add_output(colors)

    issue = commands.add_parser(
        "issue",
        help=say("上报事项并推动其办理。", "Report an issue and move it through the loop."),
        description=say("上报事项并推动其办理。", "Report an issue and move it through the loop."),
        allow_abbrev=False,
    )
    issue_commands(issue)

    printable = command(commands, "report", inspection_report)
    printable.add_argument(
        "--scope",
        required=True,
        metavar="UNIT",
        help=say("单元编号或名称。", "A unit's id or name."),
    )
    printable.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE.html",
        help=say("写入的文件。", "The file written."),
    )
    add_as_of(printable)

    counts = command(commands, "stats", stats)
    add_scope(counts)
    add_as_of(counts)
    add_output(counts)

    generated = command(commands, "demo", demo)
    generated.add_argument(
        "--seed",
        type=int,
        default=2020,
        help=say("同一种子，生成同一个县。", "Same seed, same county."),
    )
    generated.add_argument(
        "--scale",
        type=number_from(1),
        default=1,
        help=say("把县的规模放大几倍。", "Multiply the county."),
    )
    generated.add_argument(
        "--export",
        type=Path,
        help=say("同时把数据集以 CSV 文件写到这里。", "Also write the data set as CSV files here."),
    )

    command(commands, "push", push)

    server = command(commands, "serve", serve)
    server.add_argument(
        "--host", default="127.0.0.1", help=say("监听地址。", "Address to listen on.")
    )
    server.add_argument(
        "--port",
        type=number_from(1, 65535),
        default=8000,
        help=say("监听端口。", "Port to listen on."),
    )
    keys = from_env("GRIDCHAIN_KEYS")
    server.add_argument(
        "--keys",
        metavar="FILE",
        type=Path,
        default=Path(keys) if keys else None,
        help=say(
            'API 密钥文件（JSON 列表）：{"key": K, "role": inspector | township_admin '
            '(+ "township") | grid_member (+ "person")}。环境变量 GRIDCHAIN_KEYS。',
            'JSON list of API keys: {"key": K, "role": inspector | township_admin '
            '(+ "township") | grid_member (+ "person")}. Env: GRIDCHAIN_KEYS.',
        ),
    )

    made = command(commands, "keygen", keygen)
    made.add_argument(
        "--role", required=True, choices=KEY_ROLES.codes, help=say("密钥的角色。", "Its role.")
    )
    made.add_argument(
        "--township", metavar="ID", help=say("乡镇管理员的乡镇。", "A township admin's township.")
    )
    made.add_argument(
        "--person", metavar="ID", help=say("网格员本人的人员编号。", "A grid member's person id.")
    )
    made.add_argument(
        "--add",
        metavar="FILE",
        type=Path,
        help=say("把这一项加入密钥文件（没有则新建）。", "Add the entry to this keys file."),
    )
    return top


def history_command(args: argparse.Namespace) -> None:
    """Every change of a record (unit, household, resident, person, assignment, body or
    issue), newest first: what it was and became, when, by whom and from where."""
    from engine import history

    since = parse_day(args.since, "--since") if args.since else None
    with backend_session(args) as backend:
        result = history.of_record(backend, resolve(backend, args.record), since)
        names = backend.names({result.record, *(entry.by for entry in result.entries)})
        emit(args, result, lambda whole: [tables.history_sheet(result, names)])


def user() -> str:
    """Who runs the command line, as the history records them (what getpass.getuser() says,
    without the terminal modules it imports into every short process)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no password entry (a bare container), or no pwd at all
        return "unknown"


def chosen_lang(argv: list[str]) -> Lang:
    """The language `--lang` asks for, else GRIDCHAIN_LANG's: known before the parser is built,
    since its help is written in it (a bad --lang is the parser's to refuse)."""
    for index, arg in enumerate(argv):
        wanted = arg.removeprefix("--lang=") if arg.startswith("--lang=") else None
        if arg == "--lang" and index + 1 < len(argv):
            wanted = argv[index + 1]
        if is_lang(wanted):
            return wanted
    return from_lang_env()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: never a traceback, always an exit code."""
    try:
        try:
            choose(chosen_lang(sys.argv[1:] if argv is None else argv))
        except GridchainError as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        args = parser().parse_args(argv)
        if args.backend not in BACKENDS:
            expected = ", ".join(BACKENDS)
            fail(
                say(
                    f"没有后端 {args.backend!r}（可用：{expected}）",
                    f"unknown backend {args.backend!r} (expected one of {expected})",
                ),
                EXIT_BAD_INPUT,
            )
        with acting(f"cli {user()}", args.where):
            args.run(args)
    except KeyboardInterrupt:
        sys.stderr.write(say("已中断\n", "interrupted\n"))
        sys.exit(130)
    except Exception as exc:  # the last guard: a user sees one line, not a traceback
        sys.stderr.write(say("内部错误：", "internal error: ") + f"{type(exc).__name__}: {exc}\n")
        if os.environ.get("GRIDCHAIN_DEBUG"):
            raise
        sys.exit(1)
