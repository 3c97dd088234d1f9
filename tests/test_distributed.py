"""Data-parallel training: 2 CPU processes (gloo, under torchrun) compute what 1 process computes.

Two processes with 4 sequences each and gradient accumulation 2 must train exactly like one process with 8: the same
losses step by step and the same final weights, up to float rounding. The tolerance (1e-5 on losses, 1e-5 on
weights) covers the different order of float additions in the gradient all-reduce; dropout is 0 because its random
draws differ per process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from mlmcourse.errors import CourseError
from mlmcourse.training import TrainState
from mlmcourse.training.distributed import shard

COMMON = ["train", "--corpus", "lines.txt", "--seq-len", "16", "--packing", "none", "--max-steps", "5",
          "--warmup-steps", "2", "--lr", "2e-3", "--dropout", "0", "--log-every", "1", "--eval-every", "100",
          "--checkpoint-every", "100", "--threads", "1", "--precision", "fp32", "--no-progress", "--mask-prob",
          "0.25", "--grad-accum", "2"]


def run_all(command: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group; on a timeout kill the whole group (torchrun's workers too)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{command[:6]} did not finish in 300 s: {stderr[-2000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def history(run: Path) -> tuple[list[float], dict]:
    latest = (run / "checkpoints" / "LATEST").read_text().strip()
    state = json.loads((run / "checkpoints" / latest / "state.json").read_text())["trainer"]
    return [entry["loss"] for entry in state["history"]], state


@pytest.mark.slow
def test_two_processes_train_exactly_like_one(tmp_path):
    lines = ["the dog barked at me .", "paris is the capital of france .", "the cats meow .",
             "two plus three is five ."] * 100
    (tmp_path / "lines.txt").write_text("\n".join(lines))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    two = run_all([*torchrun, "-m", "mlmcourse.cli", *COMMON, "--batch-size", "4", "--out", "two"], tmp_path, env)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "a global batch of 16 sequences per step" in two.stdout  # 4 per process x 2 processes x 2 micro-batches
    assert two.stdout.count("The model is in") == 1  # only the main process reports (and writes)
    one = run_all([sys.executable, "-m", "mlmcourse.cli", *COMMON, "--batch-size", "8", "--out", "one"], tmp_path, env)
    assert one.returncode == 0, one.stderr[-3000:]
    losses_two, state_two = history(tmp_path / "two")
    losses_one, state_one = history(tmp_path / "one")
    assert (state_two["world_size"], state_one["world_size"]) == (2, 1)
    assert len(losses_one) == 5 and losses_two == pytest.approx(losses_one, rel=1e-5)
    assert state_two["tokens_seen"] == state_one["tokens_seen"]  # tokens of all processes counted
    weights_two = load_file(tmp_path / "two" / "model" / "model.safetensors")
    weights_one = load_file(tmp_path / "one" / "model" / "model.safetensors")
    for name, tensor in weights_one.items():
        torch.testing.assert_close(weights_two[name], tensor, atol=1e-5, rtol=1e-5)
    assert sorted(p.name for p in (tmp_path / "two" / "checkpoints").iterdir()) == ["LATEST", "step-000005"]


def test_resume_with_another_number_of_processes_says_what_to_do():
    state = TrainState(max_steps=10, world_size=1)
    with pytest.raises(CourseError, match="trained on 2 process.*resumed on 1.*--num_processes 2"):
        state.restore({**TrainState(max_steps=10, world_size=2).to_saved()})
    state.restore(TrainState(max_steps=10, step=3).to_saved())
    assert state.step == 3


def test_shard_takes_contiguous_rows_and_refuses_uneven_batches():
    rows = {"input_ids": torch.arange(12).view(6, 2)}
    assert shard(rows, 0, 3)["input_ids"].tolist() == [[0, 1], [2, 3]]
    assert shard(rows, 2, 3)["input_ids"].tolist() == [[8, 9], [10, 11]]
    with pytest.raises(ValueError, match="does not split evenly"):
        shard(rows, 0, 4)
