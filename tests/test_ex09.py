"""The notebook-09 checker accepts the reference macro F1 and rejects the typical wrong answers with their hints."""

from __future__ import annotations

import doctest

from mlmcourse.exercises import ex09
from mlmcourse.finetune.metrics import accuracy, confusion_matrix, macro_f1, per_class_f1


def test_the_reference_passes():
    feedback = ex09.check_macro_f1(macro_f1)
    assert feedback.passed, feedback


def test_accuracy_is_rejected_as_micro_f1():
    feedback = ex09.check_macro_f1(lambda labels, predictions, num_labels: accuracy(labels, predictions))
    assert not feedback.passed and "micro F1" in feedback.hint


def test_support_weighted_f1_is_rejected():
    def weighted(labels, predictions, num_labels):  # scikit-learn's average="weighted", written here
        scores = per_class_f1(confusion_matrix(labels, predictions, num_labels))
        return sum((score or 0.0) * labels.count(c) for c, score in enumerate(scores)) / len(labels)

    feedback = ex09.check_macro_f1(weighted)
    assert not feedback.passed and "same weight" in feedback.hint


def test_counting_absent_classes_as_zero_is_rejected():
    def absent_as_zero(labels, predictions, num_labels):  # written here, not taken from the checker
        scores = per_class_f1(confusion_matrix(labels, predictions, num_labels))
        return sum(score or 0.0 for score in scores) / num_labels

    feedback = ex09.check_macro_f1(absent_as_zero)
    assert not feedback.passed and "leave it out" in feedback.hint


def test_a_stub_and_a_crash_get_feedback_not_an_exception():
    def stub(labels, predictions, num_labels):
        raise NotImplementedError

    assert "NotImplementedError" in ex09.check_macro_f1(stub).message
    assert "ZeroDivisionError" in ex09.check_macro_f1(lambda *args: 1 / 0).message
    assert "expected a number" in ex09.check_macro_f1(lambda *args: "0.5").message


def test_the_checker_module_has_no_failing_doctests():
    assert doctest.testmod(ex09).failed == 0
