"""Small inline SVG charts (no scripts, no fonts, no network) for the HTML report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE: tuple[str, ...] = ("#2563eb", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
GOOD = "#16a34a"
BAD = "#dc2626"
INK = "#1f2937"
GRID = "#e5e7eb"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif"


@dataclass(frozen=True, slots=True)
class Series:
    """A named line: one value per x label (None leaves a gap), and an optional goal line."""

    name: str
    values: Sequence[float | None]
    goal: float | None = None


def _open_svg(width: int, height: int, label: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        f'style="{FONT};font-size:12px">',
        f"<title>{escape(label)}</title>",
    ]


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}"{extra}>'
        f"{escape(content)}</text>"
    )


# Advance widths in em, rounded up from DejaVu Sans (the widest common system-ui fallback), so
# an estimate made here is never shorter than what a browser draws with narrower fonts.
_NARROW = frozenset("iIjl.,:;'!|")
_SEMI = frozenset('ft()[]{}-/ r"')
_WIDE = frozenset("mwMW%@…—")


def text_width(text: str, font_size: float = 12) -> float:
    """An upper estimate of the width of `text` in pixels (SVG cannot measure without a script)."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.32
        elif char in _SEMI:
            em += 0.44
        elif char in _WIDE:
            em += 1.0
        elif char.isupper():
            em += 0.78
        elif char.isdigit():
            em += 0.64
        else:
            em += 0.63
    return em * font_size


def fit_text(text: str, max_width: float, font_size: float = 12) -> str:
    """`text`, or its longest prefix that fits `max_width` followed by an ellipsis."""
    if text_width(text, font_size) <= max_width:
        return text
    room = max_width - text_width("…", font_size)
    kept = ""
    for char in text:
        if text_width(kept + char, font_size) > room:
            break
        kept += char
    return kept.rstrip() + "…"


def empty_chart(label: str, message: str, width: int = 560, height: int = 120) -> str:
    """A chart frame that says why there is nothing to draw (never a blank box)."""
    parts = _open_svg(width, height, label)
    parts.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#f9fafb" '
        f'stroke="{GRID}"/>'
    )
    parts.append(_text(width / 2, height / 2 + 4, message, "middle", ' class="empty"'))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    label: str, x_labels: Sequence[str], series: Sequence[Series], width: int = 560
) -> str:
    """Percent lines over x labels with dashed goal lines; the y axis shows 0-100% or a zoom.

    The legend is not part of the SVG: `legend` renders it as HTML, where long names wrap.
    """
    values = [v for s in series for v in s.values if v is not None]
    goals = [s.goal for s in series if s.goal is not None]
    if not values or not x_labels:
        return empty_chart(label, "No decided cycles in this period")
    height, left, right, top, bottom = 260, 48, 16, 16, 40
    low = min([*values, *goals])
    floor = 0.0 if low < 50 else float(int(low // 10) * 10 - 10)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_at(index: int) -> float:
        return left + (plot_w * (index + 0.5) / len(x_labels))

    def y_at(value: float) -> float:
        return top + plot_h * (1 - (value - floor) / (100 - floor))

    parts = _open_svg(width, height, label)
    for tick in range(int(floor), 101, 10 if 100 - floor <= 50 else 20):
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{tick}%", "end"))
    for index, name in enumerate(x_labels):
        parts.append(_text(x_at(index), height - bottom + 18, name, "middle", ' class="x-label"'))
    for number, line in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        if line.goal is not None:
            y = y_at(line.goal)
            parts.append(
                f'<line class="goal-line" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
                f'y2="{y:.1f}" stroke="{color}" stroke-dasharray="6 4" stroke-width="1.5"/>'
            )
        points = [(x_at(i), y_at(v)) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline class="series" points="{path}" fill="none" stroke="{color}" '
                'stroke-width="2.5"/>'
            )
        for (x, y), value in zip(points, [v for v in line.values if v is not None], strict=True):
            below = line.goal is not None and value < line.goal
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAD if below else color}">'
                f"<title>{escape(line.name)}: {value:.2f}%</title></circle>"
            )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{INK}"/></svg>'
    )
    return "".join(parts)


