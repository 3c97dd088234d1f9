"""Exercise checkers of notebooks 00, 06 and 07: pass the reference, catch the usual mistakes with a hint."""

from __future__ import annotations

import math

import numpy as np

from mlmcourse.exercises.ex00 import RECORDS, check_probability_of, probability_of
from mlmcourse.exercises.ex06 import check_token_weighted_perplexity, token_weighted_perplexity
from mlmcourse.exercises.ex07 import check_top_k_from_logits


def test_probability_of_docstring_example():
    assert (probability_of(RECORDS, "puppy"), probability_of(RECORDS, "cat")) == (0.12, 0.0)


def test_check_probability_of():
    assert check_probability_of(probability_of)
    missing_default = check_probability_of(lambda records, word: next(r["score"] for r in records
                                                                       if r["token_str"] == word))
    assert not missing_default and "StopIteration" in missing_default.message
    first_only = check_probability_of(lambda records, word: records[0]["score"])
    assert not first_only and "token_str" in first_only.hint

    def stub(records, word):
        raise NotImplementedError

    assert "NotImplementedError" in check_probability_of(stub).message


def test_token_weighted_perplexity_docstring_example():
    assert round(token_weighted_perplexity([(2.0, 30), (4.0, 2)]), 4) == 8.3729
    assert token_weighted_perplexity([(2.0, 30), (4.0, 2)]) == math.exp(68 / 32)


def test_check_token_weighted_perplexity_hints():
    assert check_token_weighted_perplexity(token_weighted_perplexity)
    batch_mean = check_token_weighted_perplexity(lambda b: math.exp(sum(loss for loss, _ in b) / len(b)))
    assert not batch_mean and "averaged the batch means" in batch_mean.hint
    no_exp = check_token_weighted_perplexity(lambda b: sum(loss * n for loss, n in b) / sum(n for _, n in b))
    assert not no_exp and "math.exp" in no_exp.hint
    assert "expected a number" in check_token_weighted_perplexity(lambda b: "8.37").message


def reference_top_k(logits, k):
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    ids = np.argsort(-probabilities)[:k]
    return probabilities[ids], ids


def test_check_top_k_from_logits_hints():
    assert check_top_k_from_logits(reference_top_k)
    ascending = check_top_k_from_logits(lambda logits, k: tuple(part[::-1] for part in reference_top_k(logits, k)))
    assert not ascending and "ascending" in ascending.message
    no_softmax = check_top_k_from_logits(lambda logits, k: (logits[np.argsort(-logits)[:k]], np.argsort(-logits)[:k]))
    assert not no_softmax and "softmax" in no_softmax.hint
    assert "expected a pair" in check_top_k_from_logits(lambda logits, k: 3).message
