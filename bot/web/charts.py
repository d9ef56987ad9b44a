"""Small SVG charts drawn on the server: they need no JavaScript, and each comes with a table of the same data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, MARGIN = 640, 200, 32
GRADE_BANDS = ((90, "#e6f4ea"), (80, "#eef7e6"), (70, "#fdf6e3"), (60, "#fdeee3"), (0, "#fbe9e7"))


@dataclass(frozen=True, slots=True)
class Point:
    """A labelled value on a chart."""

    label: str
    value: float


def line_chart(points: Sequence[Point], title: str, low: float = 0, high: float = 100, bands: bool = False) -> str:
    """A line with dots, one per point, left to right (e.g. a repository's score across pull requests)."""
    if not points:
        return _empty(title)
    span = max(high - low, 1e-9)
    step = (WIDTH - 2 * MARGIN) / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return MARGIN + index * step if len(points) > 1 else WIDTH / 2

    def y(value: float) -> float:
        return HEIGHT - MARGIN - (min(max(value, low), high) - low) / span * (HEIGHT - 2 * MARGIN)

    parts = [_open(title)]
    if bands:
        top = high
        for floor, colour in GRADE_BANDS:
            parts.append(
                f'<rect x="{MARGIN}" y="{y(top):.1f}" width="{WIDTH - 2 * MARGIN}" '
                f'height="{max(y(floor) - y(top), 0):.1f}" fill="{colour}"/>'
            )
            top = floor
    parts.append(_axes(low, high, y))
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts.append(f'<path d="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    for index, point in enumerate(points):
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="3.5" fill="#1f6feb">'
            f"<title>{escape(point.label)}: {point.value:g}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, float, str]]]], title: str) -> str:
    """Horizontal bars, one per row, stacked by part: (row label, [(part label, amount, colour)])."""
    if not rows:
        return _empty(title)
    label_width, bar_height, gap = 250, 16, 6
    height = 2 * MARGIN + len(rows) * (bar_height + gap)
    largest = max((sum(amount for _, amount, _ in parts) for _, parts in rows), default=0) or 1
    scale = (WIDTH - label_width - MARGIN) / largest
    parts_svg = [_open(title, height)]
    for index, (label, parts) in enumerate(rows):
        top = MARGIN + index * (bar_height + gap)
        baseline = top + bar_height - 4
        parts_svg.append(
            f'<text x="{label_width - 8}" y="{baseline}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        left = float(label_width)
        for part, amount, colour in parts:
            if amount <= 0:
                continue
            width = amount * scale
            parts_svg.append(
                f'<rect x="{left:.1f}" y="{top}" width="{width:.1f}" height="{bar_height}" fill="{colour}">'
                f"<title>{escape(label)}: {amount:g} {escape(part)}</title></rect>"
            )
            left += width
    parts_svg.append("</svg>")
    return "".join(parts_svg)


def _open(title: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _axes(low: float, high: float, y: Callable[[float], float]) -> str:
    ticks = []
    for value in (low, (low + high) / 2, high):
        position = y(value)
        ticks.append(
            f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{position:.1f}" y2="{position:.1f}" stroke="#d0d7de" '
            f'stroke-dasharray="3,3"/><text x="4" y="{position + 4:.1f}" font-size="11" fill="#57606a">{value:g}</text>'
        )
    return "".join(ticks)


def _empty(title: str) -> str:
    return (
        f'{_open(title, 60)}<text x="{WIDTH / 2}" y="34" text-anchor="middle" font-size="13" fill="#57606a">'
        "No data yet</text></svg>"
    )
