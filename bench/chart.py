"""docs/performance-growth.svg from the JSON results: how each measurement grows with the data set.

One small panel per target, in its own unit: the measured values against the number of claims (log
scale) and the target as a dashed line; points that miss the target are red. Hand-written SVG: no
plotting library to install.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

from bench.common import TARGETS, Target

PANEL_W, PANEL_H, COLUMNS = 300, 190, 3
LEFT, RIGHT, TOP, BOTTOM = 58, 34, 34, 36
TITLE_H = 30


def load_results(folder: Path) -> list[dict]:
    """The latest result per data-set size (file names start with the date, so sorting is by time)."""
    latest: dict[int, dict] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        latest[data["claims"]] = data
    return [latest[size] for size in sorted(latest)]


def series(results: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """Per target, the (claims, measured value) points that were measured."""
    lines: dict[str, list[tuple[int, float]]] = {}
    for result in results:
        for target in TARGETS:
            value = result["measured"].get(target.key)
            if value is not None and target.key not in result.get("not_comparable", {}):
                lines.setdefault(target.key, []).append((result["claims"], float(value)))
    return lines


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _panel(target: Target, points: list[tuple[int, float]], sizes: list[int], left: float, top: float) -> list[str]:
    """One measurement: its values against claims (log scale), and its target as a dashed line,
    so that a miss is a point on the wrong side of the line (above for times, below for rates)."""
    x_lo, x_hi = math.log10(min(sizes)), math.log10(max(sizes))
    if x_hi - x_lo < 1e-9:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    y_hi = max([target.limit, *(value for _, value in points)]) * 1.15
    plot_w, plot_h = PANEL_W - LEFT - RIGHT, PANEL_H - TOP - BOTTOM

    def x(claims: float) -> float:
        return left + LEFT + (math.log10(claims) - x_lo) / (x_hi - x_lo) * plot_w

    def y(value: float) -> float:
        return top + TOP + plot_h - value / y_hi * plot_h

    base = top + TOP + plot_h
    out = [f'<text x="{left + 8}" y="{top + 16}" font-weight="bold">{escape(target.label)}</text>',
           f'<text x="{left + 8}" y="{top + 29}" fill="#555">{escape(target.unit)}; target '
           f'{escape(target.describe())}</text>',
           f'<line x1="{left + LEFT}" y1="{base}" x2="{left + LEFT + plot_w}" y2="{base}" stroke="#333"/>',
           f'<line x1="{left + LEFT}" y1="{top + TOP}" x2="{left + LEFT}" y2="{base}" stroke="#333"/>',
           f'<line class="target" x1="{left + LEFT}" y1="{y(target.limit):.1f}" x2="{left + LEFT + plot_w}" '
           f'y2="{y(target.limit):.1f}" stroke="#d1495b" stroke-dasharray="6 4"/>']
    for tick in (0, y_hi / 1.15 / 2, y_hi / 1.15):
        out.append(f'<text x="{left + LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
    for claims in sizes:
        out.append(f'<text x="{x(claims):.1f}" y="{base + 16}" text-anchor="middle">{claims:,}</text>')
    if points:
        out.append(f'<polyline class="measured" points="{" ".join(f"{x(c):.1f},{y(v):.1f}" for c, v in points)}" '
                   'fill="none" stroke="#1b6ac9" stroke-width="2"/>')
        for claims, value in points:
            colour = "#1b6ac9" if target.passes(value) else "#d1495b"
            out.append(f'<circle cx="{x(claims):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}"/>')
    return out


def growth_svg(results: list[dict]) -> str:
    lines = series(results)
    sizes = sorted({result["claims"] for result in results}) or [1]
    rows = math.ceil(len(TARGETS) / COLUMNS)
    width, height = COLUMNS * PANEL_W, TITLE_H + rows * PANEL_H + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="8" y="20" font-size="14">Measured against claims in the data set (log scale); dashed: the '
           'target at 1,000,000 claims; red points miss it</text>']
    for index, target in enumerate(TARGETS):
        left, top = (index % COLUMNS) * PANEL_W, TITLE_H + (index // COLUMNS) * PANEL_H
        out.extend(_panel(target, lines.get(target.key, []), sizes, left, top))
    out.append(f'<text x="{width - 8}" y="{height - 6}" text-anchor="end" fill="#555">x axis: claims</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def growth_table(results: list[dict]) -> str:
    """The same figures as a Markdown table, one column per data-set size."""
    header = "| measurement | target (1M claims) | " + " | ".join(f"{r['claims']:,} claims" for r in results) + " |"
    lines = [header, "|---|---|" + "---:|" * len(results)]
    for target in TARGETS:
        cells = []
        for result in results:
            value = result["measured"].get(target.key)
            note = " (not comparable: no flags)" if target.key in result.get("not_comparable", {}) else ""
            cells.append("-" if value is None else
                         f"{value:,.1f} {target.unit}{'' if target.passes(value) else ' (miss)'}{note}")
        lines.append(f"| {target.label} | {target.describe()} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_growth_svg(folder: Path, target: Path) -> Path:
    target.write_text(growth_svg(load_results(folder)))
    return target
