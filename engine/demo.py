"""`gridchain demo`: the Yanchi county generated, loaded and questioned end to end."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from engine import render, tables
from engine.backends.base import Backend
from engine.demo_data import COUNTY_ID, county_parts
from engine.lang import say
from engine.ledger import Table, tables_from_rows, write_folder
from engine.model import ImportReport
from engine.sweeps import scorecard


def run_demo(
    backend: Backend,
    console: Console,
    *,
    seed: int,
    scale: int,
    export: Path | None,
    import_tables: Callable[[Backend, dict[str, Table]], ImportReport],
) -> None:
    started = time.perf_counter()
    reports = []
    household, issue, sweep = None, None, None
    # The history (issues, visits, sweeps) runs up to today, the day the answers are asked for.
    today = dt.date.today()
    # One copy of the townships at a time: a county of any scale is made and loaded in the
    # memory one copy needs.
    for number, part in enumerate(county_parts(seed=seed, scale=scale, today=today)):
        if export is not None:
            write_folder(part, export, append=number > 0)
        reports.append(import_tables(backend, tables_from_rows(part)))
        household = household or example_household(part)
        issue = issue or example_issue(part)
        sweep = sweep or county_round(part)
    if export is not None:
        console.print(say(f"数据已写入 {export}", f"Data set written to {export}"))
    gaps = backend.gaps(today)
    assert household is not None and sweep is not None  # made with the first copy
    progress = scorecard(backend, sweep, "township", today)
    trace = backend.trace(issue or household, today)
    names = backend.names(tables.places_of(gaps.summary.by_township) | tables.named_in_trace(trace))
    render.draw(
        console,
        tables.import_sheet(added_up(reports)),
        tables.stats_sheet(backend.stats(today), names),
        tables.gap_summary_sheet(gaps, names),
        tables.townships_sheet(gaps, names),
        tables.who_sheet(backend.who(household, today)),
        *tables.trace_sheets(trace, names),
        tables.scorecard_sheet(progress, backend.names({progress.sweep.scope})),
    )
    elapsed = time.perf_counter() - started
    console.print(say(f"演示完成，用时 {elapsed:.1f} 秒", f"Demo finished in {elapsed:.1f} s"))


def added_up(reports: list[ImportReport]) -> ImportReport:
    """One report for the imports of every part."""
    added: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    for report in reports:
        added.update(report.added)
        changed.update(report.changed)
    return ImportReport(added=dict(added), changed=dict(changed))


def example_household(rows: dict[str, list[dict[str, str]]]) -> str:
    """A household in a community (the seven-level chain shows its building level)."""
    buildings = {u["id"] for u in rows["units"] if u["level"] == "building"}
    return next(
        (h["id"] for h in rows["households"] if h["unit_id"] in buildings),
        rows["households"][0]["id"],
    )


def county_round(rows: dict[str, list[dict[str, str]]]) -> str | None:
    """The sweep the whole county runs now: its scorecard ranks the townships."""
    return next((s["id"] for s in rows["sweeps"] if s["scope_id"] == COUNTY_ID), None)


def example_issue(rows: dict[str, list[dict[str, str]]]) -> str | None:
    """An open issue, the kind an inspector traces back to its commander."""
    return next((i["id"] for i in rows["issues"] if not i["resolved_at"]), None)
