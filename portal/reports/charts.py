"""Charts drawn on the server: the geometry of horizontal bar charts and line charts, which
templates/reports/_charts.html turns into inline SVG (CSS classes, no inline style or script,
so the strict CSP stays on). Every chart comes with a one-sentence summary for screen readers,
and the report prints its numbers in a table beside it.

The drawing is 360 units wide, scaled to the page's width: about one unit to a pixel on a
375 px phone, so its 13-unit text stays readable there (the stylesheet caps its width on
larger screens).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

from babel.numbers import format_percent

from portal.core.i18n import reader_language

WIDTH = 360
SERIES_STYLES = 4  # templates style series 1..4 (colour, dash and marker shape differ)
LABEL_MAX = 30  # characters of a label drawn in the chart (the table has it whole)


def percent(share: float | None) -> str:
    """ "67%" for 0.667 ("67 %" in German: the reader's language); "—" for no share at all.
    Rounded to a whole percent first, half to even (as `round` does)."""
    if share is None:
        return "—"
    return format_percent(round(share * 100) / 100, locale=reader_language())


def fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def clipped(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def nice_top(largest: float) -> float:
    """The scale's end for shares: the smallest of 10%, 20%, 25%, 50%, 100% that fits."""
    for top in (0.1, 0.2, 0.25, 0.5):
        if largest <= top:
            return top
    return 1.0


# Where the scale's grid lines go, for each end nice_top may choose.
_TICK_STEP = {0.1: 0.05, 0.2: 0.05, 0.25: 0.05, 0.5: 0.1, 1.0: 0.25}


def tick_values(top: float) -> list[float]:
    """0, then every step up to `top` (five or fewer lines, each a round percentage)."""
    step = _TICK_STEP.get(top, top / 4)
    return [step * n for n in range(round(top / step) + 1)]


@dataclass(frozen=True)
class Legend:
    name: str
    series: int  # 1-based style number


@dataclass(frozen=True)
class Tick:
    at: float  # x (bar charts) or y (line charts)
    label: str


# --- Horizontal bars ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a row: a label and what it says at its end, and its parts (value, style)."""

    label: str
    text: str
    parts: Sequence[tuple[float, int]]  # stacked left to right


@dataclass(frozen=True)
class PlacedPart:
    x: float
    width: float
    series: int


@dataclass(frozen=True)
class PlacedBar:
    label: str
    text: str
    text_y: float
    bar_y: float
    parts: list[PlacedPart]


@dataclass(frozen=True)
class PlacedRow:
    heading: str | None  # a row of several bars names them together
    heading_y: float
    bars: list[PlacedBar]


@dataclass(frozen=True)
class BarChart:
    summary: str
    legend: list[Legend]
    rows: list[PlacedRow]
    ticks: list[Tick]
    width: int
    height: float
    left: float
    right: float
    plot_top: float
    plot_bottom: float

    BAR_HEIGHT = 10


def bar_chart(
    rows: Sequence[tuple[str | None, Sequence[Bar]]],
    *,
    summary: str,
    legend: Sequence[Legend] = (),
    top: float | None = None,
) -> BarChart:
    """Rows of bars on one scale from 0 to `top` (shares: nice_top of the largest stack when
    not given). A row with a heading shows its bars under it; without one, its single bar's
    label names it."""
    largest = max((sum(v for v, _ in bar.parts) for _, bars in rows for bar in bars), default=0)
    scale = top or nice_top(largest)
    left, right = 4.0, WIDTH - 4.0
    y = 4.0
    placed = []
    for heading, bars in rows:
        heading_y = y + 12
        if heading is not None:
            y += 18
        placed_bars = []
        for bar in bars:
            x = left
            parts = []
            for value, series in bar.parts:
                width = (right - left) * min(value, scale) / scale if scale else 0.0
                parts.append(PlacedPart(round(x, 1), round(width, 1), series))
                x += width
            placed_bars.append(PlacedBar(clipped(bar.label), bar.text, y + 12, y + 16, parts))
            y += 34
        placed.append(PlacedRow(heading and clipped(heading), heading_y, placed_bars))
        y += 6
    ticks = [
        Tick(round(left + (right - left) * value / scale, 1), percent(value))
        for value in tick_values(scale)
    ]
    return BarChart(
        summary=summary,
        legend=list(legend),
        rows=placed,
        ticks=ticks,
        width=WIDTH,
        height=y + 16,
        left=left,
        right=right,
        plot_top=4.0,
        plot_bottom=y,
    )


# --- Lines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    name: str
    series: int
    values: Sequence[float | None]  # shares, one per category; None: nothing to show there


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # for its <title>: "Reneged, 3 weeks before: 40%"


@dataclass(frozen=True)
class PlacedLine:
    name: str
    series: int
    runs: list[str]  # "x,y x,y …" for each unbroken stretch (polyline points)
    points: list[Point]


@dataclass(frozen=True)
class LineChart:
    summary: str
    legend: list[Legend]
    lines: list[PlacedLine]
    x_labels: list[Tick]  # at = x
    y_ticks: list[Tick]  # at = y
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float


def line_chart(
    categories: Sequence[str], lines: Sequence[Line], *, summary: str, top: float | None = None
) -> LineChart:
    """Shares over categories (weeks, months), from 0 to `top` (nice_top of the largest)."""
    width, height = WIDTH, 210
    left, right, top_y, bottom = 40.0, WIDTH - 12.0, 10.0, 170.0
    largest = max((v for line in lines for v in line.values if v is not None), default=0.0)
    scale = top or nice_top(largest)
    count = len(categories)
    step = (right - left) / (count - 1) if count > 1 else 0.0

    def x_of(index: int) -> float:
        return round(left + step * index if count > 1 else (left + right) / 2, 1)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top_y) * min(value, scale) / scale, 1)

    placed = []
    for line in lines:
        runs: list[list[str]] = []
        points = []
        current: list[str] = []
        for index, value in enumerate(line.values):
            if value is None:
                if current:
                    runs.append(current)
                current = []
                continue
            x, y = x_of(index), y_of(value)
            current.append(f"{x},{y}")
            points.append(Point(x, y, f"{line.name}, {categories[index]}: {percent(value)}"))
        if current:
            runs.append(current)
        placed.append(PlacedLine(line.name, line.series, [" ".join(run) for run in runs], points))
    # Labels at least 44 units apart, the last one always shown.
    every = max(1, ceil(44 / step)) if step else 1
    shown = [i for i in range(count) if i % every == 0 or i == count - 1]
    if len(shown) > 1 and shown[-1] - shown[-2] < every:
        shown.pop(-2)
    return LineChart(
        summary=summary,
        legend=[Legend(line.name, line.series) for line in lines],
        lines=placed,
        x_labels=[Tick(x_of(i), categories[i]) for i in shown],
        y_ticks=[Tick(y_of(value), percent(value)) for value in tick_values(scale)],
        width=width,
        height=height,
        left=left,
        right=right,
        top=top_y,
        bottom=bottom,
    )
