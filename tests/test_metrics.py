"""Metrics: token-weighted masked cross-entropy, pseudo-log-likelihood, toy-world probes (vs naive references)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from _eval_fixtures import one_torch_thread, tiny_bert, tiny_tokenizer, toyworld_tokenizer

from mlmcourse.corpora.toyworld import Probe, ToyWorld
from mlmcourse.metrics import (
    evaluate_mlm,
    evaluation_mask,
    log_softmax,
    mask_text_ids,
    masked_copies,
    masked_token_losses,
    minimal_pair_accuracy,
    probe_report,
    pseudo_log_likelihood,
    pseudo_perplexity,
    score_probes,
    single_token_id,
    token_pseudo_log_probs,
)
from mlmcourse.metrics.perplexity import batches_by_length


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def world():
    return ToyWorld()


@pytest.fixture(scope="module")
def tokenizer():
    return toyworld_tokenizer()


@pytest.fixture(scope="module")
def model(tokenizer):
    return tiny_bert(len(tokenizer), max_positions=64, initializer_range=0.05)


@pytest.fixture(scope="module")
def texts(world):
    return world.generate(80, seed=11)


# --- docstring examples ---------------------------------------------------------------------------------

def test_evaluation_mask_docstring_example():
    mask = evaluation_mask([True, False, False, False, False, False, True], mask_prob=0.5, seed=0, index=3)
    assert mask.tolist() == [False, False, True, True, True, False, False]


def test_mask_text_ids_docstring_example():
    inputs, labels = mask_text_ids([2, 10, 11, 12, 13, 14, 3], [True] + [False] * 5 + [True], mask_token_id=4,
                                   vocab_size=20, mask_prob=0.5, index=3)
    assert inputs == [2, 10, 4, 4, 4, 14, 3]
    assert labels == [-100, -100, 11, 12, 13, -100, -100]


def test_mask_text_ids_random_replacement_keeps_the_labels():
    ids, special = [2, 10, 11, 12, 13, 14, 3], [True] + [False] * 5 + [True]
    inputs, labels = mask_text_ids(ids, special, 4, 20, mask_prob=0.5, index=3, mask_replace_prob=0.0,
                                   random_replace_prob=1.0)
    assert labels == [-100, -100, 11, 12, 13, -100, -100]  # the same positions are predicted
    assert 4 not in inputs and inputs[:2] == ids[:2] and inputs[5:] == ids[5:]


def test_log_softmax_docstring_example():
    assert np.exp(log_softmax(np.array([[0.0, math.log(3.0)]]))).round(6).tolist() == [[0.25, 0.75]]


def test_batches_by_length_docstring_example():
    assert batches_by_length([5, 2, 9, 3], batch_size=2) == [[1, 3], [0, 2]]


def test_masked_copies_docstring_example():
    assert masked_copies([2, 10, 11, 3], [True, False, False, True], mask_token_id=4) == [
        (1, [2, 4, 11, 3]), (2, [2, 10, 4, 3])]


def test_single_token_id_docstring_example():
    vocab = {"dog": 7, "hot": 9}

    def split_on_spaces(text, add_special_tokens):
        return {"input_ids": [vocab[w] for w in text.split()]}

    assert (single_token_id(split_on_spaces, "dog"), single_token_id(split_on_spaces, "hot dog")) == (7, None)


# --- masked cross-entropy and perplexity ---------------------------------------------------------------

def test_evaluate_mlm_is_the_same_for_any_batch_size(model, tokenizer, texts):
    results = [evaluate_mlm(model, tokenizer, texts, batch_size=size, progress=False) for size in (1, 7, 64)]
    for other in results[1:]:
        assert other["loss"] == pytest.approx(results[0]["loss"], abs=1e-6)
        assert (other["n_predicted"], other["top1"], other["top5"]) == (
            results[0]["n_predicted"], results[0]["top1"], results[0]["top5"])
    assert results[0]["perplexity"] == pytest.approx(math.exp(results[0]["loss"]))


def test_evaluate_mlm_equals_a_naive_token_weighted_loss(model, tokenizer, texts):
    """Reference: full logits, torch cross_entropy summed over predicted tokens, one text at a time."""
    total, count, top1, per_text = 0.0, 0, 0, []
    special_ids = set(tokenizer.all_special_ids)
    for index, text in enumerate(texts):
        ids = tokenizer(text)["input_ids"]
        inputs, labels = mask_text_ids(ids, [t in special_ids for t in ids], tokenizer.mask_token_id,
                                       len(tokenizer), index=index)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([inputs])).logits[0]
        labels = torch.tensor(labels)
        losses = torch.nn.functional.cross_entropy(logits, labels, ignore_index=-100, reduction="none")
        per_text.append(losses[labels != -100].numpy())
        total += losses.sum().item()
        count += int((labels != -100).sum())
        top1 += int((logits.argmax(-1) == labels).sum())
    ours = evaluate_mlm(model, tokenizer, texts, batch_size=16, progress=False)
    assert ours["n_predicted"] == count > 0
    assert ours["loss"] == pytest.approx(total / count, abs=1e-5)
    assert ours["top1"] == pytest.approx(top1 / count)
    for mine, reference in zip(masked_token_losses(model, tokenizer, texts, progress=False), per_text, strict=True):
        np.testing.assert_allclose(mine, reference, atol=1e-5)


def test_evaluation_masks_depend_on_the_seed_only(model, tokenizer, texts):
    first = evaluate_mlm(model, tokenizer, texts, seed=3, batch_size=8, progress=False)
    again = evaluate_mlm(model, tokenizer, texts, seed=3, batch_size=32, progress=False)
    other = evaluate_mlm(model, tokenizer, texts, seed=4, batch_size=8, progress=False)
    assert first["loss"] == pytest.approx(again["loss"], abs=1e-6)
    assert (other["loss"], other["n_predicted"]) != (first["loss"], first["n_predicted"])


def test_evaluate_mlm_bad_input(model, tokenizer):
    with pytest.raises(ValueError, match="at least one non-empty text"):
        evaluate_mlm(model, tokenizer, ["", "  "], progress=False)
    with pytest.raises(ValueError, match="mask_prob must be in"):
        evaluate_mlm(model, tokenizer, ["the dog barked ."], mask_prob=0.0, progress=False)
    with pytest.raises(ValueError, match="no token was masked"):
        evaluate_mlm(model, tokenizer, ["the dog barked ."], mask_prob=1e-9, progress=False)


# --- pseudo-log-likelihood ------------------------------------------------------------------------------

def naive_token_log_probs(model, tokenizer, text):
    """Salazar et al.'s PLL the slow way: one forward pass per masked token, full logits."""
    ids = tokenizer(text)["input_ids"]
    scores = []
    for position in range(1, len(ids) - 1):  # [CLS] and [SEP] are not scored
        masked = list(ids)
        masked[position] = tokenizer.mask_token_id
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([masked])).logits[0, position]
        scores.append(torch.log_softmax(logits.double(), -1)[ids[position]].item())
    return scores


