"""The graph views in a real headless Chromium: the page loads nothing from outside, the Neo4j
visualisation library draws the chain, and a screenshot shows the chain's colours."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from counties import AS_OF
from serving import KEYS, Server

from api.graphview import COLORS

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


def find_chromium() -> str:
    """Debian's chromium; installed here once when missing and apt can (CI installs it)."""
    found = shutil.which("chromium")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(step, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("no chromium: apt-get install chromium (needs root) to run the browser tests")
    return found


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def page_url(server: Server, path: str) -> str:
    return f"{server.url}{path}?as_of={AS_OF.isoformat()}&key={KEYS['inspector']}"


def browse(chromium: str, profile: Path, *args: str) -> str:
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


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
    chromium: str, server: Server, tmp_path: Path, path: str, nodes: int, relationships: int
) -> None:
    dom = browse(chromium, tmp_path / "profile", "--dump-dom", page_url(server, path))
    assert 'data-testid="nvl-c2d-canvas"' in dom  # the library mounted its canvas
    # ... and says, for screen readers, what it drew.
    assert f"A graph visualization with {nodes} nodes and {relationships} relationships" in dom


def test_a_screenshot_shows_the_chains_colours(
    chromium: str, server: Server, tmp_path: Path
) -> None:
    shot = tmp_path / "who.png"
    url = page_url(server, "/view/who/H5")
    browse(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,800", url)
    colours = png_colours(shot.read_bytes())
    for label in ("Household", "Grid", "Township", "County", "Person", "vacant"):
        assert hex_rgb(COLORS[label]) in colours, label


def test_the_dashboard_opens_in_the_browser(chromium: str, server: Server, tmp_path: Path) -> None:
    dom = browse(chromium, tmp_path / "profile", "--dump-dom", page_url(server, "/"))
    assert "missing_commander" in dom and "/view/gaps?scope=T1" in dom


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
