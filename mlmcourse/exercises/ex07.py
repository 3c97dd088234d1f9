"""Checker for ``07_fill_mask_inference.ipynb``: from the logits at one mask to the top-k predictions.

The learner writes the heart of fill-mask's post-processing: softmax over the vocabulary, then the k most
probable token ids with their probabilities, best first. Compared with ``mlmcourse.inference.softmax_top_k``;
the usual slips (no softmax, ascending order, softmax over the wrong axis) get their own hints.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.inference.fill_mask import softmax_top_k


def _cases() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(7)
    return [(np.log(np.array([0.1, 0.6, 0.3])), 2), (rng.normal(0, 3, size=50), 5), (rng.normal(0, 1, size=8), 8)]


def check_top_k_from_logits(function: Callable) -> Feedback:
    """``function(logits (vocab,), k) -> (probabilities (k,), token_ids (k,))``, best first."""
    for logits, k in _cases():
        result, problem = call_safely(function, logits.copy(), k)
        if problem is not None:
            return problem
        try:
            probabilities, token_ids = (np.asarray(part, dtype=float) for part in result)
        except (TypeError, ValueError):
            return Feedback(False, f"expected a pair (probabilities, token_ids), got {type(result).__name__}.",
                            "return two arrays (or lists) of length k.")
        scores, ids = softmax_top_k(logits[None, :], k)
        if probabilities.shape != (k,) or token_ids.shape != (k,):
            return Feedback(False, f"with k={k} expected two arrays of length {k}, got shapes "
                                   f"{probabilities.shape} and {token_ids.shape}.", "keep only the k best.")
        if np.array_equal(token_ids, ids[0][::-1]):
            return Feedback(False, "the ids are in ascending order of probability.",
                            "sort from most to least probable (np.argsort(-p) or p.argsort()[::-1]).")
        if not np.array_equal(token_ids.astype(int), ids[0]):
            return Feedback(False, f"with k={k} the ids {token_ids.astype(int).tolist()} differ from the expected "
                                   f"{ids[0].tolist()}.", "take the k largest probabilities, best first.")
        if np.allclose(probabilities, logits[ids[0]]):
            return Feedback(False, "those are the logits, not probabilities.",
                            "apply a softmax first: exp(logits - max) / sum(exp(logits - max)).")
        if not np.allclose(probabilities, scores[0], atol=1e-6):
            return Feedback(False, f"probabilities {np.round(probabilities, 4).tolist()} differ from "
                                   f"{np.round(scores[0], 4).tolist()}.",
                            "normalise over the whole vocabulary (all logits), then pick the top k.")
    return Feedback(True, "softmax over the vocabulary, then the k best: what the pipeline does at each mask.")
