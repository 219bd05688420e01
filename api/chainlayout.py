"""Where each node of a drawn chain stands: the units in a column, the county on top, and what
hangs off a unit on an arc beside it, to the right and the left in turn (so the arcs of two
neighbouring units never meet and the column stays short), far enough apart that no edge
crosses another node.

The page is laid out here rather than by the graph library so that nothing moves after the
view is first fitted, and the chain opens in view with every name readable.
"""

from __future__ import annotations

import math

UNIT_SIZE = 50  # a unit's radius, in graph units
HANGING_SIZE = 40  # the radius of a person, vacancy, body hanging off a unit
SPACING = 2 * HANGING_SIZE + 16  # between the centres of two nodes hanging off one unit
RADIUS = 170  # from a unit to what hangs off it
WIDEST_STEP = math.radians(32)
WIDEST_ARC = math.radians(150)
ROW_GAP = 2 * UNIT_SIZE + 30
# The part of a page the chain should fit in, and the margin kept around it.
VIEW_WIDTH, VIEW_HEIGHT, MARGIN = 900, 480, 70
# The graph library writes a caption of caption size 3 at half its node's radius, shrunk by a
# further 1.1 on nodes this small on screen; below this zoom a person's name would be drawn
# under 10 px, too small to read, so the view never opens further out than this.
CAPTION_RATIO = 2 * 1.1
SMALLEST_NAME_PX = 10
READABLE_ZOOM = SMALLEST_NAME_PX * CAPTION_RATIO / HANGING_SIZE


def fan(count: int) -> list[tuple[float, float]]:
    """Offsets of `count` nodes on an arc right of their unit, at least SPACING apart."""
    if count == 0:
        return []
    step = min(WIDEST_STEP, WIDEST_ARC / max(count - 1, 1))
    radius = max(RADIUS, SPACING / (2 * math.sin(step / 2)))
    angles = [(j - (count - 1) / 2) * step for j in range(count)]
    return [(radius * math.cos(a), radius * math.sin(a)) for a in angles]


def place(column: list[str], hanging: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Positions of the units of `column` (bottom up) and the nodes hanging off each: the
    first unit's to its right, the next one's to its left, and so on."""
    at: dict[str, tuple[float, float]] = {}
    y = 0.0
    # Of the last unit whose arc is on each side: where it stands, how far its arc reaches.
    last: dict[int, tuple[float, float]] = {}
    for index, unit in enumerate(column):
        side = 1 if index % 2 == 0 else -1
        offsets = fan(len(hanging.get(unit, [])))
        reach = max((abs(dy) for _, dy in offsets), default=0.0)
        if at:
            y -= ROW_GAP
        if side in last:
            below, reach_below = last[side]
            y = min(y, below - (reach_below + reach + SPACING))
        at[unit] = (0.0, y)
        for node, (dx, dy) in zip(hanging.get(unit, []), offsets, strict=True):
            at.setdefault(node, (side * dx, y + dy))  # a person on two levels stays where met
        if offsets:
            last[side] = (y, reach)
    return at


def view_of(at: dict[str, tuple[float, float]]) -> tuple[tuple[float, float], float]:
    """The pan position (the centre) and zoom that show every node, or, for a chain too tall
    to show whole with its names readable, its lower end (the target, where a trace starts)
    at the zoom names are readable at."""
    xs = [x for x, _ in at.values()] or [0.0]
    ys = [y for _, y in at.values()] or [0.0]
    width = max(xs) - min(xs) + 2 * MARGIN
    height = max(ys) - min(ys) + 2 * MARGIN
    fitting = min(1.0, VIEW_WIDTH / width, VIEW_HEIGHT / height)
    zoom = max(fitting, READABLE_ZOOM)
    centre_x = (min(xs) + max(xs)) / 2
    if zoom == fitting:
        return (centre_x, (min(ys) + max(ys)) / 2), zoom
    return (centre_x, max(ys) + MARGIN - VIEW_HEIGHT / zoom / 2), zoom
