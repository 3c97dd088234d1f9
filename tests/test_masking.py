"""Masking functions: the docstring examples, rates within 4 sigma, invariants, span lengths, exact counts."""

from __future__ import annotations

import doctest
import math

import pytest
import torch

import mlmcourse.masking.collator
import mlmcourse.masking.core
import mlmcourse.masking.randomness
import mlmcourse.masking.static
import mlmcourse.masking.strategies
import mlmcourse.masking.words
from mlmcourse.masking import (
    MaskingConfig,
    apply_80_10_10,
    check_probabilities,
    mask_tokens,
    select_exact,
    select_spans,
    select_tokens,
    select_whole_words,
)
from mlmcourse.masking.randomness import hash_uniform, mix32, row_keys
from mlmcourse.masking.strategies import geometric_lengths, span_length_mean, span_success_prob
from mlmcourse.masking.words import starts_from_word_ids, word_start_positions

MODULES = [mlmcourse.masking.core, mlmcourse.masking.strategies, mlmcourse.masking.words,
           mlmcourse.masking.randomness, mlmcourse.masking.collator, mlmcourse.masking.static]
MASK_ID, VOCAB = 4, 50  # ids 0..4 special as in the course tokenizer: [PAD] [UNK] [CLS] [SEP] [MASK]


def within_sigmas(successes: int, trials: int, prob: float, sigmas: float = 4.0) -> bool:
    """Is a binomial count within `sigmas` standard deviations of its mean?"""
    return abs(successes - trials * prob) <= sigmas * math.sqrt(trials * prob * (1 - prob)) + 1e-9


