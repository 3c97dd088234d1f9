"""Checker for ``06_evaluation.ipynb``: the gap to the Bayes floor, with its standard error.

The learner gets, for n probes, the model's loss on the drawn answer and the exact posterior's loss on the same
answer (both in nats), and returns ``(gap, standard_error)``. The gap is the mean of the per-probe differences; its
standard error is that of the *paired* differences (sample standard deviation / sqrt(n)). The usual mistakes: the
standard deviation without dividing by sqrt(n), and the spread of the model's losses alone (which ignores that the
floor moves with the same answers, and comes out several times too large).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.metrics.probes import gap_with_standard_error


def _cases() -> list[tuple[list[float], list[float]]]:
    rng = np.random.default_rng(6)
    floor = rng.exponential(0.5, size=40)  # the floor's loss on each drawn answer
    model = floor + rng.normal(0.05, 0.05, size=40)  # a good model: close to the floor, answer by answer
    return [([0.5, 0.9, 0.2, 0.4], [0.4, 0.7, 0.3, 0.4]), (model.tolist(), floor.tolist())]


def check_gap_standard_error(function: Callable) -> Feedback:
    """``function(model_nll, floor_nll) -> (gap, standard_error)`` for per-probe losses in nats."""
    for model_nll, floor_nll in _cases():
        result, problem = call_safely(function, list(model_nll), list(floor_nll))
        if problem is not None:
            return problem
        try:
            gap, error = (float(part) for part in result)
        except (TypeError, ValueError):
            return Feedback(False, f"expected a pair (gap, standard_error), got {type(result).__name__}.",
                            "return two numbers: the mean difference and its standard error.")
        expected_gap, expected_error = gap_with_standard_error(model_nll, floor_nll)
        if not math.isclose(gap, expected_gap, rel_tol=1e-6, abs_tol=1e-9):
            return Feedback(False, f"the gap {gap:.4f} differs from the expected {expected_gap:.4f}.",
                            "the gap is the mean of model_nll[i] - floor_nll[i] over the probes.")
        if math.isclose(error, expected_error, rel_tol=1e-6):
            continue
        differences = np.asarray(model_nll) - np.asarray(floor_nll)
        n = differences.size
        if math.isclose(error, differences.std(ddof=1), rel_tol=1e-6):
            hint = "that is the spread of single differences; the mean of n of them varies sqrt(n) times less."
        elif math.isclose(error, differences.std(ddof=0) / math.sqrt(n), rel_tol=1e-6):
            hint = "use the sample standard deviation (divide by n - 1: np.std(..., ddof=1))."
        elif math.isclose(error, np.std(model_nll, ddof=1) / math.sqrt(n), rel_tol=1e-6):
            hint = ("that is the spread of the model's losses alone; both losses move with the same drawn answers, "
                    "so take the standard error of the differences (a paired comparison).")
        else:
            hint = "standard error = sample standard deviation of the differences / sqrt(n)."
        return Feedback(False, f"the standard error {error:.4f} differs from the expected {expected_error:.4f}.",
                        hint)
    return Feedback(True, "the mean paired difference and its standard error: how far chance can move the gap.")
