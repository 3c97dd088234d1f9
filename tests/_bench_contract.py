"""Checks of the benchmarks' JSON contract shared by ``tests/test_bench_*.py`` (not a test module itself).

Structure and consistency only, never speed: a machine running the tests may be busy.
"""

from __future__ import annotations

import json

import pytest


def last_json_line(output: str) -> dict:
    """The JSON object on the last line printed by ``mlmcourse bench NAME --json``."""
    return json.loads(output.strip().splitlines()[-1])


def check_spread(figure: dict, repeats: int) -> None:
    """A spread over ``repeats`` interleaved runs: median within min..max, every run listed, all positive."""
    assert set(figure) == {"median", "min", "max", "runs"}
    assert len(figure["runs"]) == repeats
    assert 0 < figure["min"] <= figure["median"] <= figure["max"]
    assert figure["min"] == min(figure["runs"]) and figure["max"] == max(figure["runs"])


def check_ratio(ratio: float, slower_side_median: float, our_median: float) -> None:
    """``ratio`` is their time over ours, from the two reported medians (> 1: ours is faster)."""
    assert ratio == pytest.approx(slower_side_median / our_median, rel=2e-3)
