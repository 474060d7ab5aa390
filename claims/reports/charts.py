"""Server-side SVG for the report pages: a metric's figures over time, and attribution chains.

Drawn by hand so the pages need no JavaScript and print as they show. Every piece of text goes
through format_html, so a name or a claim can never become markup; floats are used for pixels only,
never to compare figures (the checks do that exactly, in claims.checks.intervals).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from claims.checks.intervals import IntervalError, figure_interval
from claims.checks.periods import ChainLink, chain_date
from claims.checks.periods import figure_period as checks_figure_period
from claims.models import AttributionLink, Figure, Qualifier
from sources.dates import Period, human_partial_date


def _svg(template: str, *args: object) -> SafeString:
    """format_html with pixel floats rounded to one decimal (format_html escapes before formatting,
    so format specs cannot be used in the template)."""
    return format_html(template, *(f"{a:.1f}" if isinstance(a, float) else a for a in args))


# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CONFLICT_COLOUR = "#C00000"
WIDTH, HEIGHT = 900, 440
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 20, 60


def figure_period(figure: Figure, first_chain: Sequence[AttributionLink]) -> Period | None:
    """The period a figure is for, by the checks' own rule (claims.checks.periods), so that the
    chart places each figure exactly where the checks compared it."""
    links = [
        ChainLink(link.position, link.date, link.date_precision, link.document is not None,
                  link.document.published if link.document is not None else None,
                  link.document.published_precision if link.document is not None else "")
        for link in first_chain
    ]
    return checks_figure_period(figure.as_of, figure.as_of_precision, chain_date(links))


@dataclass
class PlottedFigure:
    """One figure ready to draw: its period, its bounds in the metric's unit and its origin."""

    figure: Figure
    period: Period
    low: float
    high: float | None  # None: no upper bound (at least, more than)
    low_open: bool
    high_open: bool
    origin: str
    colour: str = ""
    in_conflict: bool = False

    @property
    def label(self) -> str:
        when = human_partial_date(self.period.first, "day") if self.period.first == self.period.last else (
            f"{human_partial_date(self.period.first, 'day')} to {human_partial_date(self.period.last, 'day')}")
        conflict = ", in conflict" if self.in_conflict else ""
        return f"{self.figure.describe()} ({when}), origin {self.origin}, claim {self.figure.claim.key}{conflict}"


def plot_figures(figures: Sequence[tuple[Figure, Sequence[AttributionLink], str]], tolerance: Decimal,
                 conflicted_ids: set[int]) -> tuple[list[PlottedFigure], list[Figure]]:
    """(drawable figures, figures left out because they have no date). Colours go to origins in
    the order they are first met, so the legend reads in time order."""
    plotted, undated = [], []
    colours: dict[str, str] = {}
    for figure, first_chain, origin in figures:
        period = figure_period(figure, first_chain)
        try:
            interval = figure_interval(figure.qualifier, figure.value, figure.lower, figure.upper, tolerance)
        except IntervalError:
            interval = None
        if period is None or interval is None:
            undated.append(figure)
            continue
        high = None if interval.hi is None else float(interval.hi)
        plotted.append(PlottedFigure(figure, period, float(interval.lo), high, interval.lo_open, interval.hi_open,
                                     origin, in_conflict=figure.pk in conflicted_ids))
    for item in sorted(plotted, key=lambda p: p.period.first):
        item.colour = colours.setdefault(item.origin, PALETTE[len(colours) % len(PALETTE)])
    return plotted, undated


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _month_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    months = (last.year - first.year) * 12 + last.month - first.month
    step = max(1, math.ceil(months / 10))
    ticks, year, month = [], first.year, first.month
    while dt.date(year, month, 1) <= last:
        if dt.date(year, month, 1) >= first:
            ticks.append(dt.date(year, month, 1))
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return ticks


