"""The checker of 10_scaling.ipynb: the reference passes, typical mistakes get their own hint, nothing raises."""

from __future__ import annotations

import doctest
import math

import torch

from mlmcourse.exercises import ex10
from mlmcourse.exercises.ex10 import check_nystrom_matrix, reference_nystrom_matrix
from mlmcourse.model.nystrom import iterative_pinv


def landmarks(states, num_landmarks):
    return states.reshape(num_landmarks, -1, states.size(1)).mean(dim=1)  # (m, head_size)


def kernels(query, key, num_landmarks, scale=True):
    if scale:
        query, key = query / query.size(1) ** 0.25, key / key.size(1) ** 0.25
    query_landmarks, key_landmarks = landmarks(query, num_landmarks), landmarks(key, num_landmarks)
    return ((query @ key_landmarks.T).softmax(-1), (query_landmarks @ key_landmarks.T).softmax(-1),
            (query_landmarks @ key.T).softmax(-1))


def test_the_reference_and_a_learner_style_solution_pass():
    assert check_nystrom_matrix(reference_nystrom_matrix).passed

    def written_out(query, key, num_landmarks):  # scores divided by sqrt(d), not Q and K by d ** 0.25
        d = query.size(1)
        query_landmarks, key_landmarks = landmarks(query, num_landmarks), landmarks(key, num_landmarks)
        kernel_1 = (query @ key_landmarks.T / math.sqrt(d)).softmax(dim=-1)
        kernel_2 = (query_landmarks @ key_landmarks.T / math.sqrt(d)).softmax(dim=-1)
        kernel_3 = (query_landmarks @ key.T / math.sqrt(d)).softmax(dim=-1)
        return kernel_1 @ torch.linalg.pinv(kernel_2) @ kernel_3

    feedback = check_nystrom_matrix(written_out)
    assert feedback.passed and "4x4 pseudo-inverse" in feedback.message

    def iterative(query, key, num_landmarks):  # the package's 6-step pseudo-inverse is accepted too
        kernel_1, kernel_2, kernel_3 = kernels(query.float(), key.float(), num_landmarks)
        return kernel_1 @ iterative_pinv(kernel_2) @ kernel_3

    assert check_nystrom_matrix(iterative).passed


def test_typical_mistakes_get_their_hint():
    def unscaled(query, key, num_landmarks):
        kernel_1, kernel_2, kernel_3 = kernels(query, key, num_landmarks, scale=False)
        return kernel_1 @ torch.linalg.pinv(kernel_2) @ kernel_3

    def every_kth_token(query, key, num_landmarks):
        step = query.size(0) // num_landmarks
        query, key = query / query.size(1) ** 0.25, key / key.size(1) ** 0.25
        query_landmarks, key_landmarks = query[::step], key[::step]
        return ((query @ key_landmarks.T).softmax(-1) @ torch.linalg.pinv((query_landmarks @ key_landmarks.T)
                .softmax(-1)) @ (query_landmarks @ key.T).softmax(-1))

    def strided_segments(query, key, num_landmarks):
        query, key = query / query.size(1) ** 0.25, key / key.size(1) ** 0.25
        query_landmarks = query.reshape(-1, num_landmarks, query.size(1)).mean(dim=0)
        key_landmarks = key.reshape(-1, num_landmarks, key.size(1)).mean(dim=0)
        return ((query @ key_landmarks.T).softmax(-1) @ torch.linalg.pinv((query_landmarks @ key_landmarks.T)
                .softmax(-1)) @ (query_landmarks @ key.T).softmax(-1))

    def no_pseudo_inverse(query, key, num_landmarks):
        kernel_1, kernel_2, kernel_3 = kernels(query, key, num_landmarks)
        return kernel_1 @ kernel_2 @ kernel_3

    for function, words in [(unscaled, "sqrt(head_size)"), (every_kth_token, "segment MEANS"),
                            (strided_segments, "consecutive tokens"), (no_pseudo_inverse, "pseudo-inverse")]:
        feedback = check_nystrom_matrix(function)
        assert not feedback.passed and words in feedback.hint, (function.__name__, feedback)


def test_stubs_and_wrong_types_do_not_raise():
    def stub(query, key, num_landmarks):
        raise NotImplementedError

    assert "NotImplementedError" in check_nystrom_matrix(stub).message
    assert "torch.Tensor" in check_nystrom_matrix(lambda q, k, m: [[1.0]]).message
    assert "shape" in check_nystrom_matrix(lambda q, k, m: q @ k.T[:, :m]).message
    exact = check_nystrom_matrix(lambda q, k, m: (q @ k.T / 2).softmax(-1))  # exact attention is not the answer
    assert not exact.passed and "differs from the reference" in exact.message


def test_docstring_examples_run():
    result = doctest.testmod(ex10)
    assert result.failed == 0 and result.attempted > 0
