"""A trained BERT is a handful of arrays: its forward pass in NumPy alone, to serve a checkpoint without PyTorch.

Teaches: inference needs no deep-learning framework. Embeddings are table look-ups, attention is three matrix
products and a softmax, the feed-forward block is two more, and LayerNorm is a mean and a variance. Reading the
weights straight from ``model.safetensors`` shows what a Hugging Face checkpoint really contains. The command
line uses this engine: importing PyTorch alone takes seconds, NumPy a fraction of one, so
``mlmcourse fill-mask`` answers at once.
Simplifies: inference only (no dropout, no gradients), absolute positions, segment 0 everywhere, the
``BertForMaskedLM`` layout only (post-LN). Anything else loads with PyTorch (``--engine torch``).
Mirrors: ``BertEmbeddings``, ``BertSelfAttention``, ``BertLayer`` and ``BertOnlyMLMHead`` in
``transformers/models/bert/modeling_bert.py``; tested equal to ``BertForMaskedLM`` logits (1e-5).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from mlmcourse.errors import CourseError, reading_weights

_erf = np.vectorize(math.erf, otypes=[np.float64])

ACTIVATIONS = {
    "gelu": lambda x: (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))).astype(np.float32),  # exact GELU
    "gelu_new": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    "gelu_pytorch_tanh": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    "relu": lambda x: np.maximum(x, 0.0),
}


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Normalise the last axis to mean 0 and variance 1, then scale and shift.

    >>> layer_norm(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2), eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Exponentiate and normalise along ``axis`` (shifted by the maximum so nothing overflows).

    >>> softmax(np.array([0.0, math.log(3.0)])).tolist()
    [0.25, 0.75]
    """
    exp = np.exp(x - x.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


class NumpyBert:
    """``BertForMaskedLM`` inference from a dict of NumPy weights (names as in ``model.safetensors``)."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict) -> None:
        if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute":
            raise CourseError("the NumPy engine reads BERT checkpoints with absolute positions only; "
                              "load this model with PyTorch instead (mlmcourse fill-mask --engine torch).")
        activation = config.get("hidden_act", "gelu")
        if activation not in ACTIVATIONS:
            raise CourseError(f"the NumPy engine does not know the activation {activation!r}; "
                              "use --engine torch.")
        self.activation = ACTIVATIONS[activation]
        # A fresh, aligned float32 copy: arrays read from a file can be unaligned, which makes matmul skip BLAS.
        self.weights = {name: np.array(value, dtype=np.float32) for name, value in weights.items()}
        self.num_layers = int(config["num_hidden_layers"])
        self.num_heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.config = SimpleNamespace(**config)  # max_position_embeddings etc., as on a Hugging Face model
        # Older checkpoints store an untied decoder; ours tie it to the word embeddings.
        self.decoder = self.weights.get("cls.predictions.decoder.weight", self.weights[
            "bert.embeddings.word_embeddings.weight"])

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> NumpyBert:
        """Read ``config.json`` and ``model.safetensors`` from a Hugging Face folder."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        with reading_weights(folder / "model.safetensors"):
            weights = load_file(folder / "model.safetensors")
        # Some exporters omit the "bert." prefix of the encoder weights; restore it.
        weights = {(name if name.startswith(("bert.", "cls.")) else f"bert.{name}"): value
                   for name, value in weights.items()}
        return cls(weights, config)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        """x (..., in) -> (..., out) with PyTorch's (out, in) weight layout."""
        return x @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps)

    def encode(self, input_ids: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
        """input_ids (batch, seq) -> hidden states (batch, seq, hidden)."""
        input_ids = np.asarray(input_ids)
        batch, seq = input_ids.shape
        w = self.weights
        hidden = (w["bert.embeddings.word_embeddings.weight"][input_ids]  # (batch, seq, hidden)
                  + w["bert.embeddings.position_embeddings.weight"][:seq]  # (seq, hidden)
                  + w["bert.embeddings.token_type_embeddings.weight"][0])  # (hidden,): segment 0
        hidden = self._norm(hidden, "bert.embeddings.LayerNorm")
        if attention_mask is None:
            attention_mask = np.ones_like(input_ids)
        # Padding keys get the most negative float: after the softmax their weight is exactly 0.
        key_bias = np.where(np.asarray(attention_mask)[:, None, None, :] > 0, 0.0,
                            np.finfo(np.float32).min).astype(np.float32)  # (batch, 1, 1, seq)
        head_size = hidden.shape[-1] // self.num_heads
        for layer in range(self.num_layers):
            prefix = f"bert.encoder.layer.{layer}"

            def split_heads(x: np.ndarray) -> np.ndarray:  # (batch, seq, hidden) -> (batch, heads, seq, head_size)
                return x.reshape(batch, seq, self.num_heads, head_size).transpose(0, 2, 1, 3)

            query = split_heads(self._linear(hidden, f"{prefix}.attention.self.query"))
            key = split_heads(self._linear(hidden, f"{prefix}.attention.self.key"))
            value = split_heads(self._linear(hidden, f"{prefix}.attention.self.value"))
            scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(head_size) + key_bias  # (batch, heads, seq, seq)
            context = softmax(scores) @ value  # (batch, heads, seq, head_size)
            context = context.transpose(0, 2, 1, 3).reshape(batch, seq, -1)  # (batch, seq, hidden)
            attended = self._linear(context, f"{prefix}.attention.output.dense")
            hidden = self._norm(attended + hidden, f"{prefix}.attention.output.LayerNorm")  # post-LN
            inner = self.activation(self._linear(hidden, f"{prefix}.intermediate.dense"))  # (batch, seq, 4*hidden)
            hidden = self._norm(self._linear(inner, f"{prefix}.output.dense") + hidden, f"{prefix}.output.LayerNorm")
        return hidden.astype(np.float32)

    def head(self, hidden: np.ndarray) -> np.ndarray:
        """hidden (..., hidden) -> vocabulary logits (..., vocab): transform, then the tied decoder."""
        transformed = self.activation(self._linear(hidden, "cls.predictions.transform.dense"))
        transformed = self._norm(transformed, "cls.predictions.transform.LayerNorm")
        bias = self.weights.get("cls.predictions.bias", self.weights.get("cls.predictions.decoder.bias"))
        return (transformed @ self.decoder.T + bias).astype(np.float32)

    def logits_at(self, input_ids: np.ndarray, attention_mask: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Logits (num_positions, vocab) at the ``True`` entries of ``positions`` (batch, seq), row-major."""
        return self.head(self.encode(input_ids, attention_mask)[np.asarray(positions, dtype=bool)])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
        """Full logits (batch, seq, vocab), like ``BertForMaskedLM(...).logits``."""
        return self.head(self.encode(input_ids, attention_mask))
