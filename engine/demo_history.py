"""The demo county's last 90 days of work (SPEC §4.5): sweeps, monitored households, visits.

What the seed's county did after naming who is responsible: "人在网中走" — grid members walking
their grids — four rounds of door-to-door sweeps (四轮大摸排) and the dynamic monitoring of four
groups of households (收入下滑户、兜底户、脱贫监测户、边缘户). Here, up to the as-of day D:

- each township ran 第三轮大摸排 (finished some six weeks before D) and runs 第四轮大摸排 (started
  about three weeks before D, still running); the county records the running round county-wide
  too, so its headquarters can rank townships and grids while it runs;
- a sweep reaches most households of a grid (85–98 %), a few grids far fewer, and one township
  lags in both rounds; a household nobody holds an assignment over is never reached;
- a few percent of households are monitored (some in two groups) and visited about every 30
  days, but some have gone longer;
- visits are made by the people assigned over the household, its building or its grid (mostly
  its grid member), besides patrols through the grids; a few are made by a member of a
  neighbouring grid filling in, which counts for nothing (the note says so).

Rows are the import's, like the rest of the demo; the history draws on its own random stream,
so the county it is added to is the same with or without it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.model import DEFAULT_VISIT_DAYS, MONITORED_GROUPS

if TYPE_CHECKING:
    from engine.demo_data import DataRows, _Building, _Copy, _Grid

HISTORY_DAYS = 90

# Finished round: starts 84–78 days before D and lasts 28–38 days. Running round: starts 20–16
# days before D and ends 10–5 days after it.
FINISHED_ROUND = ("第三轮大摸排", 84, 6, 28, 10)
RUNNING_ROUND = ("第四轮大摸排", 20, 4, 10, 5)

# Per grid, the share of households a sweep reaches.
USUAL_COVERAGE = (0.85, 0.98)
POOR_COVERAGE = (0.30, 0.65)
LAGGING_COVERAGE = (0.60, 0.80)
POOR_GRID_SHARE = 0.04
# How far a grid of the running round is along, against the days gone by.
RUNNING_PACE = (0.6, 1.4)
LAGGING_PACE = 0.55

# Monitored groups: the share of lived-in households in each; a monitored one is in a second
# group now and then (a 兜底户 that is also a 脱贫监测户).
GROUP_SHARES = {
    "income_drop": 0.012,
    "subsistence": 0.015,
    "poverty_watch": 0.010,
    "marginal": 0.008,
}
MONITORED_SHARE = sum(GROUP_SHARES.values())
SECOND_GROUP_SHARE = 0.15
OVERDUE_SHARE = 0.08
GROUP_NOTES = {
    "income_drop": "核实务工收入变化",
    "subsistence": "落实低保和临时救助",
    "poverty_watch": "监测两不愁三保障",
    "marginal": "排查返贫致贫风险",
}

PATROL_SHARE = 0.15
# Of the grid's own people, the one usually at the door; now and then another of them.
OTHER_VISITOR_SHARE = 0.1
WRONG_VISIT_SHARE = 0.002
WRONG_VISIT_NOTE = "代邻近网格走访"

_FAR_FUTURE = dt.date.max.toordinal()


@dataclass(frozen=True, slots=True)
class _Round:
    """A sweep's days, as ordinals."""

    starts: int
    ends: int


