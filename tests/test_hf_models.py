"""Any masked LM by Hub name, offline: tiny random BERT, DistilBERT, RoBERTa, XLM-R and ModernBERT models with their
own tokenizers sit in a Hugging Face cache laid out as the Hub client writes it, and every command runs on them by
name with ``HF_HUB_OFFLINE=1``: ``fill-mask``, ``eval``, ``train --init-from`` (continued pretraining in the course's
loop, whole-word masking fitted to each tokenizer) and ``finetune --init-from``; a name not in the cache fails at once
with the offline alternatives."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from _hub_fixtures import HUB_NAMES, build_hub_cache, toy_lines, use_hub_cache

from mlmcourse.cli import main

ARCHITECTURES = list(HUB_NAMES)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """(cache folder, {architecture: its folder}); the libraries point at the cache for this module's tests."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    cache, folders = build_hub_cache(tmp_path_factory.mktemp("hub"))
    with pytest.MonkeyPatch.context() as patch:
        use_hub_cache(patch, cache)
        yield cache, folders
    torch.set_num_threads(before)


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_cache_is_laid_out_as_the_hub_client_writes_it(hub):
    cache, _ = hub
    repo = cache / "models--distilroberta-base"
    commit = (repo / "refs" / "main").read_text()
    snapshot = repo / "snapshots" / commit
    assert len(commit) == 40 and (snapshot / "config.json").is_symlink()
    assert (cache / "models--FacebookAI--xlm-roberta-base" / "snapshots").is_dir()
    from mlmcourse.inference.loading import resolve_model_folder

    assert resolve_model_folder("distilroberta-base") == snapshot


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_fill_mask_by_hub_name_matches_the_pipeline(hub, architecture, capsys):
    from transformers import pipeline

    name = HUB_NAMES[architecture]
    assert main(["fill-mask", "--model", name, "--top-k", "3", "--json", "the <mask> barked at me ."]) == 0
    result = last_json(capsys)
    fill = pipeline("fill-mask", model=name)
    expected = fill(f"the {fill.tokenizer.mask_token} barked at me .", top_k=3)
    got = result["predictions"][0][0]
    assert result["engine"] == "torch" and [r["token"] for r in got] == [r["token"] for r in expected]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(got, expected, strict=True)) < 1e-5


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_eval_by_hub_name(hub, architecture, capsys):
    name = HUB_NAMES[architecture]
    assert main(["eval", "--model", name, "--n-texts", "20", "--n-probes", "5", "--n-pairs", "2", "--pll-texts", "4",
                 "--json"]) == 0
    result = last_json(capsys)
    assert result["model"] == name and 1 < result["perplexity"] < 10 * len(toy_lines())  # a random model: high
    assert result["n_probes"] > 0 and 0 <= result["minimal_pairs"]["accuracy"] <= 1


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_continued_pretraining_by_hub_name(hub, architecture, tmp_path):
    from transformers import AutoModelForMaskedLM, pipeline

    name = HUB_NAMES[architecture]
    corpus = tmp_path / "mine.txt"
    corpus.write_text("\n".join(toy_lines()[:400]))
    code = main(["train", "--init-from", name, "--corpus", str(corpus), "--masking", "whole_word", "--seq-len", "32",
                 "--batch-size", "8", "--max-steps", "3", "--warmup-steps", "1", "--lr", "1e-3", "--eval-every", "3",
                 "--threads", "1", "--no-progress", "--out", str(tmp_path / "run"), "--export", str(tmp_path / "out")])
    assert code == 0
    exported = json.loads((tmp_path / "out" / "config.json").read_text())
    original = AutoModelForMaskedLM.from_pretrained(name)
    assert exported["model_type"] == original.config.model_type
    adapted = AutoModelForMaskedLM.from_pretrained(str(tmp_path / "out"))
    changed = [key for key, tensor in original.state_dict().items()
               if not torch.equal(tensor, adapted.state_dict()[key])]
    assert changed, "three training steps changed no weight"
    fill = pipeline("fill-mask", model=str(tmp_path / "out"))
    assert len(fill(f"the {fill.tokenizer.mask_token} barked at me .", top_k=2)) == 2
    assert json.loads((tmp_path / "run" / "config.json").read_text())["init_from"] == name


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_finetune_by_hub_name_exports_a_pipeline_ready_classifier(hub, architecture, tmp_path, capsys):
    from transformers import pipeline

    from mlmcourse.finetune import classify
    from mlmcourse.finetune.models import AUTO_CLASSES
    from mlmcourse.model.auto import load_auto_model

    name = HUB_NAMES[architecture]
    rows = [json.dumps({"text": line, "label": "counting" if (" plus " in line or " minus " in line) else "other"})
            for line in toy_lines()[:600]]
    data = tmp_path / "mine.jsonl"
    data.write_text("\n".join(rows))
    code = main(["finetune", "--init-from", name, "--data", str(data), "--n-train", "64", "--max-steps", "4",
                 "--lr", "1e-3", "--threads", "1", "--json", "--out", str(tmp_path / "classifier")])
    assert code == 0
    summary = last_json(capsys)
    assert summary["n_train"] == 64 and summary["labels"] == ["counting", "other"] and 0 <= summary["accuracy"] <= 1
    model = load_auto_model(tmp_path / "classifier", AUTO_CLASSES["sequence"]).eval()
    assert model.config.model_type == json.loads((hub[1][architecture] / "config.json").read_text())["model_type"]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path / "classifier"))
    texts = list(toy_lines()[600:606])
    expected = pipeline("text-classification", model=str(tmp_path / "classifier"))(texts)
    got = classify(model, tokenizer, texts, ["counting", "other"])
    assert [r["label"] for r in got] == [r["label"] for r in expected]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(got, expected, strict=True)) < 1e-5


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_word_starts_from_the_vocabulary_match_the_tokenizers_words(hub, architecture):
    """Whole-word masking reads word starts from the vocabulary (## / Ġ / ▁); they must be the tokenizer's words."""
    from transformers import AutoTokenizer

    from mlmcourse.masking.words import starts_from_vocabulary, starts_from_word_ids, word_start_table
    from mlmcourse.training.batches import BatchMasker
    from mlmcourse.training.data import make_blocks

    tokenizer = AutoTokenizer.from_pretrained(HUB_NAMES[architecture])
    table = word_start_table(tokenizer)
    lines = list(toy_lines()[:200])
    encoded = tokenizer(lines, return_special_tokens_mask=True)
    pieces = 0
    for index, ids in enumerate(encoded["input_ids"]):
        word_ids = torch.tensor([[-1 if w is None else w for w in encoded.word_ids(index)]])
        special = torch.tensor([encoded["special_tokens_mask"][index]])
        from_vocabulary = starts_from_vocabulary(torch.tensor([ids]), special, table)
        assert torch.equal(from_vocabulary, starts_from_word_ids(word_ids)), tokenizer.convert_ids_to_tokens(ids)
        pieces += len(ids) - 2 - len(lines[index].split())
    assert pieces > 0, "no word was split into pieces: the test would not see whole-word masking at work"
    blocks = make_blocks(tokenizer, lines, seq_len=32, packing=True, progress=False)
    masker = BatchMasker(tokenizer, "whole_word", mask_prob=0.3)
    rows = blocks.rows(torch.arange(len(blocks)))
    batch = masker(rows, torch.Generator().manual_seed(0))
    starts = starts_from_vocabulary(rows["input_ids"], rows["special_tokens_mask"].bool(), table)
    word = torch.cumsum(starts.long(), dim=1)  # (batch, seq): a word number per token
    masked = batch["labels"] != -100
    for row in range(len(blocks)):
        for number in word[row][masked[row]].unique().tolist():
            members = (word[row] == number) & ~rows["special_tokens_mask"][row].bool()
            assert masked[row][members].all(), "a word was masked only in part"


