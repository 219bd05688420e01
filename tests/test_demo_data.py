"""The demo county holds the seed's numbers, resolves every reference, and hides every gap kind;
its last 90 days of work (SPEC §4.5) are realistic: both sweeps per township, monitored
households of every group, visits mostly by the right people and a few by the wrong ones."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
import statistics
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from serving import GRIDCHAIN

from engine.backends.memory import MemoryBackend
from engine.demo_data import REFERENCE_DAY, DataRows, generate_county
from engine.importer import COLUMNS
from engine.sweeps import scorecard

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

AS_OF = REFERENCE_DAY
SEED_UNITS = {"township": 9, "village": 119, "grid": 2009}
SEED_BODIES = {"party_org": 33, "pioneer_team": 495, "pioneer_post": 683, "volunteer_team": 171}
EIGHT_TOWNSHIPS = {
    "花马池镇",
    "大水坑镇",
    "惠安堡镇",
    "高沙窝镇",
    "王乐井乡",
    "冯记沟乡",
    "青山乡",
    "麻黄山乡",
}
GAP_KINDS = {
    "missing_commander",
    "missing_grid_head",
    "uncovered_household",
    "empty_household",
    "overloaded_member",
    "incomplete_four_to_one",
    "unattended_high_risk",
}


@pytest.fixture(scope="module")
def county() -> DataRows:
    return generate_county()


@pytest.fixture(scope="module")
def gaps(county: DataRows) -> dict[str, set[str]]:
    return find_gaps(county, AS_OF)


def active(assignment: dict[str, str], day: dt.date) -> bool:
    since, until = assignment["since"], assignment["until"]
    return (not since or dt.date.fromisoformat(since) <= day) and (
        not until or day <= dt.date.fromisoformat(until)
    )


def find_gaps(rows: DataRows, day: dt.date, limit: int = 50) -> dict[str, set[str]]:
    """SPEC §4.2, restated plainly over the rows, so the test does not lean on the engine."""
    units = {u["id"]: u for u in rows["units"]}
    kind_of = {p["id"]: p["kind"] for p in rows["people"]}
    live = [a for a in rows["assignments"] if active(a, day)]
    by_role: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for a in live:
        by_role[a["role"]][a["target_id"]].add(a["person_id"])
    members_in: dict[str, set[str]] = defaultdict(set)
    for h in rows["households"]:
        unit = units[h["unit_id"]]
        members_in[h["id"]].add(h["id"])
        members_in[unit["id"]].add(h["id"])
        if unit["level"] == "building":
            members_in[unit["parent_id"]].add(h["id"])
    covered_by: dict[str, set[str]] = defaultdict(set)
    for target, people in by_role["grid_member"].items():
        for person in people:
            covered_by[person] |= members_in[target]
    covered = set().union(*covered_by.values())
    lived_in = {r["household_id"] for r in rows["residents"]}
    cadre_on = {a["target_id"] for a in live if kind_of[a["person_id"]] in ("cadre", "leader")}
    return {
        "missing_commander": {
            u["id"]
            for u in rows["units"]
            if u["level"] in ("township", "village") and not by_role["commander"][u["id"]]
        },
        "missing_grid_head": {
            u["id"]
            for u in rows["units"]
            if u["level"] == "grid" and not by_role["grid_head"][u["id"]]
        },
        "uncovered_household": {h["id"] for h in rows["households"]} - covered,
        "empty_household": {h["id"] for h in rows["households"]} - lived_in,
        "overloaded_member": {p for p, homes in covered_by.items() if len(homes) > limit},
        "incomplete_four_to_one": {
            h["id"]
            for h in rows["households"]
            if h["status"] == "home_quarantine" and len(by_role["four_to_one"][h["id"]]) < 4
        },
        "unattended_high_risk": {
            h["id"]
            for h in rows["households"]
            if h["color"] in ("red", "orange") and h["id"] not in cadre_on
        },
    }


def id_check_char(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def test_every_file_has_exactly_the_import_columns_as_strings(county: DataRows) -> None:
    assert set(county) == set(COLUMNS)
    for stem, rows in county.items():
        for row in rows:
            assert tuple(row) == COLUMNS[stem]
            assert all(isinstance(value, str) for value in row.values())


def test_unit_counts_are_the_seeds(county: DataRows) -> None:
    levels = Counter(u["level"] for u in county["units"])
    assert levels["county"] == 1
    assert {level: levels[level] for level in SEED_UNITS} == SEED_UNITS
    townships = [u for u in county["units"] if u["level"] == "township"]
    assert {t["name"] for t in townships if t["kind"] != "street"} == EIGHT_TOWNSHIPS
    assert [t["kind"] for t in townships].count("street") == 1
    (root,) = (u for u in county["units"] if u["level"] == "county")
    assert (root["id"], root["name"], root["parent_id"]) == ("C-YC", "盐池县", "")


def test_people_and_body_counts_are_the_seeds(county: DataRows) -> None:
    assert len(county["households"]) == 68_487
    assert len(county["residents"]) == 173_441
    assert Counter(b["kind"] for b in county["bodies"]) == SEED_BODIES
    assert Counter(p["kind"] for p in county["people"])["leader"] == 26
    liaison_cadres = {
        a["person_id"]
        for a in county["assignments"]
        if a["role"] == "liaison" and a["target_id"].count("-G") == 1 and "-B" not in a["target_id"]
    }
    assert len(liaison_cadres) == 3065


def test_communities_have_buildings_under_compounds(county: DataRows) -> None:
    units = {u["id"]: u for u in county["units"]}
    for unit in units.values():
        if unit["level"] == "building":
            assert units[unit["parent_id"]]["kind"] == "compound"
        if unit["kind"] == "community":
            assert units[unit["parent_id"]]["kind"] == "street"
    homes_in = Counter(units[h["unit_id"]]["level"] for h in county["households"])
    assert homes_in["building"] > 10_000 and homes_in["grid"] > 30_000


def test_same_seed_same_rows_other_seed_other_rows(county: DataRows) -> None:
    assert generate_county(seed=2020) == county
    other = generate_county(seed=7)
    assert other["residents"] != county["residents"]
    assert len(other["residents"]) == len(county["residents"])


def test_today_moves_only_the_timelines_of_work(county: DataRows) -> None:
    later = generate_county(today=dt.date(2027, 6, 1))
    for stem in ("issues", "visits", "sweeps"):
        assert later[stem] != county[stem]
    for stem in ("units", "households", "residents", "people", "assignments", "bodies"):
        assert later[stem] == county[stem]


def test_ids_are_unique_across_all_files(county: DataRows) -> None:
    ids = [row["id"] for rows in county.values() for row in rows]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves(county: DataRows) -> None:
    units = {u["id"]: u["level"] for u in county["units"]}
    homes = {h["id"] for h in county["households"]}
    people = {p["id"]: p for p in county["people"]}
    above = {"township": "county", "village": "township", "grid": "village", "building": "grid"}
    for unit in county["units"]:
        if unit["level"] != "county":
            assert units[unit["parent_id"]] == above[unit["level"]], unit
    assert all(units[h["unit_id"]] in ("grid", "building") for h in county["households"])
    assert all(r["household_id"] in homes for r in county["residents"])
    for a in county["assignments"]:
        assert a["person_id"] in people and (a["target_id"] in units or a["target_id"] in homes)
    for body in county["bodies"]:
        assert body["unit_id"] in units
        if body["kind"] == "pioneer_post":
            assert people[body["holder_id"]]["party_member"] == "true"
    for issue in county["issues"]:
        assert issue["target_id"] in units or issue["target_id"] in homes
        assert people[issue["reported_by"]]["kind"] in ("grid_member", "volunteer")


def test_identity_numbers_and_phones_look_real(county: DataRows) -> None:
    numbers = [r["id_number"] for r in county["residents"]]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert re.fullmatch(r"640323\d{11}[\dX]", number)
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert number[17] == id_check_char(number[:17])
    phones = [r["phone"] for r in county["residents"]] + [p["phone"] for p in county["people"]]
    assert all(re.fullmatch(r"1\d{10}", phone) for phone in phones if phone)


def test_household_colours_and_statuses(county: DataRows) -> None:
    homes = county["households"]
    colours = Counter(h["color"] for h in homes)
    assert set(colours) <= {"green", "blue", "yellow", "orange", "red"}
    assert colours["green"] > 0.8 * len(homes)
    assert 0.01 < colours["orange"] / len(homes) < 0.03
    assert 0.003 < colours["red"] / len(homes) < 0.012
    assert Counter(h["status"] for h in homes)["home_quarantine"] == 205
    assert all(h["points"].isdigit() for h in homes)


def test_county_leaders_cover_every_township(county: DataRows) -> None:
    leaders = {p["id"] for p in county["people"] if p["kind"] == "leader"}
    liaisons = Counter(
        a["target_id"]
        for a in county["assignments"]
        if a["person_id"] in leaders and a["role"] == "liaison"
    )
    assert sum(liaisons.values()) == 26
    assert len(liaisons) == 9 and max(liaisons.values()) >= 3
    commanders = [
        a for a in county["assignments"] if a["target_id"] == "C-YC" and a["role"] == "commander"
    ]
    assert len(commanders) == 1 and commanders[0]["person_id"] in leaders


def test_terms_that_lapsed_or_have_not_started_exist(county: DataRows) -> None:
    terms = county["assignments"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["since"]) for a in terms)
    assert any(a["until"] and dt.date.fromisoformat(a["until"]) < AS_OF for a in terms)
    assert any(dt.date.fromisoformat(a["since"]) > dt.date.today() for a in terms)


def test_every_gap_kind_is_seeded_a_few_times(gaps: dict[str, set[str]]) -> None:
    assert {kind for kind, found in gaps.items() if found} == GAP_KINDS
    assert len(gaps["missing_commander"]) <= 5
    assert 20 <= len(gaps["missing_grid_head"]) <= 60
    assert 0.01 * 68_487 <= len(gaps["uncovered_household"]) <= 0.03 * 68_487
    assert len(gaps["overloaded_member"]) <= 10
    assert len(gaps["incomplete_four_to_one"]) <= 20


def test_gaps_hold_on_todays_date_too(county: DataRows) -> None:
    today = find_gaps(county, dt.date.today())
    assert all(today[kind] for kind in GAP_KINDS)


def test_issue_timelines_are_consistent(county: DataRows) -> None:
    issues = county["issues"]
    assert len(issues) == 150
    open_overdue = 0
    for issue in issues:
        reported = dt.date.fromisoformat(issue["reported_at"])
        if issue["resolved_at"]:
            assert dt.date.fromisoformat(issue["resolved_at"]) >= reported
            assert issue["status"] in ("resolved", "closed")
        elif issue["due_at"] and dt.date.fromisoformat(issue["due_at"]) < AS_OF:
            open_overdue += 1
    assert open_overdue > 0
    assert 0.4 < sum(1 for i in issues if i["resolved_at"]) / len(issues) < 0.8


def test_scale_two_doubles_everything_below_the_county() -> None:
    one, two = generate_county(scale=1), generate_county(scale=2)
    for stem in ("households", "residents", "bodies", "issues"):
        assert len(two[stem]) == 2 * len(one[stem])
    # Each copy's townships run their two rounds; the county's running round is one.
    assert len(two["sweeps"]) == 2 * len(one["sweeps"]) - 1
    assert 1.8 < len(two["visits"]) / len(one["visits"]) < 2.2
    levels_one = Counter(u["level"] for u in one["units"])
    levels_two = Counter(u["level"] for u in two["units"])
    assert levels_two["county"] == 1
    assert all(levels_two[level] == 2 * levels_one[level] for level in SEED_UNITS)
    assert Counter(p["kind"] for p in two["people"])["leader"] == 52
    ids = [row["id"] for rows in two.values() for row in rows]
    assert len(ids) == len(set(ids))
    assert "花马池镇(2)" in {u["name"] for u in two["units"]}


# ---- the last 90 days (SPEC §4.5) ---------------------------------------------------------


class Work:
    """The visit rules of SPEC §4.5 restated plainly over the rows."""

    def __init__(self, rows: DataRows) -> None:
        self.rows = rows
        units = {u["id"]: u for u in rows["units"]}
        self.units = units
        self.places: dict[str, set[str]] = {}
        self.township: dict[str, str] = {}
        for home in rows["households"]:
            unit = units[home["unit_id"]]
            places = {home["id"], unit["id"]}
            if unit["level"] == "building":
                places.add(unit["parent_id"])
            self.places[home["id"]] = places
            while unit["level"] != "township":
                unit = units[unit["parent_id"]]
            self.township[home["id"]] = unit["id"]
        self.terms: dict[str, list[dict[str, str]]] = defaultdict(list)
        for a in rows["assignments"]:
            self.terms[a["person_id"]].append(a)

    def counts(self, visit: dict[str, str]) -> bool:
        day, places = visit["visited_at"], self.places[visit["household_id"]]
        return any(
            a["target_id"] in places
            and (not a["since"] or a["since"] <= day)
            and (not a["until"] or day <= a["until"])
            for a in self.terms[visit["person_id"]]
        )

    @functools.cached_property
    def counted(self) -> list[dict[str, str]]:
        return [v for v in self.rows["visits"] if self.counts(v)]

    def households_of(self, sweep: dict[str, str]) -> list[str]:
        scope = sweep["scope_id"]
        if self.units[scope]["level"] == "county":
            return list(self.places)
        return [home for home, township in self.township.items() if township == scope]

    def visited(self, sweep: dict[str, str], as_of: dt.date) -> set[str]:
        """The sweep's households a counting visit reached in its window as of `as_of`."""
        end = min(sweep["ends"], as_of.isoformat())
        reached = {
            v["household_id"] for v in self.counted if sweep["starts"] <= v["visited_at"] <= end
        }
        return reached & set(self.households_of(sweep))

    def grid_of(self, home: str) -> str:
        return next(p for p in self.places[home] if self.units.get(p, {}).get("level") == "grid")


