"""SPEC §4 as properties of random county trees, checked on the memory backend.

Each example is a county of 1–3 townships, 1–3 villages each, 1–3 grids each, some buildings,
0–4 households per grid or building, and random people assigned with random dates around
`AS_OF`. Where a property needs the truth, it is worked out from the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.jsonout import to_json
from engine.ledger import tables_from_rows
from engine.model import PERSON_KINDS, RECORD_KINDS, ROLES, ImportReport

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

AS_OF = dt.date(2024, 6, 1)
DAY = dt.timedelta(days=1)
SINCE = [None, AS_OF - 30 * DAY, AS_OF, AS_OF + DAY]
UNTIL = [None, AS_OF - DAY, AS_OF, AS_OF + 30 * DAY]
NOTHING = dict.fromkeys(RECORD_KINDS, 0)
PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)

Rows = dict[str, list[dict[str, str]]]


def unit(unit_id: str, level: str, parent: str) -> dict[str, str]:
    return {"id": unit_id, "name": f"{level} {unit_id}", "level": level, "parent_id": parent}


@st.composite
def unit_trees(
    draw: st.DrawFn, townships: int = 3, villages: int = 3, buildings: int = 2, homes: int = 4
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The units and households of a random county: up to `townships` townships, `villages`
    villages each, three grids each, `buildings` buildings per grid, `homes` households per
    grid or building."""
    units = [unit("C", "county", "")]
    households: list[dict[str, str]] = []
    for t in range(draw(st.integers(1, townships))):
        township = f"T{t}"
        units.append(unit(township, "township", "C"))
        for v in range(draw(st.integers(1, villages))):
            village = f"{township}V{v}"
            units.append(unit(village, "village", township))
            for g in range(draw(st.integers(1, 3))):
                grid = f"{village}G{g}"
                units.append(unit(grid, "grid", village))
                places = [grid]
                for b in range(draw(st.integers(0, buildings))):
                    units.append(unit(f"{grid}B{b}", "building", grid))
                    places.append(f"{grid}B{b}")
                for place in places:
                    households.extend(
                        {"id": f"{place}H{h}", "unit_id": place}
                        for h in range(draw(st.integers(0, homes)))
                    )
    return units, households


@st.composite
def counties(draw: st.DrawFn) -> Rows:
    """Rows in the import format for one random county."""
    units, households = draw(unit_trees())
    people = [
        {"id": f"P{p:02d}", "name": f"人{p}", "kind": draw(st.sampled_from(PERSON_KINDS))}
        for p in range(draw(st.integers(1, 8)))
    ]
    return {
        "units": units,
        "households": households,
        "people": people,
        "assignments": draw(assignments_to(units, households, people)),
    }


@st.composite
def assignments_to(
    draw: st.DrawFn,
    units: list[dict[str, str]],
    households: list[dict[str, str]],
    people: list[dict[str, str]],
) -> list[dict[str, str]]:
    """Grid members on households, buildings and grids; heads, commanders and anything else."""
    by_level: dict[str, list[str]] = {"household": [h["id"] for h in households]}
    for row in units:
        by_level.setdefault(row["level"], []).append(row["id"])
    places = [
        (role, by_level.get(level, []))
        for role, level in [
            ("grid_member", "household"),
            ("grid_member", "building"),
            ("grid_member", "grid"),
            ("grid_head", "grid"),
            ("commander", "village"),
            ("commander", "township"),
            ("commander", "county"),
            ("liaison", "township"),
        ]
    ]
    anywhere = [u["id"] for u in units] + by_level["household"]
    places.append((draw(st.sampled_from(ROLES)), anywhere))
    rows: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for role, targets in places:
        for target in draw(st.lists(st.sampled_from(targets), max_size=6)) if targets else []:
            person = draw(st.sampled_from(people))["id"]
            since, until = draw(st.sampled_from(SINCE)), draw(st.sampled_from(UNTIL))
            if since and until and until < since:
                since, until = until, since
            key = (person, target, role, text(since))  # what makes an assignment's id
            rows[key] = {
                "person_id": person,
                "target_id": target,
                "role": role,
                "since": text(since),
                "until": text(until),
            }
    return list(rows.values())


