"""Backends under test: every case that takes `small_county` runs once per reachable backend."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from counties import small

from engine.backends.base import Backend
from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.ledger import tables_from_rows

BACKEND_NAMES = ["memory"]


def load(backend: Backend, rows: dict[str, list[dict[str, str]]]) -> None:
    backend.store(validate(tables_from_rows(rows), backend.known_labels))


@pytest.fixture(scope="module", params=BACKEND_NAMES)
def empty_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """A backend holding nothing, new for each test module."""
    backend = MemoryBackend(tmp_path_factory.mktemp("store") / "gridchain.db")
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def small_county(empty_backend: Backend) -> Backend:
    load(empty_backend, small())
    return empty_backend