@pytest.fixture(scope="module")
def work(county: DataRows) -> Work:
    return Work(county)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_every_township_has_a_finished_and_a_running_round(county: DataRows) -> None:
    townships = {u["id"] for u in county["units"] if u["level"] == "township"}
    by_scope: dict[str, list[dict[str, str]]] = defaultdict(list)
    for sweep in county["sweeps"]:
        by_scope[sweep["scope_id"]].append(sweep)
    assert set(by_scope) == townships | {"C-YC"}
    first_day = AS_OF - dt.timedelta(days=89)
    for township in townships:
        done, running = sorted(by_scope[township], key=lambda s: s["starts"])
        assert first_day <= day(done["starts"]) <= day(done["ends"]) < AS_OF
        assert day(running["starts"]) <= AS_OF <= day(running["ends"])
        assert done["name"].endswith("第三轮大摸排")
        assert running["name"].endswith("第四轮大摸排")
    (county_round,) = by_scope["C-YC"]
    assert county_round["name"] == "盐池县第四轮大摸排"
    assert day(county_round["starts"]) <= AS_OF <= day(county_round["ends"])


def test_visits_are_the_ninety_days_before_as_of(county: DataRows) -> None:
    visits = county["visits"]
    assert 100_000 < len(visits) < 300_000
    days = [day(v["visited_at"]) for v in visits]
    assert min(days) >= AS_OF - dt.timedelta(days=89) and max(days) <= AS_OF
    assert Counter(v["kind"] for v in visits).keys() == {"visit", "patrol", "service"}
    assert [v["id"] for v in visits] == sorted(v["id"] for v in visits)
    assert days == sorted(days)


