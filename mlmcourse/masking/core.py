"""BERT's masking recipe: choose positions to predict, then show the model [MASK], a random token or the original.

Teaches: masked language modeling hides about 15% of the tokens and asks the model to predict them from both
sides (Devlin et al. 2019). Of the chosen positions, 80% become ``[MASK]``, 10% a random token and 10% stay as
they are: ``[MASK]`` never appears when the model is used later, so it must also learn a representation for
every visible token (it might be one to predict). Labels are the original ids at chosen positions and -100
(ignored by ``cross_entropy``) elsewhere.

Simplifies: one function for a whole batch of equal-length rows; padding and tokenizers live in
:mod:`mlmcourse.masking.collator`. Mirrors ``DataCollatorForLanguageModeling.torch_mask_tokens`` (transformers),
with two differences: random replacements are never special tokens, and the 80/10/10 decision is one uniform
number per position (HF draws two Bernoulli masks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from mlmcourse.errors import CourseError
from mlmcourse.masking.randomness import GeneratorSource, HashSource
from mlmcourse.masking.strategies import (
    SpanLayoutTooShort,
    select_exact,
    select_spans,
    select_tokens,
    select_whole_words,
    span_pairs_needed,
    span_success_prob,
)
from mlmcourse.masking.words import lookup, starts_from_word_ids

STRATEGIES = ("token", "whole_word", "span", "exact")
IGNORE_INDEX = -100  # the label cross_entropy skips

# Streams of random numbers, one per use, so hashed (static) masks use independent numbers for each decision.
_SELECT, _SPAN_LENGTH, _SPAN_GAP, _SPAN_PHASE, _DECIDE, _REPLACE = range(6)


@dataclass(frozen=True)
class MaskingConfig:
    """How to mask: the strategy, how much, and the [MASK] / random / kept shares of the chosen positions."""

    strategy: str = "token"
    mask_prob: float = 0.15
    mask_replace_prob: float = 0.8
    random_replace_prob: float = 0.1
    mean_span_length: float = 3.8
    max_span_length: int = 10

    def __post_init__(self) -> None:
        check_probabilities(self.mask_prob, self.mask_replace_prob, self.random_replace_prob)
        if self.strategy not in STRATEGIES:
            raise CourseError(f"unknown masking strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        if self.strategy == "span":
            span_success_prob(self.mean_span_length, self.max_span_length)  # raises if impossible

    @classmethod
    def preset(cls, name: str) -> MaskingConfig:
        """Named recipes: ``bert`` (15% tokens), ``wettig`` (40% tokens, Wettig et al. 2023),
        ``whole_word`` (15% words), ``spanbert`` (15% in spans of mean 3.8 words), ``exact`` (15%, fixed count)."""
        presets = {
            "bert": cls(), "wettig": cls(mask_prob=0.4), "whole_word": cls(strategy="whole_word"),
            "spanbert": cls(strategy="span"), "exact": cls(strategy="exact"),
        }
        if name not in presets:
            raise CourseError(f"unknown masking preset {name!r}; choose one of {', '.join(presets)}")
        return presets[name]


def check_probabilities(mask_prob: float, mask_replace_prob: float, random_replace_prob: float) -> None:
    """Raise a CourseError that says what is wrong when the masking probabilities are impossible.

    >>> check_probabilities(0.15, 0.8, 0.1)  # BERT's: fine, returns None
    >>> check_probabilities(0.15, 0.8, 0.3)
    Traceback (most recent call last):
    ...
    mlmcourse.errors.CourseError: mask_replace_prob + random_replace_prob = 0.8 + 0.3 = 1.1 is over 1: they are shares of the chosen tokens (BERT: 0.8 [MASK] + 0.1 random, the other 0.1 kept)
    """
    for name, value in (("mask_prob", mask_prob), ("mask_replace_prob", mask_replace_prob),
                        ("random_replace_prob", random_replace_prob)):
        if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise CourseError(f"{name} must be a probability between 0 and 1, got {value!r} (BERT: mask_prob=0.15, "
                              "mask_replace_prob=0.8, random_replace_prob=0.1)")
    if mask_replace_prob + random_replace_prob > 1.0 + 1e-9:
        raise CourseError(f"mask_replace_prob + random_replace_prob = {mask_replace_prob} + {random_replace_prob} = "
                          f"{round(mask_replace_prob + random_replace_prob, 6)} is over 1: they are shares of the "
                          "chosen tokens (BERT: 0.8 [MASK] + 0.1 random, the other 0.1 kept)")


def replacement_candidates(vocab_size: int, excluded_ids: Sequence[int] | torch.Tensor) -> torch.Tensor | range:
    """The ids a random replacement may take: the whole vocabulary except ``excluded_ids`` (the specials).

    A ``range`` when they are contiguous (the usual case: special tokens first), else a tensor of ids.

    >>> replacement_candidates(8, [0, 1, 2, 3, 4]), replacement_candidates(8, [0, 3, 4]).tolist()
    (range(5, 8), [1, 2, 5, 6, 7])
    """
    allowed = torch.ones(vocab_size, dtype=torch.bool)
    allowed[torch.as_tensor(excluded_ids, dtype=torch.long)] = False
    if not allowed.any():
        raise CourseError(f"no token is left for random replacements: all {vocab_size} ids are special")
    ids = allowed.nonzero().squeeze(1)
    first, last = int(ids[0]), int(ids[-1])
    return range(first, last + 1) if last - first + 1 == len(ids) else ids


def apply_80_10_10(input_ids: torch.Tensor, selected: torch.Tensor, mask_token_id: int,
                   candidates: torch.Tensor | range, decision_scores: torch.Tensor, replacement_scores: torch.Tensor,
                   mask_replace_prob: float = 0.8, random_replace_prob: float = 0.1,
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """What the model sees at the chosen positions, and what it must predict there.

    A chosen position whose decision score is below ``mask_replace_prob`` becomes ``mask_token_id``; below
    ``mask_replace_prob + random_replace_prob`` a random id from ``candidates`` (picked by its replacement score;
    a ``range`` of ids or a tensor of them); otherwise it keeps its token. Labels: the original id where chosen,
    -100 elsewhere.

    >>> ids = torch.tensor([[2, 7, 8, 9, 3]])  # [CLS] a b c [SEP]; 4 = [MASK]; random ids from 5..9
    >>> chosen = torch.tensor([[False, True, True, True, False]])
    >>> decide = torch.tensor([[0.5, 0.1, 0.85, 0.95, 0.5]])  # < 0.8 mask, < 0.9 random, else keep
    >>> inputs, labels = apply_80_10_10(ids, chosen, 4, range(5, 10), decide, torch.full((1, 5), 0.5))
    >>> inputs.tolist(), labels.tolist()
    ([[2, 4, 7, 9, 3]], [[-100, 7, 8, 9, -100]])
    """
    labels = torch.where(selected, input_ids, IGNORE_INDEX)  # (batch, seq)
    # One roll per position, three outcomes: [MASK] below 0.8, random token below 0.9, else keep.
    to_mask = selected & (decision_scores < mask_replace_prob)
    to_random = selected & ~to_mask & (decision_scores < mask_replace_prob + random_replace_prob)
    picks = (replacement_scores * len(candidates)).long().clamp_(max=len(candidates) - 1)  # (batch, seq)
    random_ids = picks + candidates.start if isinstance(candidates, range) else lookup(candidates, picks)
    inputs = torch.where(to_mask, mask_token_id, input_ids)
    inputs = torch.where(to_random, random_ids, inputs)
    return inputs, labels


def select_positions(config: MaskingConfig, source: GeneratorSource | HashSource, maskable: torch.Tensor,
                     word_starts: torch.Tensor | None = None) -> torch.Tensor:
    """The positions to predict ``(batch, seq)`` for ``config.strategy``, drawing scores from ``source``."""
    shape = tuple(maskable.shape)
    if config.strategy == "token":
        return select_tokens(source.uniform(shape, _SELECT), maskable, config.mask_prob)
    if config.strategy == "exact":
        return select_exact(source.uniform(shape, _SELECT), maskable, config.mask_prob)
    if config.strategy == "whole_word":
        if word_starts is None:
            raise CourseError("whole-word masking needs to know where words start: pass word_ids (from "
                              "encoding.word_ids(), None -> -1)")
        return select_whole_words(source.uniform(shape, _SELECT), maskable, word_starts, config.mask_prob)
    phase = source.uniform((shape[0], 1), _SPAN_PHASE)
    pairs = span_pairs_needed(shape[1], config.mask_prob, config.mean_span_length)
    while True:  # a layout that ends too early (about once in 100,000 rows) is drawn again with every pair
        try:
            return select_spans(source.uniform((shape[0], pairs), _SPAN_LENGTH),
                                source.uniform((shape[0], pairs), _SPAN_GAP), phase, maskable, config.mask_prob,
                                config.mean_span_length, config.max_span_length, word_starts)
        except SpanLayoutTooShort:
            pairs = 2 * shape[1]  # each pair is at least one unit long: always enough


def mask_batch(input_ids: torch.Tensor, maskable: torch.Tensor, config: MaskingConfig, mask_token_id: int,
               candidates: torch.Tensor | range, source: GeneratorSource | HashSource,
               word_starts: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Select positions with ``config.strategy``, then apply 80/10/10: the engine under ``mask_tokens`` and
    :class:`~mlmcourse.masking.collator.MLMCollator`. Returns ``(inputs, labels)``, both ``(batch, seq)``."""
    selected = select_positions(config, source, maskable, word_starts)
    shape = tuple(input_ids.shape)
    return apply_80_10_10(input_ids, selected, mask_token_id, candidates, source.uniform(shape, _DECIDE),
                          source.uniform(shape, _REPLACE), config.mask_replace_prob, config.random_replace_prob)


