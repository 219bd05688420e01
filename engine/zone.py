"""The county's time zone: times are shown as the county reads them, marked with their offset
(the JSON answers keep each time's own zone)."""

from __future__ import annotations

import datetime as dt
import os
from functools import cache

from engine.errors import GridchainError

COUNTY_ZONE = "Asia/Shanghai"


@cache
def county_zone() -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = os.environ.get("GRIDCHAIN_ZONE", COUNTY_ZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GridchainError(
            f"GRIDCHAIN_ZONE: no time zone {name!r} (e.g. {COUNTY_ZONE})"
        ) from None


def county_time(at: dt.datetime) -> str:
    """A time as the county reads it: `2024-06-03 17:30 +08:00`."""
    local = at.astimezone(county_zone())
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
