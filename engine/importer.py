"""Validating a data set (SPEC §5): every row checked before anything is written.

The result is a `DataSet` any backend can store; a bad row anywhere raises `ImportRefused`
naming file, physical line and column, so a refused import writes nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from engine import fields, issues, vocabulary
from engine.errors import BadQuery, ImportProblem, ImportRefused, either, header_of
from engine.lang import say
from engine.ledger import Table
from engine.model import (
    BODY_KINDS,
    LEVEL_LABELS,
    PARENT_LABELS,
    UNIT_LABELS,
    Assignment,
    Body,
    DataSet,
    Household,
    Issue,
    Person,
    Resident,
    Sweep,
    Unit,
    Visit,
)
from engine.vocabulary import WordList, label_name

# Column order is the order of SPEC §5; `required` cells must be non-empty.
COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("id", "name", "level", "kind", "parent_id"),
    "households": ("id", "unit_id", "address", "color", "status", "points", "groups"),
    "residents": ("id", "household_id", "name", "phone", "id_number"),
    "people": ("id", "name", "kind", "org", "phone", "party_member"),
    "assignments": ("id", "person_id", "target_id", "role", "since", "until"),
    "bodies": ("id", "name", "kind", "unit_id", "holder_id"),
    "issues": (
        "id",
        "target_id",
        "category",
        "reported_by",
        "reported_at",
        "department",
        "due_at",
        "resolved_at",
        "status",
    ),
    "visits": ("id", "person_id", "household_id", "visited_at", "kind", "note"),
    "sweeps": ("id", "name", "scope_id", "starts", "ends"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("id", "name", "level", "parent_id"),
    "households": ("id", "unit_id"),
    "residents": ("id", "household_id", "name"),
    "people": ("id", "name", "kind"),
    "assignments": ("person_id", "target_id", "role"),
    "bodies": ("id", "name", "kind", "unit_id"),
    "issues": ("id", "target_id", "category", "reported_by", "reported_at"),
    "visits": ("id", "person_id", "household_id", "visited_at"),
    "sweeps": ("id", "name", "scope_id", "starts", "ends"),
}
PLACE_LABELS = UNIT_LABELS  # what an assignment, a body or an issue may point at
SCOPE_LABELS = tuple(LEVEL_LABELS.values())  # what a sweep may be over: a unit, not a household
# Records that are relationships in the graph (a RESPONSIBLE_FOR, a VISITED edge): their ids
# are checked against the data set's, never against the stored nodes' labels.
EDGE_LABELS = frozenset({"Assignment", "Visit"})
# What separates the monitored groups of a household's cell: the ASCII semicolon, and the
# full-width semicolon and the enumeration comma a Chinese keyboard types (兜底户；边缘户、…).
GROUP_SEPARATORS = re.compile("[;；、]")

KnownLabels = Callable[[set[str]], dict[str, str]]
T = TypeVar("T")


@dataclass
class Reference:
    """A cell that must name a node of one of `labels`."""

    source: str
    file: str
    line: int
    column: str
    target: str
    labels: tuple[str, ...]


@dataclass
class Validation:
    problems: list[ImportProblem] = field(default_factory=list)  # the first listed ones
    total: int = 0  # of all problems found
    labels: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)  # of the table being read

    def fail(self, file: str, line: int, column: str, message: str) -> None:
        self.total += 1
        if len(self.problems) < ImportRefused.LISTED:
            self.problems.append(ImportProblem(file, line, column, message))

    def claim(self, node_id: str, label: str, file: str, line: int) -> None:
        first = self.labels.get(node_id)
        if first is not None:
            _, first_file, first_line = first
            self.fail(
                file,
                line,
                "id",
                say(
                    f"编号 {node_id} 重复（首次出现在 {first_file} 第 {first_line} 行）",
                    f"duplicate id {node_id!r} (first at {first_file}, line {first_line})",
                ),
            )
        else:
            self.labels[node_id] = (label, file, line)

    def refer(
        self, source: str, file: str, line: int, column: str, target: str, *labels: str
    ) -> None:
        self.references.append(Reference(source, file, line, column, target, labels))


@contextmanager
def collector_paused() -> Iterator[None]:
    """A data set is hundreds of thousands of records, none in a reference cycle: the cyclic
    collector would walk them over and over while they are made, for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def validate(tables: dict[str, Table], known: KnownLabels) -> DataSet:
    """Check every row; return the records or raise `ImportRefused` with every problem."""
    with collector_paused():
        return checked(tables, known)


