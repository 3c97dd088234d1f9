"""Masked cross-entropy, perplexity and top-k accuracy over a fixed, seeded evaluation mask.

Teaches: how to score a masked LM on held-out text. Mask ~15% of the tokens, ask the model for each masked
token, and average -log P(true token) over *predicted tokens* (not over batches: a mean of per-batch means
gives the last, short batch too much weight and makes the number depend on the batch size; transformers
#39241). Perplexity = exp(mean cross-entropy): "as unsure as a uniform choice among that many tokens".
The mask of text ``i`` is drawn from a generator seeded with ``(seed, i)`` before any batching, so every
evaluation of every model sees the same masks, whatever the batch size.
Simplifies: by default every chosen token becomes [MASK] (the condition at fill-mask time); pass
``mask_replace_prob=0.8, random_replace_prob=0.1`` for BERT's training-time 80/10/10 corruption.
Mirrors: ``eval_loss`` of Hugging Face's ``run_mlm.py`` / ``Trainer.evaluate`` (token-weighted when the loss
is computed with ``ignore_index=-100``), with the mask fixed instead of redrawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError
from mlmcourse.inference.logits import logits_at_positions, max_positions
from mlmcourse.masking.core import IGNORE_INDEX  # -100: the label cross-entropy skips
from mlmcourse.padding import pad_rows, pad_with_mask


def evaluation_mask(special: Sequence[bool], mask_prob: float = 0.15, seed: int = 0, index: int = 0
                    ) -> np.ndarray:
    """Which positions of text number ``index`` are predicted: each non-special one with prob. ``mask_prob``.

    The same (seed, index) gives the same mask in any process and in any batch.

    >>> evaluation_mask([True, False, False, False, False, False, True], mask_prob=0.5, seed=0, index=3).tolist()
    [False, False, True, True, True, False, False]
    """
    rng = np.random.default_rng([seed, index])
    return (rng.random(len(special)) < mask_prob) & ~np.asarray(special, dtype=bool)


def mask_text_ids(ids: Sequence[int], special: Sequence[bool], mask_token_id: int, vocab_size: int,
                  mask_prob: float = 0.15, seed: int = 0, index: int = 0, mask_replace_prob: float = 1.0,
                  random_replace_prob: float = 0.0) -> tuple[list[int], list[int]]:
    """(inputs, labels) for one text: chosen tokens corrupted in ``inputs``; ``labels`` -100 elsewhere.

    >>> mask_text_ids([2, 10, 11, 12, 13, 14, 3], [True] + [False] * 5 + [True], mask_token_id=4,
    ...               vocab_size=20, mask_prob=0.5, index=3)
    ([2, 10, 4, 4, 4, 14, 3], [-100, -100, 11, 12, 13, -100, -100])
    """
    chosen = evaluation_mask(special, mask_prob, seed, index)
    rng = np.random.default_rng([seed, index, 1])  # a second stream: the 80/10/10 choice and random tokens
    choice = rng.random(len(ids))
    random_tokens = rng.integers(0, vocab_size, len(ids))
    inputs, labels = list(ids), [IGNORE_INDEX] * len(ids)
    for position in np.flatnonzero(chosen).tolist():
        labels[position] = ids[position]
        if choice[position] < mask_replace_prob:
            inputs[position] = mask_token_id
        elif choice[position] < mask_replace_prob + random_replace_prob:
            inputs[position] = int(random_tokens[position])  # else: the token stays as it is
    return inputs, labels


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log P over the last axis, in float64 so that sums over many tokens do not lose digits.

    >>> np.exp(log_softmax(np.array([[0.0, math.log(3.0)]]))).round(6).tolist()
    [[0.25, 0.75]]
    """
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def encode_for_evaluation(tokenizer: Any, texts: Sequence[str], model: Any = None) -> tuple[list[list[int]],
                                                                                          list[list[bool]]]:
    """Token ids (with specials, truncated to the model's positions) and which of them are special."""
    limit = max_positions(model, tokenizer) if model is not None else None
    ids = tokenizer(list(texts), add_special_tokens=True, truncation=limit is not None, max_length=limit)["input_ids"]
    special_ids = set(tokenizer.all_special_ids)
    return ids, [[token in special_ids for token in row] for row in ids]


