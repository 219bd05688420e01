"""A data set is a snapshot (SPEC §5.1, issue 9) as a property of random counties: importing
snapshot A, then snapshot B taking effect on E, leaves the store answering as a fresh import
of B does, on every day from E on.

A and B are each made of some of the rows of one random county (tests/test_properties.py's,
with residents, bodies, monitored groups, visits and sweeps added): buildings dropped with all
that lies under them, households dropped with their residents and visits, residents, bodies,
assignments, visits, sweeps, and people nothing names. What B holds and A does not is added;
what A holds and B does not is retired. The one difference the rules allow: a person gone from
B's people.csv whom A's stored rows still name is kept (`report.kept`), so B's store counts
that many more people.
"""

from __future__ import annotations

import datetime as dt
import json

from counties import small
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import AS_OF, DAY, SINCE, UNTIL, Rows, counties, loaded, text

from engine.backends.memory import MemoryBackend
from engine.importer import REQUIRED_COLUMNS
from engine.intake import take_in
from engine.jsonout import to_json
from engine.ledger import Table, tables_from_rows
from engine.model import BODY_KINDS, ImportReport
from engine.snapshot import ImportMode

# Effective dates around the county's assignment dates (AS_OF ± a month, AS_OF + a day), so
# that a retired assignment may end, have ended already, or not have begun.
EFFECTIVE = [AS_OF - 30 * DAY, AS_OF, AS_OF + DAY, AS_OF + 31 * DAY]
# Days on or after E the two stores are asked about, as offsets from E.
LATER = [0 * DAY, DAY, 30 * DAY]
# Days visits fall on and sweeps start or end on, before, around and after those.
VISIT_DAYS = [AS_OF - 40 * DAY, AS_OF - 20 * DAY, AS_OF - 5 * DAY, AS_OF, AS_OF + 10 * DAY]
SWEEP_DAYS = [AS_OF - 60 * DAY, AS_OF - 20 * DAY, AS_OF, AS_OF + 20 * DAY, AS_OF + 60 * DAY]
GROUP_CELLS = ["", "", "subsistence", "marginal;income_drop", "兜底户、脱贫监测户"]


@st.composite
def whole_counties(draw: st.DrawFn) -> Rows:
    """A random county's every ledger: households get residents, units get bodies, and a few
    officials hold one post each (so that one who leaves is named by nothing else)."""
    rows = draw(counties())
    places = [u["id"] for u in rows["units"]] + [h["id"] for h in rows["households"]]
    for o in range(draw(st.integers(0, 3))):
        official = f"O{o}"
        since, until = sorted(
            (draw(st.sampled_from(SINCE)), draw(st.sampled_from(UNTIL))),
            key=lambda day: day or dt.date.min,
        )
        rows["people"].append({"id": official, "name": f"干部{o}", "kind": "cadre"})
        rows["assignments"].append(
            {
                "person_id": official,
                "target_id": draw(st.sampled_from(places)),
                "role": "liaison",
                "since": text(since),
                "until": text(until),
            }
        )
    rows["residents"] = [
        {"id": f"{h['id']}R{r}", "household_id": h["id"], "name": f"居民{h['id']}{r}"}
        for h in rows["households"]
        for r in range(draw(st.integers(0, 2)))
    ]
    holders = ["", *(p["id"] for p in rows["people"])]
    rows["bodies"] = [
        {
            "id": f"BODY{b}",
            "name": f"先锋岗{b}",
            "kind": draw(st.sampled_from(sorted(BODY_KINDS))),
            "unit_id": draw(st.sampled_from([u["id"] for u in rows["units"]])),
            "holder_id": draw(st.sampled_from(holders)),
        }
        for b in range(draw(st.integers(0, 3)))
    ]
    for household in rows["households"]:
        household["groups"] = draw(st.sampled_from(GROUP_CELLS))
    rows["visits"] = draw(visits_to(rows)) if rows["households"] else []
    rows["sweeps"] = [
        {
            "id": f"SW{s}",
            "name": f"摸排{s}",
            "scope_id": draw(st.sampled_from([u["id"] for u in rows["units"]])),
            "starts": text(starts),
            "ends": text(draw(st.sampled_from([day for day in SWEEP_DAYS if day >= starts]))),
        }
        for s in range(draw(st.integers(0, 3)))
        for starts in [draw(st.sampled_from(SWEEP_DAYS))]
    ]
    return rows


@st.composite
def visits_to(draw: st.DrawFn, rows: Rows) -> list[dict[str, str]]:
    """Visits by anyone of the county to any of its households: some count, some do not."""
    return [
        {
            "id": f"VIS{v}",
            "person_id": draw(st.sampled_from([p["id"] for p in rows["people"]])),
            "household_id": draw(st.sampled_from([h["id"] for h in rows["households"]])),
            "visited_at": text(draw(st.sampled_from(VISIT_DAYS))),
            "kind": draw(st.sampled_from(["", "patrol", "service"])),
        }
        for v in range(draw(st.integers(0, 8)))
    ]


