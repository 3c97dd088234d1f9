"""The encoder's building blocks: embeddings, feed-forward network, and one transformer layer.

Teaches: a token becomes a vector (token + position + segment embedding, then LayerNorm); a layer is
"attention, then a position-wise MLP", each wrapped in a residual connection and a LayerNorm, either after the
sum (post-LN, original BERT) or before the sublayer (pre-LN, used by most models since GPT-2: it trains with
less warmup, see ``05_training.ipynb``).
Simplifies: learned absolute positions; GELU only (exact, or the tanh approximation); no gradient checkpointing.
Mirrors: ``BertEmbeddings``, ``BertIntermediate`` + ``BertOutput`` and ``BertLayer`` in
``transformers/models/bert/modeling_bert.py`` (same maths, so ``from_hf`` can copy the weights over).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from mlmcourse.model.attention import SelfAttention
from mlmcourse.model.config import EncoderConfig


class Embeddings(nn.Module):
    """Token ids -> vectors: token + position + token-type embeddings, LayerNorm, dropout."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.token = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position = nn.Embedding(config.max_position, config.hidden_size)
        self.token_type = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        """input_ids (batch, seq) -> embeddings (batch, seq, hidden); position_ids (batch, seq) default 0, 1, ..."""
        seq = input_ids.size(1)
        embeddings = self.token(input_ids)  # (batch, seq, hidden)
        if position_ids is None:
            embeddings = embeddings + self.position.weight[:seq]  # (batch, seq, hidden): position i adds row i
        else:
            embeddings = embeddings + self.position(position_ids)  # (batch, seq, hidden): packed lines restart at 0
        if token_type_ids is None:
            embeddings = embeddings + self.token_type.weight[0]  # (batch, seq, hidden): everything is segment 0
        else:
            embeddings = embeddings + self.token_type(token_type_ids)  # (batch, seq, hidden)
        return self.dropout(self.norm(embeddings))  # (batch, seq, hidden)


class FeedForward(nn.Module):
    """The position-wise MLP: widen (usually 4x), GELU, narrow back."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.dense_in = nn.Linear(config.hidden_size, config.intermediate_size)
        self.dense_out = nn.Linear(config.intermediate_size, config.hidden_size)
        self.approximate = "tanh" if config.activation == "gelu_tanh" else "none"  # F.gelu's name for the variant

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden (..., hidden) -> (..., hidden); every position is transformed on its own."""
        widened = F.gelu(self.dense_in(hidden), approximate=self.approximate)  # (..., intermediate): BERT's "gelu"
        return self.dense_out(widened)  # (..., hidden)


class EncoderLayer(nn.Module):
    """One transformer layer: self-attention and feed-forward, each with residual + LayerNorm + dropout."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.pre_ln = config.pre_ln
        self.attention = SelfAttention(config)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.feed_forward = FeedForward(config)
        self.feed_forward_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        hidden: torch.Tensor,
        padding_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """hidden (batch, seq, hidden) -> (hidden (batch, seq, hidden), attention weights or None)."""
        if self.pre_ln:  # x + f(LN(x)): the residual stream itself is never normalised
            attended, weights = self.attention(self.attention_norm(hidden), padding_mask, output_attentions)
            hidden = hidden + self.dropout(attended)  # (batch, seq, hidden)
            hidden = hidden + self.dropout(self.feed_forward(self.feed_forward_norm(hidden)))  # (batch, seq, hidden)
        else:  # LN(x + f(x)): BERT's original order
            attended, weights = self.attention(hidden, padding_mask, output_attentions)
            hidden = self.attention_norm(hidden + self.dropout(attended))  # (batch, seq, hidden)
            hidden = self.feed_forward_norm(hidden + self.dropout(self.feed_forward(hidden)))  # (batch, seq, hidden)
        return hidden, weights