def checked(tables: dict[str, Table], known: KnownLabels) -> DataSet:
    check = Validation()
    present = {kind: table for kind, table in tables.items() if header_ok(table, kind, check)}
    data = DataSet(
        units=[u for u in rows_of(present, "units", check, unit_row) if u],
        households=[h for h in rows_of(present, "households", check, household_row) if h],
        residents=[r for r in rows_of(present, "residents", check, resident_row) if r],
        people=[p for p in rows_of(present, "people", check, person_row) if p],
        assignments=[a for a in rows_of(present, "assignments", check, assignment_row) if a],
        bodies=[b for b in rows_of(present, "bodies", check, body_row) if b],
        issues=[i for i in rows_of(present, "issues", check, issue_row) if i],
        visits=[v for v in rows_of(present, "visits", check, visit_row) if v],
        sweeps=[s for s in rows_of(present, "sweeps", check, sweep_row) if s],
    )
    units_file = present["units"].file if "units" in present else "units.csv"
    cyclic = check_cycles(data.units, check, units_file)
    resolve_references(check, known, cyclic)
    if check.problems:
        check.problems.sort(key=lambda p: (p.file, p.line))
        raise ImportRefused(check.problems, check.total)
    data.origins = {record: (file, line) for record, (_, file, line) in check.labels.items()}
    return data


def header_ok(table: Table, kind: str, check: Validation) -> bool:
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in table.columns]
    for column in missing:
        check.fail(table.file, 1, column, say("缺少这一必填列", "required column is missing"))
    return not missing


def rows_of(
    tables: dict[str, Table], kind: str, check: Validation, parse: Callable[..., T | None]
) -> Iterable[T | None]:
    table = tables.get(kind)
    if table is None:
        return []
    check.extra_columns = [c for c in table.columns if c and c not in KNOWN_COLUMNS[kind]]
    file = table.file
    return [
        parse(file, line, row, check) if cells_ok(kind, file, line, row, check) else None
        for line, row in table.rows
    ]


def cells_ok(kind: str, file: str, line: int, row: dict[str, str], check: Validation) -> bool:
    """Whether every cell of the row is a good id, name or text of its column (engine/fields.py);
    a row that is not is refused before it is read any further."""
    ok = True
    for column, value in row.items():
        if value:
            problem = fields.cell_problem(column, value, kind)
            if problem:
                check.fail(file, line, column, problem)
                ok = False
    return ok


def required(file: str, line: int, row: dict[str, str], check: Validation, *columns: str) -> bool:
    ok = True
    for column in columns:
        if not row.get(column):
            check.fail(file, line, column, say("必填项为空", "required value is empty"))
            ok = False
    return ok


KNOWN_COLUMNS = {kind: frozenset(columns) for kind, columns in COLUMNS.items()}


def extra_of(row: dict[str, str], check: Validation) -> dict[str, str]:
    return {column: row[column] for column in check.extra_columns if row.get(column)}


def optional(row: dict[str, str], column: str) -> str | None:
    return row.get(column) or None


def one_of(
    file: str,
    line: int,
    row: dict[str, str],
    column: str,
    words: WordList,
    check: Validation,
) -> bool:
    """Whether the cell names a word of `words` (its code or any of its names, engine/
    vocabulary.py); the cell is then read as the code, so every record holds codes."""
    value = row.get(column, "")
    if not value:
        return True
    code = words.code_of(value)
    if code is None:
        check.fail(file, line, column, unknown_word(value, words))
        return False
    row[column] = code
    return True


def unknown_word(value: str, words: WordList) -> str:
    # The place names the column already (职责 列), so the Chinese need not name the list.
    english = words.what.partition(" (")[0]
    return say(
        f"无法识别 '{value}'（可填：{words.shown()}）",
        f"unknown {english} {value!r} (expected {words.shown()})",
    )


def groups_of(file: str, line: int, row: dict[str, str], check: Validation) -> tuple[str, ...]:
    """The monitored groups a household's cell names (codes or names, separated by `;`, `；` or
    `、`), as codes in the vocabulary's order, each once; an unknown one is refused."""
    groups = vocabulary.MONITORED_GROUPS
    named = set()
    for part in GROUP_SEPARATORS.split(row.get("groups", "")):
        if not part.strip():
            continue
        code = groups.code_of(part)
        if code is None:
            check.fail(file, line, "groups", unknown_word(part.strip(), groups))
        else:
            named.add(code)
    return tuple(code for code in groups.codes if code in named)


