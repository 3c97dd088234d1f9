"""Nyström attention: the maths (landmarks, pseudo-inverse, approximation), the encoder option, padding, errors."""

from __future__ import annotations

import doctest

import pytest
import torch
import torch.nn.functional as F

from mlmcourse.errors import CourseError
from mlmcourse.model import EncoderConfig, MaskedLM, count_parameters
from mlmcourse.model import nystrom as nystrom_module
from mlmcourse.model.nystrom import (
    iterative_pinv,
    nystrom_attention,
    nystrom_attention_matrix,
    nystrom_kernels,
    segment_means,
)

VOCAB = 99


def nystrom_config(**changes) -> EncoderConfig:
    """Hugging Face's tester shape with Nyström attention: 64 positions, 8 landmarks, kernel 5."""
    values = dict(vocab_size=VOCAB, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=37, max_position=64,
                  attention="nystrom", num_landmarks=8, conv_kernel_size=5, dropout=0.0, attention_dropout=0.0)
    return EncoderConfig(**{**values, **changes})


def spread_model(config: EncoderConfig, seed: int = 11) -> MaskedLM:
    """A random model with weights spread out, so differences show in the logits."""
    torch.manual_seed(seed)
    model = MaskedLM(config).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.2 * torch.randn(parameter.shape, generator=generator))
    return model


def random_heads(seq: int, seed: int = 0, scale: float = 1.0) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    return tuple(scale * torch.randn(2, 3, seq, 16, generator=generator) for _ in range(3))


def relative_error(approximate: torch.Tensor, exact: torch.Tensor) -> float:
    return float((approximate - exact).norm() / exact.norm())


