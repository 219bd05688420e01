"""A chain or a reverse trace drawn as a graph, in one self-contained HTML page.

neo4j-viz ships the Neo4j visualisation library inlined in its page template, so the page loads
nothing from the network and people without Neo4j Browser see the picture an analyst sees there:
units joined by IN, people hanging off them by RESPONSIBLE_FOR, captioned with the role.
"""

from __future__ import annotations

from html import escape

from neo4j_viz import Layout, Node, Relationship, VisualizationGraph

from api.chainlayout import place, view_of
from engine.model import BodyRef, PersonRef, TraceResult, WhoResult
from engine.semantics import TRACE_ROLE

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
UNIT_SIZE = 50
PERSON_SIZE = 32
STYLE = """
body{margin:0;font-family:system-ui,sans-serif}
header{padding:.6rem 1rem;border-bottom:1px solid #ddd}
header h1{font-size:1.1rem;margin:0 0 .3rem}
header table{border-collapse:collapse;font-size:.85rem}
header td,header th{padding:.1rem .6rem .1rem 0;text-align:left;vertical-align:top}
.vacant{color:#c0143c;font-weight:600}
"""


class ChainGraph:
    """Nodes by id (a person holding two roles is drawn once) and the edges between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, object]] = {}
        self.relationships: list[Relationship] = []
        self.column: list[str] = []  # the units, bottom up
        self.hanging: dict[str, list[str]] = {}  # unit -> the nodes hanging off it

    def node(
        self, node_id: str, caption: str, kind: str, size: int, at: str, **properties: str
    ) -> None:
        """A node hanging off the unit `at`, or, when `at` is itself, a unit of the column."""
        if node_id in self.nodes:
            return
        if node_id == at:
            self.column.append(node_id)
        else:
            self.hanging.setdefault(at, []).append(node_id)
        self.nodes[node_id] = {
            "id": node_id,
            "caption": caption,
            "color": COLORS[kind],
            "size": size,
            "properties": {"kind": kind, **properties},
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
        self.node(
            unit,
            f"{level} {unit}\n{name}" if name != unit else f"{level} {unit}",
            level,
            UNIT_SIZE,
            unit,
            name=name,
        )
        if below is not None:
            self.link(below, unit, "IN", "IN")

    def person(self, person: PersonRef, unit: str) -> None:
        self.node(
            person.id, f"{person.name}\n{person.id}", "Person", PERSON_SIZE, unit, name=person.name
        )
        self.link(person.id, unit, person.role, "RESPONSIBLE_FOR")

    def vacant(self, unit: str, role: str) -> None:
        node = f"vacant:{unit}:{role}"
        self.node(node, f"vacant\n{role}", "vacant", PERSON_SIZE, unit, role=role)
        self.link(node, unit, role, "VACANT")

    def body(self, body: BodyRef, unit: str) -> None:
        self.node(body.id, body.name, "Body", PERSON_SIZE, unit, body_kind=body.kind)
        self.link(body.id, unit, "SERVES", "SERVES")

    def html(self, title: str, facts: str) -> str:
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
        header = f"<header><h1>{escape(title)}</h1>{facts}</header>"
        page = page.replace("<title>neo4j-viz</title>", f"<title>{escape(title)}</title>", 1)
        page = page.replace("</head>", f"<style>{STYLE}</style></head>", 1)
        return page.replace("<body>", f"<body>{header}", 1)


def person_text(person: PersonRef | None) -> str:
    if person is None:
        return '<span class="vacant">vacant</span>'
    return f"{escape(person.name)} ({escape(person.id)}, {escape(person.role)})"


def who_page(result: WhoResult) -> str:
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
        held = ", ".join(
            f"{escape(h.role)}: {escape(h.person.name)} ({escape(h.person.id)})"
            for h in level.assignments
        )
        missing = "".join(f' <span class="vacant">{escape(r)} vacant</span>' for r in level.vacant)
        rows.append(
            f"<tr><th>{escape(level.level)}</th><td>{escape(level.unit)}</td>"
            f"<td>{escape(level.name)}</td><td>{held}{missing}</td></tr>"
        )
    facts = f"<table>{''.join(rows)}</table><p>Commander: {person_text(result.commander)}</p>"
    return graph.html(f"Accountability chain of {result.target} as of {result.as_of}", facts)


def trace_page(result: TraceResult) -> str:
    graph = ChainGraph()
    below: str | None = None
    rows = []
    for step in result.path:
        graph.unit(step.level, step.unit, step.unit, below)
        below = step.unit
        if step.person is None:
            graph.vacant(step.unit, TRACE_ROLE.get(step.level, COUNTY_TRACE_ROLE))
        else:
            graph.person(step.person, step.unit)
        rows.append(
            f"<tr><th>{escape(step.level)}</th><td>{escape(step.unit)}</td>"
            f"<td>{person_text(step.person)}</td></tr>"
        )
    issue_text = ""
    if result.issue is not None and result.path:
        issue = result.issue
        caption = f"Issue {issue.id}\noverdue {issue.overdue_days} d"
        graph.node(issue.id, caption, "Issue", UNIT_SIZE, result.path[0].unit)
        graph.link(issue.id, result.path[0].unit, "ABOUT", "ABOUT")
        issue_text = (
            f"<p>Issue {escape(issue.id)}: reported {issue.reported_at}, "
            f"due {issue.due_at or '-'}, resolved {issue.resolved_at or '-'}, "
            f"overdue {issue.overdue_days} days</p>"
        )
    facts = f"<table>{''.join(rows)}</table>{issue_text}"
    return graph.html(f"Reverse trace of {result.target} as of {result.as_of}", facts)
