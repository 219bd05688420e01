"""Errors are values with a place, shown the same way by the CLI and the API.

What an error says is written in both languages where it is raised and said in the language
current then (engine.lang): a command's, or a request's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.limits import MAX_PROBLEMS


def say(zh: str, en: str) -> str:
    # engine.lang raises a GridchainError itself, so it is read when an error is made, not when
    # this module is loaded.
    from engine import lang

    return lang.say(zh, en)


def either(names: list[str]) -> str:
    """Alternatives as a Chinese message names them: 甲、乙或丙."""
    return "或".join(["、".join(names[:-1]), names[-1]] if len(names) > 1 else names)


@dataclass(frozen=True)
class ImportProblem:
    """A refused file, row or cell. Its message is said when it is found, its place (第 12 行
    上级编号 列, line 12, column parent_id) when it is shown, as an ImportRefused shows it once
    raised: both in the language of the one command or request."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        # Line 0 is the whole file (misnamed, missing, unreadable) and "-" the whole row or
        # header: neither is a place to show, so "units.csv: missing" rather than "line 0".
        place = [self.file]
        if self.line:
            place.append(say(f"第 {self.line} 行", f"line {self.line}"))
        if self.column != "-":
            place.append(say(f"{header_of(self.file, self.column)} 列", f"column {self.column}"))
        return f"{say(' ', ', ').join(place)}: {self.message}"


# Headers a file names its column by, where it is not the column's first Chinese header.
OWN_HEADERS = {
    ("people", "name"): "姓名",
    ("residents", "name"): "姓名",
    ("visits", "person_id"): "走访人",
}


def header_of(file: str, column: str) -> str:
    """A ledger column by its Chinese header (SPEC §5.2), as a Chinese ledger heads it: a
    person's and a resident's name is 姓名, a unit's 名称, a visitor 走访人; a column of no
    header as it is."""
    from engine import vocabulary

    # A workbook's problem is at `book.xlsx[人员]`; a folder's at `people.csv`.
    name = file[file.rindex("[") + 1 : -1] if file.endswith("]") and "[" in file else file
    stem = name[: -len(".csv")] if name.casefold().endswith(".csv") else name
    own = OWN_HEADERS.get((vocabulary.FILES.code_of(stem) or "", column))
    if own:
        return own
    return next((zh for zh, en in vocabulary.HEADERS.items() if en == column), column)


class GridchainError(Exception):
    """Base of every error a user may see; its message is meant for them."""


class ImportRefused(GridchainError):
    """The data set has bad rows; nothing of it was stored. It keeps the first LISTED problems
    and the count of all (`total`): a bad million-row file refused with every row listed would
    be an answer larger than the file."""

    SHOWN = 20
    LISTED = MAX_PROBLEMS

    def __init__(self, problems: list[ImportProblem], total: int | None = None) -> None:
        self.problems = problems[: self.LISTED]
        self.total = max(total or 0, len(problems))
        count = self.total
        lines = [f"  {p}" for p in problems[: self.SHOWN]]
        if count > self.SHOWN:
            more = count - self.SHOWN
            lines.append(say(f"  …… 另有 {more} 处", f"  ... and {more} more"))
        heading = say(
            f"导入未通过，未存入任何数据（共 {count} 处问题）：",
            f"import refused, nothing stored ({count} problems):",
        )
        super().__init__("\n".join([heading, *lines]))


# What a NotFound looks for, by its Chinese name.
Sought = Literal[
    "node", "unit", "household", "resident", "person", "assignment", "issue", "sweep", "record"
]
SOUGHT_ZH: dict[Sought, str] = {
    "node": "编号",
    "unit": "单元",
    "household": "户",
    "resident": "居民",
    "person": "人员",
    "assignment": "包抓",
    "issue": "事项",
    "sweep": "摸排",
    "record": "记录",
}


class NotFound(GridchainError):
    def __init__(self, node_id: str, what: Sought = "node") -> None:
        self.node_id = node_id
        super().__init__(
            say(f"找不到{SOUGHT_ZH[what]} {node_id}", f"no {what} with id {node_id!r}")
        )


class BadQuery(GridchainError):
    """A query that names an existing thing but asks something it cannot answer."""


class BackendUnavailable(GridchainError):
    """The configured backend cannot be reached."""


class StoreFull(BackendUnavailable):
    """The store's disk is full: nothing more is written until room is made."""


class Conflict(GridchainError):
    """A write that the stored state refuses: an id taken, a step not allowed now."""


class IssueConflict(Conflict):
    """A step of the issue loop that the issue's current status does not allow (or that a
    concurrent step got to first); `status` is where the issue stands now."""

    def __init__(self, issue: str, status: str, message: str) -> None:
        self.issue = issue
        self.status = status
        super().__init__(message)