def mask_tokens(input_ids: torch.Tensor, special_tokens_mask: torch.Tensor, mask_token_id: int, vocab_size: int,
                mask_prob: float = 0.15, mask_replace_prob: float = 0.8, random_replace_prob: float = 0.1,
                generator: torch.Generator | None = None, strategy: str = "token",
                word_ids: torch.Tensor | None = None, *, special_token_ids: Sequence[int] | None = None,
                mean_span_length: float = 3.8, max_span_length: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask a batch ``(batch, seq)`` for masked language modeling: returns ``(inputs, labels)``.

    ``special_tokens_mask`` is 1 at special tokens and padding (never chosen). Random replacements are drawn
    from ``range(vocab_size)`` minus ``special_token_ids`` (default: the mask token and every id found at a
    special position). ``word_ids`` ``(batch, seq)``, -1 outside words, is needed for ``strategy="whole_word"``
    and makes ``"span"`` spans of whole words. ``input_ids`` is not modified.

    >>> ids = torch.tensor([[2, 5, 6, 7, 8, 3]])  # [CLS] ... [SEP]
    >>> special = torch.tensor([[1, 0, 0, 0, 0, 1]])
    >>> inputs, labels = mask_tokens(ids, special, mask_token_id=4, vocab_size=10, mask_prob=1.0,
    ...                              mask_replace_prob=1.0, random_replace_prob=0.0)
    >>> inputs.tolist(), labels.tolist()
    ([[2, 4, 4, 4, 4, 3]], [[-100, 5, 6, 7, 8, -100]])
    """
    config = MaskingConfig(strategy, mask_prob, mask_replace_prob, random_replace_prob, mean_span_length,
                           max_span_length)
    input_ids = torch.as_tensor(input_ids, dtype=torch.long)
    special = torch.as_tensor(special_tokens_mask).bool()
    if special.shape != input_ids.shape:
        raise CourseError(f"special_tokens_mask has shape {tuple(special.shape)} but input_ids has "
                          f"{tuple(input_ids.shape)}; they must match (1 = special or padding)")
    low, high = torch.aminmax(input_ids)
    if int(low) < 0 or int(high) >= vocab_size:
        raise CourseError(f"token ids must be in [0, {vocab_size}) (vocab_size), found {int(low)}..{int(high)}")
    if special_token_ids is None:
        special_token_ids = torch.cat([input_ids.masked_select(special).unique(), torch.tensor([mask_token_id])])
    word_starts = None
    if word_ids is not None:
        word_starts = starts_from_word_ids(torch.as_tensor(word_ids, dtype=torch.long))
    return mask_batch(input_ids, ~special, config, mask_token_id, replacement_candidates(vocab_size,
                      special_token_ids), GeneratorSource(generator), word_starts)
