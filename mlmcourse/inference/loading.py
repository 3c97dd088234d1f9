"""Where a model comes from: the course checkpoint, a local folder, or a Hugging Face Hub name.

Teaches: a Hugging Face model is a folder (``config.json`` + ``model.safetensors`` + tokenizer files); a Hub name
is the same folder, downloaded and cached. Loading is safe only from safetensors (a pickle can run code) and
without ``trust_remote_code``. Offline, a Hub name works only if it is already in the cache; otherwise we fail
at once, with the offline alternative, instead of waiting on the network.
Simplifies: masked LMs only; one engine choice (``"torch"`` or the PyTorch-free ``"numpy"`` engine).
Mirrors: ``AutoModelForMaskedLM.from_pretrained`` / ``AutoTokenizer.from_pretrained`` with
``use_safetensors=True``; our own ``MaskedLM.from_pretrained`` for BERT-format folders.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path
from typing import Any

from mlmcourse import config
from mlmcourse.errors import CourseError, reading_weights

COURSE_CHECKPOINT = "course-tiny"
HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
NATIVE_CONFIG = "mlmcourse_config.json"  # our pre-LN models' own layout (mlmcourse.model.hf)
TRAIN_HINT = ("create it with `mlmcourse train --corpus toyworld --preset tiny --out runs/course-tiny "
              "--export data/models/course-tiny` (the exact recipe is in the README), or pass a folder or a Hub "
              "name (--model)")


def course_checkpoint_dir() -> Path:
    """``data/models/course-tiny/``: the small model trained on the toy world that ships with the course."""
    return config.models_dir() / COURSE_CHECKPOINT


def load_model(name_or_path: str | Path | None = None, *, engine: str = "torch") -> tuple[Any, Any]:
    """(model, tokenizer) from a local Hugging Face folder or a Hub name; default: the course checkpoint.

    ``engine="torch"`` gives our :class:`~mlmcourse.model.MaskedLM` for BERT-format folders (the course's own
    model) and ``AutoModelForMaskedLM`` for anything else; ``engine="numpy"`` gives the PyTorch-free
    :class:`~mlmcourse.inference.numpy_bert.NumpyBert` with a light tokenizer (BERT folders only).
    The model is returned in eval mode.
    """
    if engine not in ("torch", "numpy"):
        raise ValueError(f"engine must be 'torch' or 'numpy', got {engine!r}.")
    if name_or_path is None:
        folder = course_checkpoint_dir()
        if not any((folder / name).exists() for name in ("config.json", NATIVE_CONFIG)):
            raise CourseError(f"the course checkpoint {folder} is missing; {TRAIN_HINT}.")
        return _load_folder(folder, engine)
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CourseError(f"{path} is a file; pass the folder that holds config.json and model.safetensors.")
        return _load_folder(run_model_folder(path), engine)
    name = str(name_or_path)
    if not HUB_NAME.match(name) or name.startswith((".", "~")):
        raise FileNotFoundError(f"no folder {name!r}; pass an existing model folder, a Hub name such as "
                                f"'distilroberta-base', or nothing for the course checkpoint ({course_checkpoint_dir()}).")
    if engine == "numpy":
        raise CourseError("the NumPy engine reads local folders only; use engine='torch' for Hub names.")
    return _load_hub(name)


def run_model_folder(folder: Path) -> Path:
    """A training run's folder means the model it saved: ``runs/x`` -> ``runs/x/model`` (a model folder stays).

    A run folder holds the run's ``config.json`` (its recipe) and ``model/``; a model folder holds the weights.
    """
    if not list(folder.glob("*.safetensors")) and (folder / "model" / "config.json").exists():
        return folder / "model"
    return folder


def read_config(folder: Path) -> dict:
    """``config.json`` of a model folder, with safety checks (safetensors present, no remote code)."""
    config_path = folder / "config.json"
    if (folder / NATIVE_CONFIG).exists() and not config_path.exists():
        config_path = folder / NATIVE_CONFIG
    if not config_path.exists():
        raise FileNotFoundError(f"{folder} has no config.json; is it a Hugging Face model folder? "
                                "(written by model.save_pretrained(folder))")
    weights = list(folder.glob("*.safetensors")) + list(folder.glob("model.safetensors.index.json"))
    if not weights:
        pickled = [p.name for p in folder.glob("*.bin")] + [p.name for p in folder.glob("*.pt")]
        detail = f" (found only {', '.join(pickled)}: pickles can run code when loaded)" if pickled else ""
        raise CourseError(f"{folder} has no model.safetensors{detail}; the course loads safetensors only. "
                          "Re-save the model with model.save_pretrained(folder) (safetensors is the default).")
    model_config = json.loads(config_path.read_text(encoding="utf-8"))
    if model_config.get("auto_map"):
        raise CourseError(f"{folder} needs custom code (auto_map in config.json); the course never runs "
                          "trust_remote_code. Use a standard architecture such as BertForMaskedLM.")
    return model_config


def _is_bert_mlm(model_config: dict) -> bool:
    return model_config.get("model_type") == "bert" and "BertForMaskedLM" in model_config.get("architectures", [])


def _is_ours(folder: Path, model_config: dict) -> bool:
    """Folders our MaskedLM reads: BertForMaskedLM with one safetensors file, or our pre-LN layout."""
    if (folder / NATIVE_CONFIG).exists():
        return True
    return _is_bert_mlm(model_config) and (folder / "model.safetensors").exists()


def _load_folder(folder: Path, engine: str) -> tuple[Any, Any]:
    model_config = read_config(folder)
    if engine == "numpy":
        if not (_is_bert_mlm(model_config) and (folder / "model.safetensors").exists()
                and (folder / "tokenizer.json").exists()):
            raise CourseError(f"the NumPy engine reads BertForMaskedLM folders with model.safetensors and "
                              f"tokenizer.json; {folder} is not one. Use engine='torch' (--engine torch).")
        from mlmcourse.inference.light_tokenizer import LightTokenizer
        from mlmcourse.inference.numpy_bert import NumpyBert

        return NumpyBert.from_pretrained(folder), LightTokenizer(folder)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    if _is_ours(folder, model_config):
        from mlmcourse.model import MaskedLM

        model = MaskedLM.from_pretrained(folder)
    else:
        from transformers import AutoModelForMaskedLM

        with reading_weights(folder / "model.safetensors"):
            model = AutoModelForMaskedLM.from_pretrained(folder, use_safetensors=True)
    return model.eval(), tokenizer


def hub_reachable(timeout: float = 1.5) -> bool:
    """True when huggingface.co accepts a connection within ``timeout`` seconds (never waits longer).

    The name look-up (DNS) has no timeout of its own, so the whole attempt runs in a daemon thread.
    """
    answer: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection(("huggingface.co", 443), timeout=timeout):
                answer.append(True)
        except OSError:
            answer.append(False)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer and answer[0])


def _load_hub(name: str) -> tuple[Any, Any]:
    offline = config.hub_offline()
    online = not offline and hub_reachable()
    if not online:
        # Check the cache before importing transformers (seconds): an unknown name fails at once.
        from huggingface_hub import try_to_load_from_cache

        if not isinstance(try_to_load_from_cache(name, "config.json"), str):
            why = ("the Hugging Face Hub is switched off (HF_HUB_OFFLINE=1)" if offline
                   else "huggingface.co cannot be reached")
            raise CourseError(f"cannot load the Hub model {name!r}: {why} and it is not in the local cache. "
                              f"Use the course checkpoint instead (omit --model: {course_checkpoint_dir()}) or "
                              "a local model folder; online, the first use of a Hub name downloads it.")
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    try:
        # Offline (or unreachable), only the local cache is consulted: no network call can hang.
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=not online)
        model = AutoModelForMaskedLM.from_pretrained(name, use_safetensors=True, local_files_only=not online)
    except OSError as error:
        raise CourseError(f"cannot load the Hub model {name!r} ({error}). Use the course checkpoint instead "
                          f"(omit --model: {course_checkpoint_dir()}) or a local model folder.") from None
    return model.eval(), tokenizer