def test_monitored_households_in_all_four_groups(county: DataRows) -> None:
    homes = county["households"]
    groups = [h["groups"].split(";") for h in homes if h["groups"]]
    order = ["income_drop", "subsistence", "poverty_watch", "marginal"]
    assert {g for named in groups for g in named} == set(order)
    assert 0.02 < len(groups) / len(homes) < 0.08
    two = [named for named in groups if len(named) == 2]
    assert 0.05 < len(two) / len(groups) < 0.3
    assert all(named == sorted(named, key=order.index) for named in two)
    lived_in = {r["household_id"] for r in county["residents"]}
    assert all(h["id"] in lived_in for h in homes if h["groups"])


def test_a_few_visits_by_the_wrong_people_do_not_count(county: DataRows, work: Work) -> None:
    wrong = [v for v in county["visits"] if not work.counts(v)]
    assert 50 <= len(wrong) <= 0.01 * len(county["visits"])
    # Each is a member of a neighbouring grid filling in, and says so.
    assert {v["note"] for v in wrong} == {"代邻近网格走访"}
    assert all(v["note"] != "代邻近网格走访" for v in work.counted)
    kinds = {p["id"]: p["kind"] for p in county["people"]}
    assert {kinds[v["person_id"]] for v in wrong} <= {"grid_member", "volunteer"}


