"""One vocabulary (SPEC §3.1, issue 10): every word list once, with its code, Chinese and English
names; a county's ledgers written in Chinese (file names, headers, values; GB18030 CSV or a
workbook) import to the same store as their English twins."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import get_args

import pytest
from counties import Rows, small
from openpyxl import Workbook

from api import schemas
from engine import vocabulary
from engine.backends.memory import MemoryBackend
from engine.errors import ImportRefused
from engine.importer import validate
from engine.ledger import read_dataset, write_folder
from engine.model import RECORD_KINDS, GapKind
from engine.vocabulary import WordList

# The word list each column of each file draws on (a unit's `kind` is the county's own word).
WORDS: dict[tuple[str, str], WordList] = {
    ("units", "level"): vocabulary.LEVELS,
    ("households", "color"): vocabulary.COLORS,
    ("households", "status"): vocabulary.HOUSEHOLD_STATUSES,
    ("people", "kind"): vocabulary.PERSON_KINDS,
    ("people", "party_member"): vocabulary.YES_NO,
    ("assignments", "role"): vocabulary.ROLES,
    ("bodies", "kind"): vocabulary.BODY_KINDS,
    ("issues", "status"): vocabulary.ISSUE_STATUSES,
}


def header_of(kind: str, column: str) -> str:
    """The Chinese header of a column: a person's and a resident's name is 姓名."""
    if column == "name":
        return "姓名" if kind in ("people", "residents") else "名称"
    return next(zh for zh, code in vocabulary.HEADERS.items() if code == column)


def in_chinese(rows: Rows) -> dict[str, list[dict[str, str]]]:
    """The ledgers as a Chinese county keeps them: file, header and listed value in Chinese."""
    return {
        vocabulary.FILES.name(kind): [
            {header_of(kind, column): chinese(kind, column, value) for column, value in row.items()}
            for row in records
        ]
        for kind, records in rows.items()
    }


def chinese(kind: str, column: str, value: str) -> str:
    words = WORDS.get((kind, column))
    return words.name(value) if words and value else value


def stored(path: Path, folder_or_book: Path) -> list[object]:
    backend = MemoryBackend(path)
    try:
        backend.store(validate(read_dataset(folder_or_book), backend.known_labels))
        data = backend.snapshot()
        return [sorted(getattr(data, kind), key=lambda r: r.id) for kind in RECORD_KINDS]
    finally:
        backend.close()


@pytest.fixture
def english(tmp_path: Path) -> list[object]:
    write_folder(small(), tmp_path / "en")
    return stored(tmp_path / "en.db", tmp_path / "en")


def test_chinese_ledgers_in_gb18030_import_as_their_english_twins(
    tmp_path: Path, english: list[object]
) -> None:
    folder = tmp_path / "zh"
    folder.mkdir()
    for name, records in in_chinese(small()).items():
        with (folder / f"{name}.csv").open("w", encoding="gb18030", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    assert stored(tmp_path / "zh.db", folder) == english


def test_a_chinese_workbook_imports_as_its_english_twin(
    tmp_path: Path, english: list[object]
) -> None:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, records in in_chinese(small()).items():
        sheet = book.create_sheet(name)
        sheet.append(list(records[0]))
        for record in records:
            sheet.append(list(record.values()))
    book.save(tmp_path / "台账.xlsx")
    assert stored(tmp_path / "zh.db", tmp_path / "台账.xlsx") == english


def test_an_unknown_value_lists_the_words_in_chinese(tmp_path: Path) -> None:
    rows = small()
    rows["assignments"][0]["role"] = "网格长长"
    write_folder(rows, tmp_path / "bad")
    backend = MemoryBackend(tmp_path / "bad.db")
    with pytest.raises(ImportRefused) as refused:
        validate(read_dataset(tmp_path / "bad"), backend.known_labels)
    [problem] = refused.value.problems
    assert problem.column == "role"
    assert "'网格长长'" in problem.message and "网格长 (grid_head)" in problem.message


@pytest.mark.parametrize(
    ("words", "text", "code"),
    [
        (vocabulary.ROLES, "grid_head", "grid_head"),
        (vocabulary.ROLES, "网格长", "grid_head"),
        (vocabulary.ROLES, "Grid Head", "grid_head"),
        (vocabulary.ROLES, "包片", "liaison"),
        (vocabulary.LEVELS, "街道办", "township"),
        (vocabulary.LEVELS, "社区", "village"),
        (vocabulary.COLORS, "红色", "red"),
        (vocabulary.YES_NO, "是", "true"),
        (vocabulary.ROLES, "队长", None),
    ],
)
def test_a_word_is_known_by_its_code_and_every_name(
    words: WordList, text: str, code: str | None
) -> None:
    assert words.code_of(text) == code


@pytest.mark.parametrize(
    ("spelled", "words"),
    [
        (GapKind, vocabulary.GAP_KINDS),
        (schemas.Role, vocabulary.ROLES),
        (schemas.Color, vocabulary.COLORS),
        (schemas.IssueStatus, vocabulary.ISSUE_STATUSES),
    ],
)
def test_the_api_types_are_the_vocabularys(spelled: object, words: WordList) -> None:
    assert get_args(spelled) == words.codes


def test_every_word_has_a_chinese_and_an_english_name() -> None:
    lists = [value for value in vars(vocabulary).values() if isinstance(value, WordList)]
    assert len(lists) >= 10
    for words in lists:
        codes = [word.code for word in words.words]
        assert len(set(codes)) == len(codes), words.what
        for word in words.words:
            assert word.zh and word.en and word.zh != word.code, word
