"""Counts printed while the seed works, so nobody waits on a silent terminal."""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper


class Progress:
    """`label: done/total (percent)` on its own line at every `step` percent and at the end
    (own lines, not a carriage return: the output may share a terminal with runserver's)."""

    def __init__(
        self, out: OutputWrapper | None, label: str, total: int, *, step: int = 10
    ) -> None:
        self.out, self.label, self.total, self.step = out, label, total, step
        self.done = 0
        self.started = time.monotonic()
        self._shown = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        percent = self.done * 100 // self.total if self.total else 100
        if percent // self.step > self._shown // self.step or self.done == self.total:
            self._show(percent)

    def _show(self, percent: int) -> None:
        if self.out is None or percent == self._shown:
            return
        self._shown = percent
        seconds = time.monotonic() - self.started
        self.out.write(f"  {self.label}: {self.done}/{self.total} ({percent}%, {seconds:.0f} s)")
        self.out.flush()
