"""Bodies the API adds to the engine's answers (SPEC §6): pages, writes, health."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from engine.lang import say
from engine.model import GapsResult, PersonView, immutable

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: object) -> object:
    """Only YYYY-MM-DD is a date here: pydantic alone would also take a number of seconds
    since 1970, and Python's fromisoformat forms like 20240601."""
    if isinstance(value, dt.date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(say("应为 YYYY-MM-DD 格式的日期", "expected a date as YYYY-MM-DD"))


IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
MAX_PAGE = 1000
DEFAULT_PAGE = 100

# The codes of engine/vocabulary.py's lists, spelled out for the type checker and the OpenAPI
# document (tests/test_vocabulary.py keeps them one with the vocabulary).
Role = Literal[
    "commander", "deputy_commander", "grid_head", "grid_member", "liaison", "four_to_one"
]


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

    id: str | None = Field(None, min_length=1, description="Default: who>where:role@since.")
    person_id: str = Field(min_length=1)
    target_id: str = Field(min_length=1, description="A unit or household.")
    role: Role
    since: IsoDate | None = None
    until: IsoDate | None = None


class AssignmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: IsoDate | None = Field(None, description="Last active day; default today.")


class IssueIn(BaseModel):
    """An issue reported (线索上报) about a household or unit."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(
        min_length=1,
        validation_alias=AliasChoices("target", "target_id"),
        description="The household or unit it is about (`target_id` is accepted too).",
    )
    category: str = Field(min_length=1)
    due_at: IsoDate | None = Field(None, description="Default: the category's due days.")
    note: str | None = None
    id: str | None = Field(None, min_length=1, description="Default: a new id.")
    reported_by: str | None = Field(
        None, min_length=1, description="A person id; a grid member reports as itself."
    )
    reported_at: IsoDate | None = Field(None, description="Default today.")
    department: str | None = None


class DepartmentIn(BaseModel):
    """A line department: the one the grid calls in (dispatch), or the one reporting in (ack)."""

    model_config = ConfigDict(extra="forbid")

    department: str = Field(min_length=1)
    note: str | None = None


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, description="Who resolved it: a department or a person.")
    note: str | None = None


class FeedbackIn(BaseModel):
    """The reporter's feedback (结果反馈): satisfied closes the issue, unsatisfied reopens it."""

    model_config = ConfigDict(extra="forbid")

    satisfied: bool
    note: str | None = None


Color = Literal["green", "blue", "yellow", "orange", "red"]
IssueStatus = Literal["reported", "dispatched", "acknowledged", "resolved", "closed"]


class ColorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    color: Color


class Health(BaseModel):
    status: Literal["ok"]
    backend: str
