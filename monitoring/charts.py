"""Server-side SVG charts: coordinates computed here, drawn by the templates (no JavaScript)."""

from dataclasses import dataclass

from monitoring.figures import HourRow
from monitoring.selectors import BacklogRow, StepRow


def nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


@dataclass(frozen=True)
class HourBar:
    hour: int
    x: float
    today_x: float
    today_y: float
    today_height: float
    last_week_y: float
    last_week_height: float
    row: HourRow


@dataclass(frozen=True)
class HourChart:
    width: int
    height: int
    bars: list[HourBar]
    bar_width: float
    axis_max: float
    ticks: list[tuple[float, float]]  # (value, y)


def hourly_chart(rows: list[HourRow], *, metric: str = "orders") -> HourChart:
    """Grouped bars per hour: today next to the same weekday last week."""
    width, height, top, bottom, left = 720, 200, 10, 20, 40
    plot = height - top - bottom
    if metric == "orders":
        values = [(row.orders_today, row.orders_last_week) for row in rows]
    else:
        values = [(float(row.revenue_today), float(row.revenue_last_week)) for row in rows]
    axis_max = nice_max(max((max(pair) for pair in values), default=0))
    slot = (width - left) / 24
    bar_width = slot * 0.4
    bars = []
    for row, (today, last_week) in zip(rows, values, strict=True):
        today_height = plot * today / axis_max
        last_week_height = plot * last_week / axis_max
        bars.append(
            HourBar(
                hour=row.hour,
                x=round(left + row.hour * slot + slot * 0.1, 1),
                today_x=round(left + row.hour * slot + slot * 0.1 + bar_width, 1),
                today_y=round(top + plot - today_height, 1),
                today_height=round(today_height, 1),
                last_week_y=round(top + plot - last_week_height, 1),
                last_week_height=round(last_week_height, 1),
                row=row,
            )
        )
    ticks = [(axis_max * share, round(top + plot - plot * share, 1)) for share in (0, 0.5, 1)]
    return HourChart(width, height, bars, round(bar_width, 1), axis_max, ticks)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    width: float  # percent of the track
    marker: float | None = None  # percent of the track (capacity, SLA)
    over: bool = False
    text: str = ""


def backlog_bars(rows: list[BacklogRow]) -> list[Bar]:
    """Open delivery orders per location, with the day's capacity as a marker."""
    scale = max([max(row.backlog, row.capacity) for row in rows] or [1]) or 1
    return [
        Bar(
            label=row.code,
            value=row.backlog,
            width=round(100 * row.backlog / scale, 1),
            marker=round(100 * row.capacity / scale, 1),
            over=row.backlog > row.capacity,
            text=f"{row.backlog} / {row.capacity}",
        )
        for row in rows
    ]


def step_bars(rows: list[StepRow]) -> list[tuple[Bar, Bar]]:
    """Median and p90 per step as bars, the service level as a marker."""
    seconds = [
        value.total_seconds()
        for row in rows
        for value in (row.stats.p90, row.sla)
        if value is not None
    ]
    scale = max(seconds or [1]) or 1
    bars = []
    for row in rows:
        median = row.stats.median.total_seconds() if row.stats.median else 0
        p90 = row.stats.p90.total_seconds() if row.stats.p90 else 0
        marker = round(100 * row.sla.total_seconds() / scale, 1)
        bars.append(
            (
                Bar(row.label, median, round(100 * median / scale, 1), marker),
                Bar(
                    row.label,
                    p90,
                    round(100 * p90 / scale, 1),
                    marker,
                    over=p90 > row.sla.total_seconds(),
                ),
            )
        )
    return bars


def rate_bar(label: str, value: float | None) -> Bar:
    return Bar(
        label=label,
        value=value or 0,
        width=round(100 * (value or 0), 1),
        text="–" if value is None else f"{100 * value:.1f} %",
    )
