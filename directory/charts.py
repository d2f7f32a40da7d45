"""Simple week-by-week line charts drawn on the server as SVG, for the admin's reports.

No script and no style attributes (the Content-Security-Policy forbids inline styles):
the template draws the lines with SVG presentation attributes. A series is never told
apart by colour alone: each has its own dash pattern and marker shape, and the legend
names it beside a sample of both. The chart has role="img" and a title and description
summarising it; the report's table beside it carries every number for screen readers."""

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 32, 16, 36
# Dark, distinct colours (each at least 4.5:1 on white), then dash pattern and marker shape.
STYLES = [
    {"colour": "#1d6b34", "dash": "", "marker": "circle"},
    {"colour": "#8a4b00", "dash": "8 4", "marker": "square"},
    {"colour": "#a4122b", "dash": "2 3", "marker": "triangle"},
    {"colour": "#3b3b8f", "dash": "12 4 2 4", "marker": "diamond"},
]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y ..." for <polyline>
    markers: list[str]  # a path per week
    colour: str
    dash: str
    legend_marker: str
    first: int
    last: int


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    left: int
    right: float
    top: int
    bottom: float


def _marker(shape: str, x: float, y: float, r: float = 4) -> str:
    if shape == "circle":
        return f"M{x - r:.1f},{y:.1f} a{r},{r} 0 1,0 {2 * r},0 a{r},{r} 0 1,0 {-2 * r},0"
    if shape == "square":
        return f"M{x - r:.1f},{y - r:.1f} h{2 * r} v{2 * r} h{-2 * r} z"
    if shape == "triangle":
        return f"M{x:.1f},{y - r - 1:.1f} l{r + 1},{2 * r + 1} h{-2 * r - 2} z"
    return f"M{x:.1f},{y - r - 1:.1f} l{r + 1},{r + 1} l{-r - 1},{r + 1} l{-r - 1},{-r - 1} z"


def _nice_top(value: int) -> int:
    """A round number at or above value, so the axis reads 0, half and top in whole numbers."""
    if value <= 2:
        return 2
    for step in (2, 4, 10, 20, 40, 100, 200, 400, 1000, 2000, 4000, 10000):
        if value <= step:
            return step
    return ((value + 9999) // 10000) * 10000


def week_chart(title: str, weeks: list[date], series: list[Series]) -> Chart:
    """One line per series over the weeks (each a Monday), with a summary sentence."""
    top_value = _nice_top(max((v for s in series for v in s.values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(weeks) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: int) -> float:
        return TOP + plot_h - (v / top_value) * plot_h

    lines = []
    for index, item in enumerate(series):
        style = STYLES[index % len(STYLES)]
        coords = [(x(i), y(v)) for i, v in enumerate(item.values)]
        lines.append(
            Line(
                label=item.label,
                points=" ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords),
                markers=[_marker(style["marker"], cx, cy) for cx, cy in coords],
                colour=style["colour"],
                dash=style["dash"],
                legend_marker=_marker(style["marker"], 14, 8),
                first=item.values[0] if item.values else 0,
                last=item.values[-1] if item.values else 0,
            )
        )
    # Every week's date would crowd a phone: label every other week, and always the last.
    x_labels = [(x(i), date_format(week, "j M")) for i, week in enumerate(weeks) if i % 2 == (len(weeks) - 1) % 2]
    y_ticks = [(y(v), v) for v in (0, top_value // 2, top_value)]
    if weeks:
        span = {"start": date_format(weeks[0], "j E Y"), "end": date_format(weeks[-1], "j E Y")}
        description = _("Weekly, from the week of %(start)s to the week of %(end)s.") % span
    else:
        description = ""
    description += " " + "; ".join(
        _("%(label)s: %(first)s in the first week, %(last)s in the last")
        % {"label": line.label, "first": line.first, "last": line.last}
        for line in lines
    )
    return Chart(
        title=title,
        description=description.strip() + ".",
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        x_labels=x_labels,
        y_ticks=y_ticks,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=TOP + plot_h,
    )
