"""The checkers of 04_model.ipynb: right answers pass, typical mistakes get their own hint, nothing raises."""

from __future__ import annotations

import math

import torch

from mlmcourse.exercises.ex04 import check_attention, check_layer_parameters, reference_layer_parameters


def solution(query, key, value, padding_mask):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))  # (batch, heads, seq, seq)
    scores = scores.masked_fill(padding_mask[:, None, None, :] == 0, float("-inf"))
    return scores.softmax(dim=-1) @ value


def test_a_correct_attention_passes_also_as_a_tuple():
    assert check_attention(solution).passed
    assert check_attention(lambda q, k, v, m: (solution(q, k, v, m), None)).passed


def test_attention_mistakes_get_specific_hints():
    def unscaled(query, key, value, padding_mask):
        return solution(query * math.sqrt(query.size(-1)), key, value, padding_mask)

    def unmasked(query, key, value, padding_mask):
        return solution(query, key, value, torch.ones_like(padding_mask))

    def wrong_axis(query, key, value, padding_mask):
        scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
        scores = scores.masked_fill(padding_mask[:, None, None, :] == 0, -1e30)
        return scores.softmax(dim=-2) @ value

    def wrong_axis_with_infinity(query, key, value, padding_mask):
        scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
        scores = scores.masked_fill(padding_mask[:, None, None, :] == 0, float("-inf"))
        return scores.softmax(dim=-2) @ value  # whole columns of -inf: NaN

    assert "NaN" in check_attention(wrong_axis_with_infinity).message
    for function, words in [(unscaled, "sqrt(head_size)"), (unmasked, "padded keys"), (wrong_axis, "dim=-1")]:
        feedback = check_attention(function)
        assert not feedback.passed and words in feedback.hint, function.__name__


def test_attention_stub_shape_and_type_errors():
    def stub(query, key, value, padding_mask):
        raise NotImplementedError

    assert "NotImplementedError" in check_attention(stub).message
    assert "shape" in check_attention(lambda q, k, v, m: q @ k.transpose(-2, -1)).message
    assert "torch.Tensor" in check_attention(lambda q, k, v, m: 3).message
    assert "reference by up to" in check_attention(lambda q, k, v, m: v).message


def test_layer_parameters_checker():
    assert reference_layer_parameters(768, 3072) == 7_087_872  # BERT-base: 85,054,464 / 12 layers
    assert check_layer_parameters(lambda h, i: 4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h).passed
    feedback = check_layer_parameters(lambda h, i: 4 * h * h + 2 * h * i + 4 * h)
    assert not feedback.passed and "bias" in feedback.hint
    feedback = check_layer_parameters(lambda h, i: 4 * h * h + 4 * h + 2 * h * i + i + h)
    assert "LayerNorm" in feedback.hint
    assert "raised ZeroDivisionError" in check_layer_parameters(lambda h, i: 1 // 0).message
