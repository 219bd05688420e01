"""Cypher statements by name, from the named sections of the `.cypher` files in `cypher/`.

A section starts with a line `// :name NAME`; nothing else ever becomes query text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString

NAME_MARK = "// :name "


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
    return {name: "\n".join(lines).strip() for name, lines in found.items()}


def statement(file: str, name: str) -> LiteralString:
    # The text comes from a file shipped with the package, never from input, hence literal.
    text: LiteralString = sections(file)[name]
    return text
