"""The floors of the benchmarks: the same questions answered with plain `sqlite3` on the store.

Standard library only, so that the system `python3` (no venv, no gridchain) runs it as the
floor process of a cold CLI figure, and a benchmark imports it for an in-process floor:

    python3 bench/sqlfloor.py DB who H0000001 [--as-of YYYY-MM-DD]
    python3 bench/sqlfloor.py DB trace I0003
    python3 bench/sqlfloor.py DB gaps [--scope T01]

Every lookup is by an index (the ones listed in INDEXES, which the new backend creates); a
store without them is no fair floor, so `missing_indexes` names them and `indexed_copy` makes
a copy that has them. It answers what gridchain answers, not more: a `who` is the household,
its units up to the county (at most 7 levels), the active assignments of each with their
people, and the bodies serving each unit; `gaps` is set-wise SQL for every gap kind.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path

INDEXES = (
    ("units", "parent_id"),
    ("households", "unit_id"),
    ("residents", "household_id"),
    ("assignments", "target_id"),
    ("assignments", "person_id"),
    ("bodies", "unit_id"),
    ("issues", "target_id"),
    ("issue_events", "issue_id"),
)
MAX_LEVELS = 7
MEMBER_LIMIT = 50  # engine.model.DEFAULT_MEMBER_LIMIT
HIGH_RISK = ("red", "orange")
ACTIVE = "(a.since IS NULL OR a.since <= :day) AND (a.until IS NULL OR :day <= a.until)"


def connect(db: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def missing_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """The (table, column) pairs of INDEXES that no index of the store starts with."""
    missing = []
    for table, column in INDEXES:
        firsts = {
            conn.execute(f"PRAGMA index_info({index['name']!r})").fetchone()["name"]
            for index in conn.execute(f"PRAGMA index_list({table})").fetchall()
        }
        if column not in firsts:
            missing.append((table, column))
    return missing


def indexed_copy(db: Path, copy: Path) -> list[tuple[str, str]]:
    """Copy the store (consistently, through SQLite) and add the missing indexes to the copy."""
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.row_factory = sqlite3.Row
    added = missing_indexes(target)
    for table, column in added:
        target.execute(f"CREATE INDEX bench_floor_{table}_{column} ON {table} ({column})")
    target.commit()
    target.close()
    return added


# ---- who / trace ---------------------------------------------------------------------------


def chain(conn: sqlite3.Connection, start: str, day: str) -> list[dict[str, object]]:
    """The start node (a household or a unit) and its units up, each with what `who` shows."""
    levels: list[dict[str, object]] = []
    household = conn.execute("SELECT * FROM households WHERE id = ?", (start,)).fetchone()
    up: str | None = start
    if household is not None:
        levels.append({"level": "Household", "unit": start, "record": dict(household)})
        up = household["unit_id"]
    while up and len(levels) < MAX_LEVELS:
        unit = conn.execute(
            "SELECT id, name, label, kind, parent_id FROM units WHERE id = ?", (up,)
        ).fetchone()
        if unit is None:
            break
        levels.append({"level": unit["label"], "unit": unit["id"], "record": dict(unit)})
        up = unit["parent_id"]
    for level in levels:
        level["assignments"] = [
            dict(row)
            for row in conn.execute(
                "SELECT a.id, a.role, a.since, a.until, p.id AS person, p.name, p.kind "
                "FROM assignments a JOIN people p ON p.id = a.person_id "
                f"WHERE a.target_id = :unit AND {ACTIVE} ORDER BY a.role, a.person_id",
                {"unit": level["unit"], "day": day},
            )
        ]
        level["bodies"] = [
            dict(row)
            for row in conn.execute(
                "SELECT id, kind, name FROM bodies WHERE unit_id = ? ORDER BY id",
                (level["unit"],),
            )
        ]
    return levels


def who(conn: sqlite3.Connection, target: str, day: str) -> dict[str, object]:
    levels = chain(conn, target, day)
    commander = next(
        (
            holder
            for level in levels
            if level["level"] == "Township"
            for holder in level["assignments"]  # type: ignore[attr-defined]
            if holder["role"] == "commander"
        ),
        None,
    )
    return {"target": target, "as_of": day, "commander": commander, "chain": levels}


def trace(conn: sqlite3.Connection, target: str, day: str) -> dict[str, object]:
    """An issue's record and events and the chain of its subject; a household's chain."""
    issue = conn.execute("SELECT * FROM issues WHERE id = ?", (target,)).fetchone()
    events: list[dict[str, object]] = []
    start = target
    if issue is not None:
        start = issue["target_id"]
        events = [
            dict(row)
            for row in conn.execute(
                "SELECT * FROM issue_events WHERE issue_id = ? ORDER BY seq", (target,)
            )
        ]
    return {
        "target": target,
        "as_of": day,
        "issue": dict(issue) if issue is not None else None,
        "events": events,
        "steps": chain(conn, start, day),
    }


# ---- gaps ----------------------------------------------------------------------------------

# `{households}` is the households table, or the temp table of those in the scope; `{in_scope}`
# is empty, or the condition that a unit lies in the scope.
UNIT_GAPS = """
SELECT 'missing_commander', u.id FROM units u
 WHERE u.label IN ('Township', 'Village') {in_scope}
   AND NOT EXISTS (SELECT 1 FROM assignments a
                    WHERE a.target_id = u.id AND a.role = 'commander' AND {active})
