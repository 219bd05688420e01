"""Where each node of a drawn chain stands: the units in a column, the county on top, and what
hangs off a unit on an arc to its right, far enough apart that no edge crosses another node.

The page is laid out here rather than by the graph library so that nothing moves after the
view is first fitted, and the whole chain is in view when the page opens.
"""

from __future__ import annotations

import math

SPACING = 80  # between the centres of two nodes hanging off one unit (two radii and a gap)
RADIUS = 150  # from a unit to what hangs off it
WIDEST_STEP = math.radians(32)
WIDEST_ARC = math.radians(150)
ROW_GAP = 140
# The part of a page the chain should fit in, and the margin kept around it.
VIEW_WIDTH, VIEW_HEIGHT, MARGIN = 900, 480, 60


def fan(count: int) -> list[tuple[float, float]]:
    """Offsets of `count` nodes on an arc right of their unit, at least SPACING apart."""
    if count == 0:
        return []
    step = min(WIDEST_STEP, WIDEST_ARC / max(count - 1, 1))
    radius = max(RADIUS, SPACING / (2 * math.sin(step / 2)))
    angles = [(j - (count - 1) / 2) * step for j in range(count)]
    return [(radius * math.cos(a), radius * math.sin(a)) for a in angles]


def place(column: list[str], hanging: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Positions of the units of `column` (bottom up) and the nodes hanging off each."""
    at: dict[str, tuple[float, float]] = {}
    y = 0.0
    reach_below = 0.0  # how far the previous unit's arc reaches up
    for unit in column:
        offsets = fan(len(hanging.get(unit, [])))
        reach = max((abs(dy) for _, dy in offsets), default=0.0)
        if at:
            y -= max(ROW_GAP, reach_below + reach + SPACING)
        at[unit] = (0.0, y)
        for node, (dx, dy) in zip(hanging.get(unit, []), offsets, strict=True):
            at.setdefault(node, (dx, y + dy))  # a person on two levels stays where first met
        reach_below = reach
    return at


def view_of(at: dict[str, tuple[float, float]]) -> tuple[tuple[float, float], float]:
    """The pan position (the centre) and zoom that show every node."""
    xs = [x for x, _ in at.values()] or [0.0]
    ys = [y for _, y in at.values()] or [0.0]
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    width = max(xs) - min(xs) + 2 * MARGIN
    height = max(ys) - min(ys) + 2 * MARGIN
    return centre, min(1.0, VIEW_WIDTH / width, VIEW_HEIGHT / height)