def test_docstring_examples_run():
    result = doctest.testmod(nystrom_module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 8


# --- the maths ----------------------------------------------------------------------------------------------------

def test_segment_means_average_consecutive_tokens():
    states = torch.randn(2, 3, 12, 5)
    landmarks = segment_means(states, 4)  # segments of 3 tokens
    assert landmarks.shape == (2, 3, 4, 5)
    assert torch.allclose(landmarks[:, :, 1], states[:, :, 3:6].mean(dim=2))
    assert torch.equal(segment_means(states, 12), states)  # one token per segment: the tokens themselves


def test_iterative_pinv_approaches_the_pseudo_inverse():
    generator = torch.Generator().manual_seed(3)
    matrix = torch.randn(2, 3, 8, 8, generator=generator).softmax(dim=-1)  # rows sum to 1, like kernel_2
    assert torch.linalg.cond(matrix).max() > 1000  # ill-conditioned, as softmax matrices often are
    # What the approximation needs, A Z A = A, holds to about 1 % after 6 steps and improves with every step ...
    errors = [relative_error(matrix @ iterative_pinv(matrix, steps) @ matrix, matrix) for steps in (1, 3, 6, 12)]
    assert errors == sorted(errors, reverse=True) and errors[2] < 0.02, errors
    # ... while Z itself needs more steps to reach the pseudo-inverse on the smallest singular values.
    assert relative_error(iterative_pinv(matrix, 6), torch.linalg.pinv(matrix)) > 0.5
    assert relative_error(iterative_pinv(matrix, 20), torch.linalg.pinv(matrix)) < 1e-3


def test_iterative_pinv_scale_batch_couples_rows_and_matrix_does_not():
    generator = torch.Generator().manual_seed(4)
    matrices = (3 * torch.randn(4, 2, 8, 8, generator=generator)).softmax(dim=-1)
    for scale, coupled in (("batch", True), ("matrix", False)):
        together = iterative_pinv(matrices, scale=scale)
        alone = torch.cat([iterative_pinv(matrices[i:i + 1], scale=scale) for i in range(4)])
        assert (not torch.allclose(together, alone, atol=1e-5)) is coupled, scale
    with pytest.raises(ValueError, match="'batch' or 'matrix'"):
        iterative_pinv(matrices, scale="row")


def test_one_landmark_per_token_is_softmax_attention():
    query, key, value = random_heads(32, scale=1.5)
    exact = F.scaled_dot_product_attention(query, key, value)
    # The formula itself is exact with m = seq; what remains is how far 6 pseudo-inverse steps are from converged.
    assert relative_error(nystrom_attention(query, key, value, 32), exact) < 0.05
    kernel_1, kernel_2, kernel_3 = nystrom_kernels(query, key, 32)
    exact_weights = (query @ key.transpose(-1, -2) / 4).softmax(dim=-1)
    for kernel in (kernel_1, kernel_2, kernel_3):
        assert torch.allclose(kernel, exact_weights, atol=1e-6)  # landmarks = tokens: all three are the matrix
    converged = kernel_1 @ iterative_pinv(kernel_2, 20) @ (kernel_3 @ value)
    assert relative_error(converged, exact) < 1e-3


def test_the_approximate_matrix_is_what_the_attention_applies():
    query, key, value = random_heads(48, seed=1)
    matrix = nystrom_attention_matrix(query, key, 6)  # (batch, heads, seq, seq)
    assert matrix.shape == (2, 3, 48, 48)
    assert torch.allclose(matrix @ value, nystrom_attention(query, key, value, 6), atol=1e-4)


def layer_inputs_of_the_course_checkpoint(seq: int = 512) -> list[tuple[torch.Tensor, ...]]:
    """Queries, keys and values of both layers of the course checkpoint on toy-world text: real attention."""
    from mlmcourse.corpora.toyworld import ToyWorld
    from mlmcourse.inference import load_model

    model, tokenizer = load_model()
    text = " ".join(ToyWorld().generate(300, seed=1, progress=False))
    input_ids = torch.tensor([tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"][:seq]])
    heads, head_size = model.config.num_heads, model.config.head_size
    inputs = []
    with torch.no_grad():
        hidden = model.embeddings(input_ids)  # (1, seq, hidden)
        for layer in model.layers:
            parts = layer.attention.qkv(hidden).split(model.config.hidden_size, dim=-1)
            inputs.append(tuple(part.view(1, seq, heads, head_size).transpose(1, 2) for part in parts))
            hidden, _ = layer(hidden)
    return inputs


def test_error_falls_as_landmarks_grow_on_a_trained_model():
    for query, key, value in layer_inputs_of_the_course_checkpoint():
        exact = F.scaled_dot_product_attention(query, key, value)
        errors = [relative_error(nystrom_attention(query, key, value, m), exact) for m in (8, 32, 128, 512)]
        assert errors == sorted(errors, reverse=True), errors
        # few landmarks: a rough sketch; m = seq: close to exact, but not exactly, since the pseudo-inverse is the
        # paper's 6 iterations (a few percent left on the checkpoint's sharpest heads)
        assert errors[0] > 0.1 and errors[-1] < 0.1 and errors[-1] < errors[0] / 5, errors


# --- the encoder option -------------------------------------------------------------------------------------------

def test_config_validation_says_what_is_allowed():
    with pytest.raises(ValueError, match="'sdpa', 'eager' or 'nystrom'"):
        nystrom_config(attention="nystrum")
    with pytest.raises(ValueError, match="num_landmarks must be a positive integer"):
        nystrom_config(num_landmarks=0)
    with pytest.raises(ValueError, match="odd positive integer"):
        nystrom_config(conv_kernel_size=4)
    with pytest.raises(ValueError, match="pinv_scale"):
        nystrom_config(pinv_scale="row")
    with pytest.raises(ValueError, match="gelu_tanh"):
        nystrom_config(activation="relu")
    assert nystrom_config(conv_kernel_size=None).conv_kernel_size is None


def test_a_length_the_landmarks_do_not_divide_is_a_clear_error():
    model = MaskedLM(nystrom_config())
    with pytest.raises(CourseError, match=r"not a multiple of num_landmarks 8.*pad_to_multiple_of=8"):
        model(torch.randint(1, VOCAB, (1, 20)))
    with pytest.raises(CourseError, match=r"max_length=24"):
        model(torch.randint(1, VOCAB, (1, 20)))
    assert model(torch.randint(1, VOCAB, (1, 24))).logits.shape == (1, 24, VOCAB)  # a multiple: fine
    assert model(torch.randint(1, VOCAB, (1, 5))).logits.shape == (1, 5, VOCAB)  # fewer than 8: exact, fine


def test_few_tokens_give_exact_attention_and_many_an_approximation():
    sdpa = spread_model(nystrom_config(attention="sdpa"))
    approximate = MaskedLM(nystrom_config(conv_kernel_size=None)).eval()
    approximate.load_state_dict(sdpa.state_dict())  # no convolution: exactly the same parameters
    short, long = torch.randint(1, VOCAB, (2, 8)), torch.randint(1, VOCAB, (2, 64))
    with torch.no_grad():
        assert torch.allclose(approximate(short).logits, sdpa(short).logits, atol=1e-5)
        difference = (approximate(long).logits - sdpa(long).logits).abs().max().item()
    assert 1e-3 < difference < 0.5 * sdpa(long).logits.abs().max().item()


def test_the_convolution_is_counted_and_trained():
    config = nystrom_config()
    model = MaskedLM(config).train()
    assert count_parameters(model) == count_parameters(config)
    assert count_parameters(config)["layers"] - count_parameters(config.replace(conv_kernel_size=None))["layers"] == (
        config.num_layers * config.num_heads * config.conv_kernel_size)
    input_ids = torch.randint(1, VOCAB, (2, 64))
    labels = torch.where(torch.rand(2, 64) < 0.3, input_ids, torch.full_like(input_ids, -100))
    model(input_ids, labels=labels).loss.backward()
    assert model.layers[0].attention.value_convolution.weight.grad.abs().sum() > 0
    with torch.autocast("cpu", dtype=torch.bfloat16):  # the pseudo-inverse stays fp32 under autocast
        assert torch.isfinite(model(input_ids, labels=labels).loss)


def test_output_attentions_gives_the_full_approximate_matrix():
    model = spread_model(nystrom_config())
    input_ids = torch.randint(1, VOCAB, (2, 64))
    with torch.no_grad():
        output = model(input_ids, output_attentions=True)
        plain = model(input_ids).logits
    weights = output.attentions[0]
    assert weights.shape == (2, 4, 64, 64)
    assert (weights.sum(dim=-1) - 1).abs().mean() < 0.03  # rows sum to about 1 (exactly with a converged pinv)
    assert torch.allclose(output.logits, plain, atol=1e-5)


def test_batch_scale_couples_rows_matrix_scale_keeps_them_apart():
    input_ids = torch.randint(1, VOCAB, (4, 64), generator=torch.Generator().manual_seed(5))
    for scale in ("batch", "matrix"):
        model = spread_model(nystrom_config(pinv_scale=scale))
        with torch.no_grad():
            together = model(input_ids).logits
            alone = torch.cat([model(input_ids[i:i + 1]).logits for i in range(4)])
        difference = (together - alone).abs().max().item()
        if scale == "batch":  # transformers' behaviour: the batch changes a row's logits noticeably
            assert difference > 1e-3
        else:
            assert difference < 1e-4


# --- padding ------------------------------------------------------------------------------------------------------

def padded_ids(seq: int = 64, real: int = 41, seed: int = 6) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(1, VOCAB, (2, seq), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, real:] = 0
    return input_ids, attention_mask


def test_real_tokens_ignore_what_the_padding_holds():
    model = spread_model(nystrom_config())
    input_ids, attention_mask = padded_ids()
    other_padding = input_ids.clone()
    other_padding[1, 41:] = torch.randint(1, VOCAB, (23,))
    with torch.no_grad():
        first = model(input_ids, attention_mask).logits
        second = model(other_padding, attention_mask).logits
    assert torch.allclose(first[:, :41], second[:, :41], atol=1e-5)
    assert torch.equal(first[0], second[0])  # the unpadded row is untouched
    assert not torch.allclose(first[1, 41:], second[1, 41:])  # (only padded positions change)


def test_padding_changes_nothing_when_every_token_is_a_landmark():
    model = spread_model(nystrom_config(num_landmarks=64))
    input_ids, attention_mask = padded_ids()
    with torch.no_grad():
        padded = model(input_ids, attention_mask).logits[1, :41]
        alone = model(input_ids[1:, :41]).logits[0]
    assert torch.allclose(padded, alone, atol=1e-5)
