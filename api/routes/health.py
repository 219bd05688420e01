"""Whether the server and its backend answer, and whether its store can be written; the one
JSON endpoint without a key."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.problems import problem_responses
from api.schemas import Health
from api.services import Svc
from api.storage import StoreState
from engine.lang import say

router = APIRouter(tags=["health"])


class StoreHealth(BaseModel):
    writable: bool


class HealthAnswer(Health):
    """`status` is `degraded` (with 503) when the last write found the disk full."""

    status: Literal["ok", "degraded"]  # type: ignore[assignment]
    store: StoreHealth


@router.get("/health", response_model=HealthAnswer, responses=problem_responses(503))
def health(request: Request, svc: Svc) -> JSONResponse:
    """`ok` when the backend answers a lookup and its store takes writes; `degraded` (503)
    when a write found the disk full; a problem (503) when the backend cannot be reached."""
    try:
        svc.backend.known_labels({"health-probe"})
    except Exception as exc:  # whatever the failure, it means the backend does not answer
        name, reason = svc.backend.name, type(exc).__name__
        raise HTTPException(
            503,
            say(f"后端 {name} 无响应（{reason}）", f"backend {name} does not answer ({reason})"),
        ) from exc
    store: StoreState = request.app.state.store
    answer = HealthAnswer(
        status="ok" if store.writable else "degraded",
        backend=svc.backend.name,
        store=StoreHealth(writable=store.writable),
    )
    return JSONResponse(answer.model_dump(), status_code=200 if store.writable else 503)
