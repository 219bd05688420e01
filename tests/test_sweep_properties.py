"""SPEC §4.5 as properties of random counties with visits, sweeps and monitored groups.

Each example is a county of 1–2 townships, 1–2 villages each, 1–3 grids each, some buildings,
0–3 households per grid or building (some in monitored groups), a few people holding random
assignments with random dates, random visits by anyone to any household, and 1–3 sweeps over
random units. The truth is worked out here by brute force from the rows (`Reference`): which
visits count, which households a window's visits reached, which households are unvisited or
overdue. The memory backend must agree with it, and a unit's coverage must be the
household-weighted sum of its children's. The same county on the Bolt test server must answer
as the memory backend does (slow: the quick subset leaves it out).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from bolt_server import BoltServer
from conftest import FALKORDB_BATCH, as_json, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import Rows, text, unit_trees

from engine import sweeps
from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.backends.neo4j import Neo4jBackend
from engine.backends.neo4j.settings import Neo4jSettings
from engine.model import MONITORED_GROUPS, ROLES, SCORECARD_LEVELS, UNIT_LABELS, Sweep

BASE = dt.date(2024, 6, 1)
DAY = dt.timedelta(days=1)
AS_OFS = [BASE - 10 * DAY, BASE, BASE + 12 * DAY, BASE + 40 * DAY]
BOUNDS = [None, BASE - 20 * DAY, BASE - 5 * DAY, BASE + 5 * DAY, BASE + 20 * DAY]
QUICK = settings(max_examples=15, deadline=None)


@st.composite
def counties(draw: st.DrawFn) -> Rows:
    """Rows in the import format for one random county with visits and sweeps."""
    units, households = draw(unit_trees(townships=2, villages=2, buildings=1, homes=3))
    for home in households:
        home["groups"] = ";".join(draw(st.lists(st.sampled_from(MONITORED_GROUPS), max_size=2)))
    people = [
        {"id": f"P{p}", "name": f"人{p}", "kind": "cadre"} for p in range(draw(st.integers(1, 5)))
    ]
    person_ids = [p["id"] for p in people]
    targets = [u["id"] for u in units] + [h["id"] for h in households]
    assignments: dict[tuple[str, str, str, str], dict[str, str]] = {}
    for _ in range(draw(st.integers(0, 10))):
        person, target = draw(st.sampled_from(person_ids)), draw(st.sampled_from(targets))
        role = draw(st.sampled_from(ROLES))
        since, until = draw(st.sampled_from(BOUNDS)), draw(st.sampled_from(BOUNDS))
        if since and until and until < since:
            since, until = until, since
        assignments[(person, target, role, text(since))] = {  # what makes its id
            "person_id": person,
            "target_id": target,
            "role": role,
            "since": text(since),
            "until": text(until),
        }
    # Half the visits by someone assigned over the household (they count when the day falls
    # in the term), half by anyone: a random pair alone would rarely count.
    parent = {u["id"]: u["parent_id"] for u in units} | {h["id"]: h["unit_id"] for h in households}
    pairs = [
        (a["person_id"], h["id"])
        for a in assignments.values()
        for h in households
        if a["target_id"] in (h["id"], parent[h["id"]], parent[parent[h["id"]]])
    ]
    visits = []
    if households:
        for n in range(draw(st.integers(0, 12))):
            if draw(st.booleans()) and pairs:
                person, household = draw(st.sampled_from(pairs))
            else:
                person = draw(st.sampled_from(person_ids))
                household = draw(st.sampled_from(households))["id"]
            visits.append(
                {
                    "id": f"W{n}",
                    "person_id": person,
                    "household_id": household,
                    "visited_at": text(BASE + draw(st.integers(-30, 40)) * DAY),
                }
            )
    scopes = [u["id"] for u in units]
    sweep_rows = []
    for n in range(draw(st.integers(1, 3))):
        starts = BASE + draw(st.integers(-25, 25)) * DAY
        sweep_rows.append(
            {
                "id": f"S{n}",
                "name": f"摸排{n}",
                "scope_id": draw(st.sampled_from(scopes)),
                "starts": text(starts),
                "ends": text(starts + draw(st.sampled_from([0, 5, 10, 15])) * DAY),
            }
        )
    return {
        "units": units,
        "households": households,
        "people": people,
        "assignments": list(assignments.values()),
        "visits": visits,
        "sweeps": sweep_rows,
    }


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


# ---- the truth, by brute force ---------------------------------------------------------------


def day(cell: str) -> dt.date | None:
    return dt.date.fromisoformat(cell) if cell else None


def active(assignment: dict[str, str], on: dt.date) -> bool:
    since, until = day(assignment["since"]), day(assignment["until"])
    return (since is None or since <= on) and (until is None or on <= until)


@dataclass
class Reference:
    """SPEC §4.5 read literally over the rows, one visit and one household at a time."""

    rows: Rows

    def parent(self, node: str) -> str | None:
        for u in self.rows["units"]:
            if u["id"] == node:
                return u["parent_id"] or None
        for h in self.rows["households"]:
            if h["id"] == node:
                return h["unit_id"]
        return None

    def level(self, node: str) -> str:
        for u in self.rows["units"]:
            if u["id"] == node:
                return u["level"]
        return "household"

    def path(self, node: str) -> list[str]:
        found = [node]
        while (up := self.parent(found[-1])) is not None:
            found.append(up)
        return found

    def own_places(self, household: str) -> list[str]:
        """The household, its building if any, and its grid."""
        return [
            n for n in self.path(household) if self.level(n) in ("household", "building", "grid")
        ]

    def counts(self, visit: dict[str, str]) -> bool:
        on = dt.date.fromisoformat(visit["visited_at"])
        places = self.own_places(visit["household_id"])
        return any(
            a["person_id"] == visit["person_id"] and a["target_id"] in places and active(a, on)
            for a in self.rows["assignments"]
        )

    def counting_days(self, household: str) -> list[dt.date]:
        return [
            dt.date.fromisoformat(v["visited_at"])
            for v in self.rows["visits"]
            if v["household_id"] == household and self.counts(v)
        ]

    def visited(self, household: str, first: dt.date, last: dt.date) -> bool:
        return any(first <= on <= last for on in self.counting_days(household))

    def households_under(self, node: str) -> list[str]:
        return [h["id"] for h in self.rows["households"] if node in self.path(h["id"])]

    def coverage(
        self, node: str, scope: str, window: tuple[dt.date, dt.date] | None
    ) -> tuple[int, int]:
        """Households under `node` and inside `scope`, and how many the window reached."""
        homes = [h for h in self.households_under(node) if scope in self.path(h)]
        if window is None:
            return len(homes), 0
        return len(homes), sum(self.visited(h, *window) for h in homes)

    def people(
        self, scope: str, window: tuple[dt.date, dt.date] | None, as_of: dt.date
    ) -> dict[str, tuple[int, int]]:
        """Each person with an active assignment on `as_of` over households of `scope`: how
        many of those households lie under their assignments, and how many of them they
        reached themselves with a counting visit in the window."""
        found = {}
        for person in {a["person_id"] for a in self.rows["assignments"]}:
            held = {
                h
                for a in self.rows["assignments"]
                if a["person_id"] == person and active(a, as_of)
                for h in self.households_under(a["target_id"])
                if scope in self.path(h)
            }
            reached = {
                v["household_id"]
                for v in self.rows["visits"]
                if v["person_id"] == person
                and v["household_id"] in held
                and window is not None
                and window[0] <= dt.date.fromisoformat(v["visited_at"]) <= window[1]
                and self.counts(v)
            }
            if held:
                found[person] = (len(held), len(reached))
        return found

    def unvisited(self, as_of: dt.date) -> list[tuple[str, str]]:
        """(household, sweep) for each household its latest finished sweep missed."""
        found = []
        for h in self.rows["households"]:
            over = [
                s
                for s in self.rows["sweeps"]
                if s["scope_id"] in self.path(h["id"]) and dt.date.fromisoformat(s["ends"]) < as_of
            ]
            if not over:
                continue
            latest = max(over, key=lambda s: (s["ends"], s["id"]))  # ISO dates sort as text
            if not self.visited(
                h["id"],
                dt.date.fromisoformat(latest["starts"]),
                dt.date.fromisoformat(latest["ends"]),
            ):
                found.append((h["id"], latest["id"]))
        return sorted(found)

    def overdue(self, as_of: dt.date, days: dict[str, int]) -> list[str]:
        found = []
        for h in self.rows["households"]:
            groups = [g for g in h["groups"].split(";") if g]
            if not groups:
                continue
            # the strictest group: the fewest days, counting as_of itself
            first = as_of - (min(days[g] for g in groups) - 1) * DAY
            if not self.visited(h["id"], first, as_of):
                found.append(h["id"])
        return sorted(found)


def stored_sweep(row: dict[str, str]) -> Sweep:
    return Sweep(
        id=row["id"],
        name=row["name"],
        scope_id=row["scope_id"],
        starts=dt.date.fromisoformat(row["starts"]),
        ends=dt.date.fromisoformat(row["ends"]),
    )


def rankable(truth: Reference, scope: str) -> list[str]:
    """The levels a sweep over `scope` may be ranked by: its own level and those below."""
    label = truth.level(scope).capitalize()
    return [
        by
        for by in SCORECARD_LEVELS
        if UNIT_LABELS.index(by.capitalize()) >= UNIT_LABELS.index(label)
    ]


# ---- properties on the memory backend --------------------------------------------------------


@QUICK
@given(counties())
def test_a_visit_counts_exactly_when_the_reference_says(rows: Rows) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        for h in rows["households"]:
            shown = {v.id: v.counts for v in backend.household_visits(h["id"])}
            expected = {
                v["id"]: truth.counts(v) for v in rows["visits"] if v["household_id"] == h["id"]
            }
            assert shown == expected, h["id"]


@QUICK
@given(counties(), st.sampled_from(AS_OFS))
def test_unit_coverage_matches_the_reference(rows: Rows, as_of: dt.date) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        for row in rows["sweeps"]:
            sweep = stored_sweep(row)
            days = sweeps.window(sweep, as_of)
            scope = sweep.scope_id
            for by in rankable(truth, scope):
                found = backend.unit_coverage(scope, by.capitalize(), days)
                expected = {
                    u["id"]: truth.coverage(u["id"], scope, days)
                    for u in rows["units"]
                    if u["level"] == by and scope in truth.path(u["id"])
                }
                assert {c.unit: (c.households, c.visited) for c in found} == expected
                assert len(found) == len(expected)  # each unit once


@QUICK
@given(counties(), st.sampled_from(AS_OFS))
def test_a_units_coverage_is_the_sum_of_its_childrens(rows: Rows, as_of: dt.date) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        for row in rows["sweeps"]:
            scope = row["scope_id"]
            levels = rankable(truth, scope)
            cards = {by: sweeps.scorecard(backend, row["id"], by, as_of) for by in levels}
            cards["person"] = sweeps.scorecard(backend, row["id"], "person", as_of)
            whole = truth.coverage(scope, scope, sweeps.window(stored_sweep(row), as_of))
            for card in cards.values():  # the same whole, whatever is ranked
                assert (card.total.households, card.total.visited) == whole
            del cards["person"]  # people's households overlap: they need not add up
            for card in cards.values():
                assert card.total.households == sum(r.households for r in card.rows)
                assert card.total.visited == sum(r.visited for r in card.rows)
                for r in card.rows:
                    assert 0 <= r.visited <= r.households
                    assert r.coverage == sweeps.coverage(r.households, r.visited)
            # a village is the sum of its grids, a township of its villages
            for upper, lower in [("village", "grid"), ("township", "village")]:
                if upper not in cards or lower not in cards:
                    continue
                for r in cards[upper].rows:
                    children = [c for c in cards[lower].rows if truth.parent(c.unit) == r.unit]
                    assert r.households == sum(c.households for c in children)
                    assert r.visited == sum(c.visited for c in children)


@QUICK
@given(counties(), st.sampled_from(AS_OFS))
def test_a_persons_visited_households_are_among_their_households(
    rows: Rows, as_of: dt.date
) -> None:
    with loaded(rows) as backend:
        for row in rows["sweeps"]:
            card = sweeps.scorecard(backend, row["id"], "person", as_of)
            for r in card.rows:
                assert 0 <= r.visited <= r.households
                assert r.households <= card.total.households
                assert r.level == "Person"
                assert r.accountable is None
            keys = [(r.coverage is None, r.coverage or 0.0, r.unit) for r in card.rows]
            assert keys == sorted(keys)


@QUICK
@given(counties(), st.sampled_from(AS_OFS))
def test_people_coverage_matches_the_reference(rows: Rows, as_of: dt.date) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        for row in rows["sweeps"]:
            days = sweeps.window(stored_sweep(row), as_of)
            found = backend.person_coverage(row["scope_id"], days, as_of)
            assert {c.unit: (c.households, c.visited) for c in found} == truth.people(
                row["scope_id"], days, as_of
            )


@QUICK
@given(counties(), st.sampled_from(AS_OFS))
def test_unvisited_households_match_the_reference(rows: Rows, as_of: dt.date) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        found = backend.gaps(as_of, kind="unvisited_household").gaps
        assert [(g.id, g.sweep) for g in found] == truth.unvisited(as_of)


@QUICK
@given(
    counties(),
    st.sampled_from(AS_OFS),
    st.fixed_dictionaries({g: st.sampled_from([1, 7, 30, 45]) for g in MONITORED_GROUPS}),
)
def test_overdue_visits_match_the_reference(
    rows: Rows, as_of: dt.date, days: dict[str, int]
) -> None:
    truth = Reference(rows)
    with loaded(rows) as backend:
        found = backend.gaps(as_of, kind="overdue_visit", visit_days=days).gaps
        assert [g.id for g in found] == truth.overdue(as_of, days)
        assert all(g.sweep is None for g in found)


# ---- the same on the Bolt test server (slow) -------------------------------------------------


@pytest.fixture(scope="module")
def bolt(falkordb: BoltServer) -> Iterator[Neo4jBackend]:
    settings_ = Neo4jSettings(falkordb.uri, falkordb.user, falkordb.password, None, FALKORDB_BATCH)
    backend = Neo4jBackend(settings_)
    yield backend
    backend.close()
    falkordb.heal()


def answers(backend: Backend, rows: Rows, as_of: dt.date) -> list[object]:
    found: list[object] = [
        as_json(backend.gaps(as_of, kind="unvisited_household")),
        as_json(backend.gaps(as_of, kind="overdue_visit")),
    ]
    truth = Reference(rows)
    for row in rows["sweeps"]:
        for by in [*rankable(truth, row["scope_id"]), "person"]:
            found.append(as_json(sweeps.scorecard(backend, row["id"], by, as_of)))
    for h in rows["households"]:
        found.append(as_json(backend.household_visits(h["id"])))
    return found


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(counties(), st.sampled_from(AS_OFS))
def test_the_bolt_backend_answers_as_the_memory_backend(
    bolt: Neo4jBackend, rows: Rows, as_of: dt.date
) -> None:
    bolt.driver.execute_query("MATCH (n) DETACH DELETE n", database_=bolt.database)
    load(bolt, rows)
    with loaded(rows) as memory:
        assert answers(bolt, rows, as_of) == answers(memory, rows, as_of)
