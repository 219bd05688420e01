"""What a person covers (issue 10): the reverse of `who`. Each assignment a person holds on a
day, with the households under its place and the gaps inside it, so an inspector asks one
question of a cadre instead of one per household."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from engine.model import Covered, CoversResult, PersonName

if TYPE_CHECKING:
    from engine.backends.base import Backend


def covers(backend: Backend, person: str, as_of: dt.date) -> CoversResult:
    """NotFound when there is no such person."""
    view = backend.person(person, as_of)
    return CoversResult.of(
        person=PersonName.of(id=view.id, name=view.name),
        as_of=as_of,
        assignments=[
            Covered.of(
                role=held.role,
                unit=held.target,
                # A unit's name, a household's address: as the place's chain shows it.
                name=backend.who(held.target, as_of).chain[0].name,
                level=held.level,
                households=backend.households_under(held.target),
                gaps=backend.gaps(as_of, held.target).gaps,
            )
            for held in view.responsibilities
        ],
    )
