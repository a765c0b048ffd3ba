"""The HTML report: self-contained, and rendered for real in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from slabridge.report.compute import build_report
from slabridge.report.html import render_html
from slabridge.report.models import validate_credits, validate_goals
from slabridge.report.outcomes import Outcome, TicketFacts
from slabridge.report.periods import parse_period

OCTOBER = parse_period("2026-10")
CHART_IDS = (
    "chart-weekly",
    "chart-first-response",
    "chart-breaches-product",
    "chart-breaches-tier",
    "chart-credits",
)


def october_outcomes() -> list[Outcome]:
    """A deterministic month: 400 tickets over 6 customers, 3 products and 3 tiers."""
    customers = [
        (f"org-{i}", f"Customer {i}", ("enterprise", "pro", "free")[i % 3]) for i in range(6)
    ]
    products = ("payments", "api", "web")
    records: list[Outcome] = []
    for n in range(400):
        customer, name, tier = customers[n % 6]
        facts = TicketFacts(
            connector="zendesk-eu",
            ticket_id=str(n),
            customer_id=customer,
            customer_name=name,
            tier=tier,
            product=products[n % 3],
        )
        start = OCTOBER.start + timedelta(minutes=107 * n)
        first = (n * 37) % 7200 + 60
        records.append(
            Outcome(
                facts,
                "first_response",
                "achieved" if first <= 3600 else "breached",
                start,
                start + timedelta(seconds=first),
                None,
                first,
                3600,
            )
        )
        resolution = (n * 911) % 50000 + 600
        records.append(
            Outcome(
                facts,
                "resolution",
                "achieved" if resolution <= 28800 else "breached",
                start,
                start + timedelta(seconds=resolution),
                None,
                resolution,
                28800,
            )
        )
    return records


def full_report_html() -> str:
    goals, _ = validate_goals(
        [
            {"metric": "first_response", "share": "90%"},
            {"name": "resolved in 12h", "metric": "resolution", "share": "80%", "within": "12h"},
        ]
    )
    credits, _ = validate_credits(
        {
            "tiers": {
                "enterprise": {
                    "schedule": [
                        {"below": "99%", "credit": "5%"},
                        {"below": "90%", "credit": "25%"},
                    ]
                },
                "pro": {"schedule": [{"below": "80%", "credit": "10%"}]},
            }
        }
    )
    report = build_report(
        october_outcomes(), OCTOBER, by=("tier",), goals=goals, credits=credits, source="test"
    )
    return render_html(report)


def test_the_page_needs_nothing_from_the_network() -> None:
    html = full_report_html()
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"""\s(src|href)\s*=""", html)
    # The only URL is the SVG namespace name, which browsers never fetch.
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in html


def test_names_from_tickets_are_escaped() -> None:
    facts = TicketFacts(
        connector="x",
        ticket_id="1",
        customer_id="c1",
        customer_name="<script>alert(1)</script>",
        tier="t",
        product="<b>p</b>",
    )
    start = OCTOBER.start + timedelta(days=1)
    outcome = Outcome(facts, "first_response", "breached", start, start, None, 99, 1)
    credits, _ = validate_credits(
        {"customers": {"c1": {"schedule": [{"below": "99%", "credit": "5%"}]}}}
    )
    html = render_html(build_report([outcome], OCTOBER, by=("customer",), credits=credits))
    assert "<script>alert" not in html and "<b>p</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- headless Chromium -----------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        message = "headless Chromium is needed to render the HTML report (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_chromium(page: Path, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *mode,
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The full report's DOM after Chromium laid it out, and a 1200x2000 screenshot of it."""
    folder = tmp_path_factory.mktemp("html")
    page = folder / "report.html"
    page.write_text(full_report_html(), encoding="utf-8")
    dom = run_chromium(page, folder / "profile", "--dump-dom").stdout
    shot = folder / "report.png"
    run_chromium(page, folder / "profile", f"--screenshot={shot}", "--window-size=1200,2000")
    return dom, shot