def batch_with_specials(rows: int = 2000, seq: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """[CLS] random words [SEP] [PAD]...: rows of random lengths, and their special-token mask."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, seq + 1, (rows,), generator=generator)  # (rows,)
    positions = torch.arange(seq)[None, :]
    input_ids = torch.randint(5, VOCAB, (rows, seq), generator=generator)
    input_ids[:, 0] = 2
    input_ids = torch.where(positions == lengths[:, None] - 1, 3, input_ids)
    input_ids = torch.where(positions >= lengths[:, None], 0, input_ids)
    return input_ids, (input_ids < 5).long()


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_examples(module):
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0


def test_worked_examples_checked_explicitly():
    assert select_tokens(torch.tensor([[0.10, 0.50, 0.05]]), torch.tensor([[False, True, True]]), 0.15).tolist() == [
        [False, False, True]]
    ids = torch.tensor([[2, 7, 8, 9, 3]])
    chosen = torch.tensor([[False, True, True, True, False]])
    decide = torch.tensor([[0.5, 0.1, 0.85, 0.95, 0.5]])
    inputs, labels = apply_80_10_10(ids, chosen, 4, torch.arange(5, 10), decide, torch.full((1, 5), 0.5))
    assert inputs.tolist() == [[2, 4, 7, 9, 3]] and labels.tolist() == [[-100, 7, 8, 9, -100]]
    assert word_start_positions(torch.tensor([[False, True, False, True, True, False]])).tolist() == [
        [0, 1, 1, 3, 4, 4]]
    assert round(span_length_mean(0.2, 10), 3) == 3.797  # SpanBERT's 3.8
    assert mix32(torch.tensor([0, 1, 2])).tolist() == [0, 1753845952, 3507691905]


def test_mix32_is_lowbias32():
    def reference(x: int) -> int:  # Wellons' lowbias32 in plain Python integers
        x ^= x >> 16
        x = (x * 0x7FEB352D) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x846CA68B) & 0xFFFFFFFF
        return x ^ (x >> 16)

    values = torch.randint(0, 2**32, (1000,), dtype=torch.long)
    assert mix32(values).tolist() == [reference(v) for v in values.tolist()]


@pytest.mark.parametrize("probs", [(0.15, 0.8, 0.1), (0.4, 0.8, 0.1), (0.3, 0.5, 0.4), (0.15, 1.0, 0.0)])
def test_selection_rate_and_shares_within_4_sigma(probs):
    mask_prob, mask_replace_prob, random_replace_prob = probs
    input_ids, special = batch_with_specials()
    inputs, labels = mask_tokens(input_ids, special, MASK_ID, VOCAB, mask_prob, mask_replace_prob,
                                 random_replace_prob, generator=torch.Generator().manual_seed(1))
    chosen = labels != -100
    maskable = int((special == 0).sum())
    assert within_sigmas(int(chosen.sum()), maskable, mask_prob)
    n_chosen = int(chosen.sum())
    as_mask = int((chosen & (inputs == MASK_ID)).sum())
    changed = int((chosen & (inputs != MASK_ID) & (inputs != labels)).sum())
    # a random replacement equals the original with probability 1/45 (45 non-special ids)
    random_changed = random_replace_prob * (1 - 1 / (VOCAB - 5))
    assert within_sigmas(as_mask, n_chosen, mask_replace_prob)
    assert within_sigmas(changed, n_chosen, random_changed)
    assert torch.equal(inputs[~chosen], input_ids[~chosen])  # nothing else changes
    assert torch.equal(labels[chosen], input_ids[chosen])


def test_never_selects_special_or_padding_and_never_replaces_with_a_special():
    input_ids, special = batch_with_specials(rows=500)
    for strategy in ("token", "whole_word", "span", "exact"):
        word_ids = torch.where(special.bool(), -1, torch.arange(64) // 2)  # two pieces per word
        inputs, labels = mask_tokens(input_ids, special, MASK_ID, VOCAB, 0.9, 0.0, 1.0, strategy=strategy,
                                     word_ids=word_ids, generator=torch.Generator().manual_seed(2),
                                     special_token_ids=range(5))
        chosen = labels != -100
        assert not (chosen & special.bool()).any(), strategy
        assert (inputs[chosen] >= 5).all(), strategy  # every replacement drawn from the non-special ids
        assert len(inputs[chosen].unique()) == VOCAB - 5  # ... and from all of them


def test_default_excluded_replacements_are_the_specials_seen_and_the_mask():
    input_ids, special = batch_with_specials(rows=500)  # specials seen: 0, 2, 3; [UNK] = 1 never appears
    inputs, labels = mask_tokens(input_ids, special, MASK_ID, VOCAB, 0.9, 0.0, 1.0,
                                 generator=torch.Generator().manual_seed(2))
    replaced_with = set(inputs[labels != -100].tolist())
    assert replaced_with.isdisjoint({0, 2, 3, MASK_ID}) and 1 in replaced_with


def test_mask_tokens_does_not_modify_its_input():
    input_ids, special = batch_with_specials(rows=10)
    before = input_ids.clone()
    mask_tokens(input_ids, special, MASK_ID, VOCAB, 0.5)
    assert torch.equal(input_ids, before)


def test_same_generator_seed_same_masks_other_seed_other_masks():
    input_ids, special = batch_with_specials(rows=50)
    runs = [mask_tokens(input_ids, special, MASK_ID, VOCAB, generator=torch.Generator().manual_seed(seed),
                        strategy="span") for seed in (7, 7, 8)]
    assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    assert not torch.equal(runs[0][1], runs[2][1])


def test_whole_word_selects_all_pieces_or_none_at_rate_p():
    input_ids, special = batch_with_specials(rows=2000)
    generator = torch.Generator().manual_seed(3)
    word_lengths = torch.randint(1, 4, (2000, 64), generator=generator)
    word_ids = torch.where(special.bool(), -1, (word_lengths == 1).long().cumsum(dim=1))  # words of 1-4 pieces
    starts = starts_from_word_ids(word_ids)
    scores = torch.rand(2000, 64, generator=generator)
    chosen = select_whole_words(scores, ~special.bool(), starts, 0.2)
    first_piece_chosen = chosen.gather(1, word_start_positions(starts))
    in_word = word_ids != -1
    assert torch.equal(chosen[in_word], first_piece_chosen[in_word])  # all pieces of a word, or none
    n_words = int(starts.sum())
    assert within_sigmas(int((chosen & starts).sum()), n_words, 0.2)


def test_span_lengths_have_the_configured_mean():
    success = span_success_prob(3.8, 10)
    lengths = geometric_lengths(torch.rand(200_000), success, minimum=1, maximum=10)
    assert lengths.min() == 1 and lengths.max() == 10
    expected = span_length_mean(success, 10)
    assert abs(expected - 3.8) < 1e-6
    assert abs(lengths.float().mean() - expected) < 4 * lengths.float().std() / math.sqrt(len(lengths))


@pytest.mark.parametrize("mask_prob", [0.15, 0.4])
def test_span_masking_rate_and_observed_span_lengths(mask_prob):
    rows, seq = 1000, 256
    generator = torch.Generator().manual_seed(4)
    maskable = torch.ones(rows, seq, dtype=torch.bool)
    lengths, gaps = torch.rand(2, rows, 2 * seq, generator=generator)
    chosen = select_spans(lengths, gaps, torch.rand(rows, 1, generator=generator), maskable, mask_prob, 3.8, 10)
    row_rates = chosen.float().mean(dim=1)  # rows are independent; positions inside a row are not
    assert abs(row_rates.mean() - mask_prob) < 4 * row_rates.std() / math.sqrt(rows)
    edges = torch.diff(torch.nn.functional.pad(chosen.int(), (1, 1)), dim=1)
    starts, ends = (edges == 1).nonzero()[:, 1], (edges == -1).nonzero()[:, 1]
    interior = (starts > 0) & (ends < seq)  # runs cut by the row's ends are shorter
    runs = (ends - starts)[interior].float()
    assert runs.max() <= 10  # gaps of at least 1: spans never merge at these rates
    assert abs(runs.mean() - 3.8) < 0.05 + 4 * runs.std() / math.sqrt(len(runs))


def test_span_masking_over_words_covers_whole_words():
    starts = torch.tensor([[False, True, False, True, True, False, False, True]])
    chosen = select_spans(torch.zeros(1, 16), torch.full((1, 16), 0.6), torch.zeros(1, 1),
                          torch.ones(1, 8, dtype=torch.bool), 0.25, 1.0, word_starts=starts)
    # units are words here: gap 3 words, then 1 word; the 4th word is tokens 7
    assert chosen.int().tolist() == [[0, 0, 0, 0, 0, 0, 0, 1]]


def test_exact_count_per_row():
    input_ids, special = batch_with_specials(rows=300)
    maskable = special == 0
    for mask_prob in (0.0, 0.15, 0.5, 1.0):
        chosen = select_exact(torch.rand(300, 64), maskable, mask_prob)
        expected = [round(mask_prob * n) for n in maskable.sum(dim=1).tolist()]
        assert chosen.sum(dim=1).tolist() == expected
        assert not (chosen & ~maskable).any()


def test_exact_count_row_rates_are_uniform_over_positions():
    maskable = torch.ones(4000, 20, dtype=torch.bool)
    chosen = select_exact(torch.rand(4000, 20), maskable, 0.15)  # 3 of 20 in every row
    per_position = chosen.sum(dim=0)
    assert all(within_sigmas(int(count), 4000, 0.15) for count in per_position)


def test_static_hash_masks_ignore_batch_company_and_padding():
    ids = torch.tensor([[2, 5, 6, 7, 8, 9, 3, 0], [2, 11, 12, 3, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    keys = row_keys(ids, mask)
    alone = row_keys(ids[1:, :4], mask[1:, :4])
    assert keys[1] == alone[0]
    uniform = hash_uniform(keys, 8, seed=0, stream=0)
    assert torch.equal(uniform[1, :4], hash_uniform(alone, 4, seed=0, stream=0)[0])
    assert not torch.equal(uniform, hash_uniform(keys, 8, seed=1, stream=0))
    many = hash_uniform(torch.arange(2000), 64, seed=0, stream=0)
    assert within_sigmas(int((many < 0.15).sum()), many.numel(), 0.15)


@pytest.mark.parametrize("bad, message", [
    ((1.5, 0.8, 0.1), "mask_prob must be a probability"),
    ((-0.1, 0.8, 0.1), "mask_prob must be a probability"),
    ((0.15, 0.8, 0.3), "is over 1"),
    ((0.15, 1.2, 0.0), "mask_replace_prob must be a probability"),
])
def test_bad_probabilities_give_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        check_probabilities(*bad)
    input_ids, special = batch_with_specials(rows=2)
    with pytest.raises(ValueError, match=message):
        mask_tokens(input_ids, special, MASK_ID, VOCAB, *bad)


def test_other_bad_inputs_give_clear_errors():
    input_ids, special = batch_with_specials(rows=2)
    with pytest.raises(ValueError, match="unknown masking strategy 'words'; choose one of token, whole_word"):
        mask_tokens(input_ids, special, MASK_ID, VOCAB, strategy="words")
    with pytest.raises(ValueError, match="needs to know where words start"):
        mask_tokens(input_ids, special, MASK_ID, VOCAB, strategy="whole_word")
    with pytest.raises(ValueError, match="special_tokens_mask has shape"):
        mask_tokens(input_ids, special[:, :3], MASK_ID, VOCAB)
    with pytest.raises(ValueError, match="mean_span_length must be in"):
        MaskingConfig(strategy="span", mean_span_length=8.0, max_span_length=10)
    with pytest.raises(ValueError, match="no token is left"):
        mask_tokens(input_ids.clamp(max=4), special, MASK_ID, 5, special_token_ids=range(5))
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 20\)"):
        mask_tokens(input_ids, special, MASK_ID, 20)


def test_presets():
    assert MaskingConfig.preset("bert") == MaskingConfig()
    assert MaskingConfig.preset("wettig").mask_prob == 0.4
    assert MaskingConfig.preset("spanbert").strategy == "span"
    with pytest.raises(ValueError, match="choose one of bert"):
        MaskingConfig.preset("roberta")
