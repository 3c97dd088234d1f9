"""`mlmcourse bench quality --quick --json`: a recipe trained with probe evaluations until a target gap."""

from __future__ import annotations

import pytest
from _bench_contract import last_json_line

from mlmcourse.bench.quality import BASELINE, RECIPES, recipe_config
from mlmcourse.cli import main


def test_quick_run_reports_the_probe_curve_and_tokens(capsys):
    assert main(["bench", "quality", "--json", "--quick", "--set", "mask_prob=0.3", "--target", "100"]) == 0
    result = last_json_line(capsys.readouterr().out)
    config = result["config"]
    assert config["train_config"]["mask_prob"] == 0.3 and config["train_config"]["packing"] == "lines"
    assert [point["step"] for point in result["curve"]] == [3]  # probes after step 3; a 100-nat target is met there
    assert result["reached"] and result["steps_to_quality"] == 3
    assert result["tokens_to_quality"] == 3 * config["positions_per_step"]
    assert 0 < result["real_tokens_to_quality"] <= result["tokens_to_quality"]
    assert result["ratio"] == pytest.approx(BASELINE["tokens_to_quality"] / result["tokens_to_quality"])
    assert result["baseline_tokens"] == BASELINE["tokens_to_quality"] == BASELINE["steps"] * 2_048


def test_recipes_and_changes():
    assert recipe_config("baseline", []).packing == "none" and RECIPES["baseline"]["seq_len"] == 16
    assert recipe_config("course", ["lr=0.003", "schedule=cosine"]).lr == 0.003
    with pytest.raises(ValueError, match="unknown recipe 'fast'"):
        recipe_config("fast", [])
    with pytest.raises(ValueError, match="FIELD=VALUE"):
        recipe_config("course", ["lr"])


def test_doctests():
    import doctest

    from mlmcourse.bench import quality

    result = doctest.testmod(quality)
    assert result.attempted >= 1 and result.failed == 0
