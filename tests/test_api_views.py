"""The graph views in a real headless Chromium: the page loads nothing from outside, the Neo4j
visualisation library draws the chain with each node named, and a screenshot, taken once the
graph is drawn, shows the chain's colours beside a legend in the page's language."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest
from browsing import chromium, signed_in
from counties import AS_OF
from playwright.sync_api import Browser, Page
from serving import Server

from api.graphview import COLORS

pytestmark = pytest.mark.slow

# True once the graph library's canvas shows every colour asked for: the graph is drawn.
DRAWN = """
(colours) => {
  const canvas = document.querySelector('[data-testid="nvl-c2d-canvas"]');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const seen = new Set();
  for (let i = 0; i < pixels.length; i += 4) {
    seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
  }
  return colours.every((colour) => seen.has(colour));
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


def open_page(page: Page, server: Server, path: str) -> None:
    response = page.goto(f"{server.url}{path}?as_of={AS_OF.isoformat()}")
    assert response is not None and response.status == 200


def wait_until_drawn(page: Page, labels: list[str]) -> None:
    colours = [int(COLORS[label][1:], 16) for label in labels]
    page.wait_for_function(DRAWN, arg=colours, polling=100)


@pytest.mark.parametrize(
    ("path", "nodes", "relationships"),
    [
        # H3 G2 V1 T1 C, M2 TV1 SEC1 L1, G2's vacant grid head, the issue
        ("/view/trace/I1", 11, 10),
        # H5 B1 G3 V2 T1 C, M3 GH3 M4 SEC1 L1 L0, V2's vacant commander
        ("/view/who/H5", 13, 12),
    ],
)
def test_the_browser_draws_the_chain(
    browser: Browser, server: Server, path: str, nodes: int, relationships: int
) -> None:
    with signed_in(browser, server) as page:
        open_page(page, server, path)
        # The library mounted its canvas, and says, for screen readers, what it drew.
        description = f"A graph visualization with {nodes} nodes and {relationships} relationships"
        page.get_by_text(description).wait_for(state="attached")
        wait_until_drawn(page, ["Household", "Person", "vacant"])


def test_a_screenshot_shows_the_chains_colours_once_drawn(browser: Browser, server: Server) -> None:
    labels = ["Household", "Building", "Grid", "Village", "Township", "County", "Person", "vacant"]
    with signed_in(browser, server) as page:
        open_page(page, server, "/view/who/H5")
        wait_until_drawn(page, labels)
        colours = png_colours(page.screenshot())
    for label in labels:
        assert hex_rgb(COLORS[label]) in colours, label


def test_a_chain_is_captioned_in_chinese_with_names_and_a_legend(
    browser: Browser, server: Server
) -> None:
    with signed_in(browser, server) as page:
        open_page(page, server, "/view/who/H5")
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert "H5号 (H5) 的责任链" in page.title()
        header = page.locator("header.chain").inner_text()
        # Levels and roles by their Chinese names, units and people by name beside their id.
        for text in ("东塘社区 (V2)", "指挥长 空缺", "网格长: 黄网格长 (GH3)", "花马池镇 (T1)"):
            assert text in header, text
        legend = page.locator("ul.legend li")
        assert legend.all_inner_texts() == [
            "县",
            "乡镇",
            "村",
            "网格",
            "楼栋",
            "户",
            "人员",
            "空缺",
        ]
        swatch = (
            legend.nth(5).locator(".swatch").evaluate("s => getComputedStyle(s).backgroundColor")
        )
        assert swatch == "rgb({}, {}, {})".format(*hex_rgb(COLORS["Household"]))


def test_a_chain_reads_english_when_the_browser_asks(browser: Browser, server: Server) -> None:
    with signed_in(browser, server, language="en-US") as page:
        open_page(page, server, "/view/who/H5")
        assert page.get_attribute("html", "lang") == "en"
        assert "Accountability chain of H5号 (H5)" in page.title()
        assert "commander vacant" in page.locator("header.chain").inner_text()
        legend = page.locator("ul.legend li").all_inner_texts()
        assert legend[-3:] == ["household", "person", "vacant"]


def test_a_trace_shows_its_units_by_name(browser: Browser, server: Server) -> None:
    with signed_in(browser, server) as page:
        open_page(page, server, "/view/trace/I1")
        header = page.locator("header.chain").inner_text()
    for text in ("H3号 (H3)", "二组 (G2)", "柳杨堡村 (V1)", "网格员: 孙网格员 (M2)", "事项 I1"):
        assert text in header, text


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def png_colours(png: bytes) -> set[tuple[int, int, int]]:
    """The distinct RGB colours of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, packed, width, height, channels = 8, b"", 0, 0, 0
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour_type in (2, 6)
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            packed += body
        at += 12 + length
    raw = zlib.decompress(packed)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    for row in range(height):
        start = row * (stride + 1)
        line = unfilter(
            raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels
        )
        colours.update(zip(line[0::channels], line[1::channels], line[2::channels], strict=True))
        previous = line
    return colours


def unfilter(kind: int, line: bytearray, above: bytearray, bpp: int) -> bytearray:
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif kind == 2:
        line = bytearray((a + b) & 0xFF for a, b in zip(line, above, strict=True))
    elif kind == 3:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + above[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            up_left = above[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + paeth(left, above[i], up_left)) & 0xFF
    return line


def paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    return (left, up, up_left)[distances.index(min(distances))]
