"""Logits only where they are needed: run the encoder on every position, the vocabulary head only at a few.

Teaches: a masked LM's head maps each hidden state to one score per vocabulary entry; that (positions x vocab)
matrix product dominates small models (about 90% of the forward FLOPs of a 2-layer, 128-wide BERT with a 30k
vocabulary; notebook 02). Fill-mask and evaluation need the scores at the masked positions only, so gather those
hidden states first and run the head on them alone ("sparse prediction", as in cramming, MosaicBERT and NVIDIA's BERT).
Simplifies: recognises three model shapes (ours, Hugging Face's base-model-plus-head, and anything else, which
falls back to full logits and then gathers: always correct, only slower).
Mirrors: ``BertForMaskedLM.forward`` = ``self.bert(...)`` then ``self.cls(sequence_output)``; the sparse branch
of :class:`mlmcourse.model.MaskedLM`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

HEAD_NAMES = ("cls", "lm_head", "predictions")  # BERT, RoBERTa/XLM-R, ALBERT


def masked_logits(model: Any, input_ids: Any, attention_mask: Any, positions: Any) -> Any:
    """Vocabulary logits at the ``True`` entries of ``positions``, in row-major order (torch tensors).

    input_ids, attention_mask, positions: (batch, seq) -> logits (num_positions, vocab).
    Equal (up to float rounding) to ``model(input_ids=..., attention_mask=...).logits[positions]``.
    """
    import torch

    if all(hasattr(model, name) for name in ("encode", "head", "embeddings")):  # mlmcourse.model.MaskedLM
        hidden, _ = model.encode(input_ids, attention_mask)  # (batch, seq, hidden)
        return model.head(hidden[positions], model.embeddings.token.weight)  # (num_positions, vocab)
    prefix = getattr(model, "base_model_prefix", "")
    base = getattr(model, prefix, None) if prefix else None
    head = next((getattr(model, name) for name in HEAD_NAMES if isinstance(getattr(model, name, None),
                                                                           torch.nn.Module)), None)
    if isinstance(base, torch.nn.Module) and head is not None:
        hidden = base(input_ids=input_ids, attention_mask=attention_mask)[0]  # (batch, seq, hidden)
        return head(hidden[positions])  # (num_positions, vocab)
    return model(input_ids=input_ids, attention_mask=attention_mask).logits[positions]  # (num_positions, vocab)


def logits_at_positions(model: Any, input_ids: np.ndarray, attention_mask: np.ndarray, positions: np.ndarray
                        ) -> np.ndarray:
    """NumPy in, NumPy out: float32 logits (num_positions, vocab) for a torch model or the NumPy engine.

    The model runs in inference mode and, if it was training, in eval mode (no dropout) for this call only.
    """
    if hasattr(model, "logits_at"):  # mlmcourse.inference.numpy_bert.NumpyBert: no torch needed
        return model.logits_at(input_ids, attention_mask, positions)
    import torch

    device = _device_of(model)
    was_training = bool(getattr(model, "training", False))
    if was_training:  # dropout off for this call only (eval()/train() walk every module: skip when not needed)
        model.eval()
    try:
        with torch.inference_mode():
            logits = masked_logits(
                model,
                torch.as_tensor(input_ids, device=device),
                torch.as_tensor(attention_mask, device=device),
                torch.as_tensor(positions, device=device),
            )
    finally:
        if was_training:
            model.train()
    return logits.float().cpu().numpy()


def max_positions(model: Any, tokenizer: Any | None = None) -> int | None:
    """The longest input (in tokens, specials included) the model and tokenizer accept, or None if unknown.

    >>> from types import SimpleNamespace
    >>> max_positions(SimpleNamespace(config=SimpleNamespace(max_position_embeddings=512)),
    ...               SimpleNamespace(model_max_length=10**30))
    512
    """
    limits = []
    config = getattr(model, "config", None)
    for name in ("max_position", "max_position_embeddings"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_limit, int) and 0 < tokenizer_limit < 1_000_000:  # HF uses 1e30 for "no limit"
        limits.append(tokenizer_limit)
    return min(limits) if limits else None


def _device_of(model: Any) -> Any:
    device = getattr(model, "device", None)
    if device is not None:
        return device
    return next(model.parameters()).device
