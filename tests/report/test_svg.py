"""The inline SVG charts: label sizing, every bar drawn, the line chart's HTML legend."""

from __future__ import annotations

import re

from slabridge.report.svg import Series, bar_list, fit_text, legend, line_chart, text_width


def test_text_width_grows_with_the_text_and_counts_wide_letters_wider() -> None:
    assert text_width("") == 0
    assert text_width("Acme GmbH") < text_width("Acme GmbH (7000000000041)")
    assert text_width("WWWW") > text_width("iiii")
    assert text_width("abc", font_size=24) == 2 * text_width("abc")


def test_fit_text_keeps_short_text_and_shortens_long_text_at_its_end() -> None:
    assert fit_text("Initech", 200) == "Initech"
    name = "Kangaroo Freight International Logistics Pty Ltd"
    shown = fit_text(name, 150)
    assert shown.endswith("…") and name.startswith(shown[:-1])
    assert shown.startswith("Kangaroo")
    assert text_width(shown) <= 150


def test_bar_list_draws_every_row_it_is_given_with_labels_that_fit_their_column() -> None:
    rows = [(f"Customer number {i} with a long legal name GmbH", float(20 - i)) for i in range(18)]
    svg = bar_list("Credits", rows, [f"{20 - i}%" for i in range(18)])
    assert svg.count('class="bar"') == 18
    labels = re.findall(
        r'<text class="label" x="([\d.]+)"[^>]*><title>([^<]*)</title>([^<]*)<', svg
    )
    assert len(labels) == 18
    for x, full, shown in labels:
        # Right-aligned at x: the estimated width of what is shown fits between 0 and x.
        assert text_width(shown) <= float(x), shown
        assert full.startswith(shown.removesuffix("…"))


def test_bar_list_escapes_names_in_labels_and_tooltips() -> None:
    svg = bar_list("Breaches", [("<b>web</b>", 3.0)], ["3"])
    assert "<b>" not in svg and "&lt;b&gt;web&lt;/b&gt;" in svg


def test_the_line_chart_leaves_its_legend_to_html_with_full_names() -> None:
    name = "enterprise tickets resolved within one business day"
    series = [Series(name, [80.0, 90.0], 80.0), Series("all metrics (SLA)", [70.0, None])]
    svg = line_chart("Weekly", ["W40", "W41"], series)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts and not any(t.startswith(("enterprise", "all metrics")) for t in texts)
    assert "…" not in svg  # nothing in the chart is shortened
    assert svg.count('class="x-label"') == 2
    html = legend(series)
    assert re.findall(r'<span class="name">([^<]*)</span>', html) == [name, "all metrics (SLA)"]
    assert html.count('class="goal"') == 1 and "goal 80%" in html
    assert "&lt;x&gt;" in legend([Series("<x>", [1.0])])
