"""The Neo4j backend: the rules of SPEC §4 stated in Cypher, so the server does the work.

One driver per process; reads through `execute_query` routed to readers; writes in
`UNWIND` batches with `MERGE` on ids, one batch per managed (retried) transaction. Every
session and query shares the driver's bookmark manager, so on a cluster a read waits for the
writes made before it. Every statement comes from `cypher/` by name.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from engine import history, semantics
from engine.backends.base import Progress, no_progress
from engine.backends.neo4j import dialect, schema
from engine.backends.neo4j.failures import answering, unreachable
from engine.backends.neo4j.records import props_of, record_from
from engine.backends.neo4j.settings import Neo4jSettings as Neo4jSettings
from engine.backends.neo4j.statements import statement
from engine.changes import find_changes
from engine.errors import NotFound
from engine.issues import IssueHistory, check_color, history_of, moved_on, status_of
from engine.model import (
    BODY_KINDS,
    DEFAULT_MEMBER_LIMIT,
    GAP_KINDS,
    RECORD_TYPES,
    Assignment,
    BodyRef,
    Change,
    ColorChange,
    ColorEntry,
    ColorHistory,
    DataSet,
    Gap,
    GapsResult,
    HistoryResult,
    ImportReport,
    Issue,
    IssueEvent,
    NodeRef,
    Person,
    PersonView,
    Record,
    Resident,
    ResidentView,
    Responsibility,
    StatsResult,
)
from engine.snapshot import RETIRED_KINDS, Dependent, Retirement

NODE_STATEMENTS = {
    "County": "merge_county",
    "Township": "merge_township",
    "Village": "merge_village",
    "Grid": "merge_grid",
    "Building": "merge_building",
    "Household": "merge_household",
    "Resident": "merge_resident",
    "Person": "merge_person",
    "PioneerPost": "merge_pioneer_post",
    "PioneerTeam": "merge_pioneer_team",
    "PartyOrg": "merge_party_org",
    "VolunteerTeam": "merge_volunteer_team",
    "Issue": "merge_issue",
}
# The statement listing a kind's ids: everywhere, and under a unit (cypher/snapshot.cypher).
IDS_OF = {kind: (f"ids_of_{kind}", f"ids_of_{kind}_under") for kind in RETIRED_KINDS}
DEPENDENT_KINDS = {
    "MEMBER_OF": "residents",
    "SERVES": "bodies",
    "ABOUT": "issues",
    "RESPONSIBLE_FOR": "assignments",
}
STORED_STATEMENTS = {
    "units": "stored_units",
    "households": "stored_units",
    "residents": "stored_residents",
    "people": "stored_people",
    "assignments": "stored_assignments",
    "bodies": "stored_bodies",
    "issues": "stored_issues",
}
NODE_LABELS = {
    "households": "Household",
    "residents": "Resident",
    "people": "Person",
    "issues": "Issue",
}
Row = dict[str, Any]


class Neo4jBackend(semantics.ChainAnswers):
    name = "neo4j"

    def __init__(self, settings: Neo4jSettings) -> None:
        self.settings = settings
        self.database = settings.database
        self.one_writer = threading.RLock()
        try:
            self.driver = neo4j.GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_acquisition_timeout=10.0,
                connection_timeout=10.0,
            )
            self.driver.verify_connectivity()
            self.dialect = dialect.detect(self.driver, self.database)
        except (ServiceUnavailable, AuthError, OSError, ValueError) as exc:
            raise unreachable(settings.uri, exc) from exc
        with self.answering():
            schema.apply(self.driver, self.database, self.dialect)

    # ---- talking to the server ---------------------------------------------------------

    def answering(self) -> AbstractContextManager[None]:
        return answering(self.settings.uri)

    def session(self, database: str | None) -> neo4j.Session:
        """A session that first waits for every write this driver saw committed (the bookmark
        manager `execute_query` uses too), and whose own writes later reads wait for."""
        return self.driver.session(
            database=database, bookmark_manager=self.driver.execute_query_bookmark_manager
        )

    def read(self, file: str, name: str, **params: Any) -> list[neo4j.Record]:
        query = statement(file, name)
        with self.answering():
            if self.dialect.autocommit_reads:
                # No database: the test server reads a named one's name as its graph's.
                with self.session(None) as session:
                    return list(session.run(query, params))
            records, _, _ = self.driver.execute_query(
                query,
                params,
                database_=self.database,
                routing_=neo4j.RoutingControl.READ,
                bookmark_manager_=self.driver.execute_query_bookmark_manager,
            )
            return records

    def read_batches(
        self, file: str, name: str, ids: list[str], **params: Any
    ) -> list[neo4j.Record]:
        """One statement over many ids, in batches sharing one session (and transaction)."""
        query = statement(file, name)

        def run_all(tx: neo4j.ManagedTransaction | neo4j.Session) -> list[neo4j.Record]:
            size = self.settings.batch_size
            return [
                row for batch in batched(ids, size) for row in tx.run(query, ids=batch, **params)
            ]

        with self.answering(), self.session(self.database) as session:
            if self.dialect.autocommit_reads:
                return run_all(session)
            return session.execute_read(run_all)

    def write(
        self, query: LiteralString, rows: list[Row], progress: Progress, done: int, total: int
    ) -> int:
        """Each batch its own transaction: the server holds one batch's changes at a time, and
        the driver retries just that batch (MERGE on ids makes a repeat harmless)."""

        def run_batch(tx: neo4j.ManagedTransaction, batch: list[Row]) -> None:
            tx.run(query, rows=batch).consume()

        with self.answering(), self.session(self.database) as session:
            for batch in batched(rows, self.settings.batch_size):
                session.execute_write(run_batch, batch)
                done += len(batch)
                progress(done, total)
        return done

    # ---- import ------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A check of the stored state and the write that follows it, as one step for this
        process (Neo4j's transactions are per statement batch, not across a whole import)."""
        with self.one_writer:
            yield

    def known_labels(self, ids: set[str]) -> dict[str, str]:
        rows = self.read_batches("read", "labels_of", sorted(ids))
        return {row["id"]: row["label"] for row in rows}

    def stored(self, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        rows = self.read_batches("read", STORED_STATEMENTS[kind], ids)
        return {row["id"]: dict(row["props"]) for row in rows}

    def write_one(self, file: str, name: str, **params: Any) -> list[neo4j.Record]:
        """One statement in its own write transaction: all of it or none of it on Neo4j."""
        query = statement(file, name)

        def run(tx: neo4j.ManagedTransaction) -> list[neo4j.Record]:
            return list(tx.run(query, params))

        with self.answering(), self.session(self.database) as session:
            return session.execute_write(run)

    def store(
        self,
        data: DataSet,
        progress: Progress = no_progress,
        retirement: Retirement | None = None,
        dry_run: bool = False,
    ) -> ImportReport:
        changes = find_changes(data, self.stored, stored_form)
        if dry_run:
            return changes.report(retirement, dry_run=True)
        writes = list(write_plan(data))
        if retirement is not None:
            writes += list(retirement_plan(retirement))
        total = sum(len(rows) for _, rows in writes)
        done = 0
        progress(done, total)
        for name, rows in writes:
            if rows:
                done = self.write(name, rows, progress, done, total)
        return changes.report(retirement)

    # ---- what an import that retires needs to know (engine/snapshot.py) -------------------

    def stored_ids(self, kind: str, within: str | None = None) -> set[str]:
        narrowed = within is not None and kind != "people"
        rows = self.read("snapshot", IDS_OF[kind][narrowed], within=within)
        return {row["id"] for row in rows}

    def assignment_terms(self, ids: set[str]) -> dict[str, tuple[dt.date | None, dt.date | None]]:
        rows = self.read_batches("snapshot", "assignment_terms", sorted(ids))
        return {row["id"]: (to_date(row["since"]), to_date(row["until"])) for row in rows}

    def dependents(self, places: set[str]) -> list[Dependent]:
        rows = self.read_batches("snapshot", "dependents", sorted(places))
        return [
            Dependent(row["place"], dependent_kind(row["edge"], row["label"]), row["id"])
            for row in rows
        ]

    def colors(self, households: set[str]) -> dict[str, str | None]:
        rows = self.read_batches("read", "colors_of", sorted(households))
        return {row["id"]: row["color"] for row in rows}

    def referred_people(self, people: set[str], going: set[str]) -> set[str]:
        rows = self.read_batches("snapshot", "referred_people", sorted(people), going=sorted(going))
        return {row["id"] for row in rows}

    # ---- who and trace -----------------------------------------------------------------

    def start_of(self, target: str) -> tuple[str, IssueHistory | None]:
        found = self.read("read", "locate", id=target)[0]
        if found["unit"] is not None:
            return found["unit"], None
        if found["household"] is not None:
            return found["household"], None
        if found["issue"] is not None:
            return found["subject"], history_of(*self.issue(target))
        if found["other"] is not None:
            raise semantics.no_chain(target, found["other"])
        raise NotFound(target)

    def levels(self, start: str, as_of: dt.date) -> list[semantics.Level]:
        return levels_of(self.read("read", "chain", ids=[start], as_of=as_of.isoformat()))

    # ---- gaps and stats ----------------------------------------------------------------

    def gaps(
        self,
        as_of: dt.date,
        scope: str | None = None,
        kind: str | None = None,
        member_limit: int = DEFAULT_MEMBER_LIMIT,
        color: str | None = None,
    ) -> GapsResult:
        semantics.check_gap_kind(kind)
        check_color(color)
        if scope is not None and self.known_labels({scope}).get(scope) is None:
            raise NotFound(scope, "unit")
        scopes = [scope] if scope else [row["id"] for row in self.read("read", "counties")]
        params = {
            "scopes": scopes,
            "as_of": as_of.isoformat(),
            "limit": member_limit,
            "everywhere": scope is None,
        }
        found: list[tuple[Gap, str | None]] = []
        for gap_kind in GAP_KINDS if kind is None else (kind,):
            for row in self.read("gaps", f"gaps_{gap_kind}", **params):
                gap = Gap.of(
                    kind=gap_kind, id=row["id"], level=row["label"], path=list(row["path"])
                )
                found.append((gap, township_on(row["path"], row["labels"])))
        if color is not None:
            households = [gap.id for gap, _ in found if gap.level == "Household"]
            colored = {
                row["id"]
                for row in self.read_batches("read", "colors_of", households)
                if row["color"] == color
            }
            found = [(gap, township) for gap, township in found if gap.id in colored]
        return semantics.gaps_result(as_of, scope, found)

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult:
        gaps = self.gaps(as_of, scope)
        day = as_of.isoformat()
        if scope is None:
            node_rows = self.read("stats", "count_all_nodes")
            role_rows = self.read("stats", "count_all_assignments", as_of=day)
        else:
            node_rows = [
                *self.read("stats", "count_scope_places", scope=scope),
                *self.read("stats", "count_scope_attached", scope=scope),
                *self.read("stats", "count_scope_people", scope=scope, as_of=day),
            ]
            role_rows = self.read("stats", "count_scope_assignments", scope=scope, as_of=day)
        nodes: dict[str, int] = {}
        for row in node_rows:
            nodes[row["label"]] = nodes.get(row["label"], 0) + row["count"]
        roles = {row["role"]: row["count"] for row in role_rows}
        return semantics.stats_result(as_of, scope, nodes, roles, gaps)

    # ---- single records ----------------------------------------------------------------

    def path_of(self, node: str) -> list[NodeRef]:
        start, _ = self.start_of(node)
        rows = sorted(self.read("read", "path_up", start=start), key=depth)
        return [NodeRef.of(level=row["label"], id=row["id"]) for row in rows]

    def resident(self, resident: str) -> ResidentView:
        rows = self.read("read", "resident", id=resident)
        if not rows:
            raise NotFound(resident, "resident")
        record = record_from(Resident, dict(rows[0]["props"]))
        path = [ref.id for ref in self.path_of(record.household_id)]
        return semantics.resident_view(record, path)

    def person(self, person: str, as_of: dt.date) -> PersonView:
        day = as_of.isoformat()
        rows = self.read("read", "person", id=person, as_of=day)
        if not rows:
            raise NotFound(person, "person")
        record = record_from(Person, dict(rows[0]["props"]))
        covered = self.read("read", "households_covered", id=person, as_of=day)
        held = (
            Responsibility.of(
                assignment=a,
                role=role,
                target=target,
                level=level,
                since=to_date(since),
                until=to_date(until),
            )
            for a, role, target, level, since, until in rows[0]["responsibilities"]
        )
        households = covered[0]["covered"] if covered else 0
        return semantics.person_view(record, as_of, held, households)

    def assignment(self, assignment: str) -> Assignment:
        rows = self.read("read", "assignment", id=assignment)
        if not rows:
            raise NotFound(assignment, "assignment")
        return record_from(Assignment, dict(rows[0]["props"]))

    def assigned_places(self, people: set[str]) -> dict[str, set[str]]:
        places: dict[str, set[str]] = {}
        for row in self.read_batches("read", "assigned_places", sorted(people)):
            places.setdefault(row["person"], set()).add(row["target"])
        return places

    # ---- the issue loop and household colours -----------------------------------------

    def issue(self, issue: str) -> tuple[Issue, list[IssueEvent]]:
        rows = self.read("issues", "issue", id=issue)
        if not rows:
            raise NotFound(issue, "issue")
        return record_from(Issue, dict(rows[0]["props"])), events_of(rows[0]["events"])

    def record_transition(
        self, issue: Issue, events: list[IssueEvent], seen: int, changes: Sequence[Change] = ()
    ) -> None:
        rows = self.write_one(
            "issues",
            "record_transition",
            id=issue.id,
            seen=seen,
            props=props_of(issue, "Issue"),
            events=[event_row(e) for e in events],
            changes=[change_row(c) for c in changes],
        )
        if rows and rows[0]["written"]:
            return
        current, stored = self.issue(issue.id)
        if events[-1] in stored:
            return  # a retried transaction whose first attempt had committed
        raise moved_on(issue.id, status_of(current))

    def issue_facts(self, statuses: tuple[str, ...], as_of: dt.date) -> list[semantics.IssueFacts]:
        rows = self.read("issues", "issues", statuses=list(statuses))
        found = [
            (record_from(Issue, dict(row["props"])), events_of(row["events"]), row["color"])
            for row in rows
        ]
        subjects = sorted({issue.target_id for issue, _, _ in found})
        chains: dict[str, list[neo4j.Record]] = {}
        for row in self.read_batches("read", "chain", subjects, as_of=as_of.isoformat()):
            chains.setdefault(row["start"], []).append(row)
        return [
            semantics.IssueFacts(
                history_of(issue, events), levels_of(chains.get(issue.target_id, [])), color
            )
            for issue, events, color in found
        ]

    def record_color(self, change: ColorChange, changes: Sequence[Change] = ()) -> None:
        rows = self.write_one(
            "issues",
            "record_color",
            household=change.household_id,
            color=change.color,
            id=change.id,
            props=props_of(change, "ColorChange"),
            changes=[change_row(c) for c in changes],
        )
        if not rows:
            raise NotFound(change.household_id, "household")

    def names(self, ids: set[str]) -> dict[str, str]:
        rows = self.read_batches("find", "names_of", sorted(ids))
        return {row["id"]: row["name"] for row in rows}

    def households_under(self, place: str) -> list[str]:
        rows = self.read("find", "households_under", place=place)
        return sorted(row["id"] for row in rows)

    def named(self, text: str, limit: int) -> list[tuple[str, str, str]]:
        rows = self.read("find", "named", text=text, limit=limit)
        return [(row["id"], row["label"], row["name"]) for row in rows]

    def records(self, kind: str, ids: set[str]) -> dict[str, Record]:
        found = self.stored(kind, sorted(ids))
        return {i: record_from(RECORD_TYPES[kind], props) for i, props in found.items()}

    def history(self, record: str, since: dt.date | None = None) -> HistoryResult:
        rows = self.read(
            "history", "history", id=record, since=since.isoformat() if since else None
        )
        changes = [record_from(Change, dict(row["props"])) for row in rows]
        return history.result(record, since, changes)

    def color_history(self, household: str) -> ColorHistory:
        rows = self.read("issues", "color_history", id=household)
        if not rows:
            raise NotFound(household, "household")
        changes = sorted(
            (record_from(ColorChange, dict(props)) for props in rows[0]["changes"]),
            key=lambda c: (c.seq or 0, c.at, c.id),  # a mark stored before seq: by its time
        )
        return ColorHistory.of(
            household=household,
            color=rows[0]["color"],
            changes=[ColorEntry.of(color=c.color, by=c.by, at=c.at) for c in changes],
        )

    def close(self) -> None:
        self.driver.close()


def levels_of(rows: list[neo4j.Record]) -> list[semantics.Level]:
    """A containment path from the rows of the `chain` statement for one start."""
    return [
        semantics.Level(
            label=row["label"],
            unit=row["id"],
            name=row["name"],
            holders=tuple(semantics.Holder(*holder) for holder in row["holders"]),
            bodies=tuple(BodyRef.of(id=b[0], kind=b[1], name=b[2]) for b in row["bodies"]),
        )
        for row in sorted(rows, key=depth)
    ]


def events_of(rows: list[dict[str, Any]]) -> list[IssueEvent]:
    return sorted((record_from(IssueEvent, dict(props)) for props in rows), key=lambda e: e.seq)


def event_row(event: IssueEvent) -> Row:
    """An event to store, with the department a dispatch calls (its DISPATCHED_TO edge)."""
    called = event.department if event.kind == "dispatched" else None
    return {
        "id": event.id,
        "props": props_of(event, "IssueEvent"),
        "called": [called] if called else [],
    }


def write_plan(data: DataSet) -> Iterator[tuple[LiteralString, list[Row]]]:
    """The statements of an import in an order that lets every edge find both its ends."""
    nodes: dict[str, list[Row]] = {label: [] for label in NODE_STATEMENTS}
    for unit in data.units:
        nodes[unit.label].append(node_row(unit, unit.label))
    nodes["Household"] += [node_row(h, "Household") for h in data.households]
    nodes["Resident"] += [node_row(r, "Resident") for r in data.residents]
    nodes["Person"] += [node_row(p, "Person") for p in data.people]
    for body in data.bodies:
        nodes[BODY_KINDS[body.kind]].append(node_row(body, BODY_KINDS[body.kind]))
    nodes["Issue"] += [node_row(i, "Issue") for i in data.issues]
    for label, rows in nodes.items():
        yield statement("store", NODE_STATEMENTS[label]), rows
    parents = [link(u.id, u.parent_id) for u in data.units if u.parent_id]
    yield (
        statement("store", "link_unit_parent"),
        parents + [link(h.id, h.unit_id) for h in data.households],
    )
    yield (
        statement("store", "link_resident_household"),
        [link(r.id, r.household_id) for r in data.residents],
    )
    yield statement("store", "link_body_unit"), [link(b.id, b.unit_id) for b in data.bodies]
    yield (
        statement("store", "link_body_holder"),
        [link(b.id, b.holder_id) for b in data.bodies if b.holder_id],
    )
    yield statement("store", "link_issue_subject"), [link(i.id, i.target_id) for i in data.issues]
    yield (
        statement("store", "link_issue_reporter"),
        [link(i.id, i.reported_by) for i in data.issues],
    )
    yield (
        statement("store", "merge_assignment"),
        [{"id": a.id, "props": props_of(a, "RESPONSIBLE_FOR")} for a in data.assignments],
    )
    yield statement("issues", "merge_issue_event"), [event_row(e) for e in data.issue_events]
    yield (
        statement("issues", "merge_color_change"),
        [node_row(c, "ColorChange") for c in data.color_changes],
    )
    yield statement("history", "merge_change"), [change_row(c) for c in data.changes]


def change_row(change: Change) -> Row:
    return node_row(change, "Change")


def retirement_plan(retirement: Retirement) -> Iterator[tuple[LiteralString, list[Row]]]:
    """An import's retirements, after its writes: assignments ended, then records removed,
    what hangs under a record before it."""
    ended = [{"id": a, "until": last.isoformat()} for a, last in sorted(retirement.ended.items())]
    yield statement("snapshot", "end_assignments"), ended
    for kind in RETIRED_KINDS:
        rows = [{"id": i} for i in sorted(retirement.removed_ids(kind))]
        yield statement("snapshot", f"remove_{kind}"), rows


def dependent_kind(edge: str, label: str) -> str:
    """The kind of record a dependent of a place is, from the edge it hangs by."""
    if edge == "IN":
        return "households" if label == "Household" else "units"
    return DEPENDENT_KINDS[edge]


def node_row(record: Record, label: str) -> Row:
    return {"id": record.id, "props": props_of(record, label)}


def link(source: str, target: str) -> Row:
    return {"id": source, "target": target}


def stored_form(kind: str, record: Record) -> dict[str, Any]:
    """A record as the server holds it, to tell a changed record from an unchanged one."""
    if kind == "assignments":
        return props_of(record, "RESPONSIBLE_FOR")
    if kind == "bodies":
        return props_of(record, BODY_KINDS[record.kind])  # type: ignore[attr-defined]
    return props_of(record, NODE_LABELS.get(kind) or record.label)  # type: ignore[attr-defined]


def township_on(path: list[str], labels: list[str]) -> str | None:
    return next((n for n, label in zip(path, labels, strict=True) if label == "Township"), None)


T = TypeVar("T")


def batched(items: list[T], size: int) -> Iterable[list[T]]:
    return (items[i : i + size] for i in range(0, len(items), size))


def depth(row: neo4j.Record) -> int:
    return int(row["depth"])


def to_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
