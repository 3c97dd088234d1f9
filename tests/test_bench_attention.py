"""`mlmcourse bench attention --json --quick`: the JSON contract and the sanity of its numbers (not speed)."""

from __future__ import annotations

import doctest
import json
import math

import pytest

from mlmcourse.bench import attention as attention_bench
from mlmcourse.cli import main

pytestmark = pytest.mark.slow  # one quick benchmark run (a subprocess for memory): about 10-30 s


@pytest.fixture(scope="module")
def quick_result() -> dict:
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["bench", "attention", "--json", "--quick"]) == 0
    return json.loads(printed.getvalue().strip().splitlines()[-1])


def test_both_sides_and_exact_attention_are_timed_with_spread(quick_result):
    result = quick_result
    assert result["name"] == "attention"
    lengths = result["config"]["lengths"]
    assert lengths == [128, 256]
    for side in ("ours", "huggingface", "exact"):
        assert set(result[side]) == {str(seq) for seq in lengths}, side
        for figures in result[side].values():
            assert 0 < figures["min_ms"] <= figures["median_ms"] <= figures["max_ms"], side
    for side in ("exact", "ours", "huggingface"):
        assert result["config"][side]["batch_size"] == 1 and result["config"][side]["device"] == "cpu"
    assert result["config"]["ours"]["num_landmarks"] == result["config"]["huggingface"]["num_landmarks"] == 16
    assert result["ours_vs_huggingface_max_abs_difference"] < 1e-4  # equal work: the same outputs


def test_ratios_and_crossover_follow_from_the_medians(quick_result):
    result = quick_result
    for seq, ratio in result["ratio_by_length"].items():
        expected = result["huggingface"][seq]["median_ms"] / result["ours"][seq]["median_ms"]
        assert ratio == pytest.approx(expected, rel=0.01)
    geometric_mean = math.exp(sum(math.log(r) for r in result["ratio_by_length"].values()) / 2)
    assert result["ratio"] == pytest.approx(geometric_mean, rel=0.01)
    for seq, speedup in result["nystrom_speedup_vs_exact"].items():
        assert speedup == pytest.approx(result["exact"][seq]["median_ms"] / result["ours"][seq]["median_ms"], rel=0.01)
    faster = [int(seq) for seq, speedup in result["nystrom_speedup_vs_exact"].items()
              if result["ours"][seq]["median_ms"] < result["exact"][seq]["median_ms"]]
    assert result["crossover_length"] == (min(faster) if faster else None)
    assert (result["crossover_beyond_spread"] is None) == (result["crossover_length"] is None)


def test_memory_is_measured_and_the_seq_by_seq_matrix_shows(quick_result):
    memory = quick_result["memory"]
    assert "VmHWM" in quick_result["config"]["memory_method"]
    assert set(memory) == {"sdpa", "nystrom", "eager"}
    for kind, by_length in memory.items():
        for figures in by_length.values():
            assert figures["measured_mb"] >= 0 and figures["analytic_mb"] > 0, kind
    eager = memory["eager"]
    assert eager["256"]["analytic_mb"] > 3.4 * eager["128"]["analytic_mb"]  # quadratic
    assert eager["256"]["measured_mb"] > 2 * eager["128"]["measured_mb"]
    assert eager["256"]["measured_mb"] > memory["sdpa"]["256"]["measured_mb"]  # SDPA never builds seq x seq
    # the measurement agrees with the shapes where the big tensor dominates
    assert eager["256"]["measured_mb"] == pytest.approx(eager["256"]["analytic_mb"], rel=0.5)


def test_approximation_error_falls_with_landmarks(quick_result):
    errors = quick_result["approximation_error"]
    assert errors["seq_len"] == 128
    by_landmarks = [errors["relative_error_by_landmarks"][m] for m in ("8", "32", "128")]
    assert by_landmarks[0] > by_landmarks[1] > by_landmarks[2] == 0.0  # 128 landmarks = 128 tokens: exact
    assert len(errors["per_layer"]) == 2


def test_docstring_examples_run():
    result = doctest.testmod(attention_bench)
    assert result.failed == 0 and result.attempted >= 4


def test_lengths_the_landmarks_do_not_divide_are_refused():
    import argparse

    parser = argparse.ArgumentParser()
    attention_bench.add_arguments(parser)
    args = parser.parse_args(["--lengths", "100,128", "--num-landmarks", "64"])
    with pytest.raises(ValueError, match=r"\[100\] are not multiples of --num-landmarks 64"):
        attention_bench.run(args)


def test_the_getrusage_fallback_measures_the_written_out_matrix():
    """Without Linux's resettable peak (macOS), the probe reads getrusage's peak before and after one forward, in a
    fresh process (so no earlier peak hides this one)."""
    import subprocess
    import sys

    script = ("import mlmcourse.bench.attention as bench; bench.memory_method = lambda: bench.FALLBACK_METHOD; "
              "bench._probe_memory('eager:4096', '64', '8', '16', '9', '0')")
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    peaks = json.loads(finished.stdout.strip().splitlines()[-1])
    # eager at 4,096 tokens and 8 heads: two (8, 4096, 4096) fp32 matrices, 1 GiB, well above any transient peak of
    # the imports before it (getrusage's peak cannot be reset, so a smaller matrix can hide under it); the peak rises by
    # at least most of it
    assert peaks["eager"]["4096"] > 0.5 * 2 * 8 * 4096 * 4096 * 4
