"""Exercise checkers of notebooks 00, 06 and 07: pass the reference, catch the usual mistakes with a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlmcourse.exercises.ex00 import RECORDS, check_probability_of, probability_of
from mlmcourse.exercises.ex06 import check_gap_standard_error
from mlmcourse.exercises.ex07 import check_top_k_from_logits
from mlmcourse.metrics.probes import gap_with_standard_error


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


def test_gap_with_standard_error_docstring_example():
    gap, error = gap_with_standard_error([0.5, 0.9, 0.2, 0.4], [0.4, 0.7, 0.3, 0.4])
    assert (round(gap, 3), round(error, 3)) == (0.05, 0.065)
    assert error == pytest.approx(np.std([0.1, 0.2, -0.1, 0.0], ddof=1) / 2)


def test_check_gap_standard_error_hints():
    assert check_gap_standard_error(gap_with_standard_error)

    def differences(model, floor):
        return np.asarray(model) - np.asarray(floor)

    no_sqrt_n = check_gap_standard_error(lambda m, f: (differences(m, f).mean(), differences(m, f).std(ddof=1)))
    assert not no_sqrt_n and "sqrt(n)" in no_sqrt_n.hint
    unpaired = check_gap_standard_error(
        lambda m, f: (differences(m, f).mean(), np.std(m, ddof=1) / math.sqrt(len(m))))
    assert not unpaired and "paired" in unpaired.hint
    population = check_gap_standard_error(
        lambda m, f: (differences(m, f).mean(), differences(m, f).std() / math.sqrt(len(m))))
    assert not population and "ddof=1" in population.hint
    wrong_gap = check_gap_standard_error(lambda m, f: (np.mean(m), gap_with_standard_error(m, f)[1]))
    assert not wrong_gap and "mean of model_nll[i] - floor_nll[i]" in wrong_gap.hint
    assert "expected a pair" in check_gap_standard_error(lambda m, f: 0.3).message


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
