"""Exports are atomic: a model folder appears complete or not at all, and a re-export leaves nothing stale."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from training_support import small_texts, small_tokenizer

import mlmcourse.training.cli as train_cli
from mlmcourse.atomic import atomic_folder, replace_folder
from mlmcourse.cli import main
from mlmcourse.model import EncoderConfig, MaskedLM
from mlmcourse.model.io import NATIVE_CONFIG


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


def test_a_failed_write_leaves_the_old_folder_untouched(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "config.json").write_text('{"old": true}')
    with pytest.raises(RuntimeError, match="disk full"), atomic_folder(target) as staging:
        (staging / "config.json").write_text('{"new": true}')
        raise RuntimeError("disk full")
    assert json.loads((target / "config.json").read_text()) == {"old": True}
    assert siblings(target) == ["model"]  # no temporary folder left behind


def test_a_new_folder_replaces_the_old_one_whole_with_the_usual_permissions(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / NATIVE_CONFIG).write_text("{}")
    with atomic_folder(target) as staging:
        (staging / "config.json").write_text("{}")
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]
    assert siblings(target) == ["model"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o777 & ~umask  # not tempfile.mkdtemp's private 0700


def test_a_file_is_never_replaced_by_a_folder(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(NotADirectoryError):
        replace_folder(tmp_path / "new", tmp_path / "notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_save_pretrained_removes_the_other_layouts_config_but_not_a_run_recipe(tmp_path):
    pre_ln = MaskedLM(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1, pre_ln=True))
    post_ln = MaskedLM(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1))
    folder = tmp_path / "model"
    pre_ln.save_pretrained(folder)
    post_ln.save_pretrained(folder)  # into the same folder: the pre-LN config must not win on load
    assert not (folder / NATIVE_CONFIG).exists()
    assert MaskedLM.from_pretrained(folder).config.pre_ln is False
    pre_ln.save_pretrained(folder)
    assert not (folder / "config.json").exists() and MaskedLM.from_pretrained(folder).config.pre_ln is True
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text('{"corpus": "toyworld", "lr": 0.001}')  # a training recipe, not a model
    pre_ln.save_pretrained(run)
    assert json.loads((run / "config.json").read_text())["lr"] == 0.001


@pytest.fixture(scope="module")
def training_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("data")
    small_tokenizer().save_pretrained(folder / "tokenizer")
    (folder / "corpus.txt").write_text("\n".join(small_texts(n_train=300)["train"]) + "\n")
    return folder / "corpus.txt", folder / "tokenizer"


def train_and_export(training_files, export: Path, *extra: str) -> int:
    corpus, tokenizer = training_files
    return main(["train", "--corpus", str(corpus), "--tokenizer", str(tokenizer), "--max-steps", "1",
                 "--warmup-steps", "0", "--seq-len", "16", "--batch-size", "4", "--eval-every", "1",
                 "--eval-sequences", "8", "--threads", "1", "--no-progress", "--precision", "fp32",
                 "--export", str(export), *extra])


def test_re_exporting_with_overwrite_leaves_no_stale_file(training_files, tmp_path, capsys):
    export = tmp_path / "export"
    assert train_and_export(training_files, export, "--pre-ln") == 0
    assert (export / NATIVE_CONFIG).exists() and not (export / "config.json").exists()
    assert train_and_export(training_files, export) == 2  # not empty, no --overwrite: refused
    assert "add --overwrite" in capsys.readouterr().err
    assert train_and_export(training_files, export, "--no-pre-ln", "--overwrite") == 0
    assert not (export / NATIVE_CONFIG).exists()  # the pre-LN config is gone with the rest of the old export
    assert {"config.json", "model.safetensors", "README.md", "tokenizer.json"} <= {p.name for p in export.iterdir()}
    assert MaskedLM.from_pretrained(export).config.pre_ln is False
    from transformers import AutoModelForMaskedLM

    assert AutoModelForMaskedLM.from_pretrained(export).config.model_type == "bert"
    assert siblings(export) == ["export"]


def test_an_export_that_fails_half_way_keeps_the_previous_one(training_files, tmp_path, monkeypatch, capsys):
    export = tmp_path / "export"
    assert train_and_export(training_files, export) == 0
    before = {p.name: p.read_bytes() for p in export.iterdir()}

    def card_fails(*args, **kwargs):
        raise OSError(28, "No space left on device", "README.md")

    monkeypatch.setattr(train_cli, "model_card", card_fails)
    assert train_and_export(training_files, export, "--overwrite", "--seed", "1") == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in export.iterdir()} == before  # the weights were written, then dropped
    assert siblings(export) == ["export"]
