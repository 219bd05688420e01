"""Whole-area questions: every gap of a kind, and the counts of an area, each one statement
over the area that the server answers set-wise (a colour asked for too: only the gaps it
keeps come back)."""

from __future__ import annotations

import datetime as dt

from engine import semantics
from engine.backends.neo4j.connection import Connection
from engine.backends.neo4j.reads import Neo4jReads
from engine.errors import NotFound
from engine.issues import check_color
from engine.model import DEFAULT_MEMBER_LIMIT, GAP_KINDS, Gap, GapsResult, StatsResult


class Neo4jAreas:
    def __init__(self, connection: Connection, reads: Neo4jReads) -> None:
        self.connection = connection
        self.reads = reads

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
        if scope is not None and self.reads.known_labels({scope}).get(scope) is None:
            raise NotFound(scope, "unit")
        read = self.connection.read
        scopes = [scope] if scope else [row["id"] for row in read("read", "counties")]
        params = {
            "scopes": scopes,
            "as_of": as_of.isoformat(),
            "limit": member_limit,
            "everywhere": scope is None,
            "color": color,
        }
        found: list[tuple[Gap, str | None]] = []
        for gap_kind in GAP_KINDS if kind is None else (kind,):
            for row in read("gaps", f"gaps_{gap_kind}", **params):
                gap = Gap.of(
                    kind=gap_kind, id=row["id"], level=row["label"], path=list(row["path"])
                )
                found.append((gap, township_on(row["path"], row["labels"])))
        return semantics.gaps_result(as_of, scope, found)

    def stats(self, as_of: dt.date, scope: str | None = None) -> StatsResult:
        gaps = self.gaps(as_of, scope)
        day = as_of.isoformat()
        read = self.connection.read
        if scope is None:
            node_rows = read("stats", "count_all_nodes")
            role_rows = read("stats", "count_all_assignments", as_of=day)
        else:
            node_rows = [
                *read("stats", "count_scope_places", scope=scope),
                *read("stats", "count_scope_attached", scope=scope),
                *read("stats", "count_scope_people", scope=scope, as_of=day),
            ]
            role_rows = read("stats", "count_scope_assignments", scope=scope, as_of=day)
        nodes: dict[str, int] = {}
        for row in node_rows:
            nodes[row["label"]] = nodes.get(row["label"], 0) + row["count"]
        roles = {row["role"]: row["count"] for row in role_rows}
        return semantics.stats_result(as_of, scope, nodes, roles, gaps)


def township_on(path: list[str], labels: list[str]) -> str | None:
    return next((n for n, label in zip(path, labels, strict=True) if label == "Township"), None)
