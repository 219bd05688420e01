"""What each role may read and write (SPEC §8); anything outside answers 403.

An inspector reads everything and writes nothing; a township admin reads and writes inside its
township; a grid member reads the chains of the households it covers, reports issues there and
blows the whistle on them, and gives the feedback on the issues it reported.

A key's scope is judged on today's date, whatever `as_of` a question asks about: a grid member
whose assignment ended, or has not begun, covers nothing now, and no date it names makes it
cover something. So no check here takes a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from fastapi import HTTPException

from api.auth import Principal
from engine.backends.base import Backend
from engine.errors import NotFound
from engine.lang import say
from engine.model import CoversResult, Issue, NodeRef, PersonView, Responsibility
from engine.vocabulary import KEY_ROLES

# The levels through which a grid-member assignment covers a household (SPEC §4).
COVERING_LEVELS = ("Household", "Building", "Grid")


def forbidden(detail: str) -> HTTPException:
    return HTTPException(403, detail)


def outside_township(node: str, township: str | None) -> HTTPException:
    return forbidden(
        say(f"{node!r} 不在乡镇 {township!r} 内", f"{node!r} lies outside township {township!r}")
    )


def cannot_write(caller: Principal, writers: str) -> HTTPException:
    role = KEY_ROLES.name(caller.role)
    return forbidden(say(f"{role}密钥不能写入；{writers}", f"{role} keys cannot write; {writers}"))


def township_of(path: Sequence[NodeRef]) -> str | None:
    return next((n.id for n in path if n.level == "Township"), None)


def covers(backend: Backend, person: str, path: Sequence[NodeRef]) -> bool:
    """Whether the grid member holds, today, a grid_member assignment over this household."""
    if not path or path[0].level != "Household":
        return False
    try:
        view = backend.person(person, dt.date.today())
    except NotFound:
        return False  # a key may name a person not imported yet: it covers nothing
    targets = {r.target for r in view.responsibilities if r.role == "grid_member"}
    return any(n.id in targets for n in path if n.level in COVERING_LEVELS)


def require_read(caller: Principal, backend: Backend, node: str) -> None:
    """The chain, trace or record of `node` (unit, household, resident or issue)."""
    if caller.role == "inspector":
        return
    path = backend.path_of(node)
    if caller.role == "township_admin":
        if township_of(path) != caller.township:
            raise outside_township(node, caller.township)
    elif caller.person is None or not covers(backend, caller.person, path):
        raise forbidden(
            say(f"{node!r} 不在你包抓的户内", f"{node!r} is not in a household you cover")
        )


def area_scope(caller: Principal, backend: Backend, scope: str | None) -> str | None:
    """The scope of an area query (gaps, stats); a township admin's defaults to its township."""
    if caller.role == "inspector":
        return scope
    if caller.role == "grid_member":
        raise forbidden(
            say(
                "网格员只能查看所包抓户的责任链，不能查看片区",
                "a grid member reads the chains of its households, not areas",
            )
        )
    if scope is None:
        return caller.township
    if township_of(backend.path_of(scope)) != caller.township:
        raise outside_township(scope, caller.township)
    return scope


def require_writer(caller: Principal) -> str:
    """The township a caller writes in: writes belong to township admins."""
    if caller.role != "township_admin" or caller.township is None:
        raise cannot_write(caller, say("由乡镇管理员写入", "township admins write"))
    return caller.township


def require_write(caller: Principal, backend: Backend, node: str) -> None:
    """Writes about `node` belong to the admin of the township it lies in."""
    require_writer(caller)
    if township_of(backend.path_of(node)) != caller.township:
        raise outside_township(node, caller.township)


def require_report(caller: Principal, backend: Backend, target: str) -> None:
    """Issues are reported by township admins in their township, grid members for their own
    households."""
    if caller.role == "grid_member":
        require_read(caller, backend, target)
    else:
        require_write(caller, backend, target)