def test_pll_equals_a_naive_loop(model, tokenizer, texts):
    sample = texts[:6]
    ours = token_pseudo_log_probs(model, tokenizer, sample, batch_size=5, progress=False)
    for text, scores in zip(sample, ours, strict=True):
        np.testing.assert_allclose(scores, naive_token_log_probs(model, tokenizer, text), atol=1e-5)
    totals = pseudo_log_likelihood(model, tokenizer, sample, progress=False)
    assert totals == pytest.approx([float(s.sum()) for s in ours])
    assert pseudo_log_likelihood(model, tokenizer, sample[0], progress=False) == pytest.approx(totals[0])
    n_tokens = sum(len(s) for s in ours)
    assert pseudo_perplexity(model, tokenizer, sample, progress=False) == pytest.approx(
        math.exp(-sum(totals) / n_tokens))


def test_minimal_pair_accuracy_compares_plls(model, tokenizer, world):
    pairs = world.minimal_pairs("agreement", 6, seed=1)
    good = pseudo_log_likelihood(model, tokenizer, [g for g, _ in pairs], progress=False)
    bad = pseudo_log_likelihood(model, tokenizer, [b for _, b in pairs], progress=False)
    expected = sum(g > b for g, b in zip(good, bad, strict=True)) / len(pairs)
    assert minimal_pair_accuracy(model, tokenizer, pairs, progress=False) == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least one"):
        minimal_pair_accuracy(model, tokenizer, [], progress=False)


