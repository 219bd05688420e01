"""Where a drawn chain's nodes stand and how the page first shows them: whole when it fits
with every name readable, else its lower end (the target) at the zoom names read at."""

from __future__ import annotations

from api.chainlayout import (
    CAPTION_RATIO,
    HANGING_SIZE,
    SMALLEST_NAME_PX,
    VIEW_HEIGHT,
    VIEW_WIDTH,
    place,
    view_of,
)


def chain(levels: int, hanging: int) -> tuple[list[str], dict[str, list[str]]]:
    """`levels` units bottom up, each with `hanging` people."""
    column = [f"U{level}" for level in range(levels)]
    return column, {unit: [f"{unit}P{n}" for n in range(hanging)] for unit in column}


def name_px(zoom: float) -> float:
    """How tall a person's name is drawn on screen at `zoom`."""
    return HANGING_SIZE / CAPTION_RATIO * zoom


def shown(at: dict[str, tuple[float, float]], node: str) -> bool:
    (cx, cy), zoom = view_of(at)
    x, y = at[node]
    return abs(x - cx) <= VIEW_WIDTH / zoom / 2 and abs(y - cy) <= VIEW_HEIGHT / zoom / 2


def test_a_household_chain_is_shown_whole_with_names_readable() -> None:
    # A household's chain: household, grid, village, township, county, two or three people each.
    at = place(*chain(5, 3))
    _, zoom = view_of(at)
    assert name_px(zoom) >= SMALLEST_NAME_PX
    assert all(shown(at, node) for node in at)


def test_a_chain_too_tall_to_read_whole_opens_on_its_target() -> None:
    at = place(*chain(7, 6))
    _, zoom = view_of(at)
    assert name_px(zoom) >= SMALLEST_NAME_PX
    assert shown(at, "U0") and all(shown(at, f"U0P{n}") for n in range(6))
    assert not shown(at, "U6")  # the county end waits for a pan


def test_no_two_nodes_overlap() -> None:
    at = place(*chain(6, 5))
    spots = list(at.values())
    for i, (x, y) in enumerate(spots):
        for u, v in spots[i + 1 :]:
            assert (x - u) ** 2 + (y - v) ** 2 >= (2 * HANGING_SIZE) ** 2
