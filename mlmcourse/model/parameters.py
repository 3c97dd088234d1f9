"""Where the parameters of a masked LM are: embeddings, transformer layers, MLM head.

Teaches: the formula behind the count. One layer has 4 h^2 + 4 h (attention) + 2 h i + i + h (feed-forward)
+ 4 h (two LayerNorms); the token embedding matrix has V h. In a small model with a real vocabulary, V h
dwarfs the layers (BERT-Tiny with 30k tokens: 4.0M of its 4.4M parameters are embeddings), and because the MLM
head multiplies every predicted position by that same V x h matrix, the head dominates the compute too.
Simplifies: the tied decoder is counted once, under "embeddings" (as ``sum(p.numel() for p in
model.parameters())`` does for both our model and ``BertForMaskedLM``).
Mirrors: ``PreTrainedModel.num_parameters()``, split by part.
"""

from __future__ import annotations

from torch import nn

from mlmcourse.errors import CourseError
from mlmcourse.model.config import EncoderConfig

PARTS = ("embeddings", "layers", "head")


def count_parameters(model_or_config: nn.Module | EncoderConfig) -> dict[str, int]:
    """Parameters per part of a :class:`MaskedLM` (counted), or of an :class:`EncoderConfig` (by formula).

    >>> counts = count_parameters(EncoderConfig.preset("tiny", vocab_size=1000))
    >>> counts
    {'embeddings': 194048, 'layers': 396544, 'head': 17768, 'total': 608360}
    >>> from mlmcourse.model import MaskedLM
    >>> count_parameters(MaskedLM(EncoderConfig.preset("tiny", vocab_size=1000))) == counts
    True
    """
    if isinstance(model_or_config, EncoderConfig):
        return _count_by_formula(model_or_config)
    if not isinstance(model_or_config, nn.Module):
        raise TypeError(f"count_parameters takes a MaskedLM or an EncoderConfig, got {type(model_or_config).__name__}.")
    counts = dict.fromkeys(PARTS, 0)
    for name, parameter in model_or_config.named_parameters():  # shared (tied) tensors are listed once
        part = "head" if name.startswith(("head.", "final_norm.")) else name.split(".")[0]
        if part not in counts:
            raise CourseError(f"parameter {name!r} belongs to no known part {PARTS}; is this a mlmcourse MaskedLM?")
        counts[part] += parameter.numel()
    counts["total"] = sum(counts.values())
    return counts


def _count_by_formula(config: EncoderConfig) -> dict[str, int]:
    """The same numbers from the shapes alone (no model is built, so ``base`` costs nothing)."""
    hidden, inner, vocab = config.hidden_size, config.intermediate_size, config.vocab_size
    layer_norm = 2 * hidden  # scale and shift
    embeddings = (vocab + config.max_position + config.type_vocab_size) * hidden + layer_norm
    attention = hidden * 3 * hidden + 3 * hidden + hidden * hidden + hidden  # fused qkv + output projection
    if config.attention == "nystrom" and config.conv_kernel_size is not None:
        attention += config.num_heads * config.conv_kernel_size  # the value convolution: one filter per head
    feed_forward = hidden * inner + inner + inner * hidden + hidden
    layers = config.num_layers * (attention + feed_forward + 2 * layer_norm)
    head = hidden * hidden + hidden + layer_norm + vocab + (layer_norm if config.pre_ln else 0)  # decoder is tied
    return {"embeddings": embeddings, "layers": layers, "head": head, "total": embeddings + layers + head}
