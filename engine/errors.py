"""Errors are values with a place, shown the same way by the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        # Line 0 is the whole file (misnamed, missing, unreadable) and "-" the whole row or
        # header: neither is a place to show, so "units.csv: missing" rather than "line 0".
        place = [self.file]
        if self.line:
            place.append(f"line {self.line}")
        if self.column != "-":
            place.append(f"column {self.column}")
        return f"{', '.join(place)}: {self.message}"


class GridchainError(Exception):
    """Base of every error a user may see; its message is meant for them."""


class ImportRefused(GridchainError):
    """The data set has bad rows; nothing of it was stored."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"import refused, nothing stored ({len(problems)} problems):\n{shown}{more}"
        )


class NotFound(GridchainError):
    def __init__(self, node_id: str, what: str = "node") -> None:
        self.node_id = node_id
        super().__init__(f"no {what} with id {node_id!r}")


class BadQuery(GridchainError):
    """A query that names an existing thing but asks something it cannot answer."""


class BackendUnavailable(GridchainError):
    """The configured backend cannot be reached."""


class Conflict(GridchainError):
    """A write that the stored state refuses: an id taken, a step not allowed now."""


class IssueConflict(Conflict):
    """A step of the issue loop that the issue's current status does not allow (or that a
    concurrent step got to first); `status` is where the issue stands now."""

    def __init__(self, issue: str, status: str, message: str) -> None:
        self.issue = issue
        self.status = status
        super().__init__(message)
