"""Five-colour management (五色动态管理): a household's colour, who set it and when."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller, actor
from api.problems import problem_responses
from api.schemas import ColorIn, IdInPath
from api.scopes import require_read, require_report
from api.services import Svc
from engine import loop
from engine.issues import now
from engine.model import ColorHistory

router = APIRouter(tags=["households"], responses=problem_responses(401, 403, 404, 422))


@router.post("/households/{household}/color", responses=problem_responses(400))
def set_color(household: IdInPath, body: ColorIn, caller: Caller, svc: Svc) -> ColorHistory:
    """Mark a household with a colour, by a township admin in its township or by the grid
    member covering it; the change is kept with who made it and when. Durable when answered."""
    require_report(caller, svc.backend, household)
    return loop.set_color(svc.backend, household, body.color, actor(caller), now())


@router.get("/households/{household}/color")
def color_history(household: IdInPath, caller: Caller, svc: Svc) -> ColorHistory:
    """A household's colour and every change of it, oldest first."""
    require_read(caller, svc.backend, household)
    return svc.backend.color_history(household)