def date_of(
    file: str, line: int, row: dict[str, str], column: str, check: Validation
) -> tuple[bool, dt.date | None]:
    value = row.get(column, "")
    if not value:
        return True, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        check.fail(
            file,
            line,
            column,
            say(
                f"日期有误 '{value}'（应写作 YYYY-MM-DD，如 2024-03-01）",
                f"bad date {value!r} (expected YYYY-MM-DD)",
            ),
        )
        return False, None
    problem = fields.day_problem(day)
    if problem:
        check.fail(file, line, column, problem)
        return False, None
    return True, day


def unit_row(file: str, line: int, row: dict[str, str], check: Validation) -> Unit | None:
    if not required(file, line, row, check, "id", "name", "level"):
        return None
    if not one_of(file, line, row, "level", vocabulary.LEVELS, check):
        return None
    label = LEVEL_LABELS[row["level"]]
    parent = optional(row, "parent_id")
    check.claim(row["id"], label, file, line)
    if label == "County":
        if parent:
            check.fail(
                file, line, "parent_id", say("县没有上级，上级编号应留空", "a county has no parent")
            )
    elif not parent:
        level = row["level"]
        check.fail(
            file,
            line,
            "parent_id",
            say(
                f"{vocabulary.LEVELS.name(level)}须填上级编号",
                f"a {level} needs a parent",
            ),
        )
    else:
        check.refer(row["id"], file, line, "parent_id", parent, *PARENT_LABELS[label])
    return Unit(
        id=row["id"],
        name=row["name"],
        label=label,
        kind=optional(row, "kind"),
        parent_id=parent,
        extra=extra_of(row, check),
    )


def household_row(file: str, line: int, row: dict[str, str], check: Validation) -> Household | None:
    if not required(file, line, row, check, "id", "unit_id"):
        return None
    check.claim(row["id"], "Household", file, line)
    check.refer(row["id"], file, line, "unit_id", row["unit_id"], *PARENT_LABELS["Household"])
    one_of(file, line, row, "color", vocabulary.COLORS, check)
    # A status of the vocabulary is read as its code; a county's own statuses are kept as given.
    status = vocabulary.HOUSEHOLD_STATUSES.code_of(row.get("status", "")) or optional(row, "status")
    return Household(
        id=row["id"],
        unit_id=row["unit_id"],
        address=optional(row, "address"),
        color=optional(row, "color"),
        status=status,
        points=optional(row, "points"),
        groups=groups_of(file, line, row, check),
        extra=extra_of(row, check),
    )


def resident_row(file: str, line: int, row: dict[str, str], check: Validation) -> Resident | None:
    if not required(file, line, row, check, "id", "household_id", "name"):
        return None
    check.claim(row["id"], "Resident", file, line)
    check.refer(row["id"], file, line, "household_id", row["household_id"], "Household")
    return Resident(
        id=row["id"],
        household_id=row["household_id"],
        name=row["name"],
        phone=optional(row, "phone"),
        id_number=optional(row, "id_number"),
        extra=extra_of(row, check),
    )


def person_row(file: str, line: int, row: dict[str, str], check: Validation) -> Person | None:
    if not required(file, line, row, check, "id", "name", "kind"):
        return None
    check.claim(row["id"], "Person", file, line)
    if not one_of(file, line, row, "kind", vocabulary.PERSON_KINDS, check):
        return None
    one_of(file, line, row, "party_member", vocabulary.YES_NO, check)
    party = row.get("party_member", "")
    return Person(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        org=optional(row, "org"),
        phone=optional(row, "phone"),
        party_member=(party == "true") if party in vocabulary.YES_NO.codes else None,
        extra=extra_of(row, check),
    )


