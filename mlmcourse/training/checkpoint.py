"""Checkpoints that survive a crash and resume a run exactly, with no pickles.

What it teaches: to continue a run as if it had never stopped, a checkpoint needs more than the weights: the
optimizer's moment estimates, the scheduler's step, the random number generators (dropout!) of torch, numpy and
Python, and the data position. Two habits make it safe:

- *Atomic writes*: everything is written into a hidden temporary folder, which is then renamed into place with
  ``os.replace`` (a rename is atomic on one file system). A crash mid-write leaves a stray temp folder, never a
  half-written checkpoint; the ``LATEST`` pointer file is replaced the same way.
- *No pickles*: ``torch.save`` pickles, and unpickling runs code. Weights go to safetensors; the optimizer's state
  is split by :func:`flatten_state` into tensors (safetensors) and everything else (JSON).

Layout: ``checkpoints/step-000100/{model.safetensors, optimizer.safetensors, state.safetensors, state.json}``
and ``checkpoints/LATEST`` naming the newest one.

What it simplifies: one process (no sharded optimizer states); old checkpoints are pruned to the last few.

Production twins: ``Trainer._save_checkpoint`` (which pickles optimizer and RNG states) and Accelerate's
``save_state`` / ``load_state``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.torch
import torch

from mlmcourse.errors import CourseError, reading_weights

LATEST = "LATEST"


def flatten_state(value: Any, prefix: str = "", tensors: dict[str, torch.Tensor] | None = None):
    """Split a nested state (dicts, lists, tuples, tensors, numpy arrays, numbers) into tensors and JSON.

    Returns ``(tensors, json_value)``: every tensor is replaced by ``{"__tensor__": key}``; dicts with non-string
    keys (an optimizer's ``{0: ..., 1: ...}``) become ``{"__items__": [[key, value], ...]}``; tuples
    ``{"__tuple__": [...]}``. :func:`unflatten_state` reverses it.

    >>> tensors, rest = flatten_state({"step": 3, "state": {0: {"exp_avg": torch.tensor([1.0, 2.0])}}})
    >>> list(tensors), rest
    (['state.0.exp_avg'], {'step': 3, 'state': {'__items__': [[0, {'exp_avg': {'__tensor__': 'state.0.exp_avg'}}]]}})
    """
    tensors = {} if tensors is None else tensors
    dot = f"{prefix}." if prefix else ""
    if isinstance(value, torch.Tensor):
        tensors[prefix] = value.detach().cpu().contiguous().clone()
        return tensors, {"__tensor__": prefix}
    if isinstance(value, np.ndarray):
        tensors[prefix] = torch.from_numpy(value.astype(np.int64) if value.dtype == np.uint32 else value.copy())
        return tensors, {"__ndarray__": prefix, "dtype": str(value.dtype)}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return tensors, {key: flatten_state(item, f"{dot}{key}", tensors)[1] for key, item in value.items()}
        return tensors, {"__items__": [[key, flatten_state(item, f"{dot}{key}", tensors)[1]]
                                       for key, item in value.items()]}
    if isinstance(value, list | tuple):
        items = [flatten_state(item, f"{dot}{index}", tensors)[1] for index, item in enumerate(value)]
        return tensors, ({"__tuple__": items} if isinstance(value, tuple) else items)
    if value is None or isinstance(value, bool | int | float | str):
        return tensors, value
    raise TypeError(f"cannot store {type(value).__name__} at {prefix!r} without pickling; "
                    "checkpoints hold tensors, numbers, strings, lists and dicts only")


def unflatten_state(json_value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of :func:`flatten_state`.

    >>> tensors, rest = flatten_state({"betas": (0.9, 0.98), 0: torch.tensor(1.0)})
    >>> unflatten_state(rest, tensors)
    {'betas': (0.9, 0.98), 0: tensor(1.)}
    """
    if isinstance(json_value, list):
        return [unflatten_state(item, tensors) for item in json_value]
    if not isinstance(json_value, dict):
        return json_value
    if "__tensor__" in json_value:
        return tensors[json_value["__tensor__"]]
    if "__ndarray__" in json_value:
        return tensors[json_value["__ndarray__"]].numpy().astype(json_value["dtype"])
    if "__tuple__" in json_value:
        return tuple(unflatten_state(item, tensors) for item in json_value["__tuple__"])
    if "__items__" in json_value:
        return {key: unflatten_state(item, tensors) for key, item in json_value["__items__"]}
    return {key: unflatten_state(item, tensors) for key, item in json_value.items()}


def capture_rng_state() -> dict[str, Any]:
    """The state of every random generator training touches: torch (CPU and CUDA), numpy, Python."""
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                             "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put back what :func:`capture_rng_state` took."""
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _save_flat(value: Any, folder: Path, name: str) -> None:
    tensors, rest = flatten_state(value)
    safetensors.torch.save_file(tensors, str(folder / f"{name}.safetensors"))
    (folder / f"{name}.json").write_text(json.dumps(rest))


def _load_flat(folder: Path, name: str) -> Any:
    with reading_weights(folder / f"{name}.safetensors"):
        tensors = safetensors.torch.load_file(str(folder / f"{name}.safetensors"))
    return unflatten_state(json.loads((folder / f"{name}.json").read_text()), tensors)


def _write_text_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text)
    os.replace(temporary, path)