def test_visits_are_mostly_by_the_households_grid_member(county: DataRows, work: Work) -> None:
    members = {
        (a["person_id"], a["target_id"])
        for a in county["assignments"]
        if a["role"] == "grid_member"
    }
    by_member = sum(
        1
        for v in work.counted
        if any((v["person_id"], place) in members for place in work.places[v["household_id"]])
    )
    assert by_member > 0.75 * len(county["visits"])


def grid_coverage(work: Work, sweep: dict[str, str], as_of: dt.date) -> dict[str, float]:
    visited = work.visited(sweep, as_of)
    homes: dict[str, list[str]] = defaultdict(list)
    for home in work.households_of(sweep):
        homes[work.grid_of(home)].append(home)
    return {grid: sum(h in visited for h in hs) / len(hs) for grid, hs in homes.items()}


def test_coverage_is_imperfect_but_mostly_high(county: DataRows, work: Work) -> None:
    finished = [s for s in county["sweeps"] if day(s["ends"]) < AS_OF]
    grids = [share for sweep in finished for share in grid_coverage(work, sweep, AS_OF).values()]
    assert 0.85 <= statistics.median(grids) <= 0.98
    assert sum(share >= 0.85 for share in grids) > 0.6 * len(grids)
    assert sum(share < 0.7 for share in grids) > 0.04 * len(grids)
    assert sum(share == 1.0 for share in grids) < 0.5 * len(grids)
    townships = {
        s["scope_id"]: len(work.visited(s, AS_OF)) / len(work.households_of(s)) for s in finished
    }
    lowest, second, *rest = sorted(townships.values())
    assert lowest < second - 0.08 and all(0.85 <= share < 1 for share in [second, *rest])


