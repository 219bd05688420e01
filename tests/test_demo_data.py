"""The demo county holds the seed's numbers, resolves every reference, and hides every gap kind."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pytest

from engine.demo_data import REFERENCE_DAY, DataRows, generate_county
from engine.importer import COLUMNS

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


def test_today_moves_only_the_issue_timeline(county: DataRows) -> None:
    later = generate_county(today=dt.date(2027, 6, 1))
    assert later["issues"] != county["issues"]
    assert later["assignments"] == county["assignments"]


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
    levels_one = Counter(u["level"] for u in one["units"])
    levels_two = Counter(u["level"] for u in two["units"])
    assert levels_two["county"] == 1
    assert all(levels_two[level] == 2 * levels_one[level] for level in SEED_UNITS)
    assert Counter(p["kind"] for p in two["people"])["leader"] == 52
    ids = [row["id"] for rows in two.values() for row in rows]
    assert len(ids) == len(set(ids))
    assert "花马池镇(2)" in {u["name"] for u in two["units"]}
