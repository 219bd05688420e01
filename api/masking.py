"""Personal data shown to those who may not see it in full (SPEC §8): `139****0001`."""

from __future__ import annotations


def mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if value is None:
        return None
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)  # too short to show any of it and still hide something
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_phone(phone: str | None) -> str | None:
    return mask(phone, 3, 4)


def mask_id_number(id_number: str | None) -> str | None:
    return mask(id_number, 6, 4)
