"""Bodies the API adds to the engine's answers (SPEC §6): pages, writes, health."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import Path
from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from engine import fields
from engine.lang import say
from engine.model import GapsResult, PersonView, immutable

T = TypeVar("T")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: object) -> object:
    """Only YYYY-MM-DD is a date here: pydantic alone would also take a number of seconds
    since 1970, and Python's fromisoformat forms like 20240601."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(say("应为 YYYY-MM-DD 格式的日期", "expected a date as YYYY-MM-DD"))


def obeying(rule: Callable[[T], str | None]) -> AfterValidator:
    """A validator of one of engine/fields.py's rules, refusing with its words."""

    def check(value: T) -> T:
        problem = rule(value)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


IsoDate = Annotated[dt.date, BeforeValidator(iso_date), obeying(fields.day_problem)]
# The fields of a body by what they hold (engine/fields.py has the rules, as for a ledger's
# cells); the pattern and lengths are also what the OpenAPI document says.
Id = Annotated[
    str,
    Field(min_length=1, max_length=fields.MAX_ID, json_schema_extra={"pattern": fields.ID_PATTERN}),
    obeying(fields.id_problem),
]
Text = Annotated[str, Field(min_length=1, max_length=fields.MAX_TEXT), obeying(fields.text_problem)]
Note = Annotated[str, Field(max_length=fields.MAX_NOTE), obeying(fields.note_problem)]
# An id in a path: /issues/{issue}/resolve, /households/{household}/color; an assignment's
# may be the key it was given by (P1>G1:grid_head@2024-01-01).
IdInPath = Annotated[
    str, Path(json_schema_extra={"pattern": fields.ID_PATTERN}), obeying(fields.id_problem)
]
AssignmentInPath = Annotated[str, Path(), obeying(fields.assignment_id_problem)]
MAX_PAGE = 1000
DEFAULT_PAGE = 100

# The codes of engine/vocabulary.py's lists, spelled out for the type checker and the OpenAPI
# document (tests/test_vocabulary.py keeps them one with the vocabulary).
Role = Literal[
    "commander", "deputy_commander", "grid_head", "grid_member", "liaison", "four_to_one"
]
VisitKind = Literal["visit", "patrol", "service"]


class Page(BaseModel):
    offset: int
    limit: int
    total: int


@immutable
class GapsPage(GapsResult):
    """`gaps` is one page of the gaps; `summary` counts them all."""

    page: Page


@immutable
class PersonPage(PersonView):
    """`responsibilities` is one page of them; `households_covered` counts through all."""

    page: Page


class AssignmentIn(BaseModel):
    """A 包抓 assignment to create, as a row of assignments.csv would give it."""

    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(None, description="Default: who>where:role@since.")
    person_id: Id
    target_id: Id = Field(description="A unit or household.")
    role: Role
    since: IsoDate | None = None
    until: IsoDate | None = None


class AssignmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: IsoDate | None = Field(None, description="Last active day; default today.")


class IssueIn(BaseModel):
    """An issue reported (线索上报) about a household or unit."""

    model_config = ConfigDict(extra="forbid")

    target: Id = Field(
        validation_alias=AliasChoices("target", "target_id"),
        description="The household or unit it is about (`target_id` is accepted too).",
    )
    category: Text
    due_at: IsoDate | None = Field(None, description="Default: the category's due days.")
    note: Note | None = None
    id: Id | None = Field(None, description="Default: a new id.")
    reported_by: Id | None = Field(
        None, description="A person id; a grid member reports as itself."
    )
    reported_at: IsoDate | None = Field(None, description="Default today.")
    department: Text | None = None


class DepartmentIn(BaseModel):
    """A line department: the one the grid calls in (dispatch), or the one reporting in (ack)."""

    model_config = ConfigDict(extra="forbid")

    department: Text
    note: Note | None = None


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Text = Field(description="Who resolved it: a department or a person.")
    note: Note | None = None


class FeedbackIn(BaseModel):
    """The reporter's feedback (结果反馈): satisfied closes the issue, unsatisfied reopens it."""

    model_config = ConfigDict(extra="forbid")

    satisfied: bool
    note: Note | None = None


class VisitIn(BaseModel):
    """A visit to a household (走访、巡查、服务), recorded where it happened."""

    model_config = ConfigDict(extra="forbid")

    household: Id = Field(
        validation_alias=AliasChoices("household", "household_id"),
        description="The household visited (`household_id` is accepted too).",
    )
    person: Id | None = Field(
        None,
        validation_alias=AliasChoices("person", "person_id"),
        description="Who visited (a person id); a grid member visits as itself.",
    )
    visited_at: IsoDate | None = Field(None, description="Default today; never a day to come.")
    kind: VisitKind = "visit"
    note: Note | None = None


Name = Annotated[str, Field(min_length=1, max_length=fields.MAX_NAME), obeying(fields.name_problem)]


class SweepIn(BaseModel):
    """A sweep (摸排): a named round of door-to-door visits over a unit, both days included."""

    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(None, description="Default: a new id.")
    name: Name
    scope: Id = Field(
        validation_alias=AliasChoices("scope", "scope_id"),
        description="The unit whose households it visits (`scope_id` is accepted too).",
    )
    starts: IsoDate
    ends: IsoDate = Field(description="Its last day; not before `starts`.")


Color = Literal["green", "blue", "yellow", "orange", "red"]
IssueStatus = Literal["reported", "dispatched", "acknowledged", "resolved", "closed"]


class ColorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    color: Color


class Health(BaseModel):
    status: Literal["ok"]
    backend: str
