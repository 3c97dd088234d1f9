"""The masked language model: encoder layers + an MLM head, with a sparse head that predicts only where asked.

Teaches: how hidden states become a distribution over the vocabulary (a small transform, then a dot product with
every token embedding: the output matrix *is* the input embedding matrix, "weight tying"); the masked loss
(cross-entropy averaged over predicted tokens only); and sparse prediction: with labels, gather the few masked
positions (about 15 %) first and run the vocabulary-sized head only there, which removes most of a small model's
compute (cramming, MosaicBERT and NVIDIA's BERT do the same).
Simplifies: no next-sentence prediction, no pooler, no hidden-state outputs.
Mirrors: ``BertForMaskedLM`` (``BertOnlyMLMHead``) in ``transformers/models/bert/modeling_bert.py``;
``from_hf`` / ``to_hf`` in ``mlmcourse.model.hf`` copy weights between the two.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from transformers.modeling_outputs import MaskedLMOutput

from mlmcourse.errors import CourseError
from mlmcourse.masking.core import IGNORE_INDEX  # -100: the label cross-entropy skips
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.encoder import Embeddings, EncoderLayer


def line_attention_mask(position_ids: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Which keys each query may see when a row packs several lines: the keys of its own line.

    A new line starts wherever ``position_ids`` is 0 (the convention of transformers'
    ``DataCollatorWithFlattening``); padded keys (``padding_mask`` 0) are hidden too.
    position_ids, padding_mask: (batch, seq) -> (batch, seq, seq) bool, True = may attend.

    >>> line_attention_mask(torch.tensor([[0, 1, 0, 1, 2]])).int()[0].tolist()
    [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1]]
    """
    line = (position_ids == 0).cumsum(dim=1)  # (batch, seq): which line each token belongs to
    allowed = line[:, :, None] == line[:, None, :]  # (batch, seq_q, seq_k)
    if padding_mask is not None:
        allowed = allowed & padding_mask.bool()[:, None, :]  # (batch, seq_q, seq_k): no padded key
    return allowed


