"""Which tokens to predict: four selection strategies, each a pure function of uniform random scores.

Teaches: choosing the positions to predict is separate from deciding what the model sees there (80/10/10,
in :mod:`mlmcourse.masking.core`). Every strategy takes ``scores`` (uniform in [0, 1), one per position) and
``maskable`` (False for special tokens and padding) and returns a bool tensor ``(batch, seq)``:

- :func:`select_tokens`: each token independently with probability ``mask_prob`` (BERT).
- :func:`select_whole_words`: each word with probability ``mask_prob``, then all of its pieces (BERT's
  whole-word masking); "which word is this piece in" is a cumulative max, no loop.
- :func:`select_spans`: contiguous spans with clipped-geometric lengths (SpanBERT, Joshi et al. 2020), laid out
  as alternating gaps and spans whose ends are a cumulative sum.
- :func:`select_exact`: exactly ``round(mask_prob * n)`` of each row's ``n`` maskable tokens (random scores,
  rank, keep the lowest): the same count every time, static shapes for a compiled or sparse-head step
  (as in the cramming repository's collator).

Simplifies: SpanBERT samples spans one by one and rejects overlaps; here the gap/span layout never overlaps by
construction, and a span that covers a special token simply skips it. Mirrors: ``DataCollatorForLanguageModeling``
(token, whole word) and SpanBERT's ``PairWithSpanMaskingScheme`` (truncated geometric span lengths).
"""

from __future__ import annotations

import functools
import math

import torch

from mlmcourse.errors import CourseError
from mlmcourse.masking.words import word_start_positions


def select_tokens(scores: torch.Tensor, maskable: torch.Tensor, mask_prob: float) -> torch.Tensor:
    """Each maskable token independently with probability ``mask_prob``.

    >>> select_tokens(torch.tensor([[0.10, 0.50, 0.05]]), torch.tensor([[False, True, True]]), 0.15).tolist()
    [[False, False, True]]
    """
    return (scores < mask_prob) & maskable


def select_whole_words(scores: torch.Tensor, maskable: torch.Tensor, word_starts: torch.Tensor,
                       mask_prob: float) -> torch.Tensor:
    """Each word with probability ``mask_prob`` (decided by the score of its first piece), then all its pieces.

    >>> # [CLS] un ##believ ##able dog [SEP]: the score 0.1 at "un" picks the whole word "unbelievable"
    >>> scores = torch.tensor([[0.9, 0.1, 0.9, 0.9, 0.9, 0.9]])
    >>> starts = torch.tensor([[False, True, False, False, True, False]])
    >>> maskable = torch.tensor([[False, True, True, True, True, False]])
    >>> select_whole_words(scores, maskable, starts, 0.15).int().tolist()
    [[0, 1, 1, 1, 0, 0]]
    """
    chosen_word = (scores < mask_prob) & word_starts & maskable  # decided once per word
    in_word = word_starts.cumsum(dim=1) > 0  # tokens before the first word belong to none
    return chosen_word.gather(1, word_start_positions(word_starts)) & in_word & maskable


def select_exact(scores: torch.Tensor, maskable: torch.Tensor, mask_prob: float) -> torch.Tensor:
    """Exactly ``round(mask_prob * n)`` tokens per row, where ``n`` is the row's number of maskable tokens.

    >>> scores = torch.tensor([[0.7, 0.2, 0.9, 0.1, 0.5], [0.3, 0.8, 0.6, 0.4, 0.2]])
    >>> maskable = torch.tensor([[False, True, True, True, True], [True, True, True, True, False]])
    >>> select_exact(scores, maskable, 0.5).int().tolist()  # 4 maskable each: the 2 lowest scores
    [[0, 1, 0, 1, 0], [1, 0, 0, 1, 0]]
    """
    counts = torch.round(maskable.sum(dim=1).double() * mask_prob).long()  # (batch,) Python's round(p * n)
    ranked = torch.where(maskable, scores, 2.0)  # non-maskable tokens rank last
    rank = ranked.argsort(dim=1, stable=True).argsort(dim=1, stable=True)  # (batch, seq) 0 = lowest score
    return rank < counts[:, None]


def span_length_mean(success_prob: float, max_length: int) -> float:
    """Mean of a geometric length (1, 2, ...) truncated at ``max_length`` and renormalised, as SpanBERT samples.

    SpanBERT: success probability 0.2, at most 10, mean 3.8 (Joshi et al. 2020, section 3.1).

    >>> round(span_length_mean(0.2, 10), 3)
    3.797
    """
    weights = [success_prob * (1 - success_prob) ** (length - 1) for length in range(1, max_length + 1)]
    return sum(length * weight for length, weight in enumerate(weights, start=1)) / sum(weights)


@functools.lru_cache(maxsize=64)
def span_success_prob(mean_span_length: float, max_span_length: int) -> float:
    """The geometric success probability whose truncated mean is ``mean_span_length`` (bisection).

    >>> round(span_success_prob(3.797, 10), 2)
    0.2
    """
    if not 1.0 <= mean_span_length < (max_span_length + 1) / 2:
        raise CourseError(f"mean_span_length must be in [1, {(max_span_length + 1) / 2}) for max_span_length="
                         f"{max_span_length} (a geometric length cannot average more), got {mean_span_length}; "
                         "SpanBERT uses 3.8 with max 10")
    if mean_span_length == 1.0:
        return 1.0
    low, high = 1e-9, 1.0  # the mean falls as the success probability rises
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if span_length_mean(middle, max_span_length) > mean_span_length else (low, middle)
    return (low + high) / 2