UNION ALL
SELECT 'missing_grid_head', u.id FROM units u
 WHERE u.label = 'Grid' {in_scope}
   AND NOT EXISTS (SELECT 1 FROM assignments a
                    WHERE a.target_id = u.id AND a.role = 'grid_head' AND {active})
UNION ALL
SELECT 'orphan_unit', u.id FROM units u
 WHERE u.label <> 'County' {in_scope}
   AND (u.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM units p WHERE p.id = u.parent_id))
"""

# Covered: an active grid_member on the household, its unit, or the grid of its building.
HOUSEHOLD_GAPS = """
SELECT 'uncovered_household', h.id FROM {households} h JOIN units u ON u.id = h.unit_id
 WHERE h.id NOT IN (SELECT id FROM covering) AND h.unit_id NOT IN (SELECT id FROM covering)
   AND NOT (u.label = 'Building' AND u.parent_id IN (SELECT id FROM covering))
UNION ALL
SELECT 'empty_household', h.id FROM {households} h
 WHERE NOT EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id)
UNION ALL
SELECT 'incomplete_four_to_one', h.id FROM {households} h
 WHERE h.status = 'home_quarantine'
   AND (SELECT COUNT(DISTINCT a.person_id) FROM assignments a
         WHERE a.target_id = h.id AND a.role = 'four_to_one' AND {active}) < 4
UNION ALL
SELECT 'unattended_high_risk', h.id FROM {households} h
 WHERE h.color IN ('red', 'orange')
   AND NOT EXISTS (SELECT 1 FROM assignments a JOIN people p ON p.id = a.person_id
                    WHERE a.target_id = h.id AND {active} AND p.kind IN ('cadre', 'leader'))
UNION ALL
SELECT 'orphan_unit', h.id FROM {households} h
 WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = h.unit_id)
