"""A list as a sheet: a title, headed columns and rows of plain values, in the reader's language.

The terminal draws a sheet as a table; an export writes the same sheet to a file Excel opens
(`.xlsx`, or CSV in UTF-8 with a byte-order mark, without which Excel on a Chinese Windows
reads the text as GBK and shows it garbled). What a person sees and what they take away are
one thing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

Cell = str | int | float | dt.date | None
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A sheet's name in a workbook: at most 31 characters, none of these.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# A cell a spreadsheet would run as a formula (CSV injection); such text is written quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    right: frozenset[str] = frozenset()  # columns of numbers, aligned right on a terminal
    notes: list[str] = field(default_factory=list)  # lines a terminal prints after the table

    def add(self, *cells: Cell) -> None:
        self.rows.append(cells)


def cell_text(cell: Cell, missing: str = "—") -> str:
    """A cell as a person reads it in a table: numbers grouped by thousands, a rate to one
    decimal, a day as ISO; `missing` where there is no value."""
    if cell is None:
        return missing
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float):
        return f"{cell:,.1f}"
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return cell


def is_format(text: object) -> TypeGuard[Format]:
    return text in FORMATS


def inert(cell: Cell) -> Cell:
    """Text that a spreadsheet would take for a formula, made plain text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet.columns)
    for row in sheet.rows:
        writer.writerow(["" if c is None else inert(c) for c in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheet: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    page = book.create_sheet(SHEET_NAME_FORBIDDEN.sub(" ", sheet.title)[:31] or "sheet")
    heading = []
    for column in sheet.columns:
        cell = WriteOnlyCell(page, value=column)
        cell.font = Font(bold=True)
        heading.append(cell)
    page.append(heading)
    for row in sheet.rows:
        page.append([text_cell(page, c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_cell(page: Any, value: Cell) -> Any:
    """A value for a workbook; text that openpyxl would store as a formula stays text."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(page, value=value)
        cell.data_type = "s"
        return cell
    return value


def encode(sheet: Sheet, format: Format) -> bytes:
    return to_csv(sheet) if format == "csv" else to_xlsx(sheet)
