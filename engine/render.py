"""Answers as a person reads them on a terminal: each answer's sheets (engine/tables.py) drawn
as rich tables, in the reader's language.

rich is imported only once a table is drawn: a `--json` answer never needs it, and its import
costs a short `gridchain` process more than its query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine import tables
from engine.sheets import Cell, Sheet, cell_text

if TYPE_CHECKING:
    from rich.console import Console


def draw(console: Console, *sheets: Sheet) -> None:
    """Each sheet as a table, then its notes. Cells are plain text (a name with `[red]` in it
    is shown as written), and nothing is cut short on a narrow terminal: a long cell folds."""
    from rich.table import Table
    from rich.text import Text

    for sheet in sheets:
        table = Table(title=sheet.title)
        for column in sheet.columns:
            right = column in sheet.right
            table.add_column(column, justify="right" if right else "left", overflow="fold")
        for row in sheet.rows:
            table.add_row(*(Text(*shown(cell)) for cell in row))
        console.print(table)
        for note in sheet.notes:
            console.print(note, markup=False, highlight=False)


def shown(cell: Cell) -> tuple[str, str]:
    """A cell's text and style: a missing value dimmed, numbers grouped, a vacancy in red."""
    if cell is None:
        return cell_text(cell), "dim"
    text = cell_text(cell)
    return text, "red" if text.startswith(tables.vacant()) else ""
