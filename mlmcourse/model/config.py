"""The encoder's configuration: one dataclass with named presets.

Teaches: which numbers define a BERT-style encoder (width, depth, heads, feed-forward size, vocabulary,
positions) and how the well-known shapes relate (BERT-Tiny/Mini/Small from Turc et al. 2019, "Well-Read
Students Learn Better"; BERT-base from Devlin et al. 2019).
Simplifies: absolute learned positions only (no rotary/relative positions); GELU only (exact, or its tanh
approximation that Nystromformer checkpoints use).
Mirrors: ``transformers.BertConfig`` (``hidden_size``, ``num_hidden_layers``, ...) and, for ``attention="nystrom"``,
``transformers.NystromformerConfig`` (``num_landmarks``, ``conv_kernel_size``); ``mlmcourse.model.hf`` translates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from mlmcourse.dataclass_io import DictIO
from mlmcourse.errors import CourseError

# name -> (num_layers, hidden_size, num_heads); intermediate = 4 * hidden, head size 64 as in the papers.
PRESETS: dict[str, tuple[int, int, int]] = {
    "tiny": (2, 128, 2),  # BERT-Tiny
    "mini": (4, 256, 4),  # BERT-Mini
    "small": (4, 512, 8),  # BERT-Small
    "base": (12, 768, 12),  # BERT-base
}


@dataclass(frozen=True)
class EncoderConfig(DictIO):
    """Every number that shapes a :class:`~mlmcourse.model.MaskedLM`.

    >>> config = EncoderConfig.preset("tiny", vocab_size=1000)
    >>> config.num_layers, config.hidden_size, config.num_heads, config.head_size, config.intermediate_size
    (2, 128, 2, 64, 512)
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_layers: int = 12
    num_heads: int = 12
    intermediate_size: int = 3072
    max_position: int = 512
    type_vocab_size: int = 2  # segment ids (sentence A/B), kept for BERT weight compatibility
    dropout: float = 0.1  # on embeddings and after each sublayer
    attention_dropout: float = 0.1  # on the attention weights
    layer_norm_eps: float = 1e-12  # BERT's value
    pre_ln: bool = False  # False: BERT's post-LN; True: LayerNorm before each sublayer (our extension)
    sparse_head: bool = True  # with labels, run the MLM head only where labels != -100
    attention: Literal["sdpa", "eager", "nystrom"] = "sdpa"  # fused kernel, explicit softmax, or Nyström (nystrom.py)
    num_landmarks: int = 64  # Nyström only: landmarks per head; the sequence length must be a multiple of it
    conv_kernel_size: int | None = 65  # Nyström only: depthwise convolution over values (odd; None: no convolution)
    pinv_scale: Literal["batch", "matrix"] = "batch"  # Nyström only: pseudo-inverse start (see nystrom.iterative_pinv)
    activation: Literal["gelu", "gelu_tanh"] = "gelu"  # exact GELU (BERT) or tanh approximation ("gelu_new")
    pad_token_id: int = 0
    initializer_range: float = 0.02  # std of the normal initialisation

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "intermediate_size", "max_position"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise CourseError(f"EncoderConfig.{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_heads:
            raise CourseError(
                f"hidden_size {self.hidden_size} is not divisible by num_heads {self.num_heads}: each head gets "
                f"hidden_size / num_heads features. Try num_heads={max(1, self.hidden_size // 64)} (head size 64)."
            )
        if self.attention not in ("sdpa", "eager", "nystrom"):
            raise CourseError(f"attention must be 'sdpa', 'eager' or 'nystrom', got {self.attention!r}.")
        if not isinstance(self.num_landmarks, int) or self.num_landmarks < 1:
            raise CourseError(f"num_landmarks must be a positive integer (transformers' default is 64), got "
                             f"{self.num_landmarks!r}.")
        if self.conv_kernel_size is not None and (not isinstance(self.conv_kernel_size, int)
                                                  or self.conv_kernel_size < 1 or self.conv_kernel_size % 2 == 0):
            raise CourseError(f"conv_kernel_size must be an odd positive integer (transformers' default is 65) "
                             f"so the convolution keeps every position in place, or None for no convolution; got "
                             f"{self.conv_kernel_size!r}.")
        if self.pinv_scale not in ("batch", "matrix"):
            raise CourseError(f"pinv_scale must be 'batch' (as transformers) or 'matrix' (rows independent of their "
                             f"batch), got {self.pinv_scale!r}.")
        if self.activation not in ("gelu", "gelu_tanh"):
            raise CourseError(f"activation must be 'gelu' (exact) or 'gelu_tanh' (the tanh approximation), got "
                             f"{self.activation!r}.")
        for name in ("dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise CourseError(f"{name} must be in [0, 1), got {getattr(self, name)!r}.")
        if not 0 <= self.pad_token_id < self.vocab_size:
            raise CourseError(f"pad_token_id {self.pad_token_id} is outside the vocabulary (size {self.vocab_size}).")

    @property
    def head_size(self) -> int:
        """Features per attention head: ``hidden_size // num_heads``."""
        return self.hidden_size // self.num_heads

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> EncoderConfig:
        """A named shape (``tiny``, ``mini``, ``small``, ``base``), with any field overridden.

        >>> EncoderConfig.preset("base").hidden_size
        768
        >>> EncoderConfig.preset("tiny", vocab_size=5000, pre_ln=True).pre_ln
        True
        """
        if name not in PRESETS:
            raise CourseError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}.")
        num_layers, hidden_size, num_heads = PRESETS[name]
        base = dict(num_layers=num_layers, hidden_size=hidden_size, num_heads=num_heads,
                    intermediate_size=4 * hidden_size)
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise CourseError(f"EncoderConfig has no field(s) {unknown}; fields are {sorted(known)}.")
        return cls(**{**base, **overrides})

    def replace(self, **changes: Any) -> EncoderConfig:
        """A copy with some fields changed (the config is frozen)."""
        return replace(self, **changes)


