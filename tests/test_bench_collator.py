"""`mlmcourse bench collator --json --quick`: the JSON contract, and the sequences it times (never the speed)."""

from __future__ import annotations

import pytest
from _bench_contract import check_ratio, check_spread, last_json_line
from test_masking_tokenizers import wordpiece_tokenizer

from mlmcourse.bench.collator import build_features
from mlmcourse.cli import main


def test_quick_benchmark_prints_the_json_contract(capsys):
    assert main(["bench", "collator", "--json", "--quick", "--sequences", "256"]) == 0  # --quick keeps a given size
    result = last_json_line(capsys.readouterr().out)
    assert result["name"] == "collator"
    config = result["config"]
    assert (config["sequences"], config["seq_len"], config["batch_size"], config["repeats"]) == (256, 128, 32, 3)
    assert config["torch_threads"] == 1 and config["mask_prob"] == 0.15
    matchups = {"with_special_mask": result, "without_special_mask": result["without_special_mask"],
                "whole_word": result["whole_word"]}
    for name, matchup in matchups.items():
        ours, theirs = matchup["ours"], matchup["huggingface"]
        assert ours["config"]["collator"].endswith("MLMCollator")
        assert theirs["config"]["collator"].endswith("DataCollatorForLanguageModeling")
        # Equal work: every setting but the collator class is the same on both sides.
        differing = {key for key in ours["config"] if ours["config"][key] != theirs["config"][key]}
        assert differing == {"collator"}, name
        assert ours["config"]["whole_word"] is (name == "whole_word")
        assert ours["config"]["special_tokens_mask_precomputed"] is (name != "without_special_mask")
        for side in (ours, theirs):
            check_spread(side["ms_per_batch"], repeats=3)
            assert 0.12 < side["masked_share"] < 0.18  # both mask about 15% of the maskable tokens
            assert side["mask_token_share"] == (1.0 if name == "whole_word" else pytest.approx(0.8, abs=0.03))
            assert side["sequences_per_s"] == pytest.approx(256 * 1000 / (side["ms_per_batch"]["median"] * 8),
                                                            rel=1e-2)
        check_ratio(matchup["ratio"], theirs["ms_per_batch"]["median"], ours["ms_per_batch"]["median"])
    assert "special_tokens_mask precomputed" in result["ratio_is"]
    assert set(result["goals_met"]) == set(matchups)


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
