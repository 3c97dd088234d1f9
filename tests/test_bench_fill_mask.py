"""The fill-mask benchmark's JSON contract, on a tiny checkpoint (speed itself is not asserted)."""

from __future__ import annotations

import json

import pytest
from _eval_fixtures import one_torch_thread, save_tiny_checkpoint

from mlmcourse.bench.fill_mask import masked_sentences
from mlmcourse.cli import main


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def test_masked_sentences_have_one_mask_and_are_seeded():
    texts = masked_sentences(20, "[MASK]", seed=3)
    assert len(texts) == 20 and all(text.split().count("[MASK]") == 1 for text in texts)
    assert all(text.endswith(" .") for text in texts)  # the final period is never masked
    assert texts == masked_sentences(20, "[MASK]", seed=3) != masked_sentences(20, "[MASK]", seed=4)


def test_bench_fill_mask_json_contract(tmp_path, capsys):
    folder = save_tiny_checkpoint(tmp_path / "model")
    assert main(["bench", "fill-mask", "--json", "--quick", "--n-sentences", "8", "--model", str(folder)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["name"] == "fill-mask"
    assert result["config"]["n_sentences"] == 8 and result["config"]["model"] == f"folder {folder}"
    for side in ("ours", "huggingface"):
        assert result[side]["sentences_per_s"] > 0 and result[side]["latency_ms"] > 0
    assert result["ratio"] == pytest.approx(result["huggingface"]["seconds"] / result["ours"]["seconds"])
    assert result["identical_topk"] is True
    assert result["max_score_difference"] < 1e-5
    assert result["ours"]["numpy_engine_latency_ms"] > 0  # a BERT folder: the NumPy engine applies
