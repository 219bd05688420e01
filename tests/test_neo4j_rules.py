"""The statements as written (issue 12 item 7): no rule typed into Cypher, since the codes of
the vocabulary and the model's numbers come as parameters (engine/backends/neo4j/rules.py), and
"assignment active on $as_of" written once (engine/backends/neo4j/statements.py): generated into
every statement sent and linted, spelled out the same in the Browser files analysts paste."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graph_schema import lint_input

from engine import vocabulary
from engine.backends.neo4j.rules import RULES
from engine.backends.neo4j.statements import active, expanded, parameters, sections
from engine.vocabulary import WordList

CYPHER = Path(__file__).resolve().parent.parent / "cypher"
# The project's own statement files; the Browser's are pasted by hand and keep their words.
SENT_FILES = sorted(path.stem for path in CYPHER.glob("*.cypher"))
STRING_LITERAL = re.compile(r"'([^']*)'")
# A count compared with nothing (`> 0`) is no rule; with any other number it is one.
NUMBER_COMPARED = re.compile(r"[<>]=?\s*-?(?!0\b)\d+")
SINCE_OF = re.compile(r"coalesce\((\w+)\.since")


def sent() -> list[tuple[str, str]]:
    """(where, text) of every statement gridchain sends, as it sends them."""
    return [
        (f"cypher/{file}.cypher :name {name}", text)
        for file in SENT_FILES
        for name, text in sections(file).items()
    ]


def vocabulary_codes() -> set[str]:
    """Every code of every word list but the graph's labels, which statements match on."""
    lists = (words for words in vars(vocabulary).values() if isinstance(words, WordList))
    return {word.code for words in lists if words is not vocabulary.LABELS for word in words.words}


def test_no_statement_types_a_code_of_the_vocabulary() -> None:
    codes = vocabulary_codes()
    assert {"commander", "home_quarantine", "red", "cadre"} <= codes
    typed = [
        (where, literal)
        for where, text in sent()
        for literal in STRING_LITERAL.findall(text)
        if literal in codes
    ]
    assert typed == []


def test_no_statement_compares_with_a_typed_number() -> None:
    typed = [(where, found) for where, text in sent() for found in NUMBER_COMPARED.findall(text)]
    assert typed == []


def test_every_rule_is_read_by_a_statement_and_is_a_word_of_the_vocabulary() -> None:
    read = set().union(*(parameters(text) for _, text in sent()))
    assert set(RULES) <= read
    roles = [RULES[name] for name in ("commander", "grid_head", "grid_member", "four_to_one")]
    assert set(roles) <= set(vocabulary.ROLES.codes)
    assert RULES["quarantine"] in vocabulary.HOUSEHOLD_STATUSES.codes
    assert set(RULES["high_risk"]) <= set(vocabulary.COLORS.codes)
    assert set(RULES["responsible_kinds"]) <= set(vocabulary.PERSON_KINDS.codes)


def day_read_outside_the_condition(text: str) -> int:
    """How often `text` reads $as_of other than in the generated active condition."""
    for variable in set(SINCE_OF.findall(text)):
        text = text.replace(active(variable), "")
    return text.count("$as_of")


def test_the_statement_files_say_the_condition_only_by_its_mark() -> None:
    for file in SENT_FILES:
        source = (CYPHER / f"{file}.cypher").read_text(encoding="utf-8")
        lines = [line for line in source.splitlines() if not line.startswith("//")]
        assert "$as_of" not in re.sub(r"\{\{active \w+\}\}", "", "\n".join(lines)), file


def test_each_mark_is_sent_as_the_condition_on_its_variable() -> None:
    chain = sections("read")["chain"]
    assert f"WHERE ({active('r')})" in chain
    assert active("r") == (
        "coalesce(r.since, '') <= $as_of AND coalesce(r.until, '9999-12-31') >= $as_of"
    )
    marked = sum(text.count(active("r")) for _, text in sent())
    assert marked >= 12
    assert [where for where, text in sent() if day_read_outside_the_condition(text)] == []


def test_the_linter_is_given_the_statements_as_sent() -> None:
    linted = lint_input().statements()
    assert all("{{" not in s["text"] for s in linted)
    chain = next(s for s in linted if (s["file"], s["name"]) == ("cypher/read.cypher", "chain"))
    assert chain["text"] == sections("read")["chain"]


@pytest.mark.parametrize("file", ["who", "trace", "gaps"])
def test_the_browser_files_spell_out_the_same_condition(file: str) -> None:
    source = (CYPHER / "browser" / f"{file}.cypher").read_text(encoding="utf-8")
    assert "{{" not in source  # plain Cypher: pasted into Browser as it is
    statements = sections(f"browser/{file}")
    assert any(active("r") in text for text in statements.values())
    assert {name: day_read_outside_the_condition(text) for name, text in statements.items()} == {
        name: 0 for name in statements
    }


def test_an_unknown_template_is_refused_with_its_place() -> None:
    with pytest.raises(ValueError, match=r"cypher/x.cypher :name y: unknown template '\{\{actve"):
        expanded("WHERE {{actve r}}", "cypher/x.cypher :name y")