class History:
    """Makes the rows of one copy of the county at a time; ids run on across copies."""

    def __init__(self, seed: int, as_of: dt.date) -> None:
        self.rng = random.Random(f"{seed}/history")
        self.today = as_of.toordinal()
        self.first_day = self.today - HISTORY_DAYS + 1
        self.iso: dict[int, str] = {}
        self.visits_made = 0

    def day(self, ordinal: int) -> str:
        text = self.iso.get(ordinal)
        if text is None:
            text = self.iso[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def county_sweep(self, county_id: str, county_name: str) -> dict[str, str]:
        """The running round, county-wide: as long as the townships' own."""
        name, start, _, end, _ = RUNNING_ROUND
        return self.sweep_row(
            f"{county_id}-S4",
            county_name + name,
            county_id,
            _Round(self.today - start, self.today + end),
        )

    def sweep_row(self, sweep_id: str, name: str, scope: str, span: _Round) -> dict[str, str]:
        return {
            "id": sweep_id,
            "name": name,
            "scope_id": scope,
            "starts": self.day(span.starts),
            "ends": self.day(span.ends),
        }

    def finished_round(self) -> _Round:
        _, start, start_spread, length, length_spread = FINISHED_ROUND
        starts = self.today - start + self.rng.randint(0, start_spread)
        return _Round(starts, starts + length + self.rng.randint(0, length_spread) - 1)

    def running_round(self) -> _Round:
        _, start, start_spread, end, end_spread = RUNNING_ROUND
        return _Round(
            self.today - start + self.rng.randint(0, start_spread),
            self.today + end - self.rng.randint(0, end_spread),
        )

    def record(
        self,
        county: _Copy,
        households: list[dict[str, str]],
        buildings: Sequence[_Building | None],
        lived_in: set[str],
        assignments: Iterable[tuple[str, str, str, str, str]],
    ) -> DataRows:
        """This copy's sweeps and visits; the monitored groups are written into `households`."""
        rng = self.rng
        people = _Holders(assignments, self.first_day, self.today)
        lagging = rng.choice(county.townships)
        poor = set(rng.sample(county.grids, max(1, round(len(county.grids) * POOR_GRID_SHARE))))
        sweeps: list[dict[str, str]] = []
        rounds: dict[str, tuple[_Round, _Round]] = {}
        for township in county.townships:
            done, running = self.finished_round(), self.running_round()
            rounds[township.id] = (done, running)
            for span, (name, *_) in ((done, FINISHED_ROUND), (running, RUNNING_ROUND)):
                number = "3" if span is done else "4"
                sweep_id = f"{township.id}-S{number}"
                sweeps.append(self.sweep_row(sweep_id, township.name + name, township.id, span))
        walk = _Walk(self, people, households)
        for grid in county.grids:
            township = grid.village.township
            done, running = rounds[township.id]
            behind = township is lagging
            reach = self.reach(grid in poor, behind)
            so_far = _Round(running.starts, self.today)
            walk.grid(
                grid,
                buildings,
                lived_in,
                (done, reach),
                (so_far, reach * self.pace(running, behind)),
            )
        return {"sweeps": sweeps, "visits": self.numbered(walk.visits, households)}

    def reach(self, poor: bool, behind: bool) -> float:
        low_high = LAGGING_COVERAGE if behind else POOR_COVERAGE if poor else USUAL_COVERAGE
        return self.rng.uniform(*low_high)

    def pace(self, running: _Round, behind: bool) -> float:
        """How far along a grid of the running round is: the days gone by, give or take."""
        gone = (self.today - running.starts + 1) / (running.ends - running.starts + 1)
        lag = LAGGING_PACE if behind else 1.0
        return min(1.0, gone * self.rng.uniform(*RUNNING_PACE) * lag)

    def numbered(
        self, visits: list[tuple[int, int, str, str, str]], households: list[dict[str, str]]
    ) -> list[dict[str, str]]:
        """Visit rows in the order they happened, numbered on from the last copy's."""
        visits.sort(key=lambda visit: (visit[0], visit[1]))
        first = self.visits_made + 1
        self.visits_made += len(visits)
        day = self.day
        return [
            {
                "id": f"V{number:08d}",
                "person_id": person,
                "household_id": households[home]["id"],
                "visited_at": day(ordinal),
                "kind": kind,
                "note": note,
            }
            for number, (ordinal, home, person, kind, note) in enumerate(visits, start=first)
        ]


class _Walk:
    """The visits made in one copy's grids, as (day, household index, person, kind, note)."""

    def __init__(
        self,
        history: History,
        people: _Holders,
        households: list[dict[str, str]],
    ) -> None:
        self.random = history.rng.random
        self.rng = history.rng
        self.first_day, self.today = history.first_day, history.today
        self.people = people
        self.households = households
        self.visits: list[tuple[int, int, str, str, str]] = []

    def between(self, first: int, last: int) -> int:
        return first + int(self.random() * (last - first + 1))

    def grid(
        self,
        grid: _Grid,
        buildings: Sequence[_Building | None],
        lived_in: set[str],
        *rounds: tuple[_Round, float],
    ) -> None:
        """Each round reaches a household with its odds; patrols and monitoring besides."""
        random, visits = self.random, self.visits
        for home in grid.households:
            household = self.households[home]
            building = buildings[home]
            targets = (household["id"], building.id if building else "", grid.id)
            at_door = self.people.over(targets)
            if not at_door:
                continue
            for span, odds in rounds:
                if random() < odds:
                    self.sweep_visit(home, span, at_door, grid, targets)
            if random() < PATROL_SHARE:
                day = self.between(self.first_day, self.today)
                visits.append((day, home, self.pick(at_door), "patrol", ""))
            if household["id"] in lived_in:
                self.monitor(home, household, at_door)

    def pick(self, at_door: list[str]) -> str:
        if len(at_door) > 1 and self.random() < OTHER_VISITOR_SHARE:
            return self.rng.choice(at_door)
        return at_door[0]

    def sweep_visit(
        self,
        home: int,
        span: _Round,
        at_door: list[str],
        grid: _Grid,
        targets: tuple[str, str, str],
    ) -> None:
        day = self.between(span.starts, span.ends)
        if self.random() < WRONG_VISIT_SHARE:
            stranger = self.people.stranger(self.rng, grid.village.members, targets)
            if stranger:
                self.visits.append((day, home, stranger, "visit", WRONG_VISIT_NOTE))
                return
        self.visits.append((day, home, self.pick(at_door), "visit", ""))

    def monitor(self, home: int, household: dict[str, str], at_door: list[str]) -> None:
        """Maybe put the household in a group or two, and visit it about every 30 days."""
        draw = self.random()
        if draw >= MONITORED_SHARE:
            return
        groups = {_group_at(draw)}
        if self.random() < SECOND_GROUP_SHARE:
            groups.add(self.rng.choice([g for g in MONITORED_GROUPS if g not in groups]))
        ordered = [g for g in MONITORED_GROUPS if g in groups]
        household["groups"] = ";".join(ordered)
        note = GROUP_NOTES[ordered[0]]
        if self.random() < OVERDUE_SHARE:
            day = self.today - self.between(DEFAULT_VISIT_DAYS, DEFAULT_VISIT_DAYS + 25)
        else:
            day = self.today - self.between(0, DEFAULT_VISIT_DAYS - 4)
        while day >= self.first_day:
            kind = "service" if self.random() < 0.5 else "visit"
            self.visits.append((day, home, self.pick(at_door), kind, note))
            day -= self.between(DEFAULT_VISIT_DAYS - 6, DEFAULT_VISIT_DAYS + 2)


def _group_at(draw: float) -> str:
    """The group a draw below the groups' total share falls in."""
    for group, share in GROUP_SHARES.items():
        if draw < share:
            return group
        draw -= share
    raise ValueError(draw)


class _Holders:
    """Who holds an assignment over which target, as the visit rule reads it (SPEC §4.5)."""

    def __init__(
        self, assignments: Iterable[tuple[str, str, str, str, str]], first: int, last: int
    ) -> None:
        # Whoever held a target at any time: never a stranger to it.
        self.ever: dict[str, set[str]] = defaultdict(set)
        # Ranked by who knocks first: grid members, then grid heads, then everyone else; only
        # terms that hold on every day of the history, so any day of it counts.
        self.steady: dict[str, list[tuple[int, str]]] = defaultdict(list)
        rank = {"grid_member": 0, "grid_head": 1}
        for person, target, role, since, until in assignments:
            self.ever[target].add(person)
            begins = dt.date.fromisoformat(since).toordinal() if since else 0
            ends = dt.date.fromisoformat(until).toordinal() if until else _FAR_FUTURE
            if begins <= first and last <= ends:
                self.steady[target].append((rank.get(role, 2), person))
        # The people over a building (or a grid without one), shared by its households.
        self.around: dict[tuple[str, str], list[str]] = {}

    def over(self, targets: tuple[str, str, str]) -> list[str]:
        """The people whose visit counts for the household (`targets`: it, its building or "",
        its grid), the one who usually goes first leading: its own grid member."""
        household, building, grid = targets
        if household in self.steady:
            return self.ranked(targets)
        shared = self.around.get((building, grid))
        if shared is None:
            shared = self.around[building, grid] = self.ranked(targets[1:])
        return shared

    def ranked(self, targets: tuple[str, ...]) -> list[str]:
        ranked = sorted(
            (rank, level, person)
            for level, target in enumerate(targets)
            for rank, person in self.steady.get(target, ())
        )
        return list(dict.fromkeys(person for _, _, person in ranked))

    def stranger(
        self, rng: random.Random, members: list[str], targets: tuple[str, str, str]
    ) -> str:
        """A grid member of the village who holds nothing, then or ever, over the household,
        its building or its grid ("" when none turns up)."""
        for _ in range(5):
            person = rng.choice(members) if members else ""
            if person and all(person not in self.ever.get(t, ()) for t in targets):
                return person
        return ""
