"""A from-scratch BERT-style masked language model, weight-compatible with ``transformers.BertForMaskedLM``.

Read in this order: ``config`` (the numbers), ``attention`` (tokens looking at each other), ``encoder``
(embeddings and one layer), ``masked_lm`` (the stack, the MLM head, the loss, sparse prediction),
``parameters`` (where the parameters are), ``hf`` (loading and saving Hugging Face checkpoints); for long inputs,
``nystrom`` (attention through landmarks, ``attention="nystrom"``) and ``hf_nystrom`` (``NystromformerForMaskedLM``).
"""

from __future__ import annotations

from mlmcourse.model.attention import SelfAttention, attention_eager, padding_bias
from mlmcourse.model.config import PRESETS, EncoderConfig
from mlmcourse.model.encoder import Embeddings, EncoderLayer, FeedForward
from mlmcourse.model.hf import from_hf, to_hf
from mlmcourse.model.io import from_pretrained, save_pretrained
from mlmcourse.model.masked_lm import IGNORE_INDEX, MaskedLM, MLMHead
from mlmcourse.model.nystrom import nystrom_attention, nystrom_attention_matrix
from mlmcourse.model.parameters import count_parameters

__all__ = [
    "IGNORE_INDEX", "PRESETS", "Embeddings", "EncoderConfig", "EncoderLayer", "FeedForward", "MLMHead", "MaskedLM",
    "SelfAttention", "attention_eager", "count_parameters", "from_hf", "from_pretrained", "nystrom_attention",
    "nystrom_attention_matrix", "padding_bias", "save_pretrained", "to_hf",
]
