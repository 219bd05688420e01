"""Plain HTML for a browser, with no external assets: the frame every page shares (its
language, the language switch, the search box, logout) and lists drawn as tables.

No link carries a key: a person signs in once and the session cookie does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote, urlencode

from api.routes.language import switch_links
from engine.lang import current, say
from engine.sheets import FORMATS, Cell, Sheet, cell_text

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:0;color:#222}
.top{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;padding:.5rem 1rem;
background:#f4f6f8;border-bottom:1px solid #ddd;font-size:.9rem}
.top form{margin:0}
.top .lang{margin-left:auto}
.top .lang a{margin-left:.6rem}
main{margin:1rem 1.5rem}
h1{font-size:1.3rem}
h2{font-size:1.1rem;margin-top:1.6rem}
table.list{border-collapse:collapse}
.list td,.list th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
.list td.number,.list th.number{text-align:right}
.list td.zero{color:#aaa}
.list th,.list td:first-child{white-space:nowrap}
.side-by-side{display:flex;flex-wrap:wrap;gap:0 3rem;align-items:flex-start}
.exports{font-size:.85rem;margin:.3rem 0}
.exports a{margin-right:.8rem}
nav.pages a{margin-left:1rem}
tr.late td:first-child{background:#fbd5d5;color:#a1001a;font-weight:600}
tr.soon td:first-child{background:#ffe9b0;color:#7a4d00;font-weight:600}
tr.ok td:first-child{background:#d8f0d4;color:#1b5e20}
"""


@dataclass(frozen=True)
class Links:
    """URLs of the pages, carrying the day the page was opened for; `here` is this page's own
    path and query, where the language switch comes back to."""

    as_of: dt.date
    here: str = "/"

    def to(self, path: str, **params: str | int | None) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        query["as_of"] = self.as_of.isoformat()
        return escape(f"{path}?{urlencode(query)}")


def node_path(view: str, node: str) -> str:
    """The page of a view (`who`, `trace`) of a node."""
    return f"/view/{view}/{quote(node, safe='')}"


def coverage_path(person: str) -> str:
    return f"/view/people/{quote(person, safe='')}/coverage"


def language_switch(here: str) -> str:
    """中文 English: each link sets the language and comes back to `here`."""
    return f'<span class="lang">{switch_links(here)}</span>'


def page_header(links: Links) -> str:
    """The bar atop every signed-in page: the way home, the search box, the language switch
    (back to this page) and logout."""
    search = (
        '<form class="search" method="get" action="/view/search" role="search">'
        f'<input type="search" name="q" required maxlength="100" '
        f'placeholder="{escape(say("姓名、单元或地址", "a name, unit or address"))}" '
        f'aria-label="{escape(say("搜索", "search"))}">'
        f'<input type="hidden" name="as_of" value="{links.as_of.isoformat()}">'
        f"<button>{say('搜索', 'Search')}</button></form>"
    )
    logout = (
        '<form class="logout" method="post" action="/logout">'
        f"<button>{say('退出登录', 'Sign out')}</button></form>"
    )
    home = f'<a href="{links.to("/")}">{say("首页", "Dashboard")}</a>'
    return f'<header class="top">{home}{search}{language_switch(links.here)}{logout}</header>'


def html_lang() -> str:
    return "zh-CN" if current() == "zh" else "en"


def document(title: str, body: str, *, links: Links | None = None) -> str:
    """A whole page; `links` marks it a signed-in page, with the bar atop (`page_header`). A
    page before signing in (the login page) brings its own language switch."""
    header = page_header(links) if links is not None else ""
    return (
        f'<!doctype html><html lang="{html_lang()}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{header}<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


@dataclass
class Listing:
    """A sheet as a page shows it: links on its cells (by row and column index), a mark on each
    row, a last cell of links per row, and the route that exports it."""

    sheet: Sheet
    exported_at: str | None = None  # the route answering `?format=xlsx|csv` with the sheet
    export_params: Mapping[str, str | int | None] = field(default_factory=dict)
    hrefs: Mapping[tuple[int, int], str] = field(default_factory=dict)
    row_classes: Sequence[str] = ()
    views: Sequence[str] = ()  # HTML


NUMBER = ' class="number"'


def sheet_html(listing: Listing) -> str:
    """The table of a listing: the same columns and rows its export holds."""
    sheet = listing.sheet
    numbers = [column in sheet.right for column in sheet.columns]
    head = "".join(
        f"<th{NUMBER if number else ''}>{escape(column)}</th>"
        for column, number in zip(sheet.columns, numbers, strict=True)
    )
    if listing.views:
        head += "<th></th>"
    rows = []
    for r, row in enumerate(sheet.rows):
        cells = [
            cell_html(cell, numbers[c], listing.hrefs.get((r, c))) for c, cell in enumerate(row)
        ]
        if listing.views:
            cells.append(f"<td>{listing.views[r]}</td>")
        marked = f' class="{listing.row_classes[r]}"' if r < len(listing.row_classes) else ""
        rows.append(f"<tr{marked}>{''.join(cells)}</tr>")
    notes = "".join(f"<p>{escape(note)}</p>" for note in sheet.notes)
    return f'<table class="list"><tr>{head}</tr>{"".join(rows)}</table>{notes}'


def cell_html(cell: Cell, number: bool, href: str | None) -> str:
    text = escape(cell_text(cell, missing=""))
    if href is not None and cell not in (None, 0, ""):
        text = f'<a href="{href}">{text}</a>'
    if not number:
        return f"<td>{text}</td>"
    return f'<td class="number{" zero" if cell == 0 else ""}">{text}</td>'


def exports(listing: Listing, links: Links) -> str:
    """Links that download a listing as .xlsx and as CSV."""
    if listing.exported_at is None:
        return ""
    urls = {
        format: links.to(listing.exported_at, **listing.export_params, format=format)
        for format in FORMATS
    }
    return (
        f'<p class="exports">{say("导出", "Export")}: '
        f'<a href="{urls["xlsx"]}" download>Excel (.xlsx)</a>'
        f'<a href="{urls["csv"]}" download>CSV</a></p>'
    )


def section(listing: Listing, links: Links, heading: bool = True, more: str = "") -> str:
    """A listing with its heading (its sheet's title), its export links and its table; `more`
    (HTML) follows the table."""
    title = f"<h2>{escape(listing.sheet.title)}</h2>" if heading else ""
    return f"<section>{title}{exports(listing, links)}{sheet_html(listing)}{more}</section>"


def list_page(listing: Listing, links: Links, more: str = "") -> str:
    """A page of one listing, titled by its sheet."""
    body = section(listing, links, heading=False, more=more)
    return document(listing.sheet.title, body, links=links)


def pager(
    links: Links, path: str, offset: int, limit: int, total: int, **params: str | int | None
) -> str:
    """Where this page of a list starts and ends, with links to the pages before and after."""
    shown = max(0, min(limit, total - offset))
    first = offset + 1 if shown else 0
    parts = [
        say(
            f"共 {total} 条，第 {first}–{offset + shown} 条", f"{first}–{offset + shown} of {total}"
        )
    ]
    if offset > 0:
        before = links.to(path, **params, offset=max(0, offset - limit), limit=limit)
        parts.append(f'<a href="{before}">{say("上一页", "previous")}</a>')
    if offset + limit < total:
        after = links.to(path, **params, offset=offset + limit, limit=limit)
        parts.append(f'<a href="{after}">{say("下一页", "next")}</a>')
    return f'<nav class="pages">{" ".join(parts)}</nav>'