"""

# Each person's households covered through active grid_member assignments (a household, or
# every household below a unit), counted once; over the limit, the person is overloaded.
OVERLOADED = """
WITH RECURSIVE below(unit, top) AS (
    SELECT id, id FROM units
    UNION ALL
    SELECT u.id, below.top FROM units u JOIN below ON u.parent_id = below.unit
),
member(person, target) AS (
    SELECT a.person_id, a.target_id FROM assignments a WHERE a.role = 'grid_member' AND {active}
),
covered(person, household) AS (
    SELECT m.person, h.id FROM member m JOIN households h ON h.id = m.target
    UNION
    SELECT m.person, h.id FROM member m JOIN below ON below.top = m.target
      JOIN households h ON h.unit_id = below.unit
)
SELECT 'overloaded_member', person FROM covered GROUP BY person
HAVING COUNT(*) > :limit {touches_scope}
"""


def gaps(conn: sqlite3.Connection, day: str, scope: str | None = None) -> dict[str, object]:
    """Every gap in the county (or under `scope`), sorted by kind then id, with its path."""
    for table in ("scope_units", "scope_households", "covering"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    conn.execute("CREATE TEMP TABLE covering (id PRIMARY KEY) WITHOUT ROWID")
    conn.execute(
        "INSERT OR IGNORE INTO covering SELECT a.target_id FROM assignments a "
        f"WHERE a.role = 'grid_member' AND {ACTIVE}",
        {"day": day},
    )
    parts = {"active": ACTIVE, "households": "households", "in_scope": "", "touches_scope": ""}
    if scope is not None:
        conn.execute("CREATE TEMP TABLE scope_units (id PRIMARY KEY) WITHOUT ROWID")
        conn.execute(
            "WITH RECURSIVE sub(id) AS (SELECT :scope UNION ALL "
            "SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) "
            "INSERT INTO scope_units SELECT id FROM sub",
            {"scope": scope},
        )
        conn.execute(
            "CREATE TEMP TABLE scope_households AS SELECT h.* FROM households h "
            "WHERE h.unit_id IN (SELECT id FROM scope_units) OR h.id = :scope",
            {"scope": scope},
        )
        parts.update(
            households="scope_households",
            in_scope="AND u.id IN (SELECT id FROM scope_units)",
            touches_scope="AND SUM(household IN (SELECT id FROM scope_households)) > 0",
        )
    params = {"day": day, "limit": MEMBER_LIMIT}
    found = [
        (kind, gap_id)
        for sql in (UNIT_GAPS, HOUSEHOLD_GAPS, OVERLOADED)
        for kind, gap_id in conn.execute(sql.format(**parts), params)
    ]
    parent = dict(conn.execute("SELECT id, parent_id FROM units").fetchall())
    label = dict(conn.execute("SELECT id, label FROM units").fetchall())
    households = [i for k, i in found if i not in label and k != "overloaded_member"]
    unit_of: dict[str, str] = {}
    for start in range(0, len(households), 500):
        batch = households[start : start + 500]
        marks = ",".join("?" * len(batch))
        unit_of.update(
            conn.execute(f"SELECT id, unit_id FROM households WHERE id IN ({marks})", batch)
        )
    listed = []
    by_kind: dict[str, int] = {}
    by_township: dict[str, int] = {}
    for kind, gap_id in sorted(found):
        path: list[str] = []
        level = "Person"
        if kind != "overloaded_member":
            level = label.get(gap_id, "Household")
            path = [gap_id]
            node = unit_of.get(gap_id) if level == "Household" else parent.get(gap_id)
            while node is not None and len(path) <= MAX_LEVELS:
                path.append(node)
                node = parent.get(node)
        listed.append({"kind": kind, "id": gap_id, "level": level, "path": path})
        by_kind[kind] = by_kind.get(kind, 0) + 1
        township = next((n for n in path if label.get(n) == "Township"), None)
        if township is not None:
            by_township[township] = by_township.get(township, 0) + 1
    summary = {"total": len(listed), "by_kind": by_kind, "by_township": by_township}
    return {"as_of": day, "scope": scope, "gaps": listed, "summary": summary}


def main(argv: list[str]) -> None:
    db, question, *rest = argv
    day = dt.date.today().isoformat()
    scope = None
    target = None
    while rest:
        word = rest.pop(0)
        if word == "--as-of":
            day = rest.pop(0)
        elif word == "--scope":
            scope = rest.pop(0)
        else:
            target = word
    conn = connect(db)
    if question == "gaps":
        answer = gaps(conn, day, scope)
    elif question in ("who", "trace") and target is not None:
        answer = (who if question == "who" else trace)(conn, target, day)
    else:
        sys.exit(f"usage: {Path(__file__).name} DB who|trace TARGET | gaps [--scope UNIT]")
    json.dump(answer, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
