"""Bar charts as data for the server-rendered SVG in templates/charts.svg.j2: geometry here,
markup (escaped by Jinja) in the template; no script, no third-party library."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.analytics import Cell, Suppressed

WIDTH = 680
LABEL_WIDTH = 250
VALUE_WIDTH = 60
ROW_HEIGHT = 26
COLUMN_HEIGHT = 180
TOP_MARGIN = 18
MAX_LABEL = 32


@dataclass(frozen=True)
class Bar:
    """One bar: where it is drawn and what it says. A suppressed bar is an outline up to the
    threshold: "somewhere below N", never a value."""

    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    suppressed: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    axis_labels: list[tuple[float, str, str]]  # (x, anchor, text) under a column chart
    peak: str = ""  # the value of the tallest column, written at the top


def short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _amount(cell: Cell) -> float:
    if isinstance(cell, Suppressed):
        return 0.0 if cell.secondary else cell.threshold
    return float(cell) if isinstance(cell, int | float) else 0.0


def horizontal(labels: Sequence[str], values: Sequence[Cell], show: Callable[[Cell], str]) -> Chart:
    """One row per group, longest bar the largest value."""
    top = max((_amount(value) for value in values), default=0.0) or 1.0
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(
            short(label),
            show(value),
            LABEL_WIDTH,
            n * ROW_HEIGHT + 3,
            max(room * _amount(value) / top, 1.0),
            ROW_HEIGHT - 6,
            isinstance(value, Suppressed),
        )
        for n, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    return Chart(WIDTH, max(len(bars), 1) * ROW_HEIGHT, bars, [])


def columns(days: Sequence[str], values: dict[str, Cell], show: Callable[[Cell], str]) -> Chart:
    """One column per day of the period; a day nobody wrote is a true zero."""
    top = max((_amount(value) for value in values.values()), default=0.0) or 1.0
    step = WIDTH / max(len(days), 1)
    bars = []
    for n, day in enumerate(days):
        value = values.get(day, 0)
        height = (COLUMN_HEIGHT - TOP_MARGIN) * _amount(value) / top
        bars.append(
            Bar(
                day,
                show(value),
                n * step + step * 0.1,
                COLUMN_HEIGHT - height,
                max(step * 0.8, 1.0),
                height,
                isinstance(value, Suppressed),
            )
        )
    # First, middle and last day under the axis, kept inside the picture.
    axis = (
        [
            (0.0, "start", days[0]),
            (WIDTH / 2, "middle", days[len(days) // 2]),
            (float(WIDTH), "end", days[-1]),
        ]
        if len(days) > 2
        else [(n * step + step / 2, "middle", day) for n, day in enumerate(days)]
    )
    peak = show(max(values.values(), key=_amount)) if values else ""
    return Chart(WIDTH, COLUMN_HEIGHT + 24, bars, axis, peak)