def geometric_lengths(scores: torch.Tensor, success_prob: float, minimum: int,
                      maximum: int | None = None) -> torch.Tensor:
    """Geometric lengths ``minimum, minimum + 1, ...`` (truncated at ``maximum``) from uniform scores, by
    inverting the distribution function.

    >>> geometric_lengths(torch.tensor([0.0, 0.5, 0.9]), 0.5, minimum=1).tolist()
    [1, 2, 4]
    >>> geometric_lengths(torch.tensor([0.0, 0.5, 0.9]), 0.5, minimum=1, maximum=2).tolist()
    [1, 1, 2]
    """
    if success_prob >= 1.0:
        return torch.full_like(scores, minimum, dtype=torch.long)
    if maximum is not None:  # squeeze the scores into the part of the distribution at most `maximum`
        scores = scores * (1.0 - (1.0 - success_prob) ** (maximum - minimum + 1))
    failures = torch.floor(torch.log1p(-scores) / math.log1p(-success_prob))  # scores in [0, 1): finite
    return failures.long() + minimum


class SpanLayoutTooShort(ValueError):
    """The gap/span layout ended before the row did: more pairs of scores are needed."""


def span_pairs_needed(seq_len: int, mask_prob: float, mean_span_length: float) -> int:
    """How many gap/span pairs to draw so that the layout reaches past ``seq_len`` units almost surely
    (three times the expected number, plus 10; never more than ``2 * seq_len``, which always suffices).

    >>> span_pairs_needed(128, 0.15, 3.8)  # a pair is about 3.8 / 0.15 = 25 units long
    29
    """
    mean_pair = mean_span_length / max(mask_prob, 1e-9)  # span + gap
    expected = (seq_len + min(mean_pair, seq_len)) / mean_pair  # the phase shift adds up to one pair
    return min(2 * seq_len, math.ceil(3 * expected + 10))


def select_spans(length_scores: torch.Tensor, gap_scores: torch.Tensor, phase_scores: torch.Tensor,
                 maskable: torch.Tensor, mask_prob: float, mean_span_length: float = 3.8,
                 max_span_length: int = 10, word_starts: torch.Tensor | None = None) -> torch.Tensor:
    """Contiguous spans covering about ``mask_prob`` of the units (tokens, or words if ``word_starts`` is given).

    Units are laid out as gap, span, gap, span, ... : span lengths clipped-geometric with mean
    ``mean_span_length``; gap lengths geometric with the mean that makes spans cover ``mask_prob`` of the units
    (at least 1 when possible, so spans never merge); a random phase (``phase_scores``, one per row) shifts the
    layout so the first positions are as likely to be masked as the others. ``length_scores`` and ``gap_scores``
    need one score per pair, shape ``(batch, n_pairs)``: ``2 * seq`` pairs always reach the end of the row;
    :func:`span_pairs_needed` pairs almost always do, and :class:`SpanLayoutTooShort` says when they do not.

    >>> # spans of mean 1 are all 1 long; 25% masked needs gaps of mean 3, and the gap score 0.6 gives 3 each
    >>> ones = torch.ones(1, 12, dtype=torch.bool)
    >>> gap_scores = torch.full((1, 24), 0.6)
    >>> select_spans(torch.zeros(1, 24), gap_scores, torch.zeros(1, 1), ones, 0.25, 1.0).int().tolist()
    [[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]]
    """
    batch, seq = maskable.shape
    if mask_prob <= 0.0:
        return torch.zeros_like(maskable)
    span_prob = span_success_prob(mean_span_length, max_span_length)
    mean_length = span_length_mean(span_prob, max_span_length) if span_prob < 1 else 1.0
    mean_gap = mean_length * (1.0 - mask_prob) / mask_prob
    if mean_gap >= 1.0:  # gaps 1 + Geometric: spans stay apart
        gaps = geometric_lengths(gap_scores, 1.0 / mean_gap, minimum=1)
    else:  # too much to mask for gaps of at least 1
        gaps = geometric_lengths(gap_scores, 1.0 / (1.0 + mean_gap), minimum=0)
    spans = geometric_lengths(length_scores, span_prob, minimum=1, maximum=max_span_length)  # (batch, pairs)
    shift = (phase_scores[:, :1] * min(mean_length + mean_gap, seq)).long()  # (batch, 1)
    span_ends = (gaps + spans).cumsum(dim=1) - shift  # (batch, pairs) one past each span's last unit
    if bool((span_ends[:, -1] < seq).any()):
        raise SpanLayoutTooShort(f"{span_ends.shape[1]} gap/span pairs did not reach the end of a row of {seq}; "
                                 f"pass scores for more pairs ({2 * seq} always suffice)")
    span_starts = span_ends - spans
    # Difference array: +1 where a span starts, -1 where it ends; running sum > 0 inside a span.
    changes = torch.zeros(batch, seq + 1, dtype=torch.long)
    changes.scatter_add_(1, span_starts.clamp(0, seq), torch.ones_like(span_starts))
    changes.scatter_add_(1, span_ends.clamp(0, seq), -torch.ones_like(span_ends))
    covered = changes.cumsum(dim=1)[:, :seq] > 0  # (batch, seq) over units
    if word_starts is None:
        return covered & maskable
    word_index = (word_starts.cumsum(dim=1) - 1).clamp(min=0)  # (batch, seq) which word each token is in
    in_word = word_starts.cumsum(dim=1) > 0
    return covered.gather(1, word_index) & in_word & maskable
