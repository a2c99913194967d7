"""The charts' geometry: bars in proportion on a scale that fits, lines broken where there is
nothing to show, axis labels that never crowd at a phone's width."""

from __future__ import annotations

import pytest

from portal.reports.charts import WIDTH, Bar, Line, bar_chart, line_chart, nice_top, percent


@pytest.mark.parametrize(
    ("largest", "top"), [(0, 0.1), (0.07, 0.1), (0.1, 0.1), (0.18, 0.2), (0.4, 0.5), (0.9, 1.0)]
)
def test_the_scale_ends_at_a_round_share_that_fits(largest, top):
    assert nice_top(largest) == top


def test_bars_are_in_proportion_and_stack_their_parts():
    chart = bar_chart(
        [
            (None, [Bar("Sales", "50% (2 of 4)", [(0.25, 1), (0.25, 2)])]),
            (None, [Bar("A very long department name indeed, far too long", "0%", [(0, 1)])]),
        ],
        summary="Share lost by department",
    )
    assert [tick.label for tick in chart.ticks] == ["0%", "10%", "20%", "30%", "40%", "50%"]
    first, second = chart.rows[0].bars[0], chart.rows[1].bars[0]
    plot = chart.right - chart.left
    assert [part.width for part in first.parts] == [plot / 2, plot / 2]  # 25% each of 50%
    assert first.parts[1].x == first.parts[0].x + first.parts[0].width
    assert second.label.endswith("…") and len(second.label) == 30
    assert second.bar_y > first.bar_y + 10  # rows never overlap
    assert chart.width == WIDTH and chart.height > second.bar_y


def test_grouped_bars_sit_under_their_heading():
    chart = bar_chart(
        [
            (
                "Not seen for 7 days or more",
                [Bar("Precision", "67%", [(2 / 3, 1)]), Bar("Recall", "50%", [(0.5, 2)])],
            )
        ],
        summary="Precision and recall",
        top=1.0,
    )
    (row,) = chart.rows
    assert row.heading == "Not seen for 7 days or more"
    assert row.heading_y < row.bars[0].text_y < row.bars[1].text_y
    assert row.bars[1].parts[0].width == pytest.approx((chart.right - chart.left) / 2, abs=0.1)


def test_a_line_breaks_where_there_is_nothing_to_show():
    chart = line_chart(
        ["Jan", "Feb", "Mar", "Apr"],
        [Line("Lost", 3, [0.1, None, 0.3, 0.2])],
        summary="Lost by month",
    )
    (line,) = chart.lines
    assert len(line.runs) == 2 and len(line.runs[1].split()) == 2
    assert [point.text for point in line.points] == [
        "Lost, Jan: 10%",
        "Lost, Mar: 30%",
        "Lost, Apr: 20%",
    ]
    assert chart.y_ticks[-1].label == "50%"  # 30% fits under a scale of 50%
    highest = min(point.y for point in line.points)
    assert highest == pytest.approx(chart.bottom - (chart.bottom - chart.top) * 0.6, abs=0.1)


def test_axis_labels_thin_out_but_the_last_is_always_shown():
    months = [f"M{n}" for n in range(24)]
    chart = line_chart(months, [Line("x", 1, [0.5] * 24)], summary="s")
    xs = [label.at for label in chart.x_labels]
    assert chart.x_labels[-1].label == "M23"
    assert all(later - earlier >= 44 for earlier, later in zip(xs, xs[1:], strict=False))
    assert percent(None) == "—" and percent(2 / 3) == "67%"
