"""Multi-head self-attention, the one place where tokens look at each other.

Teaches: scores = Q K^T / sqrt(head_size), a padding mask that hides padded keys, softmax over keys, a weighted
sum of values, and how heads split the hidden vector. Two paths compute the same thing: ``eager`` spells the
formula out (and can return the attention weights for plots), ``sdpa`` calls PyTorch's fused
``F.scaled_dot_product_attention`` (fast, memory-light, but it never materialises the weights). A third path,
``nystrom``, approximates the same attention through landmarks for long inputs (``mlmcourse.model.nystrom``).
Simplifies: self-attention only (no cross-attention, no KV cache, no causal mask: an MLM encoder sees both sides).
Mirrors: ``BertSelfAttention`` + ``BertSelfOutput``'s dense layer in ``transformers/models/bert/modeling_bert.py``;
the query/key/value projections are fused into one matrix as in nanoGPT (``from_hf`` concatenates BERT's three).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.nystrom import (
    convolve_values,
    nystrom_attention,
    nystrom_attention_matrix,
    value_convolution,
)


def padding_bias(padding_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Turn a (batch, seq) mask (1 = real token, 0 = padding) into an additive bias over the keys.

    Real keys get 0, padded keys the most negative finite number of ``dtype``, so after softmax they get
    weight 0. Finite (not -inf) keeps a fully padded row from turning into NaN. A (batch, seq, seq) mask says,
    per query (row), which keys it may see: packed rows use it to keep each line to itself.

    >>> padding_bias(torch.tensor([[1, 1, 0]]), torch.float32)[0, 0, 0].tolist()
    [0.0, 0.0, -3.4028234663852886e+38]
    """
    if padding_mask.dim() == 3:  # (batch, seq_q, seq_k): one row of allowed keys per query
        real_keys = padding_mask.bool()[:, None, :, :]  # (batch, 1, seq_q, seq_k): broadcast over heads
    else:
        real_keys = padding_mask.bool()[:, None, None, :]  # (batch, 1, 1, seq): broadcast over heads and queries
    most_negative = torch.finfo(dtype).min
    zeros = torch.zeros((), dtype=dtype, device=padding_mask.device)
    return torch.where(real_keys, zeros, most_negative)  # (batch, 1, 1, seq)


def attention_eager(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    bias: torch.Tensor | None = None,
    dropout: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention written out; returns (output, weights).

    query/key/value: (batch, heads, seq, head_size); bias: additive, broadcastable to (batch, heads, seq, seq).

    >>> query = key = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])  # 1 batch, 1 head, 2 tokens, head size 2
    >>> value = torch.tensor([[[[10.0, 0.0], [0.0, 10.0]]]])
    >>> output, weights = attention_eager(query, key, value, padding_bias(torch.tensor([[1, 0]]), torch.float32))
    >>> weights[0, 0].tolist(), output[0, 0].tolist()  # the padded 2nd token gets no weight
    ([[1.0, 0.0], [1.0, 0.0]], [[10.0, 0.0], [10.0, 0.0]])
    """
    head_size = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(head_size)  # (batch, heads, seq_q, seq_k)
    if bias is not None:
        scores = scores + bias  # (batch, heads, seq_q, seq_k)
    weights = scores.softmax(dim=-1)  # (batch, heads, seq_q, seq_k): each row sums to 1 over the keys
    kept = F.dropout(weights, p=dropout) if dropout > 0 else weights  # dropout on the weights (training only)
    output = kept @ value  # (batch, heads, seq_q, head_size): a weighted sum of value vectors
    return output, weights


class SelfAttention(nn.Module):
    """Project to queries/keys/values, attend per head, merge the heads, project back."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.num_heads = config.num_heads
        self.head_size = config.head_size
        self.attention_dropout = config.attention_dropout
        self.implementation = config.attention
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)  # query, key, value stacked
        self.output = nn.Linear(config.hidden_size, config.hidden_size)
        self.num_landmarks, self.pinv_scale = config.num_landmarks, config.pinv_scale
        if self.implementation == "nystrom" and config.conv_kernel_size is not None:
            self.value_convolution = value_convolution(config.num_heads, config.conv_kernel_size)
        else:
            self.value_convolution = None

    def forward(
        self,
        hidden: torch.Tensor,
        padding_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """hidden (batch, seq, hidden), padding_mask (batch, seq) -> (output (batch, seq, hidden), weights or None)."""
        batch, seq, width = hidden.shape
        query, key, value = self.qkv(hidden).split(width, dim=-1)  # 3 x (batch, seq, hidden)
        # Split the hidden vector into heads: each head attends with its own slice of features.
        query = query.view(batch, seq, self.num_heads, self.head_size).transpose(1, 2)  # (batch, heads, seq, head_size)
        key = key.view(batch, seq, self.num_heads, self.head_size).transpose(1, 2)  # (batch, heads, seq, head_size)
        value = value.view(batch, seq, self.num_heads, self.head_size).transpose(1, 2)  # (batch, heads, seq, head_size)
        bias = None if padding_mask is None else padding_bias(padding_mask, query.dtype)  # (batch, 1, 1, seq)
        # Nyströmformer applies no dropout to attention weights (transformers and the authors' code alike).
        dropout = self.attention_dropout if self.training and self.implementation != "nystrom" else 0.0

        weights = None
        if self.implementation == "nystrom" and seq > self.num_landmarks:  # else every token is a landmark: exact
            context = nystrom_attention(query, key, value, self.num_landmarks, padding_mask,
                                        self.pinv_scale)  # (batch, heads, seq, head_size)
            if output_attentions:  # the approximate (seq x seq) matrix, built only for plots
                weights = nystrom_attention_matrix(query, key, self.num_landmarks, padding_mask, self.pinv_scale)
        elif output_attentions or self.implementation == "eager":
            context, weights = attention_eager(query, key, value, bias, dropout)  # (batch, heads, seq, head_size)
        else:
            context = F.scaled_dot_product_attention(
                query, key, value, attn_mask=bias, dropout_p=dropout
            )  # (batch, heads, seq, head_size)
        if self.value_convolution is not None:  # Nyströmformer's local skip over the values
            context = context + convolve_values(self.value_convolution, value, padding_mask)  # (b, heads, seq, d)
        context = context.transpose(1, 2).reshape(batch, seq, width)  # (batch, seq, hidden): heads side by side
        return self.output(context), (weights if output_attentions else None)  # (batch, seq, hidden)
