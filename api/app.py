"""The HTTP API (SPEC §6, §8): the engine's answers as JSON, its writes, and pages to look at.

One backend per process, opened by the caller (`gridchain serve`) and shared by every request.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import FastAPI

from api import problems
from api.auth import KeyRing
from api.routes import (
    areas,
    assignments,
    chains,
    colors,
    datasets,
    docs,
    health,
    history,
    issues,
    records,
    search,
    views,
)
from api.services import Services
from engine.backends.base import Backend

DESCRIPTION = """
Who is accountable, where the coverage gaps are, and the reverse trace, for dashboards and
other systems. Every endpoint but `/health` and `/docs` needs an API key, as `X-API-Key` or
`Authorization: Bearer`. Errors are `application/problem+json` (RFC 9457).
"""


class GridchainAPI(FastAPI):
    def openapi(self) -> dict[str, Any]:
        first = self.openapi_schema is None
        schema = super().openapi()
        return problems.use_problem_media_type(schema) if first else schema


def create_app(backend: Backend, keys: KeyRing) -> FastAPI:
    app = GridchainAPI(
        title="gridchain",
        version=version("gridchain"),
        description=DESCRIPTION,
        docs_url=None,  # api/routes/docs.py serves both pages with assets of their own
        redoc_url=None,
    )
    app.mount(docs.ASSETS, docs.assets(), name="docs-assets")
    app.state.services = Services(backend)
    app.state.keys = keys
    problems.install(app)
    for module in (
        docs,
        health,
        chains,
        areas,
        records,
        search,
        history,
        assignments,
        issues,
        colors,
        datasets,
        views,
    ):
        app.include_router(module.router)
    return app
