"""A chain or a reverse trace drawn as a graph, in one self-contained HTML page.

neo4j-viz ships the Neo4j visualisation library inlined in its page template, so the page loads
nothing from the network and people without Neo4j Browser see the picture an analyst sees there:
units joined by IN, people hanging off them by RESPONSIBLE_FOR, captioned with their names, the
roles and levels named in the reader's language, and a legend of the colours beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from neo4j_viz import Layout, Node, Relationship, VisualizationGraph

from api import pages
from api.chainlayout import HANGING_SIZE, UNIT_SIZE, place, view_of
from engine import tables
from engine.lang import say
from engine.model import BodyRef, PersonRef, TraceResult, WhoResult
from engine.semantics import TRACE_ROLE
from engine.vocabulary import BODY_KINDS, ROLES, label_name

COUNTY_TRACE_ROLE = "liaison"  # a county step names the county leader in liaison (SPEC §4.3)

COLORS = {
    "County": "#8E6BBF",
    "Township": "#4C8EDA",
    "Village": "#57C7E3",
    "Grid": "#8DCC93",
    "Building": "#C9E89A",
    "Household": "#F79767",
    "Person": "#FFC454",
    "Body": "#D9C8AE",
    "Issue": "#F16667",
    "vacant": "#E0245E",
}
UNIT_CAPTION_SIZE = 2  # the library's caption sizes run 1 to 3, font to radius
HANGING_CAPTION_SIZE = 3  # as large as it goes: a person's name must read at the first zoom
STYLE = """
.chain{padding:.6rem 1rem;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:1rem 2rem}
.chain h1{font-size:1.1rem;margin:0 0 .3rem;flex-basis:100%}
.chain table{border-collapse:collapse;font-size:.85rem}
.chain td,.chain th{padding:.1rem .6rem .1rem 0;text-align:left;vertical-align:top}
.chain p{margin:.3rem 0;font-size:.9rem}
.legend{list-style:none;margin:0;padding:0;font-size:.85rem}
.legend li{display:flex;align-items:center;gap:.4rem;margin:.1rem 0}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:50%;border:1px solid #0003}
.vacant{color:#c0143c;font-weight:600}
"""


def kind_name(kind: str) -> str:
    """What a node of a kind is, in the reader's language (the legend's words)."""
    return tables.vacant() if kind == "vacant" else label_name(kind)


def named(name: str, node: str) -> str:
    """`花马池镇 (T1)`; a node known only by its id shows the id once."""
    return tables.named(node, {node: name})


class ChainGraph:
    """Nodes by id (a person holding two roles is drawn once) and the edges between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, object]] = {}
        self.relationships: list[Relationship] = []
        self.column: list[str] = []  # the units, bottom up
        self.hanging: dict[str, list[str]] = {}  # unit -> the nodes hanging off it
        self.kinds: set[str] = set()  # of the nodes drawn, for the legend

    def node(self, node_id: str, caption: str, kind: str, at: str, **properties: str) -> None:
        """A node hanging off the unit `at`, or, when `at` is itself, a unit of the column."""
        if node_id in self.nodes:
            return
        if node_id == at:
            self.column.append(node_id)
        else:
            self.hanging.setdefault(at, []).append(node_id)
        unit = node_id == at
        self.kinds.add(kind)
        self.nodes[node_id] = {
            "id": node_id,
            "caption": caption,
            "color": COLORS[kind],
            "size": UNIT_SIZE if unit else HANGING_SIZE,
            "caption_size": UNIT_CAPTION_SIZE if unit else HANGING_CAPTION_SIZE,
            "properties": {"kind": kind_name(kind), **properties},
        }

    def link(self, source: str, target: str, caption: str, kind: str) -> None:
        self.relationships.append(
            Relationship.model_validate(
                {
                    "id": f"r{len(self.relationships)}",
                    "source": source,
                    "target": target,
                    "caption": caption,
                    "properties": {"type": kind},
                }
            )
        )

    def unit(self, level: str, unit: str, name: str, below: str | None) -> None:
        shown = name if name not in ("", unit) else unit
        self.node(unit, f"{shown}\n{kind_name(level)}", level, unit, id=unit, name=name)
        if below is not None:
            self.link(below, unit, say("属于", "in"), "IN")

    def person(self, person: PersonRef, unit: str) -> None:
        role = ROLES.name(person.role)
        self.node(person.id, person.name, "Person", unit, id=person.id, role=role)
        self.link(person.id, unit, role, "RESPONSIBLE_FOR")

    def vacant(self, unit: str, role: str) -> None:
        node = f"vacant:{unit}:{role}"
        caption = f"{kind_name('vacant')}\n{ROLES.name(role)}"
        self.node(node, caption, "vacant", unit, role=ROLES.name(role))
        self.link(node, unit, ROLES.name(role), "VACANT")

    def body(self, body: BodyRef, unit: str) -> None:
        self.node(body.id, body.name, "Body", unit, id=body.id, type=BODY_KINDS.name(body.kind))
        self.link(body.id, unit, say("服务", "serves"), "SERVES")

    def legend(self) -> str:
        """A swatch and a name for each kind of node drawn."""
        items = "".join(
            f'<li><span class="swatch" style="background:{COLORS[kind]}"></span>'
            f"{escape(kind_name(kind))}</li>"
            for kind in COLORS
            if kind in self.kinds
        )
        return f'<ul class="legend" aria-label="{say("图例", "legend")}">{items}</ul>'

    def html(self, title: str, facts: str, links: pages.Links) -> str:
        at = place(self.column, self.hanging)
        nodes = [
            Node.model_validate({**spec, "x": at[node][0], "y": at[node][1]})
            for node, spec in self.nodes.items()
        ]
        centre, zoom = view_of(at)
        page: str = (
            VisualizationGraph(nodes=nodes, relationships=self.relationships)
            .render(
                layout=Layout.COORDINATE,
                pan_position=centre,
                initial_zoom=zoom,
                height="75vh",
                theme="light",
            )
            .data
        )
        header = (
            f'{pages.page_header(links)}<header class="chain"><h1>{escape(title)}</h1>'
            f"<div>{facts}</div>{self.legend()}</header>"
        )
        page = page.replace('<html lang="en"', f'<html lang="{pages.html_lang()}"', 1)
        page = page.replace("<title>neo4j-viz</title>", f"<title>{escape(title)}</title>", 1)
        page = page.replace("</head>", f"<style>{pages.STYLE}{STYLE}</style></head>", 1)
        return page.replace("<body>", f"<body>{header}", 1)


