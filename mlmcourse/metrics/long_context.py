"""Probes inside long rows: does a model that reads many lines at once still read the one that matters?

Teaches: a model trained on long packed rows (``[CLS] line [SEP] line [SEP] ...``, 256 tokens or more) sees every
sentence among many others. To probe it the way it reads, put each probe sentence at a random place in a row of
other held-out lines, exactly ``seq_len`` tokens long like the training rows, and read the prediction at its mask.
The toy world's lines are independent, so the other lines say nothing about the answer: the Bayes floor is still the
sentence's own, and any extra gap is what the model loses by having to find the right few tokens among
``seq_len`` (exact attention can; an approximation such as Nyström's may blur them).
Simplifies: the context is other lines of the same language, not a document that continues the probe's story.
Mirrors: long-context "needle in a haystack" probing, in miniature; rows are built the way
``mlmcourse.training.data.pack_sequences`` builds training rows. Use it as ``probe_report(..., log_probs=InContext(...))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError
from mlmcourse.inference.logits import logits_at_positions
from mlmcourse.metrics.perplexity import log_softmax


class InContext:
    """A ``log_probs`` function for :func:`~mlmcourse.metrics.probe_report`: each masked text inside a row of
    ``seq_len`` tokens of ``context_lines``, placed at a random (seeded) position."""

    def __init__(self, context_lines: Sequence[str], seq_len: int, seed: int = 0) -> None:
        if not context_lines:
            raise CourseError("InContext needs context lines (e.g. held-out toy-world lines) to surround the probes.")
        self.context_lines, self.seq_len, self.seed = list(context_lines), seq_len, seed
        self._context_ids: list[list[int]] | None = None

    def rows(self, tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """input_ids (n, seq_len) = ``[CLS] ...context [SEP] probe [SEP] context...`` and each probe's start.

        The tokens before the probe end with ``[SEP]`` (or are just ``[CLS]``), as in a packed training row.
        """
        if self._context_ids is None:
            encoded = tokenizer(self.context_lines, add_special_tokens=False, verbose=False)["input_ids"]
            self._context_ids = [ids + [tokenizer.sep_token_id] for ids in encoded if ids]
        rows, starts = [], []
        for index, ids in enumerate(tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]):
            room = self.seq_len - 2 - len(ids)  # context tokens around [CLS] probe [SEP]
            if room < 0:
                raise CourseError(f"a probe of {len(ids)} tokens does not fit in seq_len {self.seq_len} with [CLS] "
                                  "and [SEP]; use a longer seq_len.")
            rng = np.random.default_rng([self.seed, index])
            before = int(rng.integers(0, room + 1))
            preceding = self._draw(rng, before)  # whole lines, each ending in [SEP]: keep the last `before` tokens
            following = self._draw(rng, room - before)  # keep the first tokens, cut like a packed row's end
            row = [tokenizer.cls_token_id, *preceding[len(preceding) - before:], *ids, tokenizer.sep_token_id,
                   *following[:room - before]]
            rows.append(row)
            starts.append(1 + before)
        return np.array(rows, dtype=np.int64), np.array(starts)  # (n, seq_len), (n,)

    def _draw(self, rng: np.random.Generator, count: int) -> list[int]:
        """Random whole context lines (each with its [SEP]) until there are at least ``count`` tokens."""
        tokens: list[int] = []
        while len(tokens) < count:
            tokens += self._context_ids[int(rng.integers(len(self._context_ids)))]
        return tokens

    def __call__(self, model: Any, tokenizer: Any, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """log P(token at the single mask) of each text read in its long row -> (n_texts, vocab), float64."""
        input_ids, _ = self.rows(tokenizer, texts)  # (n, seq_len)
        masks = input_ids == tokenizer.mask_token_id  # (n, seq_len)
        if not (masks.sum(axis=1) == 1).all():
            raise CourseError("each probe text needs exactly one mask token.")
        result = []
        for start in range(0, len(input_ids), batch_size):
            batch = slice(start, start + batch_size)
            logits = logits_at_positions(model, input_ids[batch], np.ones_like(input_ids[batch]), masks[batch])
            result.append(log_softmax(logits))  # (batch, vocab)
        return np.concatenate(result)  # (n_texts, vocab)


def probe_losses(model: Any, tokenizer: Any, probes: Sequence[Any], log_probs: Any = None,
                 batch_size: int = 64) -> np.ndarray:
    """Cross-entropy (nats) of the answer of each probe, read alone or through ``log_probs`` (e.g. :class:`InContext`).

    Probes must have single-token answers (all toy-world words are one token in the course tokenizer).
    """
    from mlmcourse.metrics.probes import probe_log_probs, single_token_id

    answers = [single_token_id(tokenizer, probe.answer, probe.index == 0) for probe in probes]
    if None in answers:
        raise CourseError("some probe answers are several tokens with this tokenizer; use the course tokenizer.")
    texts = [probe.masked_text(tokenizer.mask_token) for probe in probes]
    scores = (log_probs or probe_log_probs)(model, tokenizer, texts, batch_size)  # (n, vocab)
    return -scores[np.arange(len(probes)), answers]  # (n,)


def paired_bootstrap(first: Sequence[float], second: Sequence[float], resamples: int = 2000,
                     seed: int = 0) -> dict[str, float]:
    """Mean of ``first - second`` over the same items, with a 95% bootstrap interval (items resampled).

    >>> result = paired_bootstrap([1.0, 2.0, 3.0, 4.0], [0.5, 1.5, 2.5, 3.5])
    >>> result["mean"], result["low"], result["high"]  # every item differs by 0.5: no spread
    (0.5, 0.5, 0.5)
    """
    differences = np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)  # (n,)
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, len(differences), size=(resamples, len(differences)))  # (resamples, n)
    means = differences[samples].mean(axis=1)  # (resamples,)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(differences.mean()), "low": float(low), "high": float(high)}
