"""Finding things by name (issue 10): a county's people say 花马池村, not T01-V02. `find` lists
what a text names; `resolve` turns an unambiguous name into the id every question takes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import BadQuery, GridchainError
from engine.lang import say
from engine.model import UNIT_LABELS, FindResult, Match
from engine.vocabulary import label_name

if TYPE_CHECKING:
    from engine.backends.base import Backend

FOUND_ORDER = (*UNIT_LABELS, "Person", "Resident")
# How many matches a search lists, and how many candidates an ambiguous name shows.
MOST_MATCHES = 50
SHOWN_CANDIDATES = 10


class AmbiguousName(GridchainError):
    """A name several records bear: the question needs the id of one of them (the command line
    exits 1, as for a name that names nothing)."""


def find(backend: Backend, text: str, limit: int = MOST_MATCHES) -> FindResult:
    """The units, people and residents whose name holds `text`, and the households whose address
    does, each with its containment path: names equal to the text first."""
    text = text.strip()
    if not text:
        raise BadQuery(
            say(
                "请写明要找什么：一个名称，或名称的一部分",
                "say what to find: a name, or a part of one",
            )
        )
    found = sorted(backend.named(text, limit), key=lambda match: order(text, *match))[:limit]
    matches = [
        Match.of(id=node, level=label, name=name, path=path_ids(backend, node, label))
        for node, label, name in found
    ]
    return FindResult.of(text=text, matches=matches)


def order(text: str, node: str, label: str, name: str) -> tuple[bool, int, str]:
    """Names equal to the text first; then a county's units from the top down, households,
    people, residents; then by id."""
    return name != text, FOUND_ORDER.index(label), node


def path_ids(backend: Backend, node: str, label: str) -> list[str]:
    """Where a match lies: a unit's or household's path, a resident's household's; a person
    lies nowhere (they hold assignments)."""
    if label == "Person":
        return []
    return [ref.id for ref in backend.path_of(node)]


def resolve(backend: Backend, text: str) -> str:
    """The id `text` is, or the id of the one record whose name (a household: whose address) is
    exactly `text`; AmbiguousName listing the candidates when several are. A text that is
    neither is returned as it is: the question then says it found nothing."""
    if backend.known_labels({text}):
        return text
    exact = [found for found in backend.named(text, SHOWN_CANDIDATES + 1) if found[2] == text]
    if len(exact) == 1:
        return exact[0][0]
    if exact:
        candidates = exact[:SHOWN_CANDIDATES]
        more = " …" if len(exact) > SHOWN_CANDIDATES else ""
        raise AmbiguousName(
            say(
                f"叫 {text} 的不止一处："
                + "、".join(f"{node}（{label_name(label, 'zh')}）" for node, label, _ in candidates)
                + f"{more}；请给出编号",
                f"{text!r} names several records: "
                + ", ".join(f"{node} ({label})" for node, label, _ in candidates)
                + f"{more}; give the id",
            )
        )
    return text