def stacked_columns(
    label: str,
    x_labels: Sequence[str],
    good: Sequence[int],
    bad: Sequence[int],
    legend: tuple[str, str],
    marker_index: int | None = None,
    marker_label: str = "",
    width: int = 560,
) -> str:
    """Columns split into a good (green) and bad (red) part, with an optional marker line."""
    totals = [g + b for g, b in zip(good, bad, strict=True)]
    if not totals or max(totals) == 0:
        return empty_chart(label, "No stopped cycles in this period")
    height, left, right, top, bottom = 260, 48, 16, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(x_labels)
    peak = max(totals)
    parts = _open_svg(width, height, label)
    for fraction in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, f"{round(peak * fraction)}", "end"))
    for index, name in enumerate(x_labels):
        x = left + index * step + step * 0.15
        bar_w = step * 0.7
        base = float(top + plot_h)
        for count, color, kind in ((good[index], GOOD, legend[0]), (bad[index], BAD, legend[1])):
            if count:
                h = plot_h * count / peak
                base -= h
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{color}"><title>{escape(name)}: {count} '
                    f"{escape(kind)}</title></rect>"
                )
        parts.append(_text(x + bar_w / 2, height - bottom + 18, name, "middle"))
    if marker_index is not None:
        x = left + (marker_index + 1) * step
        parts.append(
            f'<line class="target-line" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 10}" '
            f'y2="{top + plot_h}" stroke="{INK}" stroke-dasharray="5 4" stroke-width="1.5"/>'
        )
        # Label on the side with room: right of the line, or left of it near the right edge.
        if x > left + plot_w * 0.6:
            parts.append(_text(x - 4, top - 2, marker_label, "end"))
        else:
            parts.append(_text(x + 4, top - 2, marker_label))
    parts.append(
        f'<rect x="{width - 230}" y="4" width="10" height="10" fill="{GOOD}"/>'
        + _text(width - 216, 13, legend[0])
        + f'<rect x="{width - 115}" y="4" width="10" height="10" fill="{BAD}"/>'
        + _text(width - 101, 13, legend[1])
    )
    parts.append("</svg>")
    return "".join(parts)


def bar_list(
    label: str,
    rows: Sequence[tuple[str, float]],
    value_text: Sequence[str],
    color: str = BAD,
    width: int = 560,
    empty_message: str = "Nothing to show",
) -> str:
    """Horizontal bars in the order given (every row is drawn), each labelled with its value.

    The label column is as wide as the longest label, up to 42% of the chart; a longer label is
    shortened at its end with an ellipsis (never cut at its start) and keeps its full text in a
    tooltip. Callers that show only some rows must say so next to the chart.
    """
    if not rows or max(value for _, value in rows) <= 0:
        return empty_chart(label, empty_message, width)
    bar_h, gap, top, pad = 20, 8, 8, 4
    label_w = min(max(text_width(name) for name, _ in rows), width * 0.42)
    value_w = max(text_width(text) for text in value_text) + 6
    left = pad + label_w + 8
    plot_w = width - left - value_w - pad
    height = top * 2 + len(rows) * (bar_h + gap)
    peak = max(value for _, value in rows)
    parts = _open_svg(width, height, label)
    for index, (name, value) in enumerate(rows):
        y = top + index * (bar_h + gap)
        w = plot_w * value / peak
        parts.append(
            f'<text class="label" x="{left - 8:.1f}" y="{y + bar_h * 0.7:.1f}" '
            f'text-anchor="end" fill="{INK}"><title>{escape(name)}</title>'
            f"{escape(fit_text(name, label_w))}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{left:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
            f'fill="{color}"><title>{escape(name)}: {escape(value_text[index])}</title></rect>'
        )
        parts.append(
            _text(left + w + 6, y + bar_h * 0.7, value_text[index], extra=' class="value"')
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(series: Sequence[Series]) -> str:
    """The line chart's legend as an HTML list: full names, wrapped when long, never clipped."""
    items = []
    for number, line in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        goal = f' <span class="goal">goal {line.goal:g}%</span>' if line.goal is not None else ""
        items.append(
            f'<li><span class="swatch" style="background:{color}"></span>'
            f'<span class="name">{escape(line.name)}</span>{goal}</li>'
        )
    return f'<ul class="legend">{"".join(items)}</ul>'


__all__ = [
    "BAD",
    "GOOD",
    "PALETTE",
    "Series",
    "bar_list",
    "empty_chart",
    "fit_text",
    "legend",
    "line_chart",
    "stacked_columns",
    "text_width",
]
