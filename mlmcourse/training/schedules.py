"""Learning-rate schedules: warmup, then a linear, cosine or one-cycle decay.

What it teaches: the learning rate of a transformer is not a constant. It starts near zero and rises for
``warmup_steps`` (Adam's second-moment estimates are still noise at first, and a post-LN BERT without warmup can sit
for hundreds of steps on the "predict `the` everywhere" plateau), then decays to zero so the last steps polish
instead of bounce. Every schedule here is a pure function ``step -> factor`` (the learning rate is
``peak_lr * factor``); :func:`make_scheduler` wraps it in PyTorch's ``LambdaLR``.

What it simplifies: one parameter group, one peak learning rate; no restarts.

Production twins: ``transformers.get_linear_schedule_with_warmup`` and ``get_cosine_schedule_with_warmup``
(same numbers, tested), and ``torch.optim.lr_scheduler.OneCycleLR`` (cosine annealing in both phases, tested).
"""

from __future__ import annotations

import functools
import math

import torch

from mlmcourse.errors import CourseError

SCHEDULES = ("linear", "cosine", "one_cycle", "constant")

# One-cycle starts at peak / ONE_CYCLE_DIV and ends at peak / (ONE_CYCLE_DIV * ONE_CYCLE_FINAL_DIV) (torch defaults).
ONE_CYCLE_DIV = 25.0
ONE_CYCLE_FINAL_DIV = 1e4


def _cosine_between(start: float, end: float, fraction: float) -> float:
    """Half a cosine wave from ``start`` (fraction 0) to ``end`` (fraction 1)."""
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * fraction))


def lr_factor(step: int, *, warmup_steps: int, total_steps: int, schedule: str = "linear") -> float:
    """The multiplier of the peak learning rate at optimizer step ``step`` (0-based).

    ``linear`` and ``cosine`` rise linearly from 0 to 1 during warmup (step 0 gets factor 0, as in
    ``transformers``), then fall to 0 at ``total_steps``. ``one_cycle`` rises along a cosine from 1/25 to 1
    (reached at step ``warmup_steps``) and falls along a cosine to 1/250000. ``constant`` warms up, then stays at 1.

    Worked example (warmup 2 steps, 6 steps in all):

    >>> [round(lr_factor(s, warmup_steps=2, total_steps=6, schedule="linear"), 4) for s in range(7)]
    [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    >>> [round(lr_factor(s, warmup_steps=2, total_steps=6, schedule="cosine"), 4) for s in range(7)]
    [0.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0]
    >>> [round(lr_factor(s, warmup_steps=2, total_steps=6, schedule="one_cycle"), 4) for s in range(7)]
    [0.04, 0.52, 1.0, 0.8536, 0.5, 0.1465, 0.0]
    """
    if schedule not in SCHEDULES:
        raise CourseError(f"unknown schedule {schedule!r}; expected one of {', '.join(SCHEDULES)}")
    if warmup_steps < 0 or total_steps <= 0:
        raise CourseError(f"need warmup_steps >= 0 and total_steps > 0, got {warmup_steps} and {total_steps}")
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, max(0.0, (step - warmup_steps) / decay_steps))  # 0 -> 1 over the decay phase
    if schedule == "one_cycle":
        if step < warmup_steps:
            return _cosine_between(1.0 / ONE_CYCLE_DIV, 1.0, step / warmup_steps)
        return _cosine_between(1.0, 1.0 / (ONE_CYCLE_DIV * ONE_CYCLE_FINAL_DIV), progress)
    if step < warmup_steps:
        return step / warmup_steps
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return 1.0 - progress
    return _cosine_between(1.0, 0.0, progress)


def make_scheduler(
    optimizer: torch.optim.Optimizer, *, warmup_steps: int, total_steps: int, schedule: str = "linear"
) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` that multiplies each group's learning rate by :func:`lr_factor` after every step.

    A ``functools.partial`` (not a lambda) keeps the scheduler's ``state_dict`` free of code, so it saves as JSON.
    """
    lr_factor(0, warmup_steps=warmup_steps, total_steps=total_steps, schedule=schedule)  # validate early
    factor = functools.partial(lr_factor, warmup_steps=warmup_steps, total_steps=total_steps, schedule=schedule)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
