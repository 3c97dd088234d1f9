"""`mlmcourse bench train --quick --json`: the JSON contract (equal work, each side described, spreads, labels)."""

from __future__ import annotations

import json

import pytest

from mlmcourse.cli import main


def test_quick_bench_compares_equal_work_and_labels_the_rest(capsys):
    assert main(["bench", "train", "--json", "--quick"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["name"] == "train"
    config = result["config"]
    assert (config["mask_prob"], config["batch_size"], config["threads"], config["precision"]) == (0.15, 8, 1, "fp32")
    assert "dense head" in config["sides"]["huggingface"] and "dense head" in config["sides"]["ours"]
    for side in ("huggingface", "ours"):
        speed = result[side]["tokens_per_second"]
        assert speed["min"] <= speed["median"] <= speed["max"] and speed["median"] > 0
    # Equal work: both dense, so the same FLOPs per token; the ratio is the ratio of the medians.
    assert result["ours"]["flops_per_token"] == result["huggingface"]["flops_per_token"]
    assert result["ratio"] == pytest.approx(result["ours"]["tokens_per_second"]["median"]
                                            / result["huggingface"]["tokens_per_second"]["median"], abs=1e-3)
    sparse = result["sparse_head"]
    assert sparse["flops_per_token"] < result["ours"]["flops_per_token"] and sparse["flops_ratio"] > 1
    assert sparse["gain_over_dense"] == pytest.approx(sparse["tokens_per_second"]["median"]
                                                      / result["ours"]["tokens_per_second"]["median"], abs=1e-3)
    end_to_end = result["end_to_end"]
    assert "NOT equal work" in end_to_end["what"]
    assert end_to_end["ours_default"]["config"]["precision"] in ("fp32", "bf16")
    assert "time_to_loss" not in result  # the same steps on both sides: it was only 1 / ratio


def test_compile_flag_adds_an_eager_side_and_its_gain(capsys, monkeypatch):
    """The JSON contract of --compile (torch.compile itself replaced by the identity: compiling takes minutes)."""
    import torch

    compiled = []
    monkeypatch.setattr(torch, "compile", lambda model, **kwargs: compiled.append(model) or model)
    assert main(["bench", "train", "--json", "--quick", "--compile", "--no-end-to-end"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert compiled, "--compile must reach torch.compile"
    assert result["config"]["compile"] is True
    eager = result["compile"]["ours_eager"]["tokens_per_second"]
    assert eager["min"] <= eager["median"] <= eager["max"] and eager["median"] > 0
    assert result["compile"]["gain_over_eager"] == pytest.approx(
        result["ours"]["tokens_per_second"]["median"] / eager["median"], abs=1e-3)
