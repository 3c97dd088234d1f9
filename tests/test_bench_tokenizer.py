"""The tokenizer benchmark's JSON contract (quick mode: a few seconds); speed itself is never asserted."""

from __future__ import annotations

import os

import pytest
from _bench_contract import check_ratio, check_spread, last_json_line

from mlmcourse.bench.tokenizer import environment_variable, slowdown
from mlmcourse.cli import main


@pytest.mark.slow  # trains five tokenizers twice: several seconds on a busy machine
def test_quick_benchmark_names_what_runs_and_keeps_the_contract(capsys):
    assert main(["bench", "tokenizer", "--quick", "--json", "--tokenizers-parallelism", "false"]) == 0
    result = last_json_line(capsys.readouterr().out)
    assert result["name"] == "tokenizer"
    config = result["config"]
    assert (config["paragraphs"], config["vocab_size"], config["repeats"], config["train_repeats"]) == (300, 600, 3, 2)
    assert config["TOKENIZERS_PARALLELISM"] == "false" and "false" in result["ratio_is"]
    # Headline: the same tokenizer on the same texts, batched calls against one call per text.
    encode = result["encode"]
    batched, one_by_one = encode["batched_calls"], encode["one_call_per_text"]
    assert batched["config"]["tokenizer"] == one_by_one["config"]["tokenizer"]
    assert (batched["config"]["batch_size"], one_by_one["config"]["batch_size"]) == (1000, 1)
    assert encode["identical_ids"] is True and encode["texts"] == 300 and encode["tokens"] > 0
    for side in (batched, one_by_one):
        check_spread(side["ms_per_pass"], repeats=3)
    check_ratio(encode["ratio"], one_by_one["ms_per_pass"]["median"], batched["ms_per_pass"]["median"])
    assert result["ratio"] == encode["ratio"]
    assert "ours" not in result and "huggingface" not in result  # both sides run the same library
    # Reference trainers vs the library's: a labelled slow-down factor, never in "ratio".
    train = result["train"]
    for name in ("reference_bpe", "library_bpe", "reference_wordpiece_frequency", "reference_wordpiece_likelihood",
                 "library_wordpiece"):
        check_spread(train[f"{name}_seconds"], repeats=2)
    assert train["reference_slowdown"]["bpe"] == slowdown(train["reference_bpe_seconds"], train["library_bpe_seconds"])
    assert train["reference_slowdown"]["wordpiece_frequency"] == slowdown(
        train["reference_wordpiece_frequency_seconds"], train["library_wordpiece_seconds"])
    reference_encode = result["reference_encode"]
    check_spread(reference_encode["reference_bpe_ms"], repeats=2)
    assert reference_encode["reference_slowdown"] == slowdown(reference_encode["reference_bpe_ms"],
                                                              reference_encode["library_bpe_ms"])
    # The reference BPE reproduces the library exactly, even on the quick slice.
    assert result["match"]["bpe_merges_identical"] is True
    assert result["match"]["bpe_validation_texts_encoded_identically"] == 1.0
    assert 0 < result["match"]["wordpiece_likelihood_words_alike"] <= result["match"]["wordpiece_frequency_words_alike"]


def test_slowdown_is_reference_over_library():
    assert slowdown({"median": 4.0}, {"median": 2.0}) == 2.0
    assert slowdown({"median": 1.0}, {"median": 4.0}) == 0.25


def test_environment_variable_is_restored():
    name = "MLMCOURSE_TEST_VARIABLE"
    os.environ.pop(name, None)
    with environment_variable(name, "true"):
        assert os.environ[name] == "true"
    assert name not in os.environ
    os.environ[name] = "before"
    with environment_variable(name, "false"):
        assert os.environ[name] == "false"
    with environment_variable(name, None):
        assert os.environ[name] == "before"
    assert os.environ.pop(name) == "before"