def test_a_running_round_shows_progress_so_far(county: DataRows, work: Work) -> None:
    by_township: dict[str, dict[str, float]] = defaultdict(dict)
    for sweep in county["sweeps"]:
        share = len(work.visited(sweep, AS_OF)) / len(work.households_of(sweep))
        state = "finished" if day(sweep["ends"]) < AS_OF else "running"
        by_township[sweep["scope_id"]][state] = share
    county_round = by_township.pop("C-YC")
    assert 0.3 < county_round["running"] < 0.9
    assert all(0.2 < t["running"] < t["finished"] for t in by_township.values())


def overdue(county: DataRows, work: Work, as_of: dt.date) -> set[str]:
    since = (as_of - dt.timedelta(days=29)).isoformat()
    seen = {
        v["household_id"] for v in work.counted if since <= v["visited_at"] <= as_of.isoformat()
    }
    return {h["id"] for h in county["households"] if h["groups"] and h["id"] not in seen}


def test_monitored_households_are_visited_about_monthly(county: DataRows, work: Work) -> None:
    monitored = {h["id"] for h in county["households"] if h["groups"]}
    late = overdue(county, work, AS_OF)
    assert 0 < len(late) < 0.15 * len(monitored)
    visits: dict[str, list[str]] = defaultdict(list)
    for v in work.counted:
        if v["household_id"] in monitored and v["note"]:
            visits[v["household_id"]].append(v["visited_at"])
    assert statistics.median(len(days) for days in visits.values()) == 3
    gaps = [(day(b) - day(a)).days for days in visits.values() for a, b in itertools.pairwise(days)]
    assert 24 <= statistics.median(gaps) <= 32


