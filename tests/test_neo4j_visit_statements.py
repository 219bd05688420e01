"""Issue 13's statements as written: the rule of which visits count (SPEC §4.5) stated once in
engine/backends/neo4j/statements.py (`{{places n}}`, and `{{active r on v.visited_at}}`, the
assignment's condition on the visit's day) and generated into every statement that needs it,
spelled out the same in the Browser queries analysts paste; no code of the vocabulary typed
into any of them; the rules they judge by sent as parameters."""

from __future__ import annotations

import re

import pytest

from engine import vocabulary
from engine.backends.neo4j.statements import active, expanded, places, sections, statement
from engine.vocabulary import WordList

# The statements that decide whether a visit counts, by file.
COUNTING = {
    "gaps": ["gaps_unvisited_household", "gaps_overdue_visit"],
    "visits": ["household_visits", "unit_coverage", "person_coverage"],
}
ISSUE_13 = [
    *((file, name) for file, names in COUNTING.items() for name in names),
    *(("visits", name) for name in sections("visits")),
    ("store", "merge_sweep"),
    ("store", "link_sweep_scope"),
    ("store", "merge_visit"),
    ("snapshot", "ids_of_visits_under"),
    ("snapshot", "ids_of_sweeps_under"),
    ("snapshot", "remove_visits"),
    ("snapshot", "remove_sweeps"),
    ("stats", "count_scope_sweeps"),
]
# Where each rule of §4.5 comes in as a parameter rather than being typed.
RULE_PARAMETERS = {
    ("gaps", "gaps_overdue_visit"): "$cutoffs",  # each monitored group's first day
    ("visits", "required_holders"): "$required",  # each level's required role
    ("visits", "unit_coverage"): "$label",  # the level a scorecard ranks
}
VISIT_DAY = "v.visited_at"


def test_a_visit_day_mark_is_the_active_condition_on_that_day() -> None:
    assert expanded("WHERE {{active r on v.visited_at}}", "here") == (
        "WHERE (coalesce(r.since, '') <= v.visited_at "
        "AND coalesce(r.until, '9999-12-31') >= v.visited_at)"
    )
    assert active("r") == active("r", "$as_of")


def test_the_places_mark_lists_the_household_its_unit_and_the_grid_above_its_building() -> None:
    assert expanded("WITH n, {{places n}} AS places", "here") == (
        "WITH n, [n.id] + [(n)-[:IN]->(unit:Unit) | unit.id]"
        " + [(n)-[:IN]->(:Building)-[:IN]->(grid:Unit) | grid.id] AS places"
    )


@pytest.mark.parametrize("mark", ["{{places}}", "{{active r on}}", "{{active r on $x}}"])
def test_a_malformed_mark_is_refused(mark: str) -> None:
    with pytest.raises(ValueError, match="unknown template"):
        expanded(f"WHERE {mark}", "cypher/x.cypher :name y")


@pytest.mark.parametrize(("file", "name"), [(f, n) for f, ns in COUNTING.items() for n in ns])
def test_every_statement_that_counts_visits_is_sent_the_one_rule(file: str, name: str) -> None:
    text = statement(file, name)
    assert places("n") in text
    assert active("r", VISIT_DAY) in text
    assert text.count(".since") == text.count(active("r", VISIT_DAY)) + text.count(active("a"))


@pytest.mark.parametrize("name", ["gaps_unvisited_household", "gaps_overdue_visit"])
def test_the_browser_queries_spell_out_the_same_rule(name: str) -> None:
    text = sections("browser/gaps")[name]
    assert places("n") in text
    assert active("r", VISIT_DAY) in text


def test_issue_13s_statements_type_no_code_of_the_vocabulary() -> None:
    lists = (words for words in vars(vocabulary).values() if isinstance(words, WordList))
    codes = {word.code for words in lists if words is not vocabulary.LABELS for word in words.words}
    assert {"visit", "subsistence", "grid_member", "unvisited_household"} <= codes
    typed = [
        (file, name, literal)
        for file, name in ISSUE_13
        for literal in re.findall(r"'([^']*)'", statement(file, name))
        if literal in codes
    ]
    assert typed == []


def test_issue_13s_rules_come_as_parameters() -> None:
    for (file, name), parameter in RULE_PARAMETERS.items():
        assert parameter in statement(file, name)
