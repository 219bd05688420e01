"""The language a person reads: Chinese by default, English on request (SPEC §6).

Codes and JSON keys never change with it; only what is written for a person to read does. The
command line sets it from `--lang` or `GRIDCHAIN_LANG`, a page from its switch or the browser's
`Accept-Language`; it is held per context, so two requests in one server each keep their own.
Each text is written once where it is used, in both languages: `say("责任链", "chain")`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, TypeGuard

from engine.errors import GridchainError
from engine.settings import SettingsError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT: Lang = "zh"
ENV = "GRIDCHAIN_LANG"

_chosen: ContextVar[Lang | None] = ContextVar("gridchain_lang", default=None)


def is_lang(text: object) -> TypeGuard[Lang]:
    return text in LANGS


def from_env(environ: Mapping[str, str] | None = None) -> Lang:
    """The language `GRIDCHAIN_LANG` asks for (`zh-CN` reads as `zh`), else Chinese."""
    wanted = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not wanted:
        return DEFAULT
    primary = wanted.split("-")[0].split("_")[0].casefold()
    if not is_lang(primary):
        # In both languages at once: which one to speak is what the value failed to say.
        raise SettingsError(ENV, f"{ENV}={wanted!r}: 只支持 zh 或 en (only zh or en)")
    return primary


def current() -> Lang:
    """The chosen language, else GRIDCHAIN_LANG's; Chinese while a bad GRIDCHAIN_LANG is being
    reported (whoever reads `from_env()` refuses it)."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    try:
        return from_env()
    except GridchainError:
        return DEFAULT


@contextmanager
def speaking(lang: Lang) -> Iterator[None]:
    token = _chosen.set(lang)
    try:
        yield
    finally:
        _chosen.reset(token)


def choose(lang: Lang) -> None:
    """For the rest of this context (one command, one request)."""
    _chosen.set(lang)


def say(zh: str, en: str) -> str:
    """The text in the current language."""
    return en if current() == "en" else zh


def from_accept_language(header: str | None) -> Lang:
    """The first of zh or en the browser prefers (by q-value); Chinese when it names neither."""
    best: tuple[float, int, Lang] | None = None
    for order, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().split("-")[0].casefold()
        if not is_lang(primary):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or (quality, -order) > (best[0], -best[1])):
            best = (quality, order, primary)
    return best[2] if best else DEFAULT
