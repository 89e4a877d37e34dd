"""A function run in a child process under a time and a memory limit (the second wall around
the spreadsheet reader)."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError

from core.spreadsheets.bounded import OverMemory, OverTime, call_bounded


def test_the_value_or_the_exception_comes_back() -> None:
    assert call_bounded(lambda: {"rows": [1, 2]}, seconds=10, memory_bytes=64 << 20) == {
        "rows": [1, 2]
    }

    def refuse() -> None:
        raise ValidationError("no %(n)s", code="x_no", params={"n": 3})

    with pytest.raises(ValidationError) as excinfo:
        call_bounded(refuse, seconds=10, memory_bytes=64 << 20)
    assert excinfo.value.code == "x_no" and excinfo.value.messages == ["no 3"]


def test_a_function_past_its_time_is_killed() -> None:
    def forever() -> None:
        while True:
            sum(range(1000))

    started = time.monotonic()
    with pytest.raises(OverTime):
        call_bounded(forever, seconds=0.5, memory_bytes=64 << 20)
    assert time.monotonic() - started < 3


def test_a_function_past_its_memory_is_stopped() -> None:
    def hog() -> int:
        return len(bytearray(1 << 30))  # a gigabyte

    with pytest.raises(OverMemory):
        call_bounded(hog, seconds=10, memory_bytes=64 << 20)
    # The parent's own memory is untouched: the next call works.
    assert call_bounded(lambda: 1, seconds=10, memory_bytes=64 << 20) == 1
