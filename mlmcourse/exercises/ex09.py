"""Checker for ``09_fine_tuning.ipynb``: macro F1, the score that does not let a classifier ignore a rare class.

The learner writes ``macro_f1(labels, predictions, num_labels) -> float``: per class, F1 = 2 TP / (2 TP + FP + FN);
then the plain mean over the classes that appear among the labels or the predictions. Checked on a balanced case, an
unbalanced case where always answering the common class has a high accuracy, and a case with a class that appears
nowhere. The usual mistakes: returning accuracy (that is *micro* F1), weighting each class's F1 by its number of
examples (scikit-learn's ``average="weighted"``), and counting an absent class as an F1 of 0.
The reference is :func:`mlmcourse.finetune.metrics.macro_f1`.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.finetune.metrics import accuracy, macro_f1

# (labels, predictions, num_labels, what the case shows)
CASES = [
    ([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 0, 1, 1, 1, 2, 0, 2, 2], 3, "three classes with a few errors"),
    ([0] * 9 + [1], [0] * 10, 2, "always the common class (accuracy 0.9)"),
    ([0, 0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 0], 2, "unbalanced classes with errors on both"),
    ([0, 1, 1, 0], [0, 1, 0, 0], 4, "classes 2 and 3 appear nowhere"),
]


def weighted_f1(labels: list[int], predictions: list[int], num_labels: int) -> float:
    """F1 per class weighted by the class's number of examples: the common wrong answer (for hints and tests)."""
    from mlmcourse.finetune.metrics import confusion_matrix, per_class_f1

    scores = per_class_f1(confusion_matrix(labels, predictions, num_labels))
    return sum((score or 0.0) * labels.count(c) for c, score in enumerate(scores)) / len(labels)


def absent_as_zero(labels: list[int], predictions: list[int], num_labels: int) -> float:
    """Macro F1 that counts a class found nowhere as an F1 of 0: another wrong answer (for hints and tests)."""
    from mlmcourse.finetune.metrics import confusion_matrix, per_class_f1

    scores = per_class_f1(confusion_matrix(labels, predictions, num_labels))
    return sum(score or 0.0 for score in scores) / num_labels


# Typical wrong answers and what to say about them; the learner's function is compared with each on every case.
MISTAKES = [
    (lambda labels, predictions, num_labels: accuracy(labels, predictions),
     "that is the accuracy (= micro F1). Macro F1 computes F1 for each class on its own, then averages the classes "
     "with equal weight."),
    (weighted_f1, "you weighted each class by its number of examples; macro F1 gives every class the same weight, so "
                  "a rare class counts as much as a common one."),
    (absent_as_zero, "a class that is neither a label nor a prediction has no F1 (0 / 0): leave it out of the mean "
                     "instead of counting it as 0."),
]


def check_macro_f1(function: Callable) -> Feedback:
    """``function(labels, predictions, num_labels) -> float``."""
    results = []
    for labels, predictions, num_labels, _ in CASES:
        result, problem = call_safely(function, list(labels), list(predictions), num_labels)
        if problem is not None:
            return problem
        if isinstance(result, bool) or not isinstance(result, int | float):
            return Feedback(False, f"expected a number, got {type(result).__name__}.",
                            "return the mean of the per-class F1 scores as a float.")
        results.append(float(result))
    for result, (labels, predictions, num_labels, what) in zip(results, CASES, strict=True):
        expected = macro_f1(labels, predictions, num_labels)
        if abs(result - expected) > 1e-9:
            message = f"for {what} you returned {result:.4f}, expected {expected:.4f}."
            for mistake, hint in MISTAKES:
                if all(abs(got - mistake(*case[:3])) < 1e-9 for got, case in zip(results, CASES, strict=True)):
                    return Feedback(False, message, hint)
            return Feedback(False, message, "per class c: TP = predicted c and labelled c, FP = predicted c but not "
                                            "labelled c, FN = the reverse; F1 = 2 TP / (2 TP + FP + FN).")
    return Feedback(True, "per-class F1, averaged with equal weight, absent classes left out.")
