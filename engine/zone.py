"""The county's time zone: times are shown as the county reads them, marked with their offset
(the JSON answers keep each time's own zone)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from functools import cache

from engine.settings import refused

COUNTY_ZONE = "Asia/Shanghai"
ENV = "GRIDCHAIN_ZONE"


def from_env(environ: Mapping[str, str]) -> dt.tzinfo:
    """The zone GRIDCHAIN_ZONE names (an IANA name), else the county's."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = environ.get(ENV, "").strip() or COUNTY_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise refused(
            ENV, name, f"时区名，如 {COUNTY_ZONE}", f"a time zone name, e.g. {COUNTY_ZONE}"
        ) from None


@cache
def county_zone() -> dt.tzinfo:
    return from_env(os.environ)


def county_time(at: dt.datetime) -> str:
    """A time as the county reads it: `2024-06-03 17:30 +08:00`."""
    local = at.astimezone(county_zone())
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
