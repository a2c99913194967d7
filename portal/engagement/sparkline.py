"""The 30-day activity sparkline of the dashboards, drawn from a summary's per-day counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_skeleton

from portal.core.i18n import _, ngettext, reader_language


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    day: int  # days since the first day shown
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
    """ "4 Dec" ("4. Dez." in German)."""
    language = reader_language()
    if language == "en":
        return f"{day.day} {day:%b}"
    return format_skeleton("dMMM", day, locale=language)


def sparkline(counts: list[int], now: datetime) -> Sparkline:
    """Bars scaled to the busiest day (which is TALLEST high), and a sentence that says it all."""
    days = len(counts)
    peak = max(counts, default=0)
    total = sum(counts)
    bars = []
    tallest, step = Sparkline.TALLEST, Sparkline.STEP
    for index, count in enumerate(counts):
        if count > 0:
            height = max(2, round(count / peak * tallest))
            bars.append(Bar(index * step, tallest + 1 - height, height, index, count))
    if total:
        last_day = now.astimezone(UTC).date() - timedelta(days=days - 1 - bars[-1].day)
        label = ngettext(
            "%(num)d action in the last %(days)d days, last on %(day)s",
            "%(num)d actions in the last %(days)d days, last on %(day)s",
            total,
            days=days,
            day=_short_day(last_day),
        )
    else:
        label = _("No activity in the last %(days)d days", days=days)
    return Sparkline(
        bars=bars,
        days=days,
        total=total,
        label=label,
        width=days * step - 1,
        height=tallest + 2,
        baseline=tallest + 1.5,
    )


def window(now: datetime, days: int) -> list[str]:
    """The "YYYY-MM-DD" keys of the last `days` UTC days, oldest first (today last): worked
    out once for a page, then read for every row with `day_counts`."""
    last_day = now.astimezone(UTC).date()
    return [(last_day - timedelta(days=days - 1 - n)).isoformat() for n in range(days)]


def day_counts(activity_days: dict[str, int], keys: list[str]) -> list[int]:
    """The counts of the days `keys` names (from `window`), 0 for a day without activity."""
    return [activity_days.get(key, 0) for key in keys]
