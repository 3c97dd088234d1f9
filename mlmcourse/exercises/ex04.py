"""Checkers for ``04_model.ipynb``: scaled dot-product attention with a padding mask; one layer's parameter count.

Each checker runs the learner's function on a few inputs, compares with the package's reference
(``mlmcourse.model.attention.attention_eager``, a real ``EncoderLayer``), and recognises the usual mistakes
(no 1/sqrt(d) scaling, mask ignored, softmax over the wrong axis, biases or LayerNorms forgotten) to give a hint.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.model.attention import attention_eager, padding_bias
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.encoder import EncoderLayer


def _attention_inputs(seed: int) -> tuple[torch.Tensor, ...]:
    """query, key, value (batch 2, heads 3, seq 5, head_size 4) and a padding mask with 2 padded keys."""
    generator = torch.Generator().manual_seed(seed)
    query, key, value = (2 * torch.randn(2, 3, 5, 4, generator=generator) for _ in range(3))
    padding_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])  # (batch, seq): 1 = real token
    return query, key, value, padding_mask


def _variants(query, key, value, padding_mask) -> dict[str, torch.Tensor]:
    """The reference and the typical wrong answers, each with the hint it deserves."""
    bias = padding_bias(padding_mask, query.dtype)
    scale = math.sqrt(query.size(-1))
    scores = query @ key.transpose(-2, -1) / scale + bias
    return {
        "correct": attention_eager(query, key, value, bias)[0],
        "divide the scores by sqrt(head_size) = sqrt(query.size(-1)) before the softmax; without it, large "
        "dot products saturate the softmax.": attention_eager(query * scale, key, value, bias)[0],
        "padded keys must get weight 0: before the softmax, add a very negative number (or use "
        "scores.masked_fill(mask == 0, float('-inf'))) where padding_mask is 0, with the mask shaped "
        "(batch, 1, 1, seq) so it hides keys (columns), not queries.": attention_eager(query, key, value)[0],
        "take the softmax over the keys, the last axis (dim=-1): each query's weights must sum to 1.":
            scores.softmax(dim=-2) @ value,
    }


def check_attention(function: Callable) -> Feedback:
    """``function(query, key, value, padding_mask) -> output``: query/key/value (batch, heads, seq, head_size),
    padding_mask (batch, seq) with 1 for real tokens; output (batch, heads, seq, head_size)."""
    for seed in (0, 1):
        query, key, value, padding_mask = _attention_inputs(seed)
        result, problem = call_safely(function, query.clone(), key.clone(), value.clone(), padding_mask.clone())
        if problem is not None:  # (Feedback is falsy when it is a failure)
            return problem
        if isinstance(result, tuple):  # (output, weights) is fine too
            result = result[0]
        if not isinstance(result, torch.Tensor):
            return Feedback(False, f"expected a torch.Tensor, got {type(result).__name__}.",
                            "return the weighted sum of the values, weights @ value.")
        if result.shape != query.shape:
            return Feedback(False, f"the output has shape {tuple(result.shape)}, expected {tuple(query.shape)} "
                            "(batch, heads, seq, head_size).",
                            "scores are (batch, heads, seq, seq) = query @ key.transpose(-2, -1); "
                            "the output is weights @ value.")
        if not torch.isfinite(result).all():
            return Feedback(False, "the output contains NaN or infinity.",
                            "a softmax over values that are all -inf gives NaN: take the softmax over the keys "
                            "(dim=-1), and mask keys (the last axis of the scores), where every row keeps real keys.")
        variants = _variants(query, key, value, padding_mask)
        if torch.allclose(result.float(), variants["correct"], atol=1e-5):
            continue
        for hint, wrong in variants.items():
            if hint != "correct" and torch.allclose(result.float(), wrong, atol=1e-5):
                return Feedback(False, "the output differs from softmax(Q K^T / sqrt(d) + mask) V.", hint)
        difference = (result.float() - variants["correct"]).abs().max().item()
        return Feedback(False, f"the output differs from the reference by up to {difference:.3g}.",
                        "compute scores = Q K^T / sqrt(d), add the padding mask, softmax over the last axis, "
                        "then multiply by V.")
    return Feedback(True, "your attention matches the reference, padding included.")


def reference_layer_parameters(hidden_size: int, intermediate_size: int) -> int:
    """Parameters of one encoder layer, counted on a real :class:`EncoderLayer`."""
    config = EncoderConfig(vocab_size=10, hidden_size=hidden_size, num_heads=1, num_layers=1,
                           intermediate_size=intermediate_size)
    return sum(parameter.numel() for parameter in EncoderLayer(config).parameters())


def check_layer_parameters(function: Callable) -> Feedback:
    """``function(hidden_size, intermediate_size) -> int``: the parameters of one encoder layer."""
    for hidden, inner in [(128, 512), (64, 37), (768, 3072)]:
        answer, problem = call_safely(function, hidden, inner)
        if problem is not None:  # (Feedback is falsy when it is a failure)
            return problem
        expected = reference_layer_parameters(hidden, inner)
        if answer == expected:
            continue
        no_biases = expected - (3 * hidden + hidden + inner + hidden)
        no_norms = expected - 4 * hidden
        hints = {
            no_biases: "every nn.Linear has a bias too: 3h (query, key, value) + h (output) + i + h (feed-forward).",
            no_norms: "the two LayerNorms each have a scale and a shift: 4h more.",
            no_biases - 4 * hidden: "count the biases (3h + h + i + h) and the two LayerNorms (4h) as well.",
            expected - 2 * hidden * inner - inner - hidden: "the feed-forward block has two matrices, h x i and "
                                                            "i x h, plus their biases.",
        }
        hint = hints.get(answer, "attention has four h x h matrices (query, key, value, output) with biases; "
                                 "the feed-forward block h x i and i x h with biases; two LayerNorms of 2h each.")
        return Feedback(False, f"for hidden_size={hidden}, intermediate_size={inner} you gave {answer}, "
                        f"expected {expected}.", hint)
    return Feedback(True, "4h² + 4h (attention) + 2hi + i + h (feed-forward) + 4h (LayerNorms). For BERT-base "
                    f"that is {reference_layer_parameters(768, 3072):,} per layer.")
