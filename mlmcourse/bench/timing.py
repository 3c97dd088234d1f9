"""Fair timing for the benchmarks: both sides interleaved, repeated, summarised by median and spread.

What it teaches: one timing of each side, back to back, measures the machine as much as the code (a neighbour's
job, a frequency change, a cold cache hit whichever side ran at that moment). Interleaving (A, B, A, B, ...) spreads
those disturbances over both sides, and the median with the range (min..max) says how much a figure can be trusted.
A ratio is taken from the two medians of the same run.

Production twin: ``timeit.repeat`` (the minimum of repeats), ``pytest-benchmark``'s rounds and ``hyperfine``'s
interleaved runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def summarise(values: list[float], digits: int = 4) -> dict[str, Any]:
    """Median, min, max and every value, rounded.

    >>> summarise([3.0, 1.0, 2.0])
    {'median': 2.0, 'min': 1.0, 'max': 3.0, 'runs': [3.0, 1.0, 2.0]}
    """
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": [round(value, digits) for value in values]}


def interleaved(sides: dict[str, Callable[[], float]], repeats: int) -> dict[str, dict[str, Any]]:
    """Call every side once per round, ``repeats`` rounds, rotating who goes first; summarise each side's values.

    Each callable returns the figure to summarise (seconds, or a rate). The rotation means no side always runs
    right after the same other side.

    >>> order = []
    >>> result = interleaved({"a": lambda: order.append("a") or 1.0, "b": lambda: order.append("b") or 2.0}, 2)
    >>> order, result["b"]["median"]
    (['a', 'b', 'b', 'a'], 2.0)
    """
    names = list(sides)
    values: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            values[name].append(float(sides[name]()))
    return {name: summarise(found) for name, found in values.items()}


def seconds_of(function: Callable[[], Any]) -> float:
    """Wall seconds of one call."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started
