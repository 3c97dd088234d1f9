"""`mlmcourse bench collator --json --quick`: the JSON contract, and the sequences it times."""

from __future__ import annotations

import json

import pytest
from test_masking_tokenizers import wordpiece_tokenizer

from mlmcourse.bench.collator import build_features
from mlmcourse.cli import main


def test_quick_benchmark_prints_the_json_contract(capsys):
    assert main(["bench", "collator", "--json", "--quick"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["name"] == "collator"
    assert result["config"]["sequences"] == 512 and result["config"]["seq_len"] == 128
    assert result["config"]["batch_size"] == 32 and result["config"]["torch_threads"] == 1
    assert set(result["ours"]) == set(result["huggingface"]) == {"with_special_mask", "without_special_mask",
                                                                  "whole_word"}
    for name, details in result["details"].items():
        assert details["ours_sequences_per_s"] > 0 and details["huggingface_sequences_per_s"] > 0
        expected_ratio = details["huggingface_ms_per_batch"] / details["ours_ms_per_batch"]
        assert details["ratio"] == pytest.approx(expected_ratio, rel=0.01), name
    assert result["ratio"] == result["details"]["with_special_mask"]["ratio"]
    assert result["ratio_without_special_mask"] == result["details"]["without_special_mask"]["ratio"]
    assert result["ratio_whole_word"] == result["details"]["whole_word"]["ratio"]
    assert set(result["goals_met"]) == set(result["details"])


def test_build_features_makes_full_windows_with_consistent_columns():
    tokenizer = wordpiece_tokenizer()
    texts = ["the dog barked at me .", "paris is the capital of france .", "the cat sat on the mat ."]
    features = build_features(tokenizer, texts, sequences=5, seq_len=8)
    assert len(features) == 5
    for feature in features:
        ids = feature["input_ids"]
        assert len(ids) == len(feature["attention_mask"]) == len(feature["special_tokens_mask"]) == 8
        assert len(feature["offset_mapping"]) == 8
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
        assert feature["special_tokens_mask"] == [1, 0, 0, 0, 0, 0, 0, 1]
        starts = [start for start, _ in feature["offset_mapping"][1:-1]]
        assert starts == sorted(starts)  # offsets keep growing across paragraphs
    assert features[0]["input_ids"] != features[-1]["input_ids"]  # windows step through the corpus
    with pytest.raises(ValueError, match="fewer than one sequence"):
        build_features(tokenizer, ["a dog"], sequences=2, seq_len=64)
