"""The one place where Neo4j and the Bolt test server (FalkorDB) differ.

Both answer the same openCypher; they differ in schema DDL (constraints vs plain indexes)
and in how a transaction costs: FalkorDB stalls ~44 ms on every `BEGIN` and ignores the
database name, so there a session without one runs each read on its own.
FalkorDB speaks Bolt with Neo4j's agent string; it is told apart by the database a
query summary names (none).
"""

from __future__ import annotations

from dataclasses import dataclass

import neo4j


@dataclass(frozen=True)
class Dialect:
    name: str
    schema_file: str
    autocommit_reads: bool


NEO4J = Dialect("neo4j", "schema_neo4j", autocommit_reads=False)
FALKORDB = Dialect("falkordb", "schema_falkordb", autocommit_reads=True)


def detect(driver: neo4j.Driver, database: str | None) -> Dialect:
    summary = driver.execute_query("RETURN 1", database_=database).summary
    return NEO4J if summary.database else FALKORDB
