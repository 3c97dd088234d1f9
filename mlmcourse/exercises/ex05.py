"""Checkers for ``05_training.ipynb``: the warmup + linear-decay learning rate; the token-weighted mean loss.

Each checker runs the learner's function on a few inputs, compares with the package's reference
(:func:`mlmcourse.training.schedules.lr_factor`, :func:`mlmcourse.training.evaluation.token_weighted_mean`) and
recognises the usual mistakes (warmup off by one, no clamp at zero, a plain mean of batch means) to give a hint.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.training.evaluation import token_weighted_mean
from mlmcourse.training.schedules import lr_factor

# (step, warmup_steps, total_steps) cases: warmup, the peak, the decay, the end, past the end, no warmup.
_SCHEDULE_CASES = [(0, 4, 10), (1, 4, 10), (3, 4, 10), (4, 4, 10), (7, 4, 10), (10, 4, 10), (12, 4, 10),
                   (0, 0, 5), (2, 0, 5)]


def _schedule_hint(function: Callable, step: int, warmup: int, total: int, got: float) -> str:
    if step < warmup and math.isclose(got, (step + 1) / warmup, abs_tol=1e-9):
        return "during warmup the factor is step / warmup_steps: step 0 gets 0 (as in transformers), not 1/warmup."
    if step > total and got < 0:
        return "after total_steps the factor must stay at 0: clamp with max(0.0, ...)."
    if step >= warmup and math.isclose(got, 1 - step / total, abs_tol=1e-9):
        return ("the decay runs over the steps after warmup: 1 - (step - warmup_steps) / (total_steps - "
                "warmup_steps), so the factor is exactly 1 at the end of warmup.")
    if warmup == 0:
        return "with warmup_steps = 0 there is no warmup: start at 1 and avoid dividing by zero."
    return ("rise linearly from 0 (step 0) to 1 (step warmup_steps), then fall linearly to 0 at total_steps "
            "and stay there.")


def check_warmup_linear(function: Callable) -> Feedback:
    """``function(step, warmup_steps, total_steps) -> float``: the multiplier of the peak learning rate."""
    for step, warmup, total in _SCHEDULE_CASES:
        got, problem = call_safely(function, step, warmup, total)
        if problem is not None:
            return problem
        expected = lr_factor(step, warmup_steps=warmup, total_steps=total, schedule="linear")
        if not isinstance(got, int | float) or not math.isclose(got, expected, abs_tol=1e-9):
            return Feedback(False, f"at step {step} (warmup {warmup}, total {total}) your factor is {got!r}, "
                            f"expected {expected:.4g}.", _schedule_hint(function, step, warmup, total, got)
                            if isinstance(got, int | float) else "return a number (a float).")
    return Feedback(True, "your schedule matches transformers' get_linear_schedule_with_warmup.")


_MEAN_CASES = [([2.0, 4.0], [30, 10]), ([1.5, 1.5, 3.0], [5, 5, 1]), ([0.7], [12])]


def check_token_weighted_mean(function: Callable) -> Feedback:
    """``function(batch_means, batch_counts) -> float``: the mean loss over all predicted tokens."""
    for means, counts in _MEAN_CASES:
        got, problem = call_safely(function, list(means), list(counts))
        if problem is not None:
            return problem
        expected = token_weighted_mean(means, counts)
        if not isinstance(got, int | float) or not math.isclose(got, expected, rel_tol=1e-9):
            if isinstance(got, int | float) and math.isclose(got, sum(means) / len(means), rel_tol=1e-9):
                hint = ("that is the plain mean of the batch means: a batch with 10 predicted tokens counts as much "
                        "as one with 30. Multiply each mean by its count, sum, divide by the total count.")
            else:
                hint = "sum(mean * count for each batch) / sum(counts)."
            return Feedback(False, f"for means {means} and counts {counts} you returned {got!r}, "
                            f"expected {expected:.4g}.", hint)
    return Feedback(True, "your mean does not depend on how the tokens were split into batches.")