def text(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def load(backend: MemoryBackend, rows: Rows) -> ImportReport:
    return backend.store(validate(tables_from_rows(rows), backend.known_labels))


@contextmanager
def loaded(rows: Rows) -> Iterator[MemoryBackend]:
    """A fresh store holding `rows` (no pytest fixture: hypothesis reuses those)."""
    with tempfile.TemporaryDirectory() as folder:
        backend = MemoryBackend(Path(folder) / "gridchain.db")
        try:
            load(backend, rows)
            yield backend
        finally:
            backend.close()


# ---- the truth, from the rows ------------------------------------------------------------


def parents(rows: Rows) -> dict[str, str]:
    found = {u["id"]: u["parent_id"] for u in rows["units"] if u["parent_id"]}
    found.update({h["id"]: h["unit_id"] for h in rows["households"]})
    return found


def containment_path(node: str, parent: dict[str, str]) -> list[str]:
    path = [node]
    while path[-1] in parent:
        path.append(parent[path[-1]])
    return path


def levels(rows: Rows) -> dict[str, str]:
    found = {u["id"]: u["level"] for u in rows["units"]}
    found.update({h["id"]: "household" for h in rows["households"]})
    return found


def active_grid_member_targets(rows: Rows, as_of: dt.date) -> set[str]:
    return {
        a["target_id"]
        for a in rows["assignments"]
        if a["role"] == "grid_member"
        and (not a["since"] or dt.date.fromisoformat(a["since"]) <= as_of)
        and (not a["until"] or as_of <= dt.date.fromisoformat(a["until"]))
    }


# ---- properties --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(counties())
def test_every_household_is_covered_or_listed_once_as_uncovered(rows: Rows) -> None:
    parent, level_of = parents(rows), levels(rows)
    covering = active_grid_member_targets(rows, AS_OF)
    with loaded(rows) as backend:
        uncovered = [g.id for g in backend.gaps(AS_OF).gaps if g.kind == "uncovered_household"]
        for household in (h["id"] for h in rows["households"]):
            # household, building (if any) and grid: the first three steps up, below the village
            expected = any(
                node in covering
                for node in containment_path(household, parent)
                if level_of[node] in ("household", "building", "grid")
            )
            first_level = backend.who(household, AS_OF).chain[0]
            first_step = backend.trace(household, AS_OF).path[0]
            covered = first_level.vacant == [] and first_step.person is not None
            assert covered == expected, household
            assert first_level.vacant in ([], ["grid_member"])
            assert (first_step.person is None) == (first_level.vacant == ["grid_member"])
            assert uncovered.count(household) == (0 if covered else 1), household


@PROPERTY_SETTINGS
@given(counties())
def test_trace_has_one_step_per_level_but_buildings_and_ends_at_the_county(rows: Rows) -> None:
    parent, level_of = parents(rows), levels(rows)
    with loaded(rows) as backend:
        for node in level_of:
            path = containment_path(node, parent)
            steps = backend.trace(node, AS_OF).path
            assert [s.unit for s in steps] == [n for n in path if level_of[n] != "building"]
            assert [s.level.lower() for s in steps] == [
                level_of[n] for n in path if level_of[n] != "building"
            ]
            assert steps[-1].level == "County" and steps[-1].unit == "C"


@PROPERTY_SETTINGS
@given(counties())
def test_who_chain_starts_at_the_target_and_ends_at_the_county(rows: Rows) -> None:
    parent, level_of = parents(rows), levels(rows)
    with loaded(rows) as backend:
        for node in level_of:
            chain = backend.who(node, AS_OF).chain
            assert [c.unit for c in chain] == containment_path(node, parent)
            assert chain[0].unit == node
            assert (chain[-1].level, chain[-1].unit) == ("County", "C")
            for level in chain:
                holders = [(h.role, h.person.id) for h in level.assignments]
                assert holders == sorted(holders)


@PROPERTY_SETTINGS
@given(counties(), st.sampled_from([AS_OF - 30 * DAY, AS_OF, AS_OF + 30 * DAY]))
def test_gaps_are_sorted_and_counted(rows: Rows, as_of: dt.date) -> None:
    with loaded(rows) as backend:
        result = backend.gaps(as_of)
        keys = [(g.kind, g.id) for g in result.gaps]
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)
        assert result.summary.total == len(result.gaps) == sum(result.summary.by_kind.values())
        stats = backend.stats(as_of)
        assert sum(stats.gaps.values()) == result.summary.total


@PROPERTY_SETTINGS
@given(counties())
def test_importing_the_same_rows_twice_changes_nothing(rows: Rows) -> None:
    with loaded(rows) as backend:
        before = to_json(backend.gaps(AS_OF))
        report = load(backend, rows)
        assert (report.added, report.changed) == (NOTHING, NOTHING)
        assert to_json(backend.gaps(AS_OF)) == before


@PROPERTY_SETTINGS
@given(counties())
def test_a_reopened_store_answers_the_same(rows: Rows) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "gridchain.db"
        first = MemoryBackend(store)
        load(first, rows)
        households = [h["id"] for h in rows["households"]]
        before = [first.gaps(AS_OF), *(first.who(h, AS_OF) for h in households)]
        first.close()
        reopened = MemoryBackend(store)
        after = [reopened.gaps(AS_OF), *(reopened.who(h, AS_OF) for h in households)]
        report = load(reopened, rows)
        reopened.close()
    assert [to_json(a) for a in after] == [to_json(b) for b in before]
    assert (report.added, report.changed) == (NOTHING, NOTHING)