# --- probes -----------------------------------------------------------------------------------------------

def test_score_probes_against_a_direct_computation(model, tokenizer):
    probes = [
        Probe(["the", "dog", "barked", "at", "me", "."], 1, "dog", {"dog": 0.8, "puppy": 0.2}, "animals"),
        Probe(["the", "puppy", "barked", "at", "me", "."], 1, "puppy", {"dog": 0.8, "puppy": 0.2}, "animals"),
        Probe(["paris", "is", "the", "capital", "of", "france", "."], 5, "france", {"france": 1.0}, "animals"),
    ]
    row = score_probes(model, tokenizer, probes)
    vocab = tokenizer.get_vocab()
    model_ce, kl, correct = [], [], []
    for probe in probes:
        ids = tokenizer(probe.masked_text("[MASK]"))["input_ids"]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0, ids.index(tokenizer.mask_token_id)]
        log_p = torch.log_softmax(logits.double(), -1)
        model_ce.append(-log_p[vocab[probe.answer]].item())
        kl.append(sum(q * (math.log(q) - log_p[vocab[w]].item()) for w, q in probe.posterior.items()))
        correct.append(int(log_p.argmax()) == vocab[probe.answer])
    floor = np.mean([-math.log(0.8), -math.log(0.2), 0.0])
    assert row["n"] == 3 and row["skipped"] == 0 and row["phenomenon"] == "animals"
    assert row["probe_ce"] == pytest.approx(np.mean(model_ce), abs=1e-5)
    assert row["bayes_floor"] == pytest.approx(floor)
    assert row["gap_nats"] == pytest.approx(np.mean(model_ce) - floor, abs=1e-5)
    assert row["kl"] == pytest.approx(np.mean(kl), abs=1e-5) and row["kl"] >= 0
    assert row["accuracy"] == pytest.approx(np.mean(correct))
    assert row["bayes_accuracy"] == pytest.approx(2 / 3)  # "puppy" is not the posterior's best guess


def test_probes_with_multi_token_words_are_skipped_and_counted():
    tokenizer = tiny_tokenizer()  # "unbelievable" is several word pieces here
    model = tiny_bert(len(tokenizer))
    probes = [Probe(["the", "dog", "barked", "."], 1, "dog", {"dog": 1.0}, "animals"),
              Probe(["unbelievable", "things", "happened", "."], 0, "unbelievable", {"unbelievable": 1.0}, "facts")]
    row = score_probes(model, tokenizer, probes)
    assert (row["n"], row["skipped"]) == (1, 1)


def test_probe_report_on_the_toy_world(model, tokenizer, world):
    report = probe_report(model, tokenizer, world, n=4, seed=2, n_pairs=2, progress=False)
    rows = {row["phenomenon"]: row for row in report["per_phenomenon"]}
    assert list(rows) == world.phenomena
    for name, row in rows.items():
        assert row["n"] == 4 and row["skipped"] == 0
        assert row["bayes_floor"] == pytest.approx(world.bayes_floor(world.probes(name, 4, seed=2)))
        assert row["gap_nats"] == pytest.approx(row["probe_ce"] - row["bayes_floor"])
    assert report["n_probes"] == 4 * len(rows)
    assert report["probe_ce"] == pytest.approx(np.mean([row["probe_ce"] for row in rows.values()]))
    assert report["gap_nats"] == pytest.approx(report["probe_ce"] - report["bayes_floor"])
    assert 0 <= report["minimal_pairs"]["accuracy"] <= 1
    assert set(report["minimal_pairs"]["per_phenomenon"]) <= set(world.phenomena)


def test_probe_report_with_no_scorable_probe_is_a_clear_error():
    tokenizer = tiny_tokenizer()
    model = tiny_bert(len(tokenizer))
    fake_world = SimpleNamespace(phenomena=["facts"], probes=lambda name, n, seed: [
        Probe(["unbelievable", "things", "."], 0, "unbelievable", {"unbelievable": 1.0}, "facts")])
    with pytest.raises(ValueError, match="no probe could be scored.*course tokenizer"):
        probe_report(model, tokenizer, fake_world, n=1, progress=False)
