"""Charts as accessible SVG, drawn on the server: pure (no Flask, no database, no script).

Every chart is one `<svg role="img">` named by its own `<title>` and `<desc>` (through
`aria-labelledby`), sized by its viewBox alone so that it scales to the width of its box (a
360-px phone included). All text is escaped. Colour is never the only cue: series differ by
dash pattern too, and the legend names them in words. Pages put a data table next to every
chart (docs/dashboard.md).

- `line_chart` / `weekly_chart`: values per label (weeks), one line per series, axes and a
  legend; `None` values leave a gap.
- `sparkline`: a small line without axes (plan scorecards, table cells), optionally with a
  dashed target line.
- `colour_scale`: equal-interval classes over a set of values, for choropleth maps and their
  legends.
"""

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
# Series styles that differ without colour: solid, dashed, dotted; AA contrast on white.
SERIES_COLOURS = ("#0b4f94", "#8a4b00", "#1d6b35", "#6b2c91")
SERIES_DASHES = (None, "6 4", "2 3", "10 3 2 3")
GRID_COLOUR = "#d3d9df"
AXIS_COLOUR = "#4f5963"
TEXT_COLOUR = "#1b1f24"
FONT = "system-ui, sans-serif"
# Sequential blues (ColorBrewer "Blues" 6, without its near-white first class, so the lowest
# class is not mistaken for "no data"): light = low, dark = high.
BLUES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")


@dataclass(frozen=True)
class Series:
    """One line of a chart: its name (shown in the legend) and a value per label."""

    name: str
    values: Sequence[float | None]


def _number(value: float) -> str:
    """Return a plain number for a tick: no decimals for whole numbers."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _c(value: float) -> str:
    """Return a coordinate with one decimal (enough for a viewBox a few hundred wide)."""
    return f"{value:.1f}".removesuffix(".0")


def _ident(prefix: str, *parts) -> str:
    """Return a stable id for a chart from its content (pages may pass their own)."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
    return f"{prefix}-{digest}"


def _open_svg(ident: str, width: float, height: float, title: str, desc: str,
              css_class: str) -> list[str]:
    ident = escape(ident)
    names = f"{ident}-title {ident}-desc" if desc else f"{ident}-title"
    return [(f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_c(width)} {_c(height)}" '
             f'class="{escape(css_class)}" role="img" '
             f'aria-labelledby="{names}" focusable="false" '
             f'preserveAspectRatio="xMidYMid meet">'),
            f'<title id="{ident}-title">{escape(title)}</title>',
            f'<desc id="{ident}-desc">{escape(desc)}</desc>']