@pytest.mark.slow
def test_hub_names_work_in_a_fresh_process_from_the_environment(hub, tmp_path):
    cache, _ = hub
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache), "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run([sys.executable, "-m", "mlmcourse.cli", "fill-mask", "--model", "distilroberta-base",
                                "--json", "the <mask> barked at me ."], capture_output=True, text=True, env=env,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1])["model"] == "distilroberta-base"


@pytest.mark.parametrize("command", [
    ["fill-mask", "--model", "someone/not-cached-model", "the <mask> barked ."],
    ["eval", "--model", "someone/not-cached-model", "--quick"],
    ["train", "--init-from", "someone/not-cached-model", "--max-steps", "1"],
    ["finetune", "--init-from", "someone/not-cached-model", "--task", "toyworld-truth"],
])
def test_a_name_not_in_the_cache_fails_at_once_naming_the_alternatives(hub, command, capsys):
    assert main(command) == 2
    error = capsys.readouterr().err
    assert "someone/not-cached-model" in error and "HF_HUB_OFFLINE=1" in error and "course checkpoint" in error
    assert "local model folder" in error


def test_a_roberta_folder_trains_and_its_positions_are_counted_right(hub, tmp_path):
    from mlmcourse.training import TrainConfig
    from mlmcourse.training.build import build_model, load_tokenizer

    _, folders = hub
    config = TrainConfig(init_from=str(folders["roberta"]), seq_len=64)
    tokenizer = load_tokenizer(config)
    model = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    assert type(model).__name__ == "RobertaForMaskedLM" and model.training
    assert model.config.hidden_dropout_prob == config.dropout
    with pytest.raises(ValueError, match="seq_len 65 is longer than the 64 positions"):
        build_model(TrainConfig(init_from=str(folders["roberta"]), seq_len=65), len(tokenizer))


def test_the_toy_world_recipe_keeps_lines_apart_only_for_the_course_model(hub, tmp_path, capsys):
    """The toy world's recipe packs whole lines that attend only to themselves, which needs our MaskedLM; a RoBERTa
    continues with one line per row instead, and says which class it trains as."""
    code = main(["train", "--init-from", "distilroberta-base", "--corpus", "toyworld", "--n-sentences", "400",
                 "--seq-len", "32", "--batch-size", "8", "--max-steps", "2", "--warmup-steps", "1", "--eval-every", "2",
                 "--threads", "1", "--no-progress", "--out", str(tmp_path / "run")])
    assert code == 0
    assert "trains as its transformers class" in capsys.readouterr().out
    assert json.loads((tmp_path / "run" / "config.json").read_text())["packing"] == "none"
    from mlmcourse.training import TrainConfig
    from mlmcourse.training.build import build_model

    with pytest.raises(ValueError, match="packing='lines'.*transformers class"):
        build_model(TrainConfig(init_from="distilroberta-base", packing="lines", seq_len=32), vocab_size=1)
