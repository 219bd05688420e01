"""The rules of SPEC §4.2 that statements judge by, sent as parameters: every code comes from
the vocabulary and every number from the model, so no statement in `cypher/` types one (a
test scans them) and a rule changed in the model is the rule the server applies."""

from __future__ import annotations

from typing import Any

from engine import vocabulary
from engine.model import (
    FOUR_TO_ONE_TEAM,
    HIGH_RISK_COLORS,
    QUARANTINE,
    REQUIRED_ROLE,
    RESPONSIBLE_KINDS,
)
from engine.vocabulary import WordList


def code(words: WordList, wanted: str) -> str:
    """A code of `words`, checked when this module loads: a list without it fails at once."""
    if wanted not in words.codes:
        raise LookupError(f"{words.what} has no code {wanted!r}")
    return wanted


# By parameter name: the roles a level requires (commander, grid head, grid member), the
# role of a 4-to-1 team (四包一), the household status that needs one and the team's size,
# the colours that need a cadre or leader assigned directly, and the kinds that count as one.
RULES: dict[str, Any] = {
    "commander": REQUIRED_ROLE["Township"],
    "grid_head": REQUIRED_ROLE["Grid"],
    "grid_member": REQUIRED_ROLE["Household"],
    "four_to_one": code(vocabulary.ROLES, "four_to_one"),
    "quarantine": QUARANTINE,
    "team": FOUR_TO_ONE_TEAM,
    "high_risk": list(HIGH_RISK_COLORS),
    "responsible_kinds": list(RESPONSIBLE_KINDS),
}


def rules_for(names: frozenset[str]) -> dict[str, Any]:
    """The rules among the parameters `names` a statement reads (only those: every byte of a
    request counts on the test server)."""
    return {name: RULES[name] for name in names if name in RULES}
