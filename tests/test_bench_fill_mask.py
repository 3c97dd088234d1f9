"""The fill-mask benchmark's JSON contract, on a tiny checkpoint (speed itself is never asserted)."""

from __future__ import annotations

import pytest
from _bench_contract import check_ratio, check_spread, last_json_line
from _eval_fixtures import one_torch_thread, save_tiny_checkpoint

from mlmcourse.bench.fill_mask import masked_sentences, numpy_engine_side
from mlmcourse.cli import main


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def test_masked_sentences_have_one_mask_and_are_seeded():
    texts = masked_sentences(20, "[MASK]", seed=3)
    assert len(texts) == 20 and all(text.split().count("[MASK]") == 1 for text in texts)
    assert all(text.endswith(" .") for text in texts)  # the final period is never masked
    assert texts == masked_sentences(20, "[MASK]", seed=3) != masked_sentences(20, "[MASK]", seed=4)


@pytest.mark.slow  # imports the pipeline machinery: several seconds on a busy machine
def test_bench_fill_mask_compares_at_the_same_batch_size(tmp_path, capsys):
    folder = save_tiny_checkpoint(tmp_path / "model")
    assert main(["bench", "fill-mask", "--json", "--quick", "--n-sentences", "8", "--batch-size", "4",
                 "--model", str(folder)]) == 0
    result = last_json_line(capsys.readouterr().out)
    config = result["config"]
    assert result["name"] == "fill-mask"
    assert (config["n_sentences"], config["batch_size"], config["repeats"], config["latency_repeats"]) == (8, 4, 3, 5)
    assert config["model"] == f"folder {folder}"
    for side in ("ours", "huggingface"):
        side_config = result[side]["config"]
        # Equal work: the same batch size, model object, precision and threads on both sides.
        assert side_config["batch_size"] == 4 and side_config["threads"] == config["threads"] == 1
        assert side_config["precision"] == "float32" and "same object" in side_config["model"]
        assert {"runs", "head", "device"} <= set(side_config)
        check_spread(result[side]["ms_per_pass"], repeats=3)
        check_spread(result[side]["latency_ms"], repeats=5)
        assert result[side]["sentences_per_s"] == pytest.approx(8000 / result[side]["ms_per_pass"]["median"],
                                                                rel=1e-2)
    assert "batch_size=4" in result["huggingface"]["config"]["runs"]
    check_ratio(result["ratio"], result["huggingface"]["ms_per_pass"]["median"],
                result["ours"]["ms_per_pass"]["median"])
    check_ratio(result["latency_ratio"], result["huggingface"]["latency_ms"]["median"],
                result["ours"]["latency_ms"]["median"])
    assert "batch size 4" in result["ratio_is"]
    assert result["identical_topk"] is True and result["max_score_difference"] < 1e-5
    # The pipeline at its default batch size is a separate, labelled figure.
    default = result["vs_pipeline_default_batch"]
    assert default["config"]["batch_size"] == 1 and "NOT equal work" in default["what"]
    check_spread(default["ms_per_pass"], repeats=3)
    check_ratio(default["ratio"], default["ms_per_pass"]["median"], result["ours"]["ms_per_pass"]["median"])
    assert default["identical_topk"] is True
    # A BERT folder with tokenizer.json: the NumPy engine applies, is timed alongside, and agrees.
    numpy_engine = result["numpy_engine"]
    assert numpy_engine["run"] is True and numpy_engine["identical_topk"] is True
    check_spread(numpy_engine["latency_ms"], repeats=5)


def test_numpy_engine_says_why_it_is_not_run(tmp_path):
    folder = save_tiny_checkpoint(tmp_path / "model")
    (folder / "tokenizer.json").unlink()  # the NumPy engine needs it
    entry, answer = numpy_engine_side(folder, top_k=3)
    assert entry["run"] is False and "tokenizer.json" in entry["why"] and answer is None


def test_numpy_engine_failure_is_an_error_not_skipped(tmp_path):
    folder = save_tiny_checkpoint(tmp_path / "model")
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")  # applies, then fails to load
    with pytest.raises(Exception, match="deserializing header"):  # safetensors' error, not swallowed
        numpy_engine_side(folder, top_k=3)
