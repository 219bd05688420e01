"""The HTTP API (SPEC §6, §8): the engine's answers as JSON, its writes, and pages to look at.

One backend per process, opened by the caller (`gridchain serve`) and shared by every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from api import problems, storage
from api.auth import KeyRing, LoginRequired, to_login
from api.language import ChooseLanguage
from api.limits import GuardBodies, NoStore, PerKeyLimit, TimeLimit
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
    language,
    records,
    report,
    search,
    session,
    views,
    visits,
)
from api.services import Services
from api.sessions import FailedLogins, Sessions, SessionSettings
from api.storage import StoreState, WatchWrites
from api.urls import RefuseKeyInUrl
from engine.backends.base import Backend
from engine.errors import StoreFull
from engine.settings import Limits

DESCRIPTION = """
Who is accountable, where the coverage gaps are, and the reverse trace, for dashboards and
other systems. Every endpoint but `/health` and `/docs` needs an API key, as `X-API-Key` or
`Authorization: Bearer`; a key in the URL is refused. Errors are `application/problem+json`
(RFC 9457), their titles and details in Chinese unless `Accept-Language` asks for English.
"""


class GridchainAPI(FastAPI):
    def openapi(self) -> dict[str, Any]:
        first = self.openapi_schema is None
        schema = super().openapi()
        return problems.use_problem_media_type(schema) if first else schema


def create_app(
    backend: Backend,
    keys: KeyRing,
    session_settings: SessionSettings | None = None,
    limits: Limits | None = None,
    visit_days: Mapping[str, int] | None = None,
) -> FastAPI:
    app = GridchainAPI(
        title="gridchain",
        version=version("gridchain"),
        description=DESCRIPTION,
        docs_url=None,  # api/routes/docs.py serves both pages with assets of their own
        redoc_url=None,
    )
    app.mount(docs.ASSETS, docs.assets(), name="docs-assets")
    app.state.services = Services(backend, visit_days=visit_days)
    app.state.keys = keys
    app.state.sessions = Sessions(session_settings or SessionSettings())
    app.state.failed_logins = FailedLogins()
    app.state.store = StoreState()
    limits = limits or Limits()
    problems.install(app)
    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(StoreFull, storage.on_store_full)
    app.add_exception_handler(HTTPException, storage.on_http_error)
    # The last added runs first: the language is chosen before a refusal is written, the key
    # is checked before a body is read, and a key's request is counted until its work ends
    # (after a time limit's 503, too).
    app.add_middleware(PerKeyLimit, limits=limits)
    app.add_middleware(TimeLimit, limits=limits)
    app.add_middleware(WatchWrites, state=app.state.store)
    app.add_middleware(GuardBodies, keys=keys, limits=limits)
    app.add_middleware(NoStore)
    app.add_middleware(RefuseKeyInUrl)
    app.add_middleware(ChooseLanguage)
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
        visits,
        datasets,
        session,
        language,
        views,
        report,
    ):
        app.include_router(module.router)
    return app