def batches_by_length(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (less padding); every index exactly once.

    >>> batches_by_length([5, 2, 9, 3], batch_size=2)
    [[1, 3], [0, 2]]
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise CourseError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


def _losses_and_ranks(model: Any, tokenizer: Any, texts: Sequence[str], mask_prob: float, seed: int,
                      batch_size: int, mask_replace_prob: float, random_replace_prob: float, progress: bool
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per text, in position order: -log P(true token) and the true token's rank (0 = the model's top choice)."""
    from mlmcourse.progress import tqdm

    if not 0 < mask_prob <= 1:
        raise CourseError(f"mask_prob must be in (0, 1], got {mask_prob!r}.")
    if not any(text and text.strip() for text in texts):
        raise CourseError("evaluation needs at least one non-empty text.")
    ids, special = encode_for_evaluation(tokenizer, texts, model)
    masked = [mask_text_ids(row, flags, tokenizer.mask_token_id, len(tokenizer), mask_prob, seed, index,
                            mask_replace_prob, random_replace_prob)
              for index, (row, flags) in enumerate(zip(ids, special, strict=True))]
    losses = [np.zeros(0) for _ in texts]
    ranks = [np.zeros(0, dtype=np.int64) for _ in texts]
    batches = batches_by_length([len(row) for row in ids], batch_size)
    for batch in tqdm(batches, desc="evaluating", unit="batch", disable=not progress or len(batches) < 5,
                      leave=False):
        labels = pad_rows([masked[i][1] for i in batch], IGNORE_INDEX)  # (batch, seq)
        positions = labels != IGNORE_INDEX  # (batch, seq)
        if not positions.any():
            continue  # short texts can draw no mask at all
        input_ids, attention_mask = pad_with_mask([masked[i][0] for i in batch], tokenizer.pad_token_id or 0)
        log_probs = log_softmax(logits_at_positions(model, input_ids, attention_mask, positions))  # (n, vocab)
        targets = labels[positions]  # (n,), row-major like the logits
        true_scores = log_probs[np.arange(len(targets)), targets]  # (n,)
        batch_ranks = (log_probs > true_scores[:, None]).sum(axis=-1)  # (n,): tokens scored above the truth
        first = 0
        for row, text_index in enumerate(batch):
            count = int(positions[row].sum())
            losses[text_index] = -true_scores[first:first + count]
            ranks[text_index] = batch_ranks[first:first + count]
            first += count
    return losses, ranks


def masked_token_losses(model: Any, tokenizer: Any, texts: Sequence[str], mask_prob: float = 0.15, seed: int = 0,
                        batch_size: int = 32, mask_replace_prob: float = 1.0, random_replace_prob: float = 0.0,
                        progress: bool = True) -> list[np.ndarray]:
    """For each text, the cross-entropy (nats) of each token its evaluation mask predicts, in position order.

    An empty array for a text that drew no mask. Sum them all and divide by their number: that is the loss.
    """
    return _losses_and_ranks(model, tokenizer, texts, mask_prob, seed, batch_size, mask_replace_prob,
                             random_replace_prob, progress)[0]


def evaluate_mlm(model: Any, tokenizer: Any, texts: Sequence[str], mask_prob: float = 0.15, seed: int = 0,
                 batch_size: int = 32, top_k: Sequence[int] = (1, 5), mask_replace_prob: float = 1.0,
                 random_replace_prob: float = 0.0, progress: bool = True) -> dict[str, float]:
    """Masked cross-entropy (``loss``, nats per predicted token), ``perplexity``, top-k accuracies.

    Returns ``{"loss", "perplexity", "top1", "top5", "n_predicted", "n_texts"}`` (one ``topK`` per entry of
    ``top_k``). Identical (to float rounding) for any ``batch_size``: every predicted token weighs the same.
    """
    losses, ranks = _losses_and_ranks(model, tokenizer, texts, mask_prob, seed, batch_size, mask_replace_prob,
                                      random_replace_prob, progress)
    all_losses, all_ranks = np.concatenate(losses), np.concatenate(ranks)  # (n_predicted,) each
    if len(all_losses) == 0:
        raise CourseError(f"no token was masked in {len(texts)} text(s) at mask_prob={mask_prob}; "
                          "evaluate on more or longer texts, or raise mask_prob.")
    loss = float(all_losses.sum() / len(all_losses))
    result = {"loss": loss, "perplexity": math.exp(loss)}
    result.update({f"top{k}": float(np.mean(all_ranks < k)) for k in top_k})
    result.update({"n_predicted": len(all_losses), "n_texts": len(texts)})
    return result
