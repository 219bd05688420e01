"""How to reach Neo4j: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE; and how much to
send it at once: GRIDCHAIN_BATCH_SIZE."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.settings import whole_number

# Thousands of rows per UNWIND keep Neo4j's transactions few and its memory modest; the Bolt
# test server, which caps a request near 4 KB, is given a handful by its fixture.
DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str = field(repr=False)  # a settings object may be printed; this never is
    database: str | None
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Neo4jSettings:
        return cls(
            uri=env.get("NEO4J_URI", "bolt://localhost:7687"),
            user=env.get("NEO4J_USER", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE") or None,
            batch_size=whole_number(env, "GRIDCHAIN_BATCH_SIZE", DEFAULT_BATCH_SIZE),
        )
