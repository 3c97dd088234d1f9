"""`mlmcourse eval`: one JSON object with perplexity, probes against the Bayes floor and minimal pairs."""

from __future__ import annotations

import json
import math

import pytest
from _eval_fixtures import one_torch_thread, save_toyworld_checkpoint

from mlmcourse.cli import main

SMALL = ["--n-texts", "40", "--n-probes", "3", "--n-pairs", "2", "--pll-texts", "4"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_toyworld_checkpoint(tmp_path_factory.mktemp("toy") / "model")


def test_eval_json_contract(checkpoint, capsys):
    assert main(["eval", "--model", str(checkpoint), "--corpus", "toyworld", "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("perplexity", "loss", "top1", "top5", "pseudo_perplexity", "probe_ce", "bayes_floor", "gap_nats",
                "kl", "probe_accuracy", "per_phenomenon", "minimal_pairs"):
        assert key in result, key
    assert result["perplexity"] == pytest.approx(math.exp(result["loss"]))
    assert result["gap_nats"] == pytest.approx(result["probe_ce"] - result["bayes_floor"])
    assert [row["phenomenon"] for row in result["per_phenomenon"]][:2] == ["facts", "animals"]
    assert result["n_probes"] == 3 * len(result["per_phenomenon"])
    assert result["config"]["n_texts"] == 40 and result["model"] == str(checkpoint)
    assert 0 <= result["minimal_pairs"]["accuracy"] <= 1


def test_eval_matches_the_library(checkpoint, capsys):
    from mlmcourse.inference import load_model
    from mlmcourse.metrics import evaluate_mlm
    from mlmcourse.metrics.report import evaluation_texts

    assert main(["eval", "--model", str(checkpoint), "--json", *SMALL, "--n-probes", "0", "--pll-texts", "0"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    model, tokenizer = load_model(checkpoint)
    expected = evaluate_mlm(model, tokenizer, evaluation_texts("toyworld", 40), progress=False)
    assert result["loss"] == pytest.approx(expected["loss"], abs=1e-6)
    assert "per_phenomenon" not in result and "pseudo_perplexity" not in result


def test_eval_table_output(checkpoint, capsys):
    assert main(["eval", "--model", str(checkpoint), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "perplexity" in out and "Bayes floor" in out and "minimal pairs" in out
    assert "overall" in out and "agreement" in out


def test_eval_bad_model_is_a_clear_error(tmp_path, capsys):
    assert main(["eval", "--model", str(tmp_path / "nowhere" / "x"), "--quick"]) == 2
    assert "no folder" in capsys.readouterr().err
