"""The mask-rate experiment on the toy world, and the checker of notebook 03's exercise."""

from __future__ import annotations

import doctest
import math
import random

import pytest
import torch

import mlmcourse.exercises.ex03 as ex03
import mlmcourse.masking.rates as rates_module
from mlmcourse.corpora.toyworld import ToyWorld
from mlmcourse.exercises.ex03 import check_80_10_10, reference_80_10_10
from mlmcourse.masking.rates import mask_rate_experiment, posterior_entropy


@pytest.fixture(scope="module")
def world() -> ToyWorld:
    return ToyWorld()


@pytest.mark.parametrize("module", [rates_module, ex03], ids=["rates", "ex03"])
def test_docstring_examples(module):
    results = doctest.testmod(module)
    assert results.attempted > 0 and results.failed == 0


def test_experiment_matches_a_direct_computation(world):
    lines = ["paris is the capital of france .", "the dog barked at the farmer ."]
    results = mask_rate_experiment(world, [0.3, 0.6], lines, seed=4, progress=False)
    rng = random.Random(4)
    draws = [[rng.random() for _ in line.split()] for line in lines]
    for result in results:
        masked = identifiable = 0
        entropies = []
        for line, scores in zip(lines, draws, strict=True):
            words = line.split()
            hidden = [i for i, score in enumerate(scores) if score < result.rate]
            for index in hidden:
                posterior = world.posterior(words, index, hidden=[i for i in hidden if i != index])
                masked += 1
                identifiable += posterior[words[index]] >= 0.99
                entropies.append(posterior_entropy(posterior))
        assert result.masked == masked > 0 and result.words == 14
        assert result.identifiable == identifiable / masked
        assert math.isclose(result.mean_entropy, sum(entropies) / masked)
        assert math.isclose(result.identifiable_per_100_words, 100 * identifiable / 14)
    assert results[0].masked <= results[1].masked  # the same draws: every word masked at 30% is masked at 60%


def test_experiment_rejects_bad_rates_and_empty_input(world):
    with pytest.raises(ValueError, match=r"mask rates must be in \(0, 1\]"):
        mask_rate_experiment(world, [1.5], ["the dog barked at me ."], progress=False)
    with pytest.raises(ValueError, match="needs some toy-world lines"):
        mask_rate_experiment(world, [0.15], [], progress=False)


def learner_solution(input_ids, selected, mask_token_id, vocab_size, generator):
    """What a learner might write (boolean masks and in-place assignment on a copy)."""
    labels = torch.where(selected, input_ids, -100)
    roll = torch.rand(input_ids.shape, generator=generator)
    inputs = input_ids.clone()
    inputs[selected & (roll < 0.8)] = mask_token_id
    random_ids = torch.randint(5, vocab_size, input_ids.shape, generator=generator)
    to_random = selected & (roll >= 0.8) & (roll < 0.9)
    inputs[to_random] = random_ids[to_random]
    return inputs, labels


def two_bernoullis(input_ids, selected, mask_token_id, vocab_size, generator):
    """A classic mistake: 10% random drawn independently after the 80%, giving 2% random."""
    inputs = input_ids.clone()
    masked = selected & (torch.rand(input_ids.shape, generator=generator) < 0.8)
    inputs[masked] = mask_token_id
    rand = selected & ~masked & (torch.rand(input_ids.shape, generator=generator) < 0.1)
    inputs[rand] = torch.randint(5, vocab_size, input_ids.shape, generator=generator)[rand]
    return inputs, torch.where(selected, input_ids, -100)


def test_checker_accepts_correct_solutions():
    assert check_80_10_10(reference_80_10_10).passed
    assert check_80_10_10(learner_solution).passed


@pytest.mark.parametrize("wrong, hint", [
    (two_bernoullis, "only 2% random"),
    (lambda ids, sel, m, v, g: (torch.where(sel, m, ids), torch.where(sel, ids, -100)), "every selected position got"),
    (lambda ids, sel, m, v, g: (ids, ids.clone()), "labels = torch.where"),
    (lambda ids, sel, m, v, g: learner_solution(ids, sel, m, v, None), "pass generator=generator"),
    (lambda ids, sel, m, v, g: (ids.masked_fill_(sel, m), torch.where(sel, ids, -100)), "input_ids.clone()"),
    (lambda ids, sel, m, v, g: learner_solution(ids, sel, m, v, g)[0], "return inputs, labels"),
])
def test_checker_explains_common_mistakes(wrong, hint):
    feedback = check_80_10_10(wrong)
    assert not feedback.passed and hint in feedback.hint


def test_checker_catches_special_tokens_as_replacements():
    def with_specials(input_ids, selected, mask_token_id, vocab_size, generator):
        inputs, labels = learner_solution(input_ids, selected, mask_token_id, vocab_size, generator)
        roll = torch.rand(input_ids.shape, generator=generator)
        return torch.where(selected & (roll < 0.05), 0, inputs), labels

    assert "torch.randint(5, vocab_size" in check_80_10_10(with_specials).hint


def test_checker_never_raises_on_a_stub():
    def stub(input_ids, selected, mask_token_id, vocab_size, generator):
        raise NotImplementedError

    feedback = check_80_10_10(stub)
    assert not feedback.passed and "NotImplementedError" in feedback.message
    assert not check_80_10_10(lambda *args: 1 / 0).passed