def assignment_row(
    file: str, line: int, row: dict[str, str], check: Validation
) -> Assignment | None:
    if not required(file, line, row, check, "person_id", "target_id", "role"):
        return None
    roles_ok = one_of(file, line, row, "role", vocabulary.ROLES, check)
    since_ok, since = date_of(file, line, row, "since", check)
    until_ok, until = date_of(file, line, row, "until", check)
    if since and until and until < since:
        check.fail(
            file,
            line,
            "until",
            say(
                f"截止日期（{until}）早于起始日期（{since}）",
                f"ends ({until}) before it starts ({since})",
            ),
        )
    assignment_id = row.get("id") or assignment_key(
        row["person_id"], row["target_id"], row["role"], since
    )
    check.claim(assignment_id, "Assignment", file, line)
    check.refer(assignment_id, file, line, "person_id", row["person_id"], "Person")
    check.refer(assignment_id, file, line, "target_id", row["target_id"], *PLACE_LABELS)
    if not (roles_ok and since_ok and until_ok):
        return None
    return Assignment(
        id=assignment_id,
        person_id=row["person_id"],
        target_id=row["target_id"],
        role=row["role"],
        since=since,
        until=until,
        extra=extra_of(row, check),
    )


def assignment_key(person_id: str, target_id: str, role: str, since: dt.date | None) -> str:
    """The id of an assignment given without one: who, where, as what, from when."""
    return f"{person_id}>{target_id}:{role}@{since.isoformat() if since else ''}"


def body_row(file: str, line: int, row: dict[str, str], check: Validation) -> Body | None:
    if not required(file, line, row, check, "id", "name", "kind", "unit_id"):
        return None
    if not one_of(file, line, row, "kind", vocabulary.BODY_KINDS, check):
        return None
    check.claim(row["id"], BODY_KINDS[row["kind"]], file, line)
    check.refer(row["id"], file, line, "unit_id", row["unit_id"], *PLACE_LABELS)
    holder = optional(row, "holder_id")
    if holder:
        check.refer(row["id"], file, line, "holder_id", holder, "Person")
    return Body(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        unit_id=row["unit_id"],
        holder_id=holder,
        extra=extra_of(row, check),
    )


def issue_row(file: str, line: int, row: dict[str, str], check: Validation) -> Issue | None:
    if not required(
        file, line, row, check, "id", "target_id", "category", "reported_by", "reported_at"
    ):
        return None
    check.claim(row["id"], "Issue", file, line)
    check.refer(row["id"], file, line, "target_id", row["target_id"], *PLACE_LABELS)
    check.refer(row["id"], file, line, "reported_by", row["reported_by"], "Person")
    dates = [date_of(file, line, row, c, check) for c in ("reported_at", "due_at", "resolved_at")]
    status_ok = one_of(file, line, row, "status", vocabulary.ISSUE_STATUSES, check)
    if not (status_ok and all(ok for ok, _ in dates)):
        return None
    (_, reported_at), (_, due_at), (_, resolved_at) = dates
    assert reported_at is not None  # required above
    later = ((due_at, "due_at"), (resolved_at, "resolved_at"))
    if not in_order(file, line, reported_at, later, check):
        return None
    if due_at is None:
        # A ledger row without a due date is due when a report through the API would be.
        try:
            due_at = issues.policy().due_at(row["category"], reported_at)
        except BadQuery as exc:
            check.fail(file, line, "reported_at", str(exc))
            return None
    return Issue(
        id=row["id"],
        target_id=row["target_id"],
        category=row["category"],
        reported_by=row["reported_by"],
        reported_at=reported_at,
        department=optional(row, "department"),
        due_at=due_at,
        resolved_at=resolved_at,
        status=optional(row, "status") or ("resolved" if resolved_at else "reported"),
        extra=extra_of(row, check),
    )


def visit_row(file: str, line: int, row: dict[str, str], check: Validation) -> Visit | None:
    if not required(file, line, row, check, "id", "person_id", "household_id", "visited_at"):
        return None
    check.claim(row["id"], "Visit", file, line)
    check.refer(row["id"], file, line, "person_id", row["person_id"], "Person")
    check.refer(row["id"], file, line, "household_id", row["household_id"], "Household")
    kind_ok = one_of(file, line, row, "kind", vocabulary.VISIT_KINDS, check)
    day_ok, day = date_of(file, line, row, "visited_at", check)
    if not (kind_ok and day_ok):
        return None
    assert day is not None  # required above
    return Visit(
        id=row["id"],
        person_id=row["person_id"],
        household_id=row["household_id"],
        visited_at=day,
        kind=row.get("kind") or "visit",
        note=optional(row, "note"),
        extra=extra_of(row, check),
    )