@st.composite
def snapshots_of(draw: st.DrawFn, county: Rows) -> Rows:
    """A valid data set of some of `county`'s rows: whatever a kept row names is kept too."""

    def keep() -> bool:
        """Most rows stay (shrinking towards all of them), one in three goes."""
        return draw(st.sampled_from([True, True, False]))

    gone_buildings = {u["id"] for u in county["units"] if u["level"] == "building" and not keep()}
    units = [u for u in county["units"] if u["id"] not in gone_buildings]
    unit_ids = {u["id"] for u in units}
    households = [h for h in county["households"] if h["unit_id"] in unit_ids and keep()]
    places = unit_ids | {h["id"] for h in households}
    residents = [r for r in county["residents"] if r["household_id"] in places and keep()]
    assignments = [a for a in county["assignments"] if a["target_id"] in places and keep()]
    bodies = [b for b in county["bodies"] if b["unit_id"] in unit_ids and keep()]
    visits = [v for v in county["visits"] if v["household_id"] in places and keep()]
    sweeps = [s for s in county["sweeps"] if s["scope_id"] in unit_ids and keep()]
    named = {a["person_id"] for a in assignments} | {b["holder_id"] for b in bodies}
    named |= {v["person_id"] for v in visits}
    people = [p for p in county["people"] if p["id"] in named or keep()]
    return {
        "units": units,
        "households": households,
        "residents": residents,
        "people": people,
        "assignments": assignments,
        "bodies": bodies,
        "visits": visits,
        "sweeps": sweeps,
    }


@st.composite
def two_snapshots(draw: st.DrawFn) -> tuple[Rows, Rows]:
    county = draw(whole_counties())
    return draw(snapshots_of(county)), draw(snapshots_of(county))


def ledgers(rows: Rows) -> dict[str, Table]:
    """Every file of the data set, a kind without rows as a file holding only its header: a
    file that is there and empty retires all it held, one that is missing retires nothing."""
    tables = tables_from_rows(rows)
    for kind in rows:
        tables.setdefault(kind, Table(f"{kind}.csv", list(REQUIRED_COLUMNS[kind])))
    return tables


def imported(backend: MemoryBackend, rows: Rows, effective: dt.date) -> ImportReport:
    _, report = take_in(backend, ledgers(rows), ImportMode(effective))
    return report


def answers(backend: MemoryBackend, rows: Rows, day: dt.date) -> dict[str, str]:
    """What a store answers on `day` about every unit and household of `rows`, as JSON."""
    nodes = [u["id"] for u in rows["units"]] + [h["id"] for h in rows["households"]]
    found = {f"who {n}": to_json(backend.who(n, day)) for n in nodes}
    found.update({f"trace {n}": to_json(backend.trace(n, day)) for n in nodes})
    found["gaps"] = to_json(backend.gaps(day))
    townships = [u["id"] for u in rows["units"] if u["level"] == "township"]
    found["gaps of a township"] = to_json(backend.gaps(day, scope=townships[0]))
    found["sweeps"] = to_json(backend.sweeps())
    households = [h["id"] for h in rows["households"]]
    found.update({f"visits to {h}": to_json(backend.household_visits(h)) for h in households})
    return found


def people_counted(backend: MemoryBackend, day: dt.date) -> tuple[int, dict[str, object]]:
    """`stats` on `day`: the people it counts, and the rest of it."""
    stats = json.loads(to_json(backend.stats(day)))
    return stats["nodes"].pop("Person"), stats


def since_effective(rows: Rows, effective: dt.date) -> Rows:
    """`rows` without the visits made before `effective`. Whether a visit counts is judged on
    its own day, by the assignments of that day: one A held before B's effective date rightly
    still counts over A, though B alone never knew the assignment."""
    visits = [v for v in rows["visits"] if dt.date.fromisoformat(v["visited_at"]) >= effective]
    return {**rows, "visits": visits}


@settings(max_examples=40, deadline=None)
@given(two_snapshots(), st.sampled_from(EFFECTIVE), st.sampled_from(LATER))
def test_snapshot_b_over_a_answers_as_b_alone_from_its_effective_date(
    snapshots: tuple[Rows, Rows], effective: dt.date, later: dt.timedelta
) -> None:
    a, b = (since_effective(rows, effective) for rows in snapshots)
    day = effective + later
    with loaded(a) as store, loaded(b) as fresh:
        report = imported(store, b, effective)
        assert answers(store, b, day) == answers(fresh, b, day)
        people, stats = people_counted(store, day)
        fresh_people, fresh_stats = people_counted(fresh, day)
        assert stats == fresh_stats
        assert people == fresh_people + len(report.kept)


def test_a_person_named_only_by_an_assignment_the_import_removes_is_removed_too() -> None:
    """TV3NEW's command of V3 begins in 2030: gone from the ledger with TV3NEW, it never held
    and is removed, and then nothing past or present names TV3NEW (SPEC §5.1)."""
    county = small()
    b = {
        **county,
        "people": [p for p in county["people"] if p["id"] != "TV3NEW"],
        "assignments": [a for a in county["assignments"] if a["person_id"] != "TV3NEW"],
    }
    with loaded(county) as store:
        report = imported(store, b, AS_OF)
        assert report.removed == {"assignments": 1, "people": 1}
        assert report.kept == []
