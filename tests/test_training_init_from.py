"""Continued pretraining: ``TrainConfig.init_from`` / ``mlmcourse train --init-from DIR`` start a run from a trained
model folder (the first step of domain adaptation) instead of random weights.

Checked: the weights arrive unchanged (ours and Hugging Face's model), the run's dropout replaces the folder's, the
folder's own tokenizer is the default, a continued model starts where the checkpoint was (low loss) while a fresh
one starts at ~ln(V), the model card says what it continued, and bad input gets a clear error.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from _eval_fixtures import one_torch_thread, save_tiny_checkpoint

from mlmcourse.inference import course_checkpoint_dir, load_model
from mlmcourse.training import TrainConfig, train
from mlmcourse.training.build import build_model, load_tokenizer


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


def test_ours_starts_from_the_folder_weights_with_this_runs_dropout():
    folder = course_checkpoint_dir()
    reference, _ = load_model(folder)
    model = build_model(TrainConfig(init_from=str(folder), dropout=0.2, preset="base"), vocab_size=6144)
    assert model.training and model.config.dropout == 0.2 and model.config.attention_dropout == 0.2
    assert model.config.num_layers == reference.config.num_layers == 2  # the folder's shape, not preset="base"
    ours, theirs = model.state_dict(), reference.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours)


def test_hugging_face_model_starts_from_the_same_weights():
    folder = course_checkpoint_dir()
    reference, tokenizer = load_model(folder)
    hf_model = build_model(TrainConfig(init_from=str(folder), model="hf", dropout=0.0), vocab_size=len(tokenizer))
    batch = tokenizer(["the [MASK] barked at me ."], return_tensors="pt")
    hf_model.eval()
    with torch.no_grad():
        expected = reference(batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        got = hf_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    assert torch.allclose(got, expected, atol=1e-4), (got - expected).abs().max()


def test_the_folders_tokenizer_is_the_default(tmp_path):
    folder = save_tiny_checkpoint(tmp_path / "tiny")
    tokenizer = load_tokenizer(TrainConfig(init_from=str(folder)))
    saved = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
    assert tokenizer.get_vocab() == saved and len(tokenizer) < 6144  # not the course tokenizer
    assert len(load_tokenizer(TrainConfig())) == 6144  # without init_from: the course tokenizer


def test_a_continued_run_starts_where_the_checkpoint_was():
    from mlmcourse.corpora import load_corpus

    corpus = load_corpus("toyworld", n_sentences=600)
    texts = {"train": list(corpus["train"]["text"]), "validation": list(corpus["validation"]["text"])}
    common = dict(seq_len=16, packing=False, batch_size=16, max_steps=2, warmup_steps=1, lr=1e-5, eval_every=1,
                  eval_sequences=16, dropout=0.0, progress=False, num_threads=1)
    continued = train(TrainConfig(init_from=str(course_checkpoint_dir()), **common), texts=texts)
    fresh = train(TrainConfig(**common), texts=texts)
    assert continued.evals[0]["loss"] < 1.5, continued.evals  # the checkpoint's validation loss is ~0.5
    assert fresh.evals[0]["loss"] > math.log(6144) - 1.5, fresh.evals  # random weights: about ln(V) = 8.7


def test_command_line_records_what_it_continued(tmp_path, capsys):
    from mlmcourse.cli import main

    folder = save_tiny_checkpoint(tmp_path / "start")
    text = tmp_path / "mine.txt"
    text.write_text("\n".join(["the dog barked at me .", "paris is the capital of france ."] * 60))
    code = main(["train", "--corpus", str(text), "--init-from", str(folder), "--seq-len", "16", "--batch-size", "8",
                 "--max-steps", "2", "--warmup-steps", "1", "--eval-every", "1", "--threads", "1", "--no-progress",
                 "--out", str(tmp_path / "run"), "--export", str(tmp_path / "adapted")])
    assert code == 0
    card = (tmp_path / "adapted" / "README.md").read_text()
    assert f"continued from the model in `{folder}`" in card and f"--init-from {folder}" in card
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["init_from"] == str(folder)
    assert json.loads((tmp_path / "adapted" / "config.json").read_text())["vocab_size"] < 6144


def test_bad_input_gets_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json.*data/models/course-tiny"):
        build_model(TrainConfig(init_from=str(tmp_path / "nowhere")), vocab_size=6144)
    folder = save_tiny_checkpoint(tmp_path / "tiny")
    with pytest.raises(ValueError, match="vocabulary of .* tokens but the tokenizer has 6,144.*own tokenizer"):
        build_model(TrainConfig(init_from=str(folder)), vocab_size=6144)
    vocab = len(load_tokenizer(TrainConfig(init_from=str(folder))))
    with pytest.raises(ValueError, match="seq_len 64 is longer than the 32 positions"):
        build_model(TrainConfig(init_from=str(folder), seq_len=64), vocab_size=vocab)


def test_a_run_folder_answers_for_its_model(tmp_path, capsys):
    from mlmcourse.cli import main
    from mlmcourse.inference.loading import load_model

    text = tmp_path / "mine.txt"
    text.write_text("\n".join(["the dog barked at me .", "paris is the capital of france ."] * 60))
    assert main(["train", "--corpus", str(text), "--seq-len", "16", "--batch-size", "8", "--max-steps", "2",
                 "--warmup-steps", "1", "--threads", "1", "--no-progress", "--precision", "fp32",
                 "--out", str(tmp_path / "run")]) == 0
    said = capsys.readouterr().out
    assert f"The model is in {tmp_path / 'run' / 'model'}" in said and f"--model {tmp_path / 'run'}" in said
    model, _ = load_model(tmp_path / "run")  # the run folder stands for its model/
    assert model.config.vocab_size == 6144
    assert main(["fill-mask", "--model", str(tmp_path / "run"), "the [MASK] barked at me ."]) == 0
    assert "rank" in capsys.readouterr().out
