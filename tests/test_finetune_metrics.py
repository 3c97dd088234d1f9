"""Classification metrics against examples computed by hand (and the identities that must hold)."""

from __future__ import annotations

import pytest

from mlmcourse.finetune.metrics import (
    accuracy,
    classification_scores,
    confusion_matrix,
    macro_f1,
    per_class_f1,
)

# 10 examples, 3 classes. By hand:
#   true 0: predicted 0, 0, 0, 1        -> row [3, 1, 0]
#   true 1: predicted 1, 1, 2           -> row [0, 2, 1]
#   true 2: predicted 0, 2, 2           -> row [1, 0, 2]
LABELS = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
PREDICTIONS = [0, 0, 0, 1, 1, 1, 2, 0, 2, 2]


def test_confusion_matrix_by_hand():
    assert confusion_matrix(LABELS, PREDICTIONS, 3) == [[3, 1, 0], [0, 2, 1], [1, 0, 2]]


def test_accuracy_and_f1_by_hand():
    assert accuracy(LABELS, PREDICTIONS) == 7 / 10
    # class 0: TP 3, FP 1 (a true 2), FN 1 -> F1 = 6 / 8; class 1: TP 2, FP 1, FN 1 -> 4 / 6; class 2: TP 2, FP 1,
    # FN 1 -> 4 / 6
    assert per_class_f1(confusion_matrix(LABELS, PREDICTIONS, 3)) == pytest.approx([0.75, 2 / 3, 2 / 3])
    assert macro_f1(LABELS, PREDICTIONS, 3) == pytest.approx((0.75 + 2 / 3 + 2 / 3) / 3)


def test_macro_f1_punishes_ignoring_a_rare_class_where_accuracy_does_not():
    labels = [0] * 9 + [1]
    always_common = [0] * 10
    assert accuracy(labels, always_common) == 0.9
    # class 0: F1 = 18 / 19; class 1: never predicted, F1 = 0
    assert macro_f1(labels, always_common, 2) == pytest.approx((18 / 19 + 0) / 2)


def test_perfect_predictions_score_one_and_absent_classes_are_left_out():
    assert macro_f1([0, 1, 1], [0, 1, 1], num_labels=4) == 1.0  # classes 2 and 3 appear nowhere
    assert per_class_f1(confusion_matrix([0, 1, 1], [0, 1, 1], 4))[2:] == [None, None]


def test_micro_f1_equals_accuracy_for_single_label_classification():
    matrix = confusion_matrix(LABELS, PREDICTIONS, 3)
    true_positives = sum(matrix[c][c] for c in range(3))
    false_positives = false_negatives = len(LABELS) - true_positives  # every error is one FP and one FN
    micro_f1 = 2 * true_positives / (2 * true_positives + false_positives + false_negatives)
    assert micro_f1 == accuracy(LABELS, PREDICTIONS)


def test_scores_bundle_and_bad_input():
    scores = classification_scores(LABELS, PREDICTIONS, 3)
    assert scores["n"] == 10 and scores["accuracy"] == 0.7 and scores["confusion_matrix"][2] == [1, 0, 2]
    with pytest.raises(ValueError, match="pair up"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ValueError, match="outside 0..1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(ValueError, match="at least one label"):
        accuracy([], [])
