"""`mlmcourse bench train --quick --json`: the JSON contract (both sides measured, ratios consistent)."""

from __future__ import annotations

import json

import pytest

from mlmcourse.cli import main


def test_quick_bench_prints_one_json_object_with_both_sides(capsys):
    assert main(["bench", "train", "--json", "--quick"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["name"] == "train"
    config = result["config"]
    assert (config["preset"], config["steps"], config["mask_prob"], config["quick"]) == ("tiny", 6, 0.15, True)
    assert config["vocab_size"] >= 4000  # the course tokenizer's vocabulary
    for side in ("ours", "huggingface"):
        figures = result[side]
        assert figures["tokens_per_second"] > 0 and figures["flops_per_token"] > 0
        assert [e["step"] for e in figures["evals"]] == [3, 6]
        assert all(e["loss"] > 0 for e in figures["evals"])
    # Same shape, but our sparse head skips the vocabulary projection at 85 % of the positions.
    assert result["ours"]["flops_per_token"] < result["huggingface"]["flops_per_token"]
    assert result["ratio"] == pytest.approx(
        result["ours"]["tokens_per_second"] / result["huggingface"]["tokens_per_second"], rel=1e-2)
    reach = result["time_to_loss"]
    assert reach["target_loss"] == max(result["ours"]["final_validation_loss"],
                                       result["huggingface"]["final_validation_loss"])
    assert reach["fraction"] == pytest.approx(reach["ours_seconds"] / reach["huggingface_seconds"], rel=1e-2)
