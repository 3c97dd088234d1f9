"""Checker for ``11_multilingual.ipynb``: XLM-R's language sampling probabilities.

The learner writes ``sampling_probabilities(counts, alpha)`` returning ``{language: p}`` with
``p_l = n_l ** alpha / sum_k n_k ** alpha``. Checked on two and three languages and on ``alpha`` = 1 (proportional),
0.3 (XLM-R), 0.7 (mBERT) and 0 (uniform). The usual mistakes: forgetting to divide by the sum (the numbers are
weights, not probabilities), and leaving ``alpha`` out (sampling in proportion to the data).
The reference solution is :func:`mlmcourse.corpora.language_sampling.sampling_probabilities`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlmcourse.corpora.language_sampling import sampling_probabilities
from mlmcourse.exercises import Feedback, call_safely

CASES = [({"en": 900, "sw": 100}, 1.0), ({"en": 900, "sw": 100}, 0.3), ({"en": 60_000, "fr": 3_000, "ru": 500}, 0.7),
         ({"en": 60_000, "fr": 3_000, "ru": 500}, 0.0)]


def check_sampling_probabilities(function: Callable) -> Feedback:
    """``function(counts, alpha) -> {language: probability}``."""
    for counts, alpha in CASES:
        result, problem = call_safely(function, dict(counts), alpha)
        if problem is not None:
            return problem
        if not isinstance(result, dict) or set(result) != set(counts):
            return Feedback(False, f"expected a dict with one probability per language {sorted(counts)}, got "
                            f"{result!r}.", "return {language: probability for language, n in counts.items()}.")
        try:
            values = {language: float(p) for language, p in result.items()}
        except (TypeError, ValueError):
            return Feedback(False, f"the probabilities must be numbers, got {result!r}.")
        expected = sampling_probabilities(counts, alpha)
        if all(math.isclose(values[k], expected[k], rel_tol=1e-6, abs_tol=1e-9) for k in counts):
            continue
        shown = ", ".join(f"{k}: {v:.3f}" for k, v in values.items())
        wanted = ", ".join(f"{k}: {v:.3f}" for k, v in expected.items())
        total = sum(values.values())
        if not math.isclose(total, 1.0, rel_tol=1e-6):
            hint = (f"your numbers sum to {total:.3g}, not 1: they are weights n ** alpha; divide each by their sum "
                    "to make probabilities.")
        elif alpha != 1.0 and all(math.isclose(values[k], counts[k] / sum(counts.values()), rel_tol=1e-6)
                                  for k in counts):
            hint = "these are the shares of the data: raise each count to the power alpha before normalising."
        else:
            hint = "p_l = n_l ** alpha / sum of n_k ** alpha over all languages k."
        return Feedback(False, f"with counts {counts} and alpha={alpha} you gave {{{shown}}}, expected {{{wanted}}}.",
                        hint)
    return Feedback(True, "p ∝ n ** alpha: proportional at alpha = 1, uniform at 0, small languages upsampled between.")