# ---- the demo, as a user runs it, and what its store answers ------------------------------


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dt.date]:
    db = tmp_path_factory.mktemp("demo") / "gridchain.db"
    today = dt.date.today()
    env = {k: v for k, v in os.environ.items() if k != "GRIDCHAIN_LANG"}
    done = subprocess.run(
        [GRIDCHAIN, "--db", str(db), "demo"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        check=True,
    )
    return db, done.stdout, today


@pytest.fixture(scope="module")
def todays_work(demo_store: tuple[Path, str, dt.date]) -> Work:
    return Work(generate_county(today=demo_store[2]))


def test_the_demo_ends_with_the_running_round_by_township(
    demo_store: tuple[Path, str, dt.date],
) -> None:
    _, out, today = demo_store
    for figure in ("2,009", "68,487", "173,441"):
        assert figure in out
    heading = "盐池县第四轮大摸排（C-YC-S4）走访覆盖率，按乡镇"
    assert heading in out and f"进行中，截至 {today}" in out
    assert out.index(heading) > out.index("倒查链")
    assert "合计：盐池县" in out


def test_the_stored_scorecard_counts_only_the_right_visits(
    demo_store: tuple[Path, str, dt.date], todays_work: Work
) -> None:
    db, _, today = demo_store
    rounds = {s["id"]: s for s in todays_work.rows["sweeps"]}
    backend = MemoryBackend(db)
    try:
        result = scorecard(backend, "C-YC-S4", "township", today)
        by_grid = scorecard(backend, "T01-S3", "grid", today)
    finally:
        backend.close()
    visited = todays_work.visited(rounds["C-YC-S4"], today)
    expected = {}
    for township in {u["id"] for u in todays_work.rows["units"] if u["level"] == "township"}:
        homes = [h for h, t in todays_work.township.items() if t == township]
        expected[township] = (len(homes), sum(h in visited for h in homes))
    assert {r.unit: (r.households, r.visited) for r in result.rows} == expected
    assert not result.finished and result.total.households == 68_487
    assert result.total.visited == len(visited)
    assert all(r.accountable is not None for r in result.rows)
    assert [r.coverage for r in result.rows] == sorted(r.coverage or 0 for r in result.rows)
    assert by_grid.finished
    shares = grid_coverage(todays_work, rounds["T01-S3"], today)
    assert {r.unit: r.coverage for r in by_grid.rows} == {
        grid: round(share, 3) for grid, share in shares.items()
    }


def test_the_stored_gaps_name_unvisited_and_overdue_households(
    demo_store: tuple[Path, str, dt.date], todays_work: Work
) -> None:
    db, _, today = demo_store
    backend = MemoryBackend(db)
    try:
        gaps = backend.gaps(today)
    finally:
        backend.close()
    found: dict[str, dict[str, str | None]] = defaultdict(dict)
    for gap in gaps.gaps:
        found[gap.kind][gap.id] = gap.sweep
    rows = todays_work.rows
    missed = {}
    for sweep in rows["sweeps"]:
        if day(sweep["ends"]) < today:  # each township's finished round
            visited = todays_work.visited(sweep, today)
            missed |= {h: sweep["id"] for h in todays_work.households_of(sweep) if h not in visited}
    assert found["unvisited_household"] == missed
    assert 0.03 * 68_487 < len(missed) < 0.2 * 68_487
    assert set(found["overdue_visit"]) == overdue(rows, todays_work, today)
