"""Cypher statements by name, from the named sections of the `.cypher` files in `cypher/`.

A section starts with a line `// :name NAME`; nothing else ever becomes query text. The one
condition many statements share, "assignment `r` is active on $as_of", is written once, here:
a statement says `{{active r}}` and is sent (and linted) with the condition in its place (a
Cypher predicate function would not run on FalkorDB). The Browser files in `cypher/browser/`
are pasted by hand, so they spell it out; tests/test_neo4j_rules.py holds them to `active`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import LiteralString

NAME_MARK = "// :name "
ACTIVE_MARK = re.compile(r"\{\{active (\w+)\}\}")
TEMPLATE_MARK = "{{"
PARAMETER = re.compile(r"\$(\w+)")


def active(variable: str) -> str:
    """Assignment `variable` is active on $as_of: it has started and not ended. Dates are ISO
    strings, which compare as the dates do; no `since` is from always, no `until` for good."""
    return (
        f"coalesce({variable}.since, '') <= $as_of "
        f"AND coalesce({variable}.until, '9999-12-31') >= $as_of"
    )


def expanded(text: str, where: str) -> str:
    text = ACTIVE_MARK.sub(lambda found: f"({active(found[1])})", text)
    if TEMPLATE_MARK in text:
        raise ValueError(f"{where}: unknown template {text[text.index(TEMPLATE_MARK) :][:40]!r}")
    return text


@cache
def sections(file: str) -> dict[str, str]:
    text = resources.files("cypher").joinpath(f"{file}.cypher").read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(NAME_MARK):
            current = found.setdefault(line.removeprefix(NAME_MARK).strip(), [])
        elif current is not None and not line.startswith("//"):
            current.append(line)
    return {
        name: expanded("\n".join(lines).strip(), f"cypher/{file}.cypher :name {name}")
        for name, lines in found.items()
    }


def statement(file: str, name: str) -> LiteralString:
    # The text comes from a file shipped with the package, never from input, hence literal.
    text: LiteralString = sections(file)[name]
    return text


@cache
def parameters(query: str) -> frozenset[str]:
    """The names of the parameters a statement reads (`$as_of` is `as_of`)."""
    return frozenset(PARAMETER.findall(query))
