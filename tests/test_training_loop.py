"""The training loop end to end on a tiny model (CPU, one thread): learning, exact resume after a real kill,
NaN handling, time budget, output-folder safety, token-weighted evaluation, and the ``mlmcourse train`` CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from training_support import small_texts, small_tokenizer, tiny_config

from mlmcourse.cli import CourseError, main
from mlmcourse.training import Callback, StopAfter, TrainingDiverged, latest_checkpoint, train
from mlmcourse.training.batches import BatchMasker, make_eval_batches
from mlmcourse.training.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from mlmcourse.training.data import make_blocks
from mlmcourse.training.evaluation import evaluate

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> Path:
    """One tokenizer on disk, so a child process loads exactly the same one."""
    folder = tmp_path_factory.mktemp("tokenizer")
    small_tokenizer().save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tokenizer_dir):
    """An uninterrupted 8-step run (checkpoints at steps 4 and 8) that the resumed runs must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    return train(tiny_config(out_dir=str(out), tokenizer=str(tokenizer_dir)), texts=small_texts())


def _assert_same_run(result, expected) -> None:
    ours, theirs = result.model.state_dict(), expected.model.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours), "weights differ from the uninterrupted run"
    assert [entry["loss"] for entry in result.history] == [entry["loss"] for entry in expected.history]
    assert result.evals[-1]["loss"] == expected.evals[-1]["loss"]
    assert result.steps == expected.steps == 8


def test_training_learns_and_writes_its_outputs(reference):
    losses = [entry["loss"] for entry in reference.history]
    assert len(losses) == 4 and losses[-1] < losses[0] - 0.5  # from ~log(120) = 4.8 down
    assert [e["step"] for e in reference.evals] == [4, 8]
    assert reference.evals[-1]["loss"] < reference.evals[0]["loss"]
    assert reference.stop_reason == "max_steps" and reference.tokens_seen == 8 * 16 * 24
    out = Path(reference.out_dir)
    assert [p.name for p in list_checkpoints(out / "checkpoints")] == ["step-000004", "step-000008"]
    assert (out / "config.json").is_file() and (out / "model" / "model.safetensors").is_file()
    assert reference.tokens_per_second > 0 and reference.flops_per_token > 0


def test_resume_after_a_real_kill_reproduces_the_uninterrupted_run(tmp_path, tokenizer_dir, reference):
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(TESTS_DIR)!r})
        from training_support import small_texts, tiny_config
        from mlmcourse.training import Callback, train

        class KillAfterCheckpoint(Callback):
            def on_checkpoint(self, state, path):
                if state.step == 4:
                    os.kill(os.getpid(), signal.SIGKILL)  # no clean-up, no final save

        train(tiny_config(out_dir={str(out)!r}, tokenizer={str(tokenizer_dir)!r}), [KillAfterCheckpoint()],
              texts=small_texts())
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert latest_checkpoint(out / "checkpoints").name == "step-000004"
    assert not (out / "model").exists()

    resumed = train(tiny_config(out_dir=str(out), tokenizer=str(tokenizer_dir), resume=True), texts=small_texts())
    _assert_same_run(resumed, reference)


def test_stop_by_callback_then_resume_matches_too(tmp_path, tokenizer_dir, reference):
    config = tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir), checkpoint_every=100)
    stopped = train(config, [StopAfter(3)], texts=small_texts())
    assert stopped.stop_reason == "stopped" and stopped.steps == 3
    assert latest_checkpoint(tmp_path / "checkpoints").name == "step-000003"  # saved on the way out
    resumed = train(tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir), checkpoint_every=100,
                                resume=True), texts=small_texts())
    assert resumed.model is not stopped.model
    ours, theirs = resumed.model.state_dict(), reference.model.state_dict()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours)
    assert resumed.evals[-1]["loss"] == reference.evals[-1]["loss"]


