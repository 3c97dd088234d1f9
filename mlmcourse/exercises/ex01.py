"""Checker for notebook 01 (the corpus): the unigram entropy of a list of texts, in nats.

The exercise: write ``unigram_entropy(texts) -> float`` with words = ``text.split()``,
p(w) = count(w) / total words and H = -sum_w p(w) ln p(w). It is the loss of the best model that ignores
context, the plateau a masked LM starts from. The reference is ``mlmcourse.corpora.stats.unigram_entropy``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlmcourse.corpora.stats import unigram_entropy, word_counts
from mlmcourse.exercises import Feedback, call_safely

# Small inputs a learner can check by hand first, then a toy-world sample.
EXAMPLES: list[list[str]] = [
    ["a b", "a a"],
    ["the dog barked at me .", "the cat meowed at me ."],
    ["one", "one", "one"],
]


def _hint(result: float, expected: float, texts: list[str]) -> str:
    """Guess the mistake from the wrong number."""
    counts = word_counts(texts)
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)  # noqa: E731
    if close(result, expected / math.log(2)):
        return "that is the entropy in bits: use math.log (natural log, nats), not math.log2."
    if close(result, -expected):
        return "the sign is flipped: H = -sum p ln p is positive (ln p < 0)."
    if close(result, math.log(len(counts))):
        return "every word got the same weight: use p(w) = count(w) / total number of words."
    per_text = [unigram_entropy([text]) for text in texts if text.split()]
    if per_text and close(result, sum(per_text) / len(per_text)):
        return "you averaged one entropy per text: count the words of all texts together, then compute one H."
    return ("count words with collections.Counter over text.split() for every text, p(w) = count / total, "
            "then H = -sum(p * math.log(p)).")


def check_unigram_entropy(function: Callable[[list[str]], float], extra_texts: list[str] | None = None) -> Feedback:
    """Compare the learner's `function(texts)` with the reference on a few inputs (and `extra_texts`).

    >>> print(check_unigram_entropy(unigram_entropy))
    ✅ Correct! H(['a b', 'a a']) = 0.5623 nats, and it matches the reference on 3 inputs.
    """
    inputs = EXAMPLES + ([list(extra_texts)] if extra_texts else [])
    for texts in inputs:
        result, failure = call_safely(function, list(texts))
        if failure is not None:
            return failure
        if not isinstance(result, (int, float)) or isinstance(result, bool):
            return Feedback(False, f"expected a number, got {type(result).__name__} for texts={texts!r}",
                            "return the entropy as a float, e.g. `return -sum(...)`.")
        expected = unigram_entropy(texts)
        if not math.isclose(result, expected, rel_tol=1e-6, abs_tol=1e-9):
            shown = texts if len(texts) <= 3 else f"{len(texts)} texts of the corpus"
            return Feedback(False, f"for {shown!r} you returned {result:.4f}, expected {expected:.4f} nats.",
                            _hint(result, expected, texts))
    return Feedback(True, f"H({EXAMPLES[0]!r}) = {unigram_entropy(EXAMPLES[0]):.4f} nats, "
                          f"and it matches the reference on {len(inputs)} inputs.")
