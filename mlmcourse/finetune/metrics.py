"""Scores for a classifier: accuracy, the confusion matrix, per-class F1 and macro F1.

What it teaches: accuracy counts right answers, and on unbalanced data it flatters a model that always answers the
common class. The *confusion matrix* shows where the errors go (row = the true label, column = the prediction). From
it, each class gets a precision (of the examples predicted as this class, how many are?), a recall (of the examples
of this class, how many were found?) and their harmonic mean, F1. *Macro* F1 averages the classes' F1 with equal
weight, so a rare class counts as much as a common one; *micro* F1 pools all decisions and, for single-label
classification, equals accuracy.

What it simplifies: single-label classification only; a class that is never predicted and never true is left out of
the macro average (as scikit-learn does when it is absent from both), a class never predicted but present gets
precision 0.

Production twin: ``sklearn.metrics.confusion_matrix``, ``f1_score(average="macro")`` and ``accuracy_score``; the
``evaluate`` library's "accuracy" and "f1" metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlmcourse.errors import CourseError


def confusion_matrix(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> list[list[int]]:
    """``matrix[true][predicted]``: how many examples of class ``true`` were predicted as ``predicted``.

    >>> confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_labels=3)
    [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    """
    if len(labels) != len(predictions):
        raise CourseError(f"{len(labels)} labels but {len(predictions)} predictions; they must pair up one to one")
    matrix = [[0] * num_labels for _ in range(num_labels)]
    for true, predicted in zip(labels, predictions, strict=True):
        if not (0 <= true < num_labels and 0 <= predicted < num_labels):
            raise CourseError(f"label {true} or prediction {predicted} is outside 0..{num_labels - 1}")
        matrix[true][predicted] += 1
    return matrix


def accuracy(labels: Sequence[int], predictions: Sequence[int]) -> float:
    """The share of predictions that equal their label.

    >>> accuracy([0, 0, 1, 1], [0, 1, 1, 1])
    0.75
    """
    if not labels:
        raise CourseError("accuracy of nothing: pass at least one label")
    return sum(true == predicted for true, predicted in zip(labels, predictions, strict=True)) / len(labels)


def per_class_f1(matrix: Sequence[Sequence[int]]) -> list[float | None]:
    """F1 of every class from a confusion matrix; None for a class that is neither true nor predicted anywhere.

    Precision = matrix[c][c] / column c's sum, recall = matrix[c][c] / row c's sum, F1 = their harmonic mean
    (2 TP / (2 TP + FP + FN), which is 0 when TP is 0).

    >>> per_class_f1([[1, 1, 0], [0, 2, 0], [1, 0, 0]])  # class 0: P 1/2, R 1/2; class 1: P 2/3, R 1
    [0.5, 0.8, 0.0]
    >>> per_class_f1([[2, 0], [0, 0]])
    [1.0, None]
    """
    scores: list[float | None] = []
    for c in range(len(matrix)):
        true_positives = matrix[c][c]
        false_negatives = sum(matrix[c]) - true_positives
        false_positives = sum(row[c] for row in matrix) - true_positives
        denominator = 2 * true_positives + false_positives + false_negatives
        scores.append(None if denominator == 0 else 2 * true_positives / denominator)
    return scores


def macro_f1(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> float:
    """The unweighted mean of the classes' F1 (classes absent from both labels and predictions left out).

    >>> round(macro_f1([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_labels=3), 4)  # (0.5 + 0.8 + 0.0) / 3
    0.4333
    >>> macro_f1([0, 0, 0, 1], [0, 0, 0, 0], num_labels=2)  # always the common class: accuracy 0.75
    0.42857142857142855
    """
    scores = [score for score in per_class_f1(confusion_matrix(labels, predictions, num_labels)) if score is not None]
    return sum(scores) / len(scores)


def classification_scores(labels: Sequence[int], predictions: Sequence[int], num_labels: int) -> dict:
    """``{"accuracy", "macro_f1", "confusion_matrix", "n"}`` for one set of predictions.

    >>> classification_scores([0, 1], [0, 0], num_labels=2)
    {'accuracy': 0.5, 'macro_f1': 0.3333333333333333, 'confusion_matrix': [[1, 0], [1, 0]], 'n': 2}
    """
    return {"accuracy": accuracy(labels, predictions), "macro_f1": macro_f1(labels, predictions, num_labels),
            "confusion_matrix": confusion_matrix(labels, predictions, num_labels), "n": len(labels)}