def timeline_svg(title: str, unit: str, plotted: Sequence[PlottedFigure],
                 conflicts: Sequence[tuple[int, int]] = ()) -> SafeString:
    """A timeline: x is time (each figure spans its period), y the value. Exact figures are dots,
    approximate ones filled bars, ranges outlined spans, lower bounds arrows upward and upper bounds
    arrows downward; conflicting pairs are joined by a dashed red line."""
    if not plotted:
        return _svg('<p class="empty">No dated figure to draw for {}.</p>', title)
    first = min(p.period.first for p in plotted) - dt.timedelta(days=15)
    last = max(p.period.last for p in plotted) + dt.timedelta(days=15)
    span_days = max(1, (last - first).days)
    top_value = max(max(p.low, p.high or 0.0) for p in plotted) * 1.15
    y_max = _nice_ceiling(top_value)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: dt.date) -> float:
        return LEFT + (day - first).days / span_days * plot_w

    def y_of(value: float) -> float:
        return TOP + plot_h - min(value, y_max) / y_max * plot_h

    parts: list[str] = []
    for i in range(6):
        value = y_max * i / 5
        y = y_of(value)
        parts.append(_svg(
            '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#333">{}</text>',
            LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, f"{value:,.0f}"))
    for tick in _month_ticks(first, last):
        x = x_of(tick)
        parts.append(_svg(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
            '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#333">{}</text>',
            x, TOP + plot_h, x, TOP + plot_h + 5, x, TOP + plot_h + 20, tick.strftime("%b %Y")))
    parts.append(_svg(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333"/>'
        '<text x="{}" y="{}" font-size="12" fill="#333" transform="rotate(-90 {} {})" text-anchor="middle">{}</text>',
        LEFT, TOP, LEFT, TOP + plot_h, LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h,
        18, TOP + plot_h / 2, 18, TOP + plot_h / 2, unit or "value"))

    centres: dict[int, tuple[float, float]] = {}
    for item in plotted:
        x0, x1 = x_of(item.period.first), x_of(item.period.last + dt.timedelta(days=1))
        if x1 - x0 < 8:
            mid = (x0 + x1) / 2
            x0, x1 = mid - 4, mid + 4
        mid = (x0 + x1) / 2
        shape = _figure_shape(item, x0, x1, y_of)
        centres[item.figure.pk] = (mid, y_of(item.low if item.high is None else (item.low + item.high) / 2))
        ring = ""
        if item.in_conflict:
            ring = _svg('<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" '
                               'stroke-width="2" stroke-dasharray="3 2"/>',
                               x0 - 4, y_of(item.high if item.high is not None else y_max) - 4, x1 - x0 + 8,
                               y_of(item.low) - y_of(item.high if item.high is not None else y_max) + 8,
                               CONFLICT_COLOUR)
        parts.append(_svg('<g class="figure" role="img" aria-label="{}"><title>{}</title>{}{}</g>',
                                 item.label, item.label, shape, ring))
    for a, b in conflicts:
        if a in centres and b in centres:
            (xa, ya), (xb, yb) = centres[a], centres[b]
            parts.append(_svg(
                '<line class="conflict" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
                'stroke-dasharray="6 4"><title>conflict</title></line>', xa, ya, xb, yb, CONFLICT_COLOUR))
    description = f"{len(plotted)} figures from {len({p.origin for p in plotted})} origins; " + (
        f"{len(conflicts)} conflicting pairs marked in red." if conflicts else "no conflict marked.")
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="chart-title chart-desc"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>{}</svg>',
        WIDTH, HEIGHT, title, description, format_html_join("", "{}", ((p,) for p in parts)))


