"""Pseudo-log-likelihood: how likely a masked LM finds a whole sentence, one masked token at a time.

Teaches: a masked LM has no left-to-right probability of a sentence, but it can score one. Mask each token in
turn and add up log P(that token | all the others): the pseudo-log-likelihood (PLL). Comparing PLLs ranks
sentences ("the dogs bark ." above "the dogs barks ."), and exp(-total PLL / number of tokens) is the
pseudo-perplexity. A sentence of n tokens costs n forward passes; we pack the masked copies of several
sentences into each batch.
Simplifies: no word-level (whole-word) PLL; the PLL of a sentence depends on how it is tokenized.
Mirrors: Salazar, Liang, Nguyen & Kirchhoff (2020), "Masked Language Model Scoring" (ACL), eq. 1-2, and their
``mlm-scoring`` package (PLL and PPPL over tokens, special tokens not scored).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError
from mlmcourse.metrics.perplexity import batches_by_length, encode_for_evaluation, log_softmax
from mlmcourse.padding import pad_with_mask


def masked_copies(ids: Sequence[int], special: Sequence[bool], mask_token_id: int) -> list[tuple[int, list[int]]]:
    """One (position, copy with that position masked) per non-special token.

    >>> masked_copies([2, 10, 11, 3], [True, False, False, True], mask_token_id=4)
    [(1, [2, 4, 11, 3]), (2, [2, 10, 4, 3])]
    """
    return [(position, [mask_token_id if i == position else token for i, token in enumerate(ids)])
            for position, is_special in enumerate(special) if not is_special]


def token_pseudo_log_probs(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64,
                           progress: bool = True) -> list[np.ndarray]:
    """For each text, log P(token | the other tokens) for each non-special token (an array of length n_i).

    All masked copies of all texts are sorted by length and batched together; the model's head runs only at
    the one masked position of each copy.
    """
    from mlmcourse.inference.logits import logits_at_positions
    from mlmcourse.progress import tqdm

    ids, special = encode_for_evaluation(tokenizer, texts, model)
    # One job per (text, scored token): (text index, slot in that text's scores, position, masked copy).
    jobs = [(text_index, slot, position, copy)
            for text_index, (row, flags) in enumerate(zip(ids, special, strict=True))
            for slot, (position, copy) in enumerate(masked_copies(row, flags, tokenizer.mask_token_id))]
    scores = [np.zeros(len(row) - sum(flags)) for row, flags in zip(ids, special, strict=True)]
    batches = batches_by_length([len(job[3]) for job in jobs], batch_size)
    for batch in tqdm(batches, desc="pseudo-log-likelihood", unit="batch", disable=not progress or len(batches) < 5,
                      leave=False):
        input_ids, attention_mask = pad_with_mask([jobs[j][3] for j in batch], tokenizer.pad_token_id or 0)
        positions = np.zeros_like(input_ids, dtype=bool)  # (batch, seq): one masked position per row
        positions[np.arange(len(batch)), [jobs[j][2] for j in batch]] = True
        log_probs = log_softmax(logits_at_positions(model, input_ids, attention_mask, positions))  # (batch, vocab)
        for row, j in enumerate(batch):
            text_index, slot, position, _ = jobs[j]
            scores[text_index][slot] = log_probs[row, ids[text_index][position]]
    return scores


def pseudo_log_likelihood(model: Any, tokenizer: Any, texts: str | Sequence[str], batch_size: int = 64,
                          progress: bool = True) -> float | list[float]:
    """PLL(W) = sum over tokens t of log P(w_t | W without w_t), in nats; one float per text (or for one text).

    Higher (closer to 0) means more plausible to the model.
    """
    single = isinstance(texts, str)
    scores = token_pseudo_log_probs(model, tokenizer, [texts] if single else list(texts), batch_size, progress)
    totals = [float(row.sum()) for row in scores]
    return totals[0] if single else totals


def pseudo_perplexity(model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64,
                      progress: bool = True) -> float:
    """exp(-(sum of the texts' PLLs) / (number of scored tokens)): Salazar et al.'s PPPL of a corpus."""
    scores = token_pseudo_log_probs(model, tokenizer, list(texts), batch_size, progress)
    n_tokens = sum(len(row) for row in scores)
    if n_tokens == 0:
        raise CourseError("pseudo_perplexity needs at least one token to score; pass non-empty texts.")
    return math.exp(-sum(float(row.sum()) for row in scores) / n_tokens)


def minimal_pair_accuracy(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], batch_size: int = 64,
                          progress: bool = True) -> float:
    """Fraction of (good, bad) pairs where the good sentence has the higher PLL (BLiMP-style; ties count as wrong).

    Each pair differs in one word, so their PLLs cover the same number of tokens in the toy world.
    """
    if not pairs:
        raise CourseError("minimal_pair_accuracy needs at least one (grammatical, ungrammatical) pair.")
    good_and_bad = pseudo_log_likelihood(model, tokenizer, [text for pair in pairs for text in pair], batch_size,
                                         progress)
    wins = [good > bad for good, bad in zip(good_and_bad[0::2], good_and_bad[1::2], strict=True)]
    return sum(wins) / len(wins)
