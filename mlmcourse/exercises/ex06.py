"""Checker for ``06_evaluation.ipynb``: perplexity from per-batch losses, weighted by predicted tokens.

The learner gets what a training loop usually logs, one ``(mean loss, number of predicted tokens)`` per batch,
and must return the corpus perplexity. The classic mistake (transformers #39241) is to average the batch means:
the last, short batch then counts as much as a full one and the number changes with the batch size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from mlmcourse.exercises import Feedback, call_safely

CASES: list[list[tuple[float, int]]] = [
    [(2.0, 10), (4.0, 10)],  # equal batches: both ways agree
    [(2.0, 30), (4.0, 2)],  # a short last batch: only token weighting is right
    [(1.5, 7), (2.5, 1), (0.5, 12)],
]


def token_weighted_perplexity(batches: Sequence[tuple[float, int]]) -> float:
    """exp(total loss / total tokens) for (mean loss, tokens) per batch.

    >>> round(token_weighted_perplexity([(2.0, 30), (4.0, 2)]), 4)  # exp((60 + 8) / 32)
    8.3729
    """
    total_tokens = sum(tokens for _, tokens in batches)
    return math.exp(sum(loss * tokens for loss, tokens in batches) / total_tokens)


def check_token_weighted_perplexity(function: Callable) -> Feedback:
    """``function([(mean_loss, n_tokens), ...]) -> perplexity``."""
    for batches in CASES:
        result, problem = call_safely(function, list(batches))
        if problem is not None:
            return problem
        if not isinstance(result, (int, float)) or isinstance(result, bool):
            return Feedback(False, f"expected a number, got {type(result).__name__}.",
                            "return math.exp(...) of the mean cross-entropy per token.")
        expected = token_weighted_perplexity(batches)
        if math.isclose(result, expected, rel_tol=1e-6):
            continue
        batch_mean = math.exp(sum(loss for loss, _ in batches) / len(batches))
        total_loss = sum(loss * tokens for loss, tokens in batches) / sum(tokens for _, tokens in batches)
        if math.isclose(result, batch_mean, rel_tol=1e-6):
            hint = ("you averaged the batch means: weight each batch by its number of predicted tokens "
                    "(sum of loss * tokens, divided by the total number of tokens).")
        elif math.isclose(result, total_loss, rel_tol=1e-6):
            hint = "that is the mean cross-entropy; perplexity is math.exp of it."
        else:
            hint = "total loss = sum(mean_loss * n_tokens); mean per token = total / sum(n_tokens); then exp."
        return Feedback(False, f"for batches {batches} you returned {result:.4f}, expected {expected:.4f}.", hint)
    return Feedback(True, "perplexity weighted by predicted tokens: the same for any batch size.")
