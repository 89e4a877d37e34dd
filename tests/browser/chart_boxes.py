"""Text boxes of SVG charts as Chromium lays them out (getBBox() on every <text>)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Every <svg> matching the selector: its viewBox and each <text>'s box in user units.
MEASURE = """(selector) => [...document.querySelectorAll(selector)].map((svg) => ({
  title: (svg.querySelector('title') || {}).textContent || '',
  width: svg.viewBox.baseVal.width,
  height: svg.viewBox.baseVal.height,
  boxes: [...svg.querySelectorAll(':scope > text, :scope > g > text')].map((t) => {
    const b = t.getBBox();
    return {x: b.x, y: b.y, w: b.width, h: b.height, text: t.textContent};
  }),
}))"""


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    text: str

    def overlaps(self, other: Box, slack: float = 0.5) -> bool:
        return (
            self.x + slack < other.x + other.w
            and other.x + slack < self.x + self.w
            and self.y + slack < other.y + other.h
            and other.y + slack < self.y + self.h
        )


def measure(page: Any, selector: str = "svg.chart-svg") -> list[dict[str, Any]]:
    charts = page.evaluate(MEASURE, selector)
    for chart in charts:
        chart["boxes"] = [Box(**box) for box in chart["boxes"]]
    return charts


def problems(charts: list[dict[str, Any]]) -> list[str]:
    """Every pair of overlapping labels, and every label outside its chart's viewBox."""
    found = []
    for chart in charts:
        boxes: list[Box] = chart["boxes"]
        for index, box in enumerate(boxes):
            if box.w <= 0:
                found.append(f"{chart['title']}: {box.text!r} has no width (font missing?)")
            if box.x < -0.5 or box.x + box.w > chart["width"] + 0.5:
                found.append(f"{chart['title']}: {box.text!r} runs outside ({box})")
            if box.y < -0.5 or box.y + box.h > chart["height"] + 0.5:
                found.append(f"{chart['title']}: {box.text!r} runs below or above ({box})")
            for other in boxes[index + 1 :]:
                if box.overlaps(other):
                    found.append(f"{chart['title']}: {box.text!r} overlaps {other.text!r}")
    return found