class MLMHead(nn.Module):
    """Hidden state -> vocabulary logits: dense + GELU + LayerNorm, then the tied decoder plus a bias."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))  # one output-only bias per token
        self.approximate = "tanh" if config.activation == "gelu_tanh" else "none"  # F.gelu's name for the variant

    def forward(self, hidden: torch.Tensor, token_embeddings: torch.Tensor) -> torch.Tensor:
        """hidden (..., hidden), token_embeddings (vocab, hidden) -> logits (..., vocab)."""
        transformed = self.norm(F.gelu(self.dense(hidden), approximate=self.approximate))  # (..., hidden)
        return F.linear(transformed, token_embeddings, self.bias)  # (..., vocab): score of every token


class MaskedLM(nn.Module):
    """A BERT-style encoder with an MLM head; ``forward`` returns a Hugging Face ``MaskedLMOutput``."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_layers))
        # Pre-LN leaves the residual stream un-normalised, so it needs one LayerNorm at the end.
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if config.pre_ln else nn.Identity()
        self.head = MLMHead(config)
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        """BERT's initialisation: normal(0, 0.02) weights, zero biases, LayerNorm = identity."""
        std = self.config.initializer_range
        if isinstance(module, nn.Linear | nn.Conv2d):  # Conv2d: Nyström's value convolution, as transformers does
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, MLMHead):
            nn.init.zeros_(module.bias)

    @property
    def device(self) -> torch.device:
        """Where the weights live."""
        return self.head.bias.device

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        output_attentions: bool = False,
        position_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """input_ids (batch, seq) -> (hidden states (batch, seq, hidden), per-layer attention weights or None).

        ``position_ids`` (batch, seq) that restart at 0 mark packed lines: each line then attends only to itself
        (see :func:`line_attention_mask`), so a row of several short lines computes what separate rows would.
        """
        self._check_inputs(input_ids, attention_mask)
        hidden = self.embeddings(input_ids, token_type_ids, position_ids)  # (batch, seq, hidden)
        if position_ids is not None:
            attention_mask = line_attention_mask(position_ids, attention_mask)  # (batch, seq, seq)
        attentions = []
        for layer in self.layers:
            hidden, weights = layer(hidden, attention_mask, output_attentions)  # (batch, seq, hidden)
            attentions.append(weights)  # (batch, heads, seq, seq) or None
        hidden = self.final_norm(hidden)  # (batch, seq, hidden)
        return hidden, (tuple(attentions) if output_attentions else None)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        output_attentions: bool = False,
        sparse: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> MaskedLMOutput:
        """Logits (and the loss if ``labels`` are given), like ``BertForMaskedLM.forward``.

        input_ids, attention_mask, labels, token_type_ids: (batch, seq); labels are -100 where nothing is predicted.
        With labels and sparse prediction on (``sparse`` or, if None, ``config.sparse_head``), logits have shape
        (num_predicted, vocab), in row-major order of the predicted positions; otherwise (batch, seq, vocab).
        The loss is the mean cross-entropy over predicted tokens (NaN if there are none, as in Hugging Face).
        """
        hidden, attentions = self.encode(input_ids, attention_mask, token_type_ids, output_attentions, position_ids)
        use_sparse = self.config.sparse_head if sparse is None else sparse
        if labels is None:
            return MaskedLMOutput(logits=self.head(hidden, self.embeddings.token.weight), attentions=attentions)
        if labels.shape != input_ids.shape:
            raise CourseError(f"labels must have the shape of input_ids {tuple(input_ids.shape)}, got "
                              f"{tuple(labels.shape)}; use -100 at positions without a prediction.")
        if use_sparse:
            # Gather first: only about 15 % of positions carry a label, so the vocabulary matmul shrinks ~7x.
            flat_labels = labels.reshape(-1)  # (batch * seq,)
            predicted = torch.nonzero(flat_labels != IGNORE_INDEX).squeeze(1)  # (num_predicted,)
            hidden = hidden.reshape(-1, hidden.size(-1)).index_select(0, predicted)  # (num_predicted, hidden)
            targets = flat_labels.index_select(0, predicted)  # (num_predicted,)
            logits = self.head(hidden, self.embeddings.token.weight)  # (num_predicted, vocab)
            loss = F.cross_entropy(logits, targets)  # mean over predicted tokens
        else:
            logits = self.head(hidden, self.embeddings.token.weight)  # (batch, seq, vocab)
            loss = F.cross_entropy(  # ignore_index drops unlabelled positions from the mean
                logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE_INDEX
            )
        return MaskedLMOutput(loss=loss, logits=logits, attentions=attentions)

    def _check_inputs(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> None:
        """Shape and vocabulary checks with messages a learner can act on (shapes only when compiled)."""
        if input_ids.dim() != 2:
            raise CourseError(f"input_ids must be (batch, seq), got shape {tuple(input_ids.shape)}; "
                              "for one sentence use input_ids[None] or the tokenizer's return_tensors='pt'.")
        if input_ids.size(1) > self.config.max_position:
            raise CourseError(f"sequence length {input_ids.size(1)} exceeds max_position {self.config.max_position}; "
                              f"truncate (tokenizer(..., truncation=True, max_length={self.config.max_position})).")
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise CourseError(f"attention_mask shape {tuple(attention_mask.shape)} differs from input_ids "
                              f"{tuple(input_ids.shape)}.")
        # A value check needs the data; do it where it is cheap (CPU, not inside torch.compile).
        if input_ids.device.type == "cpu" and not torch.compiler.is_compiling() and input_ids.numel():
            low, high = int(input_ids.min()), int(input_ids.max())
            if low < 0 or high >= self.config.vocab_size:
                raise CourseError(f"token id {high if high >= self.config.vocab_size else low} is outside the "
                                  f"model's vocabulary (size {self.config.vocab_size}); does the tokenizer match "
                                  "the model? (len(tokenizer) should equal config.vocab_size)")

    # Hugging Face interoperability (mlmcourse.model.hf renames the weights, mlmcourse.model.io reads/writes folders).
    def to_hf(self, attn_implementation: str = "sdpa", segment_means_seq_len: int | None = None):
        """The same weights as a ``transformers.BertForMaskedLM`` (post-LN models only), or for a Nyström model a
        ``NystromformerForMaskedLM`` (inputs of exactly ``segment_means_seq_len`` tokens; default max_position)."""
        from mlmcourse.model.hf import to_hf

        return to_hf(self, attn_implementation=attn_implementation, segment_means_seq_len=segment_means_seq_len)

    def save_pretrained(self, folder: str | Path, tokenizer=None) -> Path:
        """Write a Hugging Face folder (config.json + model.safetensors [+ tokenizer]) that ``pipeline`` loads."""
        from mlmcourse.model.io import save_pretrained

        return save_pretrained(self, folder, tokenizer=tokenizer)

    @classmethod
    def from_pretrained(cls, folder: str | Path, **overrides) -> MaskedLM:
        """Load a folder written by :meth:`save_pretrained` (or any BertForMaskedLM safetensors folder)."""
        from mlmcourse.model.io import from_pretrained

        return from_pretrained(folder, **overrides)
