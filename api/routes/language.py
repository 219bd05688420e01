"""The pages' language switch: a cookie that outweighs the browser's Accept-Language."""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from api.language import COOKIE
from api.urls import local_path
from engine.lang import Lang

router = APIRouter(include_in_schema=False)

YEAR_SECONDS = 365 * 24 * 3600
NAMES: dict[Lang, str] = {"zh": "中文", "en": "English"}  # each in its own language


def switch_links(back: str) -> str:
    """Links to each language, each coming back to the local path `back`."""
    query = escape(urlencode({"next": back}))
    return " ".join(
        f'<a href="/lang/{code}?{query}" lang="{code}">{name}</a>' for code, name in NAMES.items()
    )


@router.get("/lang/{lang}")
async def switch(
    lang: Lang, next: Annotated[str, Query(max_length=2000)] = "/"
) -> RedirectResponse:
    """Speak `lang` from now on (a year), and go back to `next` (a path on this server)."""
    back = RedirectResponse(local_path(next), status_code=303)
    # Not a secret, and a link from another site may set it: Lax is enough.
    back.set_cookie(COOKIE, lang, max_age=YEAR_SECONDS, path="/", samesite="lax")
    return back
