"""What one value may be (SPEC §5): ids, names and other text, dates. One set of rules, asked
by the importer for every cell, by the API for every body field and parameter, and so by the
command line, whose writes are checked as ledger rows.

Each check answers None for a good value, else what is wrong with it, in the current language.
"""

from __future__ import annotations

import datetime as dt
import re

from engine.lang import say

MAX_ID = 64
MAX_NAME = 200
MAX_NOTE = 4_000
MAX_TEXT = 500  # an address, a department, a county's own column

# Printable ASCII only: an id is typed, put in a URL and matched; a look-alike letter (Cyrillic
# Т for Latin T) or an invisible one would make two ids that read the same.
ID = re.compile(r"[A-Za-z0-9_.:-]+")
ID_PATTERN = f"^[A-Za-z0-9_.:-]{{1,{MAX_ID}}}$"  # the same rule for the OpenAPI document
# What a name may not hold: control characters (ESC colours a terminal), line and paragraph
# separators, lone surrogates, and the invisible ones: bidirectional controls (U+202E turns
# "gpj.exe" around) and zero-width characters.
INVISIBLE = "\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{INVISIBLE}]")
# Other text (a note, an address) may run over lines and hold tabs, as a cell Excel's Alt+Enter
# broke does; no other control character.
FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{INVISIBLE}]")

FIRST_DAY = dt.date(1949, 10, 1)
LAST_DAY = dt.date(2100, 12, 31)

# Ledger columns by what they hold (SPEC §5); any other column is text.
ID_COLUMNS = frozenset(
    {
        "id",
        "parent_id",
        "unit_id",
        "household_id",
        "person_id",
        "target_id",
        "reported_by",
        "holder_id",
        "scope_id",
    }
)
NAME_COLUMNS = frozenset({"name"})
NOTE_COLUMNS = frozenset({"note"})
DATE_COLUMNS = frozenset(
    {"since", "until", "reported_at", "due_at", "resolved_at", "visited_at", "starts", "ends"}
)
# An assignment given without an id is known by who>where:role@since (engine.importer), and
# ending one writes that key back as its id.
ASSIGNMENT_KEY = re.compile(r"[A-Za-z0-9_.:-]+>[A-Za-z0-9_.:-]+:[a-z_]+@[0-9-]*")


def id_problem(value: str) -> str | None:
    if len(value) > MAX_ID:
        return too_long(value, MAX_ID)
    if not ID.fullmatch(value):
        bad = next(ch for ch in value if not ID.fullmatch(ch))
        return say(
            f"编号只能由英文字母、数字和 - _ . : 组成（含有 {shown_character(bad)}）",
            f"an id holds only ASCII letters, digits and - _ . : (found {shown_character(bad)})",
        )
    return None


def assignment_id_problem(value: str) -> str | None:
    """An assignment's id: an id, or the key of one given without (who, where and when are
    ids and a date, so it is at most three ids long)."""
    if ASSIGNMENT_KEY.fullmatch(value):
        return None if len(value) <= 3 * MAX_ID else too_long(value, 3 * MAX_ID)
    return id_problem(value)


def text_problem(value: str, most: int = MAX_TEXT, name: bool = False) -> str | None:
    if len(value) > most:
        return too_long(value, most)
    found = (FORBIDDEN if name else FORBIDDEN_IN_TEXT).search(value)
    if found:
        character = shown_character(found.group())
        return say(
            f"含有不可见字符或控制字符 {character}",
            f"holds an invisible or control character {character}",
        )
    return None


def name_problem(value: str) -> str | None:
    return text_problem(value, MAX_NAME, name=True)


def note_problem(value: str) -> str | None:
    return text_problem(value, MAX_NOTE)


def cell_problem(column: str, value: str, kind: str = "") -> str | None:
    """What is wrong with a ledger cell of `column` (of a file of `kind`), if anything."""
    if column in ID_COLUMNS:
        if kind == "assignments" and column == "id":
            return assignment_id_problem(value)
        return id_problem(value)
    if column in NAME_COLUMNS:
        return name_problem(value)
    if column in NOTE_COLUMNS:
        return note_problem(value)
    return text_problem(value)


def day_problem(day: dt.date) -> str | None:
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return say(
        f"日期 {day} 超出范围（应在 {FIRST_DAY} 至 {LAST_DAY} 之间）",
        f"date {day} is out of range ({FIRST_DAY} to {LAST_DAY})",
    )


def too_long(value: str, most: int) -> str:
    return say(
        f"过长：{len(value):,} 个字符，至多 {most:,} 个",
        f"too long: {len(value):,} characters, at most {most:,}",
    )


def shown_character(character: str) -> str:
    """A character as a person can read it in a message: its code point, and itself when it is
    visible (a message that printed ESC raw would colour the terminal it warns about)."""
    code = f"U+{ord(character):04X}"
    visible = character.isprintable() and not FORBIDDEN.match(character)
    return f"'{character}' ({code})" if visible else code
