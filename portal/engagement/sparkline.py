"""The 30-day activity sparkline of the dashboards, drawn from a summary's per-day counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.core.words import plural


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    day: date
    count: int


@dataclass(frozen=True)
class Sparkline:
    """Bars for the last days of activity, drawn as an inline SVG by the template."""

    bars: list[Bar]
    days: int
    total: int
    label: str
    width: int
    height: int
    baseline: float

    BAR_WIDTH = 3
    STEP = 4  # bar plus gap
    TALLEST = 24

    @property
    def path(self) -> str:
        """Every bar in one SVG path ("M x y h 3 v height h -3 z" each): a row of the dashboard
        stays a few hundred bytes however busy the candidate was."""
        return "".join(
            f"M{bar.x} {bar.y}h{self.BAR_WIDTH}v{bar.height}h-{self.BAR_WIDTH}z"
            for bar in self.bars
        )


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def sparkline(counts: list[int], now: datetime) -> Sparkline:
    """Bars scaled to the busiest day (which is TALLEST high), and a sentence that says it all."""
    days = len(counts)
    last_day = now.astimezone(UTC).date()  # UTC days, like activity_by_day's
    first_day = last_day - timedelta(days=days - 1)
    peak = max(counts, default=0)
    total = sum(counts)
    bars = []
    for index, count in enumerate(counts):
        if count <= 0:
            continue
        height = max(2, round(count / peak * Sparkline.TALLEST))
        bars.append(
            Bar(
                x=index * Sparkline.STEP,
                y=Sparkline.TALLEST + 1 - height,
                height=height,
                day=first_day + timedelta(days=index),
                count=count,
            )
        )
    if total:
        last = _short_day(bars[-1].day)
        label = f"{plural(total, 'action')} in the last {days} days, last on {last}"
    else:
        label = f"No activity in the last {days} days"
    return Sparkline(
        bars=bars,
        days=days,
        total=total,
        label=label,
        width=days * Sparkline.STEP - 1,
        height=Sparkline.TALLEST + 2,
        baseline=Sparkline.TALLEST + 1.5,
    )


def day_counts(activity_days: dict[str, int], now: datetime, days: int) -> list[int]:
    """The last `days` UTC days' counts, oldest first (today last), from "YYYY-MM-DD" keys."""
    last_day = now.astimezone(UTC).date()
    return [
        activity_days.get((last_day - timedelta(days=days - 1 - n)).isoformat(), 0)
        for n in range(days)
    ]
