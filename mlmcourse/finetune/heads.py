"""Classification heads on the course encoder: one label per text, or one label per token.

What it teaches: fine-tuning keeps the pretrained encoder and swaps the masked-LM head for a small new one.

- *Sequence classification* (BERT's recipe): take the hidden state of the first token, ``[CLS]``, pass it through
  the *pooler* (a dense layer and ``tanh``), dropout, then one linear layer to one score per label. In BERT the pooler
  was trained by next-sentence prediction; a masked LM has none, so here it starts random, as it does when
  transformers loads a masked-LM checkpoint into ``BertForSequenceClassification``. ``pooling="mean"`` instead
  averages the hidden states of the real tokens and skips the pooler: the features of a *linear probe*.
- *Token classification*: dropout and one linear layer on every token's hidden state (tags such as entities).

The encoder is the one of :class:`~mlmcourse.model.MaskedLM` (same module names), so a trained masked LM's weights
load into it, less its MLM head. The loss is the mean cross-entropy (over tokens with a label, ``-100`` elsewhere).

What it simplifies: single-label classification (no regression, no multi-label); no token-type (segment) input
beyond segment 0, so no sentence pairs.

Production twins: ``BertForSequenceClassification`` (``BertPooler`` + dropout + ``classifier``) and
``BertForTokenClassification`` in ``transformers/models/bert/modeling_bert.py``; ``tests/test_finetune_heads.py``
checks both give the same logits given the same weights (:mod:`mlmcourse.finetune.convert`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput, TokenClassifierOutput

from mlmcourse.errors import CourseError
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.encoder import Embeddings, EncoderLayer
from mlmcourse.model.masked_lm import IGNORE_INDEX

POOLINGS = ("cls", "mean")


class Encoder(nn.Module):
    """Token ids -> hidden states: :class:`~mlmcourse.model.MaskedLM` without its MLM head (same weight names)."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if config.pre_ln else nn.Identity()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """input_ids (batch, seq) -> hidden states (batch, seq, hidden)."""
        if input_ids.size(1) > self.config.max_position:
            raise CourseError(f"sequence length {input_ids.size(1)} exceeds the model's {self.config.max_position} "
                              "positions; tokenize with truncation=True and a smaller max_length")
        hidden = self.embeddings(input_ids, token_type_ids)  # (batch, seq, hidden)
        for layer in self.layers:
            hidden, _ = layer(hidden, attention_mask)  # (batch, seq, hidden)
        return self.final_norm(hidden)  # (batch, seq, hidden)


def init_weights(module: nn.Module, std: float) -> None:
    """BERT's initialisation (as in ``MaskedLM``): normal(0, std) weights and embeddings (the padding row zero),
    zero biases, LayerNorm = identity."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """The mean of the hidden states of real (unpadded) tokens: (batch, seq, hidden) -> (batch, hidden).

    >>> hidden = torch.tensor([[[1.0], [3.0], [100.0]]])  # the third position is padding
    >>> mean_pool(hidden, torch.tensor([[1, 1, 0]])).tolist()
    [[2.0]]
    """
    if attention_mask is None:
        return hidden.mean(dim=1)
    weights = attention_mask.to(hidden.dtype).unsqueeze(-1)  # (batch, seq, 1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)  # (batch, hidden)


class SequenceClassifier(nn.Module):
    """Encoder + pooler (dense, tanh on [CLS]) + dropout + linear: one label per text, like
    ``BertForSequenceClassification``; ``pooling="mean"`` averages the tokens instead (no pooler)."""

    def __init__(self, config: EncoderConfig, num_labels: int, pooling: str = "cls",
                 classifier_dropout: float | None = None) -> None:
        super().__init__()
        if num_labels < 2:
            raise CourseError(f"a classifier needs at least 2 labels, got num_labels={num_labels}")
        if pooling not in POOLINGS:
            raise CourseError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.config, self.num_labels, self.pooling = config, num_labels, pooling
        self.encoder = Encoder(config)
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size) if pooling == "cls" else None
        self.dropout = nn.Dropout(config.dropout if classifier_dropout is None else classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, num_labels)
        self.apply(lambda module: init_weights(module, config.initializer_range))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, token_type_ids: torch.Tensor | None = None
                ) -> SequenceClassifierOutput:
        """Logits (batch, num_labels) and, with ``labels`` (batch,), the mean cross-entropy."""
        hidden = self.encoder(input_ids, attention_mask, token_type_ids)  # (batch, seq, hidden)
        if self.pooler is not None:
            pooled = torch.tanh(self.pooler(hidden[:, 0]))  # (batch, hidden): [CLS] through dense + tanh
        else:
            pooled = mean_pool(hidden, attention_mask)  # (batch, hidden)
        logits = self.classifier(self.dropout(pooled))  # (batch, num_labels)
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)


class TokenClassifier(nn.Module):
    """Encoder + dropout + linear on every token: one label per token, like ``BertForTokenClassification``."""

    def __init__(self, config: EncoderConfig, num_labels: int, classifier_dropout: float | None = None) -> None:
        super().__init__()
        if num_labels < 2:
            raise CourseError(f"a tagger needs at least 2 labels, got num_labels={num_labels}")
        self.config, self.num_labels = config, num_labels
        self.encoder = Encoder(config)
        self.dropout = nn.Dropout(config.dropout if classifier_dropout is None else classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, num_labels)
        self.apply(lambda module: init_weights(module, config.initializer_range))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, token_type_ids: torch.Tensor | None = None
                ) -> TokenClassifierOutput:
        """Logits (batch, seq, num_labels) and, with ``labels`` (batch, seq; -100 = no label), the mean loss."""
        hidden = self.encoder(input_ids, attention_mask, token_type_ids)  # (batch, seq, hidden)
        logits = self.classifier(self.dropout(hidden))  # (batch, seq, num_labels)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1), ignore_index=IGNORE_INDEX)
        return TokenClassifierOutput(loss=loss, logits=logits)
