"""Plain HTML for a browser: the gap dashboard and gap lists, with no external assets.

A browser cannot add a header to a link, so a page opened with `?key=` carries the key on in
its links; the pages send no Referer (see `api.routes.views`), so the key goes nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import quote, urlencode

from engine.model import GAP_KINDS, Gap, GapsResult

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem}
table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
td.zero{color:#aaa}
nav a{margin-right:1rem}
"""


@dataclass(frozen=True)
class Links:
    """URLs of the pages, carrying the day and the key the page was opened with."""

    as_of: dt.date
    key: str | None

    def to(self, path: str, **params: str | int | None) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        query["as_of"] = self.as_of.isoformat()
        if self.key:
            query["key"] = self.key
        return escape(f"{path}?{urlencode(query)}")


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def township_of_gap(gap: Gap, townships: set[str]) -> str | None:
    return next((node for node in gap.path if node in townships), None)


def dashboard(result: GapsResult, links: Links, names: Mapping[str, str]) -> str:
    """Gap counts per township (by name, its id beside it) and kind, each linking to its
    list."""
    townships = set(result.summary.by_township)
    counts: dict[tuple[str | None, str], int] = {}
    for gap in result.gaps:
        place = (township_of_gap(gap, townships), gap.kind)
        counts[place] = counts.get(place, 0) + 1
    head = "".join(f"<th>{escape(kind)}</th>" for kind in GAP_KINDS)
    rows = []
    for township in sorted(townships):
        cells = "".join(
            count_cell(
                counts.get((township, kind), 0), links.to("/view/gaps", scope=township, kind=kind)
            )
            for kind in GAP_KINDS
        )
        total = result.summary.by_township[township]
        township_link = links.to("/view/gaps", scope=township)
        rows.append(
            f'<tr><td><a href="{township_link}">{escape(names.get(township, township))}</a> '
            f"({escape(township)})</td>{cells}"
            f"<td>{total}</td></tr>"
        )
    totals = "".join(
        count_cell(
            result.summary.by_kind.get(kind, 0),
            links.to("/view/gaps", scope=result.scope, kind=kind),
        )
        for kind in GAP_KINDS
    )
    rows.append(
        f"<tr><th>all of {escape(result.scope or 'the county')}</th>{totals}"
        f"<th>{result.summary.total}</th></tr>"
    )
    body = (
        f"<p>Coverage gaps as of {result.as_of}; a count opens its list, and each gap its "
        f"accountability chain and reverse trace.</p>"
        f"<table><tr><th>township</th>{head}<th>total</th></tr>{''.join(rows)}</table>"
    )
    return document(f"Gaps in {result.scope or 'the county'}", body)


def count_cell(count: int, href: str) -> str:
    if count == 0:
        return '<td class="zero">0</td>'
    return f'<td><a href="{href}">{count}</a></td>'


def gap_list(result: GapsResult, kind: str | None, offset: int, limit: int, links: Links) -> str:
    """One page of gaps, each linking to its chain and its trace."""
    shown = result.gaps[offset : offset + limit]
    rows = []
    for gap in shown:
        if gap.level == "Person":  # an overloaded grid member: a person has no chain
            views = ""
        else:
            node = quote(gap.id, safe="")
            views = (
                f'<a href="{links.to(f"/view/who/{node}")}">chain</a> '
                f'<a href="{links.to(f"/view/trace/{node}")}">trace</a>'
            )
        rows.append(
            f"<tr><td>{escape(gap.kind)}</td><td>{escape(gap.id)}</td><td>{escape(gap.level)}"
            f"</td><td>{escape(' > '.join(gap.path))}</td><td>{views}</td></tr>"
        )
    nav = []
    if offset > 0:
        previous = links.to(
            "/view/gaps", scope=result.scope, kind=kind, offset=max(0, offset - limit), limit=limit
        )
        nav.append(f'<a href="{previous}">previous</a>')
    if offset + limit < len(result.gaps):
        following = links.to(
            "/view/gaps", scope=result.scope, kind=kind, offset=offset + limit, limit=limit
        )
        nav.append(f'<a href="{following}">next</a>')
    nav.append(f'<a href="{links.to("/")}">dashboard</a>')
    body = (
        f"<p>{len(shown)} of {len(result.gaps)} gaps, from {offset + 1 if shown else 0}.</p>"
        "<table><tr><th>kind</th><th>id</th><th>level</th><th>path</th><th></th></tr>"
        f"{''.join(rows)}</table><nav>{''.join(nav)}</nav>"
    )
    return document(f"Gaps in {result.scope or 'the county'} as of {result.as_of}", body)
