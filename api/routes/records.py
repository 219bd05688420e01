"""Single records: a resident (personal data masked by role) and a person's responsibilities
(a township admin's view of them: those inside its township)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Response

from api.answers import json_answer
from api.auth import Caller, Principal
from api.masking import mask_id_number, mask_phone
from api.problems import problem_responses
from api.schemas import DEFAULT_PAGE, Page, PersonPage
from api.scopes import (
    coverage_seen_by,
    person_seen_by,
    require_person,
    require_read,
    sees_personal_data,
    township_of,
)
from api.services import AsOf, Limit, Offset, Svc, day
from engine.backends.base import Backend
from engine.model import CoversResult, ResidentView

router = APIRouter(tags=["records"], responses=problem_responses(401, 403, 404, 422))


def as_seen_by(caller: Principal, backend: Backend, resident: ResidentView) -> ResidentView:
    if sees_personal_data(caller, township_of(backend.path_of(resident.id))):
        return resident
    return replace(
        resident, phone=mask_phone(resident.phone), id_number=mask_id_number(resident.id_number)
    )


@router.get("/residents/{resident}")
def resident(resident: str, caller: Caller, svc: Svc, as_of: AsOf = None) -> ResidentView:
    """A resident, its household and the household's path; phone and ID number in full only
    for inspectors and the admin of the resident's township."""
    found = svc.backend.resident(resident)
    require_read(caller, svc.backend, resident)
    return as_seen_by(caller, svc.backend, found)


@router.get("/people/{person}")
def person(
    person: str,
    caller: Caller,
    svc: Svc,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_PAGE,
) -> PersonPage:
    """What a person is responsible for (one page of it) and how many households that covers;
    a township admin reads what the person holds in its township."""
    require_person(caller, svc.backend, person)
    found = person_seen_by(caller, svc.backend, svc.backend.person(person, day(as_of)))
    return PersonPage(
        id=found.id,
        name=found.name,
        kind=found.kind,
        org=found.org,
        phone=found.phone,
        party_member=found.party_member,
        as_of=found.as_of,
        responsibilities=found.responsibilities[offset : offset + limit],
        households_covered=found.households_covered,
        page=Page(offset=offset, limit=limit, total=len(found.responsibilities)),
    )


@router.get("/people/{person}/coverage", response_model=CoversResult)
def coverage(person: str, caller: Caller, svc: Svc, as_of: AsOf = None) -> Response:
    """What a person is responsible for on a day: each active assignment, the households under
    its place and the gaps inside it (the reverse of an accountability chain); a township admin
    reads those in its township."""
    require_person(caller, svc.backend, person)
    return json_answer(coverage_seen_by(caller, svc.backend, svc.covers(person, day(as_of))))
