"""Geometry for the progress charts, drawn as SVG by the templates (no JS, no CDN).

Each function returns plain numbers in a fixed viewBox so the template only places
elements; every chart also has a text table for screen readers.
"""

from dataclasses import dataclass
from datetime import date

WIDTH = 600
HEIGHT = 160
MARGIN_BOTTOM = 20
# From "no reviews" (light grey) to "busiest day" (dark green).
LEVEL_COLOURS = ["#e9ecef", "#b7e4c7", "#74c69d", "#40916c", "#1b4332"]


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float
    label_every: bool


def bars(series: list[tuple[date, int]], *, label: str) -> dict:
    """A bar per day scaled to the largest value (at least 1, so zeros stay flat)."""
    peak = max([v for _, v in series] + [1])
    slot = WIDTH / max(len(series), 1)
    plot = HEIGHT - MARGIN_BOTTOM
    items = []
    for i, (day, value) in enumerate(series):
        height = plot * value / peak
        items.append(
            Bar(
                day=day,
                value=value,
                x=round(i * slot + 1, 1),
                y=round(plot - height, 1),
                width=round(slot - 2, 1),
                height=round(height, 1),
                label_every=i % 7 == 0,
            )
        )
    return {
        "bars": items,
        "peak": peak,
        "label": label,
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": plot,
        "total": sum(v for _, v in series),
    }


@dataclass(frozen=True)
class Cell:
    day: date
    value: int
    x: int
    y: int
    level: int  # 0-4: how busy the day was, relative to the busiest
    colour: str


def calendar(series: list[tuple[date, int]]) -> dict:
    """The 30-day history as a week-by-week grid (columns are weeks, rows weekdays)."""
    if not series:
        return {"cells": [], "width": 0, "height": 0}
    first = series[0][0]
    peak = max([v for _, v in series] + [1])
    offset = first.weekday()
    size, gap = 18, 3
    cells = []
    for i, (day, value) in enumerate(series):
        slot = offset + i
        level = 0 if value == 0 else min(4, 1 + int(3 * value / peak))
        cells.append(
            Cell(
                day=day,
                value=value,
                x=30 + (slot // 7) * (size + gap),
                y=(slot % 7) * (size + gap),
                level=level,
                colour=LEVEL_COLOURS[level],
            )
        )
    columns = (offset + len(series) + 6) // 7
    return {
        "cells": cells,
        "size": size,
        "width": 30 + columns * (size + gap),
        "height": 7 * (size + gap),
    }


def stacked(progress) -> dict:
    """One horizontal bar split by card status."""
    parts = [
        ("new", progress.new, "#adb5bd"),
        ("learning", progress.learning, "#fd7e14"),
        ("due", progress.due, "#dc3545"),
        ("review", progress.review, "#0d6efd"),
        ("mastered", progress.mastered, "#198754"),
    ]
    total = max(progress.total, 1)
    x = 0.0
    segments = []
    for key, value, colour in parts:
        width = WIDTH * value / total
        segments.append(
            {
                "key": key,
                "value": value,
                "x": round(x, 1),
                "width": round(width, 1),
                "colour": colour,
            }
        )
        x += width
    return {"segments": segments, "width": WIDTH}
