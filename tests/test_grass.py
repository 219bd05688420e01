"""`cypher/browser/style.grass` read the way Neo4j Browser reads it (issue 12, item 2).

Browser's GraSS reader (neo4j-browser, src/shared/services/grassUtils.ts, `parseGrassCSS`) walks
the text one character at a time: a quote (' or ") toggles a string and is itself dropped; `{`
outside a string opens a rule's body, and inside a body opens a "binding" whose braces are
dropped; `}` closes the binding or the body; outside a body every non-blank character is glued
onto the selector, comments included. A body is split at `;`, and each part at `:`; only a part
of exactly one colon is kept. A selector is split at each `.` not escaped with a backslash: the
first part is the tag, the rest are labels (a relationship type). A rule applies to a node or a
relationship whose tag is the same and which carries every one of its labels, in the file's order,
the later rule winning; what the drawing reads is listed in NODE_PROPERTIES and
RELATIONSHIP_PROPERTIES (taken from Browser's renderers and default style). Anything Browser would
drop, never match or ignore fails here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from graph_schema import schema

from engine.model import BODY_KINDS, UNIT_LABELS

STYLE = Path(__file__).resolve().parent.parent / "cypher" / "browser" / "style.grass"
TAGS = ("node", "relationship")
# What Browser's drawing reads of a node's and a relationship's style (its default style, the
# node outline and caption, the arrow and its caption, the relationship routing).
NODE_PROPERTIES = frozenset(
    {"diameter", "color", "border-color", "border-width", "text-color-internal", "font-size"}
    | {"caption"}
)
RELATIONSHIP_PROPERTIES = frozenset(
    {"color", "shaft-width", "font-size", "padding", "text-color-external", "text-color-internal"}
    | {"caption"}
)
KNOWN_PROPERTIES = {"node": NODE_PROPERTIES, "relationship": RELATIONSHIP_PROPERTIES}
# A caption's placeholders: `{key}` is a property, `<id>` and `<type>` Browser's own.
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
UNESCAPED_DOT = re.compile(r"(?<!\\)\.")


@dataclass
class Reading:
    """What Browser keeps of a style (selector → properties, in the file's order), and what it
    drops or misreads on the way, each said in words."""

    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def read_like_browser(text: str) -> Reading:
    reading = Reading()
    bodies: dict[str, str] = {}
    in_string = in_body = in_binding = False
    selector = body = ""
    for char in text:
        if char in "'\"":
            in_string = not in_string
        elif char == "{" and not in_string:
            if in_body:
                in_binding = True
                reading.dropped.append(f"{selector}: braces outside quotes are dropped")
            else:
                in_body = True
        elif char == "}" and not in_string:
            if in_binding:
                in_binding = False
            else:
                if selector in bodies:
                    reading.dropped.append(f"{selector}: a second rule replaces the first")
                bodies[selector], selector, body, in_body = body, "", "", False
        elif in_body:
            body += char
        elif not char.isspace():
            selector += char
    if in_string:
        reading.dropped.append("a quote is never closed")
    if in_body or selector:
        reading.dropped.append(f"{selector}: no closed rule follows, so it is dropped")
    for name, text_of_body in bodies.items():
        reading.rules[name] = {}
        for part in text_of_body.split(";"):
            pieces = part.split(":")
            if len(pieces) == 2:
                key, value = pieces[0].strip(), pieces[1].strip()
                if key in reading.rules[name]:
                    reading.dropped.append(f"{name}: {key} is given twice, the last one wins")
                reading.rules[name][key] = value
            elif part.strip():
                reading.dropped.append(f"{name}: {part.strip()!r} is not `property: value`")
    return reading


def selector_parts(selector: str) -> list[str]:
    return [part.replace("\\.", ".") for part in UNESCAPED_DOT.split(selector) if part]


def problems(text: str) -> list[str]:
    """Everything Browser would drop, never match, ignore or misread in a style."""
    graph = schema()
    labels = {"node": set(graph["labels"]), "relationship": set(graph["relationshipTypes"])}
    found = [f"comment text {mark!r}" for mark in ("/*", "*/", "//") if mark in text]
    reading = read_like_browser(text)
    found += reading.dropped
    for selector, props in reading.rules.items():
        tag, *classes = selector_parts(selector) or [""]
        if tag not in TAGS:
            found.append(
                f"{selector}: matches nothing (a selector starts with node or relationship)"
            )
            continue
        found += [
            f"{selector}: {name} is no {tag} of this graph"
            for name in classes
            if name not in labels[tag]
        ]
        if tag == "relationship" and len(classes) > 1:
            found.append(f"{selector}: a relationship has one type")
        for key, value in props.items():
            if key not in KNOWN_PROPERTIES[tag]:
                found.append(f"{selector}: Browser draws no {key} of a {tag}")
            elif key == "caption":
                unknown = set(PLACEHOLDER.findall(value)) - set(graph["propertyKeys"])
                found += [
                    f"{selector}: the caption's {{{name}}} is no stored property"
                    for name in sorted(unknown)
                ]
            elif not value:
                found.append(f"{selector}: {key} has no value")
    return found


def style_of(rules: dict[str, dict[str, str]], tag: str, labels: set[str]) -> dict[str, str]:
    """The style Browser draws an element with: every matching rule, in order, the later winning."""
    drawn: dict[str, str] = {}
    for selector, props in rules.items():
        rule_tag, *classes = selector_parts(selector)
        if rule_tag == tag and set(classes) <= labels:
            drawn |= props
    return drawn


def test_browser_reads_every_rule_of_the_style() -> None:
    assert problems(STYLE.read_text(encoding="utf-8")) == []


def style_rules() -> dict[str, dict[str, str]]:
    return read_like_browser(STYLE.read_text(encoding="utf-8")).rules


# The labels each kind of node really carries (cypher/store.cypher): units and bodies also carry
# their shared label, which the file styles first.
NODES = {
    **{label: {"Unit", label} for label in UNIT_LABELS},
    **{label: {"Body", label} for label in BODY_KINDS.values()},
    **{label: {label} for label in ("Person", "Resident", "Issue", "Department", "Sweep")},
}


@pytest.mark.parametrize("label", NODES)
def test_each_kind_of_node_is_drawn_with_its_own_colour_and_caption(label: str) -> None:
    rules = style_rules()
    own = rules[f"node.{label}"]
    drawn = style_of(rules, "node", NODES[label])
    assert drawn["color"] == own["color"]
    assert drawn["caption"] == own["caption"] and PLACEHOLDER.fullmatch(drawn["caption"])


def test_the_base_rules_come_first_and_style_what_no_label_does() -> None:
    rules = list(style_rules())
    assert rules[:3] == ["node", "node.Unit", "node.Body"]
    drawn = style_of(style_rules(), "node", {"IssueEvent"})
    assert drawn["caption"] == "{id}" and drawn["diameter"] == "50px"


def test_assignments_are_captioned_with_their_role_and_containment_with_nothing() -> None:
    rules = style_rules()
    assert style_of(rules, "relationship", {"RESPONSIBLE_FOR"})["caption"] == "{role}"
    assert style_of(rules, "relationship", {"IN"})["caption"] == ""
    assert style_of(rules, "relationship", {"OF"})["caption"] == "<type>"


def test_visits_are_captioned_with_their_day_and_stand_out_from_assignments() -> None:
    """Work done beside work assigned: a visit's edge says when, in a colour of its own."""
    rules = style_rules()
    visited = style_of(rules, "relationship", {"VISITED"})
    assert visited["caption"] == "{visited_at}"
    assert visited["color"] != style_of(rules, "relationship", {"RESPONSIBLE_FOR"})["color"]
    assert style_of(rules, "relationship", {"OVER"})["color"] == rules["node.Sweep"]["border-color"]


# ---- the reader itself: each way a style goes wrong in Browser is caught -----------------


def test_a_comment_is_glued_onto_the_next_selector() -> None:
    text = "/* Units, top down. */\nnode.County {\n  color: #1F3A93;\n}\n"
    assert list(read_like_browser(text).rules) == ["/*Units,topdown.*/node.County"]
    found = problems(text)
    assert "comment text '/*'" in found
    assert "/*Units,topdown.*/node.County: matches nothing" in " ".join(found)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("node.Count { color: #1F3A93; }", "node.Count: Count is no node of this graph"),
        ("relationship.IN { colour: #C8C8C8; }", "relationship.IN: Browser draws no colour"),
        ("node { shaft-width: 1px; }", "node: Browser draws no shaft-width of a node"),
        ("node { caption: {name}; }", "node: braces outside quotes are dropped"),
        ("node { caption: '{nmae}'; }", "node: the caption's {nmae} is no stored property"),
        ("node { caption: 'a: b'; }", "node: 'caption: a: b' is not `property: value`"),
        ("node { color: ; }", "node: color has no value"),
        ("node { color: #FFF; } node { color: #000; }", "node: a second rule replaces the first"),
        ("node { color: #FFF; color: #000; }", "node: color is given twice, the last one wins"),
        ("node { caption: '{id}; }", "a quote is never closed"),
        ("node { color: #FFF; } node.Grid", "node.Grid: no closed rule follows"),
        ("relationship.IN.OF { color: #FFF; }", "relationship.IN.OF: a relationship has one type"),
    ],
)
def test_each_thing_browser_drops_is_a_problem(text: str, problem: str) -> None:
    assert any(found.startswith(problem) for found in problems(text)), problems(text)