def _figure_shape(item: PlottedFigure, x0: float, x1: float, y_of) -> SafeString:
    colour, mid = item.colour, (x0 + x1) / 2
    qualifier = item.figure.qualifier
    low_y = y_of(item.low)
    if qualifier == Qualifier.EXACT:
        return _svg('<circle cx="{}" cy="{}" r="5" fill="{}"/>', mid, low_y, colour)
    if item.high is None:  # at least / more than: an arrow up from the bound, hollow when open
        return _svg(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3" marker-end="url(#arrow)"/>'
            '<circle cx="{}" cy="{}" r="4" fill="{}" stroke="{}" stroke-width="2"/>',
            mid, low_y, mid, max(TOP + 6, low_y - 60), colour, mid, low_y, "white" if item.low_open else colour, colour)
    high_y = y_of(item.high)
    if qualifier in (Qualifier.AT_MOST, Qualifier.LESS_THAN):  # an arrow down from the bound
        return _svg(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3" marker-end="url(#arrow)"/>'
            '<circle cx="{}" cy="{}" r="4" fill="{}" stroke="{}" stroke-width="2"/>',
            mid, high_y, mid, min(low_y - 6, high_y + 60), colour, mid, high_y,
            "white" if item.high_open else colour, colour)
    if qualifier == Qualifier.RANGE:  # an outlined span with end caps
        return _svg(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-width="2"/>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>',
            x0, high_y, x1 - x0, max(1.0, low_y - high_y), colour, mid, high_y, mid, low_y, colour)
    return _svg(  # approximate: a filled bar over the tolerance band
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.75"/>',
        x0, high_y, x1 - x0, max(2.0, low_y - high_y), colour)


def legend(plotted: Sequence[PlottedFigure]) -> list[tuple[str, str]]:
    """(origin, colour) in the order colours were given."""
    seen: dict[str, str] = {}
    for item in sorted(plotted, key=lambda p: p.period.first):
        seen.setdefault(item.origin, item.colour)
    return list(seen.items())


BOX_W, BOX_H, GAP = 190, 64, 60


def chain_svg(chain: Sequence[AttributionLink], grades: Sequence[tuple[str, bool]], label: str) -> SafeString:
    """One chain as boxes from the publisher (left) to the origin (right), each with its grade
    ('B' own, 'B*' inherited), joined by arrows carrying the verb and the date."""
    width = len(chain) * (BOX_W + GAP) - GAP + 20
    parts = []
    for index, (link, (grade, inherited)) in enumerate(zip(chain, grades, strict=True)):
        x = 10 + index * (BOX_W + GAP)
        name = link.source.name if len(link.source.name) <= 26 else link.source.name[:25] + "…"
        grade_text = f"grade {grade}{' (inherited)' if inherited else ''}" if grade else "ungraded"
        is_origin = index == len(chain) - 1
        parts.append(_svg(
            '<g role="img" aria-label="{}"><title>{}</title>'
            '<rect x="{}" y="10" width="{}" height="{}" rx="6" fill="{}" stroke="#333"/>'
            '<text x="{}" y="34" font-size="13" text-anchor="middle" fill="#000">{}</text>'
            '<text x="{}" y="54" font-size="12" text-anchor="middle" fill="#333">{}</text></g>',
            f"{link.source.name}, {grade_text}{', origin' if is_origin else ''}",
            f"{link.source.name} ({link.source.get_kind_display()}), {grade_text}",
            x, BOX_W, BOX_H, "#fff3d6" if is_origin else "#eef4fb",
            x + BOX_W / 2, name, x + BOX_W / 2, grade_text + (" · origin" if is_origin else "")))
        if not is_origin:
            nxt = chain[index + 1]
            words = " ".join(w for w in (nxt.verb, nxt.date_display or "") if w) or "cites"
            ax = x + BOX_W
            parts.append(_svg(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333" stroke-width="2" marker-end="url(#chain-arrow)"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
                ax + 2, 10 + BOX_H / 2, ax + GAP - 4, 10 + BOX_H / 2, ax + GAP / 2, BOX_H + 26, words[:14]))
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chain" viewBox="0 0 {} {}" width="{}" role="img" '
        'aria-label="{}"><title>{}</title><defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>'
        '{}</svg>',
        width, BOX_H + 34, width, label, label, format_html_join("", "{}", ((p,) for p in parts)))