def sweep_row(file: str, line: int, row: dict[str, str], check: Validation) -> Sweep | None:
    if not required(file, line, row, check, "id", "name", "scope_id", "starts", "ends"):
        return None
    check.claim(row["id"], "Sweep", file, line)
    check.refer(row["id"], file, line, "scope_id", row["scope_id"], *SCOPE_LABELS)
    starts_ok, starts = date_of(file, line, row, "starts", check)
    ends_ok, ends = date_of(file, line, row, "ends", check)
    if not (starts_ok and ends_ok):
        return None
    assert starts is not None and ends is not None  # required above
    if ends < starts:
        check.fail(
            file,
            line,
            "ends",
            say(
                f"结束日期（{ends}）早于开始日期（{starts}）",
                f"ends ({ends}) before it starts ({starts})",
            ),
        )
        return None
    return Sweep(
        id=row["id"],
        name=row["name"],
        scope_id=row["scope_id"],
        starts=starts,
        ends=ends,
        extra=extra_of(row, check),
    )


def in_order(
    file: str,
    line: int,
    reported_at: dt.date,
    days: Iterable[tuple[dt.date | None, str]],
    check: Validation,
) -> bool:
    """An issue is not due or resolved before it was reported."""
    ok = True
    for day, column in days:
        if day is not None and day < reported_at:
            check.fail(
                file,
                line,
                column,
                say(
                    f"{header_of(file, column)}（{day}）早于上报日期（{reported_at}）",
                    f"{column} ({day}) is before reported_at ({reported_at})",
                ),
            )
            ok = False
    return ok


def resolve_references(check: Validation, known: KnownLabels, cyclic: set[str]) -> None:
    outside = {r.target for r in check.references if r.target not in check.labels}
    stored = known(outside) if outside else {}
    claimed_ids = [
        node_id for node_id, (label, _, _) in check.labels.items() if label not in EDGE_LABELS
    ]
    for node_id, stored_label in known(set(claimed_ids)).items() if claimed_ids else ():
        new_label, file, line = check.labels[node_id]
        if stored_label != new_label:
            check.fail(
                file,
                line,
                "id",
                say(
                    f"编号 {node_id} 在库中已是{label_name(stored_label, 'zh')}，不能再作"
                    f"{label_name(new_label, 'zh')}",
                    f"id {node_id!r} is already a {stored_label} in the store",
                ),
            )
    for ref in check.references:
        if ref.source in cyclic and ref.column == "parent_id":
            continue  # already refused as a cycle; its levels cannot be right either
        found = check.labels.get(ref.target)
        label = found[0] if found else stored.get(ref.target)
        if label is None:
            check.fail(
                ref.file,
                ref.line,
                ref.column,
                say(
                    f"找不到{sought(ref.labels)} {ref.target}",
                    f"unknown reference {ref.target!r}",
                ),
            )
        elif label not in ref.labels:
            expected = either([label_name(wanted, "zh") for wanted in ref.labels])
            check.fail(
                ref.file,
                ref.line,
                ref.column,
                say(
                    f"{ref.target} 是{label_name(label, 'zh')}，这里应为{expected}",
                    f"{ref.target!r} is a {label}, expected {' or '.join(ref.labels)}",
                ),
            )


def sought(labels: tuple[str, ...]) -> str:
    """What a reference names, in Chinese: 人员, 户, a level (乡镇), or any unit (单元)."""
    if len(labels) == 1:
        return label_name(labels[0], "zh")
    return "单元或户" if "Household" in labels else "单元"


def check_cycles(units: list[Unit], check: Validation, file: str) -> set[str]:
    """Refuse each parent_id loop once, at the line of its first unit in the file, and return
    the units on a loop."""
    import networkx as nx  # a graph algorithm, needed only by an import that has units

    up: nx.DiGraph[str] = nx.DiGraph()
    up.add_edges_from((u.id, u.parent_id) for u in units if u.parent_id)
    cyclic: set[str] = set()
    for loop in nx.simple_cycles(up):
        first = min(range(len(loop)), key=lambda at: check.labels[loop[at]][2])
        ordered = loop[first:] + loop[:first]
        _, _, line = check.labels[ordered[0]]
        shown = " -> ".join([*ordered, ordered[0]])
        check.fail(
            file, line, "parent_id", say(f"上级编号成环：{shown}", f"cycle in parent_id: {shown}")
        )
        cyclic.update(loop)
    return cyclic
