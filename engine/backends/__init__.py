"""Where the graph lives: chosen by `--backend` / `GRIDCHAIN_BACKEND`."""

from __future__ import annotations

import os
from pathlib import Path

from engine.backends.base import Backend
from engine.errors import GridchainError
from engine.lang import say

BACKENDS = ("memory", "neo4j")


def open_backend(name: str, db: Path) -> Backend:
    if name == "memory":
        from engine.backends.memory import MemoryBackend

        return MemoryBackend(db)
    if name == "neo4j":
        from engine.backends.neo4j import Neo4jBackend, Neo4jSettings

        return Neo4jBackend(Neo4jSettings.from_env(os.environ))
    raise GridchainError(
        say(
            f"无法识别的后端 '{name}'（可填：{', '.join(BACKENDS)}）",
            f"unknown backend {name!r} (expected one of {', '.join(BACKENDS)})",
        )
    )
