"""Tests for the notebook-01 checker: it accepts the reference, rejects wrong answers with the right hint."""

from __future__ import annotations

import doctest
import math
from collections import Counter

from mlmcourse.corpora.stats import unigram_entropy
from mlmcourse.exercises import ex01
from mlmcourse.exercises.ex01 import check_unigram_entropy


def _entropy(texts, log=math.log, sign=-1.0):
    counts = Counter(word for text in texts for word in text.split())
    total = sum(counts.values())
    return sign * sum(c / total * log(c / total) for c in counts.values())


def test_accepts_a_correct_solution_and_the_reference():
    feedback = check_unigram_entropy(_entropy)
    assert feedback.passed and "0.5623 nats" in str(feedback) and str(feedback).startswith("✅")
    assert check_unigram_entropy(unigram_entropy).passed
    assert check_unigram_entropy(_entropy, extra_texts=["the dog barked at me .", "cows eat grass ."]).passed


def test_hints_name_the_mistake():
    bits = check_unigram_entropy(lambda texts: _entropy(texts, log=math.log2))
    assert not bits.passed and "log2" in bits.hint and "expected 0.5623" in bits.message
    flipped = check_unigram_entropy(lambda texts: _entropy(texts, sign=1.0))
    assert not flipped.passed and "sign" in flipped.hint
    uniform = check_unigram_entropy(lambda texts: math.log(len({w for t in texts for w in t.split()})))
    assert not uniform.passed and "same weight" in uniform.hint
    per_text = check_unigram_entropy(lambda texts: sum(_entropy([t]) for t in texts) / len(texts))
    assert not per_text.passed and "averaged one entropy per text" in per_text.hint
    assert "Counter" in check_unigram_entropy(lambda texts: 1.0).hint


def test_never_raises_on_broken_code():
    def stub(texts):
        raise NotImplementedError

    assert "NotImplementedError" in check_unigram_entropy(stub).message
    crashed = check_unigram_entropy(lambda texts: 1 / 0)
    assert not crashed.passed and "ZeroDivisionError" in crashed.message
    wrong_type = check_unigram_entropy(lambda texts: "0.56")
    assert not wrong_type.passed and "expected a number, got str" in wrong_type.message
    assert not check_unigram_entropy(lambda texts: True).passed


def test_docstring_example():
    assert doctest.testmod(ex01).failed == 0
