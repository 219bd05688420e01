"""The schema a server is given when the backend opens it.

Neo4j gets uniqueness constraints (`IF NOT EXISTS`), the ids of the records stored as edges
(an assignment, a visit) too where the server has relationship constraints (5.7 and later).
The Bolt test server (FalkorDB) has neither constraints nor `IF NOT EXISTS`: it gets the plain
indexes it does not hold yet, so that any error it reports is a real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import neo4j
from neo4j.exceptions import ClientError, Neo4jError

from engine.backends.neo4j.dialect import FALKORDB, Dialect
from engine.backends.neo4j.statements import sections, statement
from engine.errors import GridchainError
from engine.lang import say

# A schema rule that is there already, the same or one a user made on the same ids: it serves.
ALREADY_THERE = frozenset(
    {
        "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
        "Neo.ClientError.Schema.IndexAlreadyExists",
        "Neo.ClientError.Schema.ConstraintAlreadyExists",
        "Neo.ClientError.Schema.IndexWithNameAlreadyExists",
        "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists",
    }
)
FORBIDDEN = "Neo.ClientError.Security.Forbidden"
# Stored data the constraint would refuse: two edges with one id, such as gridchain left for an
# assignment that moved before its store statement removed the old edge.
CONSTRAINT_REFUSED_BY_DATA = "ConstraintCreationFailed"
RELATIONSHIP_CONSTRAINTS_SINCE = (5, 7)
# The records stored as edges with an id: for each, the statements `NAME` (an index, before
# 5.7), `NAME_index_replaced` (that index dropped) and `NAME_unique` (the constraint).
EDGE_IDS = ("assignment_id", "visit_id")
EDGE_ID_STATEMENTS = frozenset(
    name for index in EDGE_IDS for name in (index, f"{index}_index_replaced", f"{index}_unique")
)
# What an index statement of schema_falkordb.cypher indexes: a node label's or a type's key.
INDEXED = re.compile(
    r"FOR (?:\(\w+:(?P<node>\w+)\)|\(\)-\[\w+:(?P<relationship>\w+)\]-\(\))"
    r" ON \(\w+\.(?P<key>\w+)\)"
)

Run = Callable[[str], None]


def apply(driver: neo4j.Driver, database: str | None, dialect: Dialect) -> None:
    def run(name: str) -> None:
        driver.execute_query(
            statement(dialect.schema_file, name),
            database_=database,
            bookmark_manager_=driver.execute_query_bookmark_manager,
        )

    if dialect is FALKORDB:
        indexes_missing(driver, dialect, run)
    else:
        constraints(run, server_version(driver))


def constraints(run: Run, version: tuple[int, int]) -> None:
    for name in sections("schema_neo4j"):
        if name not in EDGE_ID_STATEMENTS:
            create(run, name)
    for index in EDGE_IDS:
        edge_id(run, version, index)


def edge_id(run: Run, version: tuple[int, int], index: str) -> None:
    """The id of a record stored as an edge: unique where the server can say so, else
    indexed."""
    if version < RELATIONSHIP_CONSTRAINTS_SINCE:
        create(run, index)
        return
    create(run, f"{index}_index_replaced")  # the constraint brings its own index
    try:
        create(run, f"{index}_unique")
    except Neo4jError as exc:
        if not (exc.code or "").endswith(CONSTRAINT_REFUSED_BY_DATA):
            raise
        # The next import of those records leaves one edge each; until then, an index.
        create(run, index)


def create(run: Run, name: str) -> None:
    try:
        run(name)
    except ClientError as exc:
        if exc.code in ALREADY_THERE:
            return
        if exc.code == FORBIDDEN:
            raise not_allowed(name) from exc
        raise


def not_allowed(name: str) -> GridchainError:
    privilege = " ".join(statement("schema_neo4j", name).split()[:2])  # CREATE INDEX, ...
    return GridchainError(
        say(
            f"Neo4j 用户无 {privilege} 权限，无法建立 {name}：请管理员授予该权限，"
            f"或以有权限的用户执行 cypher/schema_neo4j.cypher",
            f"the Neo4j user lacks the {privilege} privilege needed for {name}: have an "
            f"administrator grant it, or run cypher/schema_neo4j.cypher as a user who has it",
        )
    )


def server_version(driver: neo4j.Driver) -> tuple[int, int]:
    """(major, minor) from the agent, `Neo4j/5.26.0` or `Neo4j/2025.01.0`; (0, 0) if odd."""
    found = re.match(r"Neo4j/(\d+)\.(\d+)", driver.get_server_info().agent)
    return (int(found[1]), int(found[2])) if found else (0, 0)


def indexes_missing(driver: neo4j.Driver, dialect: Dialect, run: Run) -> None:
    rows = driver.execute_query(
        "CALL db.indexes() YIELD label, properties, entitytype",
        bookmark_manager_=driver.execute_query_bookmark_manager,
    ).records
    held = {(row["entitytype"], row["label"], key) for row in rows for key in row["properties"]}
    for name, text in sections(dialect.schema_file).items():
        found = INDEXED.search(text)
        assert found is not None, f"{dialect.schema_file}.{name} is not an index statement"
        kind = "NODE" if found["node"] else "RELATIONSHIP"
        if (kind, found["node"] or found["relationship"], found["key"]) not in held:
            run(name)
