"""Talking to the server: one driver per process; reads through `execute_query` routed to
readers; writes one batch per managed (retried) transaction. Every session and query shares the
driver's bookmark manager, so on a cluster a read waits for the writes made before it. Every
statement comes from `cypher/` by name."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from engine.backends.base import Progress
from engine.backends.neo4j import dialect, schema
from engine.backends.neo4j.failures import answering, unreachable
from engine.backends.neo4j.rules import rules_for
from engine.backends.neo4j.settings import Neo4jSettings
from engine.backends.neo4j.statements import parameters, statement

Row = dict[str, Any]


class Connection:
    def __init__(self, settings: Neo4jSettings) -> None:
        self.settings = settings
        self.database = settings.database
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

    def answering(self) -> AbstractContextManager[None]:
        return answering(self.settings.uri)

    def session(self, database: str | None) -> neo4j.Session:
        """A session that first waits for every write this driver saw committed (the bookmark
        manager `execute_query` uses too), and whose own writes later reads wait for."""
        return self.driver.session(
            database=database, bookmark_manager=self.driver.execute_query_bookmark_manager
        )

    def read(self, file: str, name: str, **given: Any) -> list[neo4j.Record]:
        query = statement(file, name)
        params = with_rules(query, given)
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
        self, file: str, name: str, ids: list[str], **given: Any
    ) -> list[neo4j.Record]:
        """One statement over many ids, in batches sharing one session (and transaction)."""
        query = statement(file, name)
        params = with_rules(query, given)

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
            tx.run(query, with_rules(query, {"rows": batch})).consume()

        with self.answering(), self.session(self.database) as session:
            for batch in batched(rows, self.settings.batch_size):
                session.execute_write(run_batch, batch)
                done += len(batch)
                progress(done, total)
        return done

    def write_one(self, file: str, name: str, **given: Any) -> list[neo4j.Record]:
        """One statement in its own write transaction: all of it or none of it on Neo4j."""
        query = statement(file, name)
        params = with_rules(query, given)

        def run(tx: neo4j.ManagedTransaction) -> list[neo4j.Record]:
            return list(tx.run(query, params))

        with self.answering(), self.session(self.database) as session:
            return session.execute_write(run)

    def close(self) -> None:
        self.driver.close()


def with_rules(query: str, given: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement is sent with: the caller's, and the rules it judges by."""
    return {**rules_for(parameters(query)), **given}


T = TypeVar("T")


def batched(items: list[T], size: int) -> Iterable[list[T]]:
    return (items[i : i + size] for i in range(0, len(items), size))