def nice_ticks(top: float, count: int = 4, *, integers: bool = False) -> list[float]:
    """Return evenly spaced round ticks from 0 that reach at least top (1, 2 or 5 x 10^k).

    With `integers` (counts) the step is at least 1.
    """
    if not top > 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if integers:
        step = max(step, 1)
    ticks, value = [0.0], 0.0
    while value < top - 1e-9:
        value = round(value + step, 10)
        ticks.append(value)
    return ticks


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split points at gaps (None) into runs of consecutive points."""
    runs, run = [], []
    for point in points:
        if point is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    return runs


def _label_indices(n: int, most: int) -> list[int]:
    """Return up to `most` evenly spread indices of n labels, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title: str, desc: str,
               ident: str | None = None, no_data: str = "No data",
               number: Callable[[float], str] = _number, width: int = 400,
               height: int = 220, max_labels: int = 5) -> Markup:
    """Return an SVG line chart: one line per series over the labels, from 0 up.

    Values are drawn on a y axis from 0 to a round maximum with 4 or 5 grid lines; up to
    `max_labels` labels are written under the x axis. `number` formats the y ticks (pass the
    page's locale-aware formatter). With no labels or no value at all the chart says
    `no_data` inside its frame, still with its title and description.
    """
    ident = ident or _ident("chart", title, tuple(labels),
                            tuple((s.name, tuple(s.values)) for s in series))
    values = [v for s in series for v in s.values if v is not None]
    out = _open_svg(ident, width, height, title, desc, "chart")
    ticks = nice_ticks(max(values, default=0),
                       integers=all(float(v).is_integer() for v in values))
    tick_texts = [number(t) for t in ticks]
    left = 8 + 7 * max(len(t) for t in tick_texts)
    top, right, bottom = 30, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = ticks[-1]

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(value, y_max)) / y_max)

    def x(index: int) -> float:
        return left + (plot_w / 2 if len(labels) == 1 else plot_w * index / (len(labels) - 1))

    out.append(f'<g font-family="{FONT}" font-size="12" fill="{TEXT_COLOUR}">')
    # Legend: a sample of each line's stroke, then its name, in words.
    legend_x = left
    for i, s in enumerate(series):
        colour, dash = SERIES_COLOURS[i % len(SERIES_COLOURS)], SERIES_DASHES[i % 4]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        legend_x = min(legend_x, width - right - 40)  # long names: stay inside the box
        out.append(f'<line x1="{_c(legend_x)}" y1="12" x2="{_c(legend_x + 24)}" y2="12" '
                   f'stroke="{colour}" stroke-width="3"{dash_attr}/>')
        out.append(f'<text x="{_c(legend_x + 28)}" y="16">{escape(s.name)}</text>')
        legend_x += 40 + 7 * len(s.name)
    # Grid and y ticks.
    for tick, text in zip(ticks, tick_texts):
        out.append(f'<line x1="{_c(left)}" y1="{_c(y(tick))}" x2="{_c(width - right)}" '
                   f'y2="{_c(y(tick))}" stroke="{GRID_COLOUR}" stroke-width="1"/>')
        out.append(f'<text x="{_c(left - 4)}" y="{_c(y(tick) + 4)}" '
                   f'text-anchor="end">{escape(text)}</text>')
    out.append(f'<line x1="{_c(left)}" y1="{_c(top + plot_h)}" x2="{_c(width - right)}" '
               f'y2="{_c(top + plot_h)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>')
    if not labels or not values:
        out.append(f'<text x="{_c(left + plot_w / 2)}" y="{_c(top + plot_h / 2)}" '
                   f'text-anchor="middle">{escape(no_data)}</text>')
    else:
        widest = 7 * max(len(str(label)) for label in labels) + 12  # never overlapping
        most = max(2, min(max_labels, int(plot_w // widest) + 1))
        for index in _label_indices(len(labels), most):
            anchor = ("middle" if len(labels) == 1 else "start" if index == 0
                      else "end" if index == len(labels) - 1 else "middle")
            out.append(f'<text x="{_c(x(index))}" y="{_c(height - 6)}" '
                       f'text-anchor="{anchor}">{escape(labels[index])}</text>')
        for i, s in enumerate(series):
            colour, dash = SERIES_COLOURS[i % len(SERIES_COLOURS)], SERIES_DASHES[i % 4]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            points = [None if v is None else (x(k), y(v))
                      for k, v in enumerate(s.values[:len(labels)])]
            for run in _segments(points):
                if len(run) == 1:
                    out.append(f'<circle cx="{_c(run[0][0])}" cy="{_c(run[0][1])}" r="3" '
                               f'fill="{colour}"/>')
                else:
                    coords = " ".join(f"{_c(px)},{_c(py)}" for px, py in run)
                    out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                               f'stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>')
    out.append("</g></svg>")
    return Markup("".join(out))


def weekly_chart(weeks: Sequence[str], opened: Sequence[int], closed: Sequence[int], *,
                 title: str, desc: str, names: tuple[str, str] = ("Opened", "Closed"),
                 ident: str | None = None, **options) -> Markup:
    """Return the chart of reports opened (solid) and closed (dashed) per week."""
    return line_chart(weeks, [Series(names[0], opened), Series(names[1], closed)],
                      title=title, desc=desc, ident=ident, **options)


def sparkline(values: Sequence[float | None], *, title: str, desc: str = "",
              ident: str | None = None, target: float | None = None, width: int = 100,
              height: int = 24, colour: str = SERIES_COLOURS[0]) -> Markup:
    """Return a small line of values, scaled between their minimum and maximum.

    `None` values leave a gap; the last value gets a dot. A `target` adds a dashed
    horizontal line (the scale includes it). With no value the sparkline is a faint
    baseline, still with its title and description.
    """
    ident = ident or _ident("spark", title, tuple(values), target)
    out = _open_svg(ident, width, height, title, desc, "sparkline")
    pad = 3
    known = [v for v in values if v is not None]
    scale = known + ([target] if target is not None else [])
    if not known:
        out.append(f'<line x1="{pad}" y1="{_c(height / 2)}" x2="{_c(width - pad)}" '
                   f'y2="{_c(height / 2)}" stroke="{GRID_COLOUR}" stroke-width="1"/></svg>')
        return Markup("".join(out))
    low, high = min(scale), max(scale)

    def y(value: float) -> float:
        if high == low:
            return height / 2
        return pad + (height - 2 * pad) * (1 - (value - low) / (high - low))

    def x(index: int) -> float:
        if len(values) == 1:
            return width / 2
        return pad + (width - 2 * pad) * index / (len(values) - 1)

    if target is not None:
        out.append(f'<line x1="{pad}" y1="{_c(y(target))}" x2="{_c(width - pad)}" '
                   f'y2="{_c(y(target))}" stroke="{AXIS_COLOUR}" stroke-width="1" '
                   f'stroke-dasharray="3 2"/>')
    points = [None if v is None else (x(i), y(v)) for i, v in enumerate(values)]
    for run in _segments(points):
        if len(run) == 1:  # a value between two gaps: a dot
            out.append(f'<circle cx="{_c(run[0][0])}" cy="{_c(run[0][1])}" r="1.5" '
                       f'fill="{colour}"/>')
        else:
            coords = " ".join(f"{_c(px)},{_c(py)}" for px, py in run)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                       f'stroke-width="1.5" stroke-linejoin="round"/>')
    last = next(p for p in reversed(points) if p is not None)
    out.append(f'<circle cx="{_c(last[0])}" cy="{_c(last[1])}" r="2.5" fill="{colour}"/>')
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class ColourClass:
    """One class of a colour scale: values from low up to high (inclusive for the last)."""

    low: float
    high: float
    colour: str


@dataclass(frozen=True)
class ColourScale:
    """Equal-interval classes from the smallest to the largest value, light to dark."""

    classes: tuple[ColourClass, ...]

    def colour(self, value: float) -> str:
        """Return the colour of the class holding value (the nearest end class outside)."""
        for c in self.classes[:-1]:
            if value < c.high:
                return c.colour
        return self.classes[-1].colour


def colour_scale(values: Sequence[float], colours: Sequence[str] = BLUES) -> ColourScale | None:
    """Return a scale of up to len(colours) equal classes over the values; None if empty.

    Fewer distinct values than colours give one class per distinct value (so five
    neighborhoods with two values get two classes, not three empty ones); one value gives
    one class, drawn in the middle colour.
    """
    finite = sorted(v for v in values if v is not None and math.isfinite(v))
    if not finite:
        return None
    low, high = finite[0], finite[-1]
    distinct = len(set(finite))
    if distinct == 1:
        return ColourScale((ColourClass(low, high, colours[len(colours) // 2]),))
    k = min(len(colours), distinct)
    step = (high - low) / k
    picks = [colours[round(i * (len(colours) - 1) / (k - 1))] for i in range(k)]
    edges = [low + step * i for i in range(k)] + [high]
    return ColourScale(tuple(ColourClass(edges[i], edges[i + 1], picks[i]) for i in range(k)))