def test_chromium_renders_every_chart_as_svg(rendered: tuple[str, Path]) -> None:
    dom, _ = rendered
    for chart_id in CHART_IDS:
        found = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', dom, re.S)
        assert found, chart_id
        assert "<svg" in found.group(1), chart_id
    weekly = re.search(r'id="chart-weekly">(.*?)</figure>', dom, re.S).group(1)  # type: ignore[union-attr]
    assert weekly.count('class="goal-line"') == 2  # one dashed line per goal
    assert weekly.count('class="series"') == 3  # two goals and all metrics
    histogram = re.search(r'id="chart-first-response">(.*?)</figure>', dom, re.S).group(1)  # type: ignore[union-attr]
    assert 'class="target-line"' in histogram and "most common target 1h" in histogram
    credits = re.search(r'id="chart-credits">(.*?)</figure>', dom, re.S).group(1)  # type: ignore[union-attr]
    assert credits.count('class="bar"') >= 1


def test_chromium_renders_the_tables(rendered: tuple[str, Path]) -> None:
    dom, _ = rendered
    for table_id, minimum_rows in (("table-goals", 2), ("table-groups", 4), ("table-credits", 4)):
        found = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', dom, re.S)
        assert found, table_id
        assert found.group(1).count("<tr>") >= minimum_rows, table_id
    assert "tier=enterprise" in dom and "Customer 0 (zendesk-eu:org-0)" in dom


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit truecolour PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), "expected 8-bit RGB or RGBA"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                best = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + best) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def pixel_counts(path: Path) -> tuple[int, Counter[tuple[int, int, int]]]:
    width, _height, rows = decode_png(path.read_bytes())
    channels = len(rows[0]) // width
    colours: Counter[tuple[int, int, int]] = Counter()
    for row in rows[::2]:  # every other row and column is plenty
        for x in range(0, width * channels, channels * 2):
            colours[(row[x], row[x + 1], row[x + 2])] += 1
    return sum(colours.values()), colours


def near(colour: tuple[int, int, int], target: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, target, strict=True))


def test_the_screenshot_is_not_an_empty_page(rendered: tuple[str, Path]) -> None:
    _, shot = rendered
    total, colours = pixel_counts(shot)
    background, _ = colours.most_common(1)[0]
    ink = sum(
        n
        for c, n in colours.items()
        if max(abs(a - b) for a, b in zip(c, background, strict=True)) > 24
    )
    assert ink / total > 0.03, f"only {ink / total:.1%} of the page differs from its background"
    # The chart colours are on screen: within-target green and over-target red bars, and the
    # first goal's blue line (thin, so fewer pixels).
    for name, target, share in (
        ("green", (22, 163, 74), 0.002),
        ("red", (220, 38, 38), 0.002),
        ("blue", (37, 99, 235), 0.0001),
    ):
        drawn = sum(n for c, n in colours.items() if near(c, target))
        assert drawn / total > share, f"too few {name} chart pixels in the screenshot"


def test_an_empty_period_still_renders_a_page_that_says_so(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text(render_html(build_report([], OCTOBER)), encoding="utf-8")
    dom = run_chromium(page, tmp_path / "profile", "--dump-dom").stdout
    assert "No decided cycles in this period" in dom
    assert "No breaches in this period" in dom
    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in dom


def breaches_in_products(count: int) -> list[Outcome]:
    start = OCTOBER.start + timedelta(days=3)
    return [
        Outcome(
            TicketFacts("x", str(n), product=f"product-{n:02d}"),
            "first_response",
            "breached",
            start,
            start + timedelta(hours=2),
            start + timedelta(hours=1),
            7200,
            3600,
        )
        for n in range(count)
    ]


def test_a_bar_chart_that_leaves_rows_out_says_how_many_it_shows() -> None:
    html = render_html(build_report(breaches_in_products(17), OCTOBER))
    chart = re.search(r'id="chart-breaches-product">(.*?)</figure>', html, re.S).group(1)  # type: ignore[union-attr]
    assert chart.count('class="bar"') == 15
    note = "15 of 17 products shown (most breaches); a report with --by product lists every one."
    assert note in chart


def test_a_bar_chart_that_shows_every_row_has_no_note() -> None:
    html = render_html(build_report(breaches_in_products(15), OCTOBER))
    chart = re.search(r'id="chart-breaches-product">(.*?)</figure>', html, re.S).group(1)  # type: ignore[union-attr]
    assert chart.count('class="bar"') == 15 and "shown (" not in chart


def test_an_empty_weekly_chart_has_no_legend() -> None:
    html = render_html(build_report([], OCTOBER))
    weekly = re.search(r'id="chart-weekly">(.*?)</figure>', html, re.S).group(1)  # type: ignore[union-attr]
    assert "No decided cycles in this period" in weekly and 'class="legend"' not in weekly
