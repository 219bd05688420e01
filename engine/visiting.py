"""Work done where it happens (SPEC §4.5): recording a visit to a household and a new sweep,
and listing the sweeps a scorecard is asked about.

Each is checked as a row of its ledger file (visits.csv, sweeps.csv) by the importer, and stored
at once with its history, or refused with nothing stored, as a reported issue is
(engine/loop.py). The command line and the API both write through here; who wrote it and from
where is the history's origin (engine.history.acting), as for every other write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable

from engine import history
from engine.backends.base import Backend
from engine.errors import BadQuery, Conflict, NotFound
from engine.finding import AmbiguousName, resolve
from engine.importer import validate
from engine.intake import no_check
from engine.lang import say
from engine.ledger import tables_from_rows
from engine.model import Answer, DataSet, Sweep, SweepView, VisitView, immutable
from engine.snapshot import Retirement
from engine.sweeps import finished, sweep_view
from engine.vocabulary import label_name
from engine.zone import county_zone

# The levels through which an assignment makes a visit count (SPEC §4.5), nearest first.
COUNTING_LEVELS = ("Household", "Building", "Grid")


@immutable
class RecordedVisit(VisitView):
    """A visit just stored, and `verdict`: in a sentence, whether it counts and if not, why."""

    verdict: str


def new_id(prefix: str, day: dt.date) -> str:
    """`V20261126-1f2e3d4c`: the day it is about, then random, so two writers never collide."""
    return f"{prefix}{day:%Y%m%d}-{os.urandom(4).hex()}"


def latest_day() -> dt.date:
    """The last day a visit may be dated: today here, or in the county if it is ahead."""
    return max(dt.date.today(), dt.datetime.now(county_zone()).date())


def store_row(
    backend: Backend, kind: str, row: dict[str, str], authorise: Callable[[DataSet], None]
) -> DataSet:
    """One row checked as a line of `kind`'s ledger, then `authorise`d, then stored with its
    history, in one hold of the store."""
    with backend.writing():
        data = validate(tables_from_rows({kind: [row]}), backend.known_labels)
        authorise(data)
        if kind == "sweeps":
            refuse_existing_sweep(backend, row["id"])
        data.changes = history.of_import(data, {}, Retirement(), {}, ledger=False)
        backend.store(data)
    return data


def refuse_existing_sweep(backend: Backend, sweep: str) -> None:
    try:
        backend.sweep(sweep)
    except NotFound:
        return
    raise Conflict(
        say(f"摸排 {sweep} 已存在，请换一个编号", f"sweep {sweep!r} exists; give another id")
    )


def record_visit(
    backend: Backend,
    household: str,
    by: str,
    on: dt.date | None = None,
    kind: str = "visit",
    note: str | None = None,
    authorise: Callable[[DataSet], None] = no_check,
) -> RecordedVisit:
    """Store a visit by `by` (a person's id or unambiguous name) to `household` (an id, or an
    address only one household has) on `on` (default today); the stored visit, saying whether
    it counts. `authorise` may refuse it once it is checked, before anything is stored."""
    day = on or dt.date.today()
    if day > latest_day():
        raise BadQuery(
            say(
                f"走访日期 {day} 还没有到：走访在发生后记录",
                f"visited on {day}, which has not come yet: a visit is recorded after it happens",
            )
        )
    visit = new_id("V", day)
    row = {
        "id": visit,
        "person_id": resolve(backend, by),
        "household_id": resolve(backend, household),
        "visited_at": day.isoformat(),
        "kind": kind,
        "note": note or "",
    }
    data = store_row(backend, "visits", row, authorise)
    stored = data.visits[0]
    view = next(v for v in backend.household_visits(stored.household_id) if v.id == visit)
    return RecordedVisit.of(**fields_of(view), verdict=verdict(backend, view))


def record_sweep(
    backend: Backend,
    name: str,
    scope: str,
    starts: dt.date,
    ends: dt.date,
    sweep: str | None = None,
    authorise: Callable[[DataSet], None] = no_check,
) -> SweepView:
    """Store a sweep (摸排) named `name` over `scope` (a unit's id or unambiguous name) from
    `starts` to `ends`; its id `sweep`, or a new one. `authorise` may refuse it once checked."""
    row = {
        "id": sweep or new_id("S", starts),
        "name": name,
        "scope_id": resolve(backend, scope),
        "starts": starts.isoformat(),
        "ends": ends.isoformat(),
    }
    return sweep_view(store_row(backend, "sweeps", row, authorise).sweeps[0])


def why_not_counted(backend: Backend, visit: VisitView) -> str:
    """Why a visit counts for nothing, in a sentence its visitor understands: on that day they
    held no assignment over the household, its building or its grid (and what they did hold)."""
    path = [ref for ref in backend.path_of(visit.household) if ref.level in COUNTING_LEVELS]
    names = backend.names({ref.id for ref in path})
    parts = [
        f"{label_name(ref.level, 'zh')}{names.get(ref.id, ref.id)}（{ref.id}）" for ref in path
    ]
    places_zh = parts[0] + ("及其" + "、".join(parts[1:]) if len(parts) > 1 else "")
    places_en = ", ".join(f"{ref.level.lower()} {ref.id}" for ref in path)
    try:
        held = backend.person(visit.person.id, visit.visited_at).responsibilities
    except NotFound:
        held = []
    held_names = backend.names({r.target for r in held})
    holding_zh = "、".join(f"{held_names.get(r.target, r.target)}（{r.target}）" for r in held)
    holding_en = ", ".join(r.target for r in held)
    return say(
        f"这次走访不计入覆盖率：{visit.person.name}（{visit.person.id}）{visit.visited_at} "
        f"在{places_zh}都没有包抓"
        + (f"；当天包抓的是{holding_zh}" if held else "；当天没有任何有效包抓"),
        f"this visit counts for nothing: on {visit.visited_at} {visit.person.name} "
        f"({visit.person.id}) held no assignment over {places_en}"
        + (f"; they held {holding_en}" if held else "; they held no assignment that day"),
    )


def verdict(backend: Backend, visit: VisitView) -> str:
    """Whether a visit counts, in a sentence."""
    if visit.counts:
        return say(
            f"这次走访计入 {visit.household} 的走访覆盖率",
            f"this visit counts for {visit.household}",
        )
    return why_not_counted(backend, visit)


# ---- the sweeps ----------------------------------------------------------------------------


@immutable
class SweepState(SweepView):
    """A sweep as a list shows it: its scope by name and level, and as of the day asked about
    whether it is `running`, `finished` (its last day is past) or `not_started`."""

    scope_name: str
    scope_level: str
    state: str


@immutable
class SweepsResult(Answer):
    as_of: dt.date
    sweeps: list[SweepState]


def sweep_state(sweep: Sweep, as_of: dt.date) -> str:
    if as_of < sweep.starts:
        return "not_started"
    return "finished" if finished(sweep, as_of) else "running"


def sweep_list(
    backend: Backend, as_of: dt.date, keep: Callable[[Sweep], bool] = lambda sweep: True
) -> SweepsResult:
    """The sweeps `keep` keeps, by id, each with its state as of `as_of`."""
    found = [sweep for sweep in backend.sweeps() if keep(sweep)]
    scopes = {sweep.scope_id for sweep in found}
    names = backend.names(scopes)
    levels = backend.known_labels(scopes)
    return SweepsResult.of(
        as_of=as_of,
        sweeps=[
            SweepState.of(
                **fields_of(sweep_view(sweep)),
                scope_name=names.get(sweep.scope_id, sweep.scope_id),
                scope_level=levels.get(sweep.scope_id, ""),
                state=sweep_state(sweep, as_of),
            )
            for sweep in found
        ],
    )


def fields_of(answer: Answer) -> dict[str, object]:
    """An answer's fields, as they are (not turned into dicts), for a larger answer of them."""
    return {field.name: getattr(answer, field.name) for field in dataclasses.fields(answer)}


def sweep_id(backend: Backend, text: str) -> str:
    """The sweep `text` is, by id or by a name only one sweep bears; the text itself when it is
    neither (the question then says it found nothing)."""
    known = backend.sweeps()
    if any(sweep.id == text for sweep in known):
        return text
    named = [sweep.id for sweep in known if sweep.name == text]
    if len(named) > 1:
        raise AmbiguousName(
            say(
                f"叫 {text} 的摸排不止一轮：{'、'.join(named)}；请给出编号",
                f"{text!r} names several sweeps: {', '.join(named)}; give the id",
            )
        )
    return named[0] if named else text
