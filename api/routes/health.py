"""Whether the server and its backend answer; the one JSON endpoint without a key."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.problems import problem_responses
from api.schemas import Health
from api.services import Svc
from engine.lang import say

router = APIRouter(tags=["health"])


@router.get("/health", responses=problem_responses(503))
def health(svc: Svc) -> Health:
    """`ok` when the backend answers a lookup; 503 when it cannot be reached."""
    try:
        svc.backend.known_labels({"health-probe"})
    except Exception as exc:  # whatever the failure, it means the backend does not answer
        name, reason = svc.backend.name, type(exc).__name__
        raise HTTPException(
            503,
            say(f"后端 {name} 无响应（{reason}）", f"backend {name} does not answer ({reason})"),
        ) from exc
    return Health(status="ok", backend=svc.backend.name)