def require_person(caller: Principal, backend: Backend, person: str) -> None:
    """A person is read by inspectors, by itself, and by the admin of a township it serves in
    today (who then reads only what it holds there: `person_seen_by`, `coverage_seen_by`)."""
    if caller.role == "inspector" or caller.person == person:
        return
    if caller.role == "grid_member":
        raise forbidden(
            say("网格员只能查看自己的人员记录", "a grid member reads its own person record only")
        )
    if not held_in(backend, backend.person(person, dt.date.today()), caller.township):
        raise forbidden(
            say(
                f"{person!r} 目前在乡镇 {caller.township!r} 内没有任何职责",
                f"{person!r} serves nowhere in township {caller.township!r} today",
            )
        )


def held_in(backend: Backend, person: PersonView, township: str | None) -> list[Responsibility]:
    """What a person holds inside a township."""
    return [
        r for r in person.responsibilities if township_of(backend.path_of(r.target)) == township
    ]


def person_seen_by(caller: Principal, backend: Backend, person: PersonView) -> PersonView:
    """A person as the caller reads them: for a township admin, what they hold in its township
    and the households that covers."""
    if caller.role != "township_admin":
        return person
    held = held_in(backend, person, caller.township)
    if len(held) == len(person.responsibilities):
        return person
    covered = {
        household
        for responsibility in held
        if responsibility.role == "grid_member"
        for household in backend.households_under(responsibility.target)
    }
    return replace(person, responsibilities=held, households_covered=len(covered))


def coverage_seen_by(caller: Principal, backend: Backend, coverage: CoversResult) -> CoversResult:
    """What a person covers, as the caller reads it: for a township admin, in its township."""
    if caller.role != "township_admin":
        return coverage
    inside = [
        covered
        for covered in coverage.assignments
        if township_of(backend.path_of(covered.unit)) == caller.township
    ]
    return replace(coverage, assignments=inside)


def require_assignable(caller: Principal, backend: Backend, person: str) -> None:
    """A township admin assigns its township's people: anyone serving in it today, and anyone
    who has never served outside it (a newcomer, or one of its own whose assignments ended).
    Someone serving elsewhere is assigned by the county, through an import: an admin cannot
    make another township's person its own, and then read their phone and assignments."""
    township = require_writer(caller)
    if not assignable(backend, person, township):
        raise forbidden(
            say(
                f"{person!r} 曾在或正在乡镇 {township!r} 之外任职，今天不在本乡镇任职："
                "由县里通过导入安排",
                f"{person!r} has served outside township {township!r} and does not serve in it "
                "today: the county assigns them, by an import",
            )
        )


def assignable(backend: Backend, person: str, township: str) -> bool:
    """Whether a township's admin may assign `person` (see `require_assignable`)."""
    served = backend.assigned_places({person}).get(person, set())
    if all(township_of(backend.path_of(place)) == township for place in served):
        return True
    return bool(held_in(backend, backend.person(person, dt.date.today()), township))


def sees_personal_data(caller: Principal, township: str | None) -> bool:
    """Residents' phone and ID numbers: in full for inspectors and their own township's admin."""
    if caller.role == "inspector":
        return True
    return caller.role == "township_admin" and township is not None and township == caller.township


FEEDBACK = ("closed", "reopened")


def require_step(caller: Principal, backend: Backend, issue: Issue, kind: str) -> None:
    """Any step of an issue in a township belongs to its admin (departments report in and
    resolve through it); a grid member dispatches issues of the households it covers and
    gives the feedback on the issues it reported."""
    if caller.role == "township_admin":
        require_write(caller, backend, issue.id)
    elif caller.role == "grid_member" and kind == "dispatched":
        require_read(caller, backend, issue.id)
    elif caller.role == "grid_member" and kind in FEEDBACK:
        if caller.person != issue.reported_by:
            raise forbidden(
                say(
                    f"只有 {issue.id!r} 的上报人可以反馈",
                    f"feedback on {issue.id!r} is its reporter's to give",
                )
            )
    elif caller.role == "grid_member":
        raise forbidden(
            say(
                "部门报到和处置须经乡镇管理员",
                "departments report in and resolve through the township admin",
            )
        )
    else:
        raise cannot_write(
            caller, say("由乡镇管理员和网格员写入", "township admins and grid members do")
        )