def holder_text(person: PersonRef | None, links: pages.Links) -> str:
    """`张书记 (SEC1)`, a link to what the person covers; or 空缺 in red."""
    if person is None:
        return f'<span class="vacant">{kind_name("vacant")}</span>'
    href = links.to(pages.coverage_path(person.id))
    return f'<a href="{href}">{escape(named(person.name, person.id))}</a>'


def vacancy_text(role: str) -> str:
    """`指挥长 空缺`, in red."""
    return f'<span class="vacant">{escape(ROLES.name(role))} {kind_name("vacant")}</span>'


def who_page(result: WhoResult, links: pages.Links) -> str:
    graph = ChainGraph()
    below: str | None = None
    rows = []
    for level in result.chain:
        graph.unit(level.level, level.unit, level.name, below)
        below = level.unit
        for holder in level.assignments:
            graph.person(holder.person, level.unit)
        for role in level.vacant:
            graph.vacant(level.unit, role)
        for body in level.bodies:
            graph.body(body, level.unit)
        held = [
            f"{escape(ROLES.name(h.role))}: {holder_text(h.person, links)}"
            for h in level.assignments
        ]
        held += [vacancy_text(role) for role in level.vacant]
        rows.append(
            f"<tr><th>{escape(kind_name(level.level))}</th>"
            f"<td>{escape(named(level.name, level.unit))}</td><td>{'; '.join(held)}</td></tr>"
        )
    commander = f"<p>{say('指挥长', 'Commander')}: {holder_text(result.commander, links)}</p>"
    facts = f"<table>{''.join(rows)}</table>{commander}"
    target = named(result.chain[0].name, result.target) if result.chain else result.target
    title = say(
        f"{target} 的责任链（{result.as_of}）",
        f"Accountability chain of {target} as of {result.as_of}",
    )
    return graph.html(title, facts, links)


def trace_page(result: TraceResult, names: Mapping[str, str], links: pages.Links) -> str:
    """`names`: the names of the units on the trace (a household's address)."""
    graph = ChainGraph()
    below: str | None = None
    rows = []
    for step in result.path:
        name = names.get(step.unit, step.unit)
        graph.unit(step.level, step.unit, name, below)
        below = step.unit
        if step.person is None:
            role = TRACE_ROLE.get(step.level, COUNTY_TRACE_ROLE)
            graph.vacant(step.unit, role)
            held = vacancy_text(role)
        else:
            graph.person(step.person, step.unit)
            held = f"{escape(ROLES.name(step.person.role))}: {holder_text(step.person, links)}"
        rows.append(
            f"<tr><th>{escape(kind_name(step.level))}</th>"
            f"<td>{escape(named(name, step.unit))}</td><td>{held}</td></tr>"
        )
    issue_text = ""
    if result.issue is not None and result.path:
        issue = result.issue
        late = say(f"逾期{issue.overdue_days}天", f"{issue.overdue_days} d late")
        at = result.path[0].unit
        graph.node(issue.id, f"{issue.id}\n{late}", "Issue", at)
        graph.link(issue.id, at, say("关于", "about"), "ABOUT")
        issue_text = f"<p>{escape(tables.issue_standing(issue))}</p>"
    facts = f"<table>{''.join(rows)}</table>{issue_text}"
    target = named(names.get(result.target, result.target), result.target)
    if result.issue is not None:
        target = f"{kind_name('Issue')} {target}"
    title = say(
        f"{target} 的反向追溯（{result.as_of}）",
        f"Reverse trace of {target} as of {result.as_of}",
    )
    return graph.html(title, facts, links)