class _PoisonWeights(Callback):
    """Sets one weight to NaN after ``step`` steps, so the next step's loss is NaN."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, state) -> None:
        if state.step == self.step:
            with torch.no_grad():
                next(self.model.parameters()).view(-1)[0] = float("nan")


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint(tmp_path, tokenizer_dir,
                                                                                 reference):
    tokenizer = small_tokenizer()
    from mlmcourse.training.build import build_model

    config = tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir))
    torch.manual_seed(config.seed)
    poison = _PoisonWeights(step=5)
    poison.model = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    with pytest.raises(TrainingDiverged, match=r"loss became nan at step 6 .*step-000004.*lower --lr") as caught:
        train(config, [poison], texts=small_texts(), model=poison.model)
    assert caught.value.result.stop_reason == "diverged" and caught.value.result.steps == 5
    good = latest_checkpoint(tmp_path / "checkpoints")
    assert good.name == "step-000004"
    fresh = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    load_checkpoint(good, fresh, restore_rng=False)
    expected = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    load_checkpoint(Path(reference.out_dir) / "checkpoints" / "step-000004", expected, restore_rng=False)
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), expected.state_dict().values(),
                                                   strict=True))
    # A model with NaN weights is never written over a good checkpoint.
    with pytest.raises(ValueError, match="refusing to save a checkpoint at step 9"):
        save_checkpoint(tmp_path / "checkpoints", 9, poison.model, optimizer=None, scheduler=None, trainer_state={})


def test_time_budget_and_folder_safety(tmp_path, tokenizer_dir):
    config = tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir), max_minutes=1e-6, grad_accum=2)
    result = train(config, texts=small_texts())
    assert result.stop_reason == "max_minutes" and result.steps <= 1
    assert latest_checkpoint(tmp_path / "checkpoints") is not None  # the budget ends with a save
    with pytest.raises(CourseError, match="already holds checkpoints.*--resume"):
        train(tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir)), texts=small_texts())
    with pytest.raises(CourseError, match=r"different recipe \(lr: 0.002 -> 0.001\)"):
        train(tiny_config(out_dir=str(tmp_path), tokenizer=str(tokenizer_dir), lr=1e-3, grad_accum=2, resume=True),
              texts=small_texts())
    # A checkpoint write that was interrupted leaves only a hidden temp folder, which resume ignores.
    (tmp_path / "checkpoints" / ".tmp-step-000009-1234").mkdir()
    assert latest_checkpoint(tmp_path / "checkpoints").name.startswith("step-")


def test_grad_accumulation_consumes_micro_batches_in_order(tokenizer_dir):
    states = []

    class Record(Callback):
        def on_step_end(self, state):
            states.append((state.step, state.position))

    train(tiny_config(tokenizer=str(tokenizer_dir), grad_accum=3, max_steps=2, eval_every=2),
          [Record()], texts=small_texts())
    assert states == [(1, 3), (2, 6)]


def test_validation_loss_does_not_depend_on_the_batch_size(reference):
    tokenizer = small_tokenizer()
    blocks = make_blocks(tokenizer, small_texts()["validation"], seq_len=24, progress=False)
    masker = BatchMasker(tokenizer, "token", 0.15)
    device = torch.device("cpu")
    by_size = [evaluate(reference.model, make_eval_batches(blocks, masker, size, 40, seed=0), device)
               for size in (3, 7, 40)]
    assert by_size[0]["n_predicted"] == by_size[1]["n_predicted"] == by_size[2]["n_predicted"] > 0
    assert by_size[0]["loss"] == pytest.approx(by_size[2]["loss"], rel=1e-5)
    assert by_size[1]["loss"] == pytest.approx(by_size[2]["loss"], rel=1e-5)
    assert by_size[0]["accuracy"] == by_size[2]["accuracy"]


def test_cli_trains_exports_and_explains_errors(tmp_path, tokenizer_dir, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(small_texts(n_train=600)["train"]) + "\n")
    export = tmp_path / "export"
    code = main(["train", "--corpus", str(corpus), "--tokenizer", str(tokenizer_dir), "--max-steps", "4",
                 "--warmup-steps", "1", "--seq-len", "24", "--batch-size", "8", "--eval-every", "2",
                 "--out", str(tmp_path / "run"), "--export", str(export), "--threads", "1", "--no-progress"])
    assert code == 0
    card = (export / "README.md").read_text()
    assert f"mlmcourse train --corpus {corpus} --tokenizer {tokenizer_dir} --seq-len 24 --batch-size 8" in card
    assert "--max-steps 4" in card and "perplexity" in card
    from transformers import AutoModelForMaskedLM

    assert AutoModelForMaskedLM.from_pretrained(export).config.num_hidden_layers == 2
    assert main(["train", "--resume", "--no-progress"]) == 2
    assert "resume=True needs out_dir" in capsys.readouterr().err
