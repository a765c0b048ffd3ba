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
    """Percent lines over x labels with dashed goal lines; the y axis shows 0-100% or a zoom."""
    values = [v for s in series for v in s.values if v is not None]
    goals = [s.goal for s in series if s.goal is not None]
    if not values or not x_labels:
        return empty_chart(label, "No decided cycles in this period")
    height, left, right, top, bottom = 260, 48, 150, 16, 40
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
        parts.append(_text(x_at(index), height - bottom + 18, name, "middle"))
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
        legend_y = top + 14 + number * 34
        parts.append(
            f'<rect x="{width - right + 12}" y="{legend_y - 9}" width="12" height="4" '
            f'fill="{color}"/>'
        )
        parts.append(_text(width - right + 30, legend_y - 3, _clip(line.name, 20)))
        if line.goal is not None:
            parts.append(_text(width - right + 30, legend_y + 11, f"goal {line.goal:g}%"))
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
    """Horizontal bars, largest first as given, each labelled with its value."""
    if not rows or max(value for _, value in rows) <= 0:
        return empty_chart(label, empty_message, width)
    rows = rows[:15]
    bar_h, gap, left, right, top = 20, 8, 170, 70, 8
    height = top * 2 + len(rows) * (bar_h + gap)
    peak = max(value for _, value in rows)
    parts = _open_svg(width, height, label)
    for index, (name, value) in enumerate(rows):
        y = top + index * (bar_h + gap)
        w = (width - left - right) * value / peak if peak else 0
        parts.append(_text(left - 8, y + bar_h * 0.7, _clip(name, 26), "end"))
        parts.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
            f'fill="{color}"><title>{escape(name)}: {escape(value_text[index])}</title></rect>'
        )
        parts.append(_text(left + w + 6, y + bar_h * 0.7, value_text[index]))
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


__all__ = [
    "BAD",
    "GOOD",
    "PALETTE",
    "Series",
    "bar_list",
    "empty_chart",
    "line_chart",
    "stacked_columns",
]
