"""The tokenizer benchmark keeps the JSON contract (quick mode: a few seconds)."""

from __future__ import annotations

import json

from mlmcourse.cli import main


def test_quick_benchmark_prints_the_json_contract(capsys):
    assert main(["bench", "tokenizer", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["name"] == "tokenizer"
    assert {"config", "ours", "huggingface", "ratio", "match"} <= set(result)
    assert result["config"]["paragraphs"] == 300 and result["config"]["vocab_size"] == 600
    assert result["ratio"] > 0 and result["ours"]["encode_tokens_per_s"] > 0
    assert result["ours"]["bpe_train_s"] > 0 and result["huggingface"]["wordpiece_train_s"] > 0
    # The reference BPE reproduces the library exactly, even on the quick slice.
    assert result["match"]["bpe_merges_identical"] is True
    assert result["match"]["bpe_validation_texts_encoded_identically"] == 1.0
    assert 0 < result["match"]["wordpiece_likelihood_words_alike"] <= result["match"]["wordpiece_frequency_words_alike"]
