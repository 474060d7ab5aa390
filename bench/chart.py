"""docs/performance-growth.svg from the JSON results: how each measurement grows with the data set.

Every line is drawn as the share of its budget it uses (measured / target for times, target /
measured for rates), so lines of different units share one axis and 1.0 is the pass line; the x axis
is the number of claims on a log scale. Hand-written SVG: no plotting library to install.
"""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

from bench.common import TARGETS

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 60, 300, 30, 50
COLOURS = ["#1b6ac9", "#d1495b", "#edae49", "#00798c", "#6a4c93", "#30638e", "#8d6a9f", "#3d9970"]


def load_results(folder: Path) -> list[dict]:
    """The latest result per data-set size (file names start with the date, so sorting is by time)."""
    latest: dict[int, dict] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        latest[data["claims"]] = data
    return [latest[size] for size in sorted(latest)]


def series(results: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """Per target, the (claims, share of budget) points that were measured."""
    lines: dict[str, list[tuple[int, float]]] = {}
    for result in results:
        measured = result["measured"]
        for target in TARGETS:
            load = target.load(measured.get(target.key))
            if load is not None:
                lines.setdefault(target.key, []).append((result["claims"], load))
    return lines


def growth_svg(results: list[dict]) -> str:
    lines = series(results)
    sizes = sorted({claims for points in lines.values() for claims, _ in points}) or [1]
    x_lo, x_hi = math.log10(min(sizes)), math.log10(max(sizes))
    if x_hi - x_lo < 1e-9:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    y_hi = max([1.2, *(load for points in lines.values() for _, load in points)]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(claims: float) -> float:
        return LEFT + (math.log10(claims) - x_lo) / (x_hi - x_lo) * plot_w

    def y(load: float) -> float:
        return TOP + plot_h - load / y_hi * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{LEFT}" y="18" font-size="14">Share of each target used, by number of claims '
           '(below 1 = meets the target)</text>',
           f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
           f'<line x1="{LEFT}" y1="{y(1):.1f}" x2="{LEFT + plot_w}" y2="{y(1):.1f}" stroke="#999" '
           'stroke-dasharray="6 4"/>',
           f'<text x="{LEFT + plot_w + 4}" y="{y(1) + 4:.1f}" fill="#666">target</text>']
    step = 0.5 if y_hi <= 3 else 1 if y_hi <= 8 else 5
    tick = 0.0
    while tick <= y_hi:
        out.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
        tick += step
    for claims in sizes:
        out.append(f'<line x1="{x(claims):.1f}" y1="{TOP + plot_h}" x2="{x(claims):.1f}" y2="{TOP + plot_h + 5}" '
                   'stroke="#333"/>')
        out.append(f'<text x="{x(claims):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">{claims:,}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">claims (log scale)</text>')
    for index, target in enumerate(t for t in TARGETS if t.key in lines):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x(c):.1f},{y(v):.1f}" for c, v in lines[target.key])
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.extend(f'<circle cx="{x(c):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>' for c, v in lines[target.key])
        legend_y = TOP + 10 + index * 18
        out.append(f'<rect x="{WIDTH - RIGHT + 50}" y="{legend_y - 9}" width="12" height="4" fill="{colour}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 68}" y="{legend_y - 3}">{escape(target.label)} '
                   f'({escape(target.describe())})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_growth_svg(folder: Path, target: Path) -> Path:
    target.write_text(growth_svg(load_results(folder)))
    return target