def save_checkpoint(
    checkpoints_dir: str | Path,
    step: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    trainer_state: dict[str, Any],
    scaler: torch.amp.GradScaler | None = None,
    keep_last: int = 2,
) -> Path:
    """Write ``checkpoints_dir/step-NNNNNN`` atomically, point ``LATEST`` at it, prune older ones.

    ``trainer_state`` is anything JSON-able the loop needs (step, data position, history, ...).
    Refuses (ValueError) to save weights that contain NaN or inf, so a diverged run cannot overwrite good ones.
    """
    if not all(torch.isfinite(parameter).all() for parameter in model.parameters()):
        raise CourseError(f"refusing to save a checkpoint at step {step}: the weights contain NaN or inf")
    checkpoints_dir = Path(checkpoints_dir)
    checkpoints_dir.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:06d}"
    final = checkpoints_dir / name
    temporary = checkpoints_dir / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    safetensors.torch.save_model(model, str(temporary / "model.safetensors"))  # handles tied weights
    _save_flat(optimizer.state_dict(), temporary, "optimizer")
    extra = {"scheduler": scheduler.state_dict(), "scaler": scaler.state_dict() if scaler else None,
             "rng": capture_rng_state(), "trainer": trainer_state}
    _save_flat(extra, temporary, "state")
    if final.exists():  # the same step saved twice (e.g. stop right after a resume): swap it out
        shutil.rmtree(final)
    os.replace(temporary, final)
    _write_text_atomically(checkpoints_dir / LATEST, name)
    for old in list_checkpoints(checkpoints_dir)[:-keep_last] if keep_last > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(checkpoints_dir: str | Path) -> list[Path]:
    """Complete checkpoint folders, oldest first (temporary folders of an interrupted write are ignored)."""
    checkpoints_dir = Path(checkpoints_dir)
    if not checkpoints_dir.is_dir():
        return []
    return sorted(path for path in checkpoints_dir.glob("step-*") if (path / "state.json").is_file())


def latest_checkpoint(checkpoints_dir: str | Path) -> Path | None:
    """The folder ``LATEST`` names, or the newest complete one if the pointer is missing; None if there is none."""
    checkpoints_dir = Path(checkpoints_dir)
    pointer = checkpoints_dir / LATEST
    if pointer.is_file():
        named = checkpoints_dir / pointer.read_text().strip()
        if (named / "state.json").is_file():
            return named
    found = list_checkpoints(checkpoints_dir)
    return found[-1] if found else None


def load_checkpoint(
    folder: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Load a checkpoint into the given objects (in place); return the loop's ``trainer_state``."""
    folder = Path(folder)
    if not (folder / "state.json").is_file():
        raise FileNotFoundError(f"{folder} is not a complete checkpoint (no state.json); "
                                f"checkpoints found: {[p.name for p in list_checkpoints(folder.parent)]}")
    try:  # load_model knows that tied weights (embeddings = decoder) are stored once
        missing, unexpected = safetensors.torch.load_model(model, str(folder / "model.safetensors"), strict=False)
    except RuntimeError as error:  # shape mismatch
        missing, unexpected = [str(error).splitlines()[-1].strip()], []
    if missing or unexpected:
        raise CourseError(f"the checkpoint in {folder} does not fit this model (missing {sorted(missing)[:3]}, "
                          f"unexpected {sorted(unexpected)[:3]}); resume with the same preset and tokenizer")
    extra = _load_flat(folder, "state")
    if optimizer is not None:
        optimizer.load_state_dict(_load_flat(folder, "optimizer"))
    if scheduler is not None:
        scheduler.load_state_dict(extra["scheduler"])
    if scaler is not None and extra["scaler"] is not None:
        scaler.load_state_dict(extra["scaler"])
    if restore_rng:
        restore_rng_state(extra["rng"])
    return extra["trainer"]

