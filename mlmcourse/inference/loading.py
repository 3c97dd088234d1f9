"""Where a model comes from: the course checkpoint, a local folder, or a Hugging Face Hub name.

Teaches: a Hugging Face model is a folder (``config.json`` + ``model.safetensors`` + tokenizer files); a Hub name
is the same folder, downloaded once into the Hugging Face cache
(``$HF_HUB_CACHE/models--ORG--NAME/snapshots/<commit>/``) and read from there (:func:`resolve_model_folder`).
Loading is safe only from safetensors (a pickle can run code) and without ``trust_remote_code``. Offline, a Hub name works only if it is already in the cache; otherwise we fail
at once, with the offline alternative, instead of waiting on the network.
Simplifies: masked LMs only; one engine choice (``"torch"`` or the PyTorch-free ``"numpy"`` engine).
Mirrors: ``AutoModelForMaskedLM.from_pretrained`` / ``AutoTokenizer.from_pretrained`` with
``use_safetensors=True``; our own ``MaskedLM.from_pretrained`` for BERT-format folders;
``huggingface_hub.snapshot_download`` / ``try_to_load_from_cache`` for Hub names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mlmcourse import config
from mlmcourse.config import hub_reachable
from mlmcourse.errors import CourseError, reading_weights

COURSE_CHECKPOINT = "course-tiny"
HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
NATIVE_CONFIG = "mlmcourse_config.json"  # our pre-LN models' own layout (mlmcourse.model.hf)
TRAIN_RECIPE = ("`mlmcourse train --corpus toyworld --preset tiny --out runs/course-tiny --export "
                "data/models/course-tiny` (the exact recipe is in the README)")
TRAIN_HINT = (f"create it with {TRAIN_RECIPE} in a terminal, or load a model folder or a Hub name: "
              "load_model('FOLDER or NAME')")
TRAIN_HINT_CLI = f"create it with {TRAIN_RECIPE}, or pass a folder or a Hub name (--model)"


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
        raise CourseError(f"engine must be 'torch' or 'numpy', got {engine!r}.")
    if name_or_path is None:
        folder = course_checkpoint_dir()
        if not any((folder / name).exists() for name in ("config.json", NATIVE_CONFIG)):
            raise CourseError(f"the course checkpoint {folder} is missing; {TRAIN_HINT}.",
                              command_line=f"the course checkpoint {folder} is missing; {TRAIN_HINT_CLI}.")
        return _load_folder(folder, engine)
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CourseError(f"{path} is a file; pass the folder that holds config.json and model.safetensors.")
        return _load_folder(run_model_folder(path), engine)
    name = str(name_or_path)
    if looks_like_folder(name):
        raise FileNotFoundError(f"no folder {name!r}{_did_you_mean(path)}; give an existing model folder, a Hub "
                                f"name such as 'distilroberta-base', or no name for the course checkpoint "
                                f"({course_checkpoint_dir()}).")
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


def looks_like_folder(name: str) -> bool:
    """True when a model name can only mean a local folder, so a missing one is a typo, not a Hub model.

    A Hub name is ``NAME`` or ``ORG/NAME``; a path starts with ``.``, ``~`` or ``/``, has more parts, a
    backslash, or starts with a folder that exists here (``runs/mine`` when there is a ``runs/``).

    >>> looks_like_folder("distilroberta-base"), looks_like_folder("FacebookAI/roberta-base")
    (False, False)
    >>> looks_like_folder("data/models/cours-tiny"), looks_like_folder("./mine"), looks_like_folder("~/mine")
    (True, True, True)
    """
    if not HUB_NAME.match(name) or name.startswith((".", "~")):
        return True
    first, _, rest = name.partition("/")
    return bool(rest) and Path(first).is_dir()


def _did_you_mean(path: Path) -> str:
    """" (did you mean 'x'?)" when a sibling folder of the missing `path` has a close name, else ""."""
    import difflib

    parent = path.parent
    if not parent.is_dir():
        return ""
    siblings = [child.name for child in parent.iterdir() if child.is_dir()]
    close = difflib.get_close_matches(path.name, siblings, n=1, cutoff=0.75)
    return f" (did you mean {str(parent / close[0])!r}?)" if close else ""


def _use_instead(problem: str) -> CourseError:
    """`problem` plus what to load instead, in Python words; the CLI prints the ``--model`` version."""
    folder = course_checkpoint_dir()
    return CourseError(
        f"{problem} Use the course checkpoint instead (load_model() with no name: {folder}) or a local model "
        "folder: load_model('FOLDER').",
        command_line=f"{problem} Use the course checkpoint instead (omit --model: {folder}) or a local model "
                     "folder (--model FOLDER).")


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


def is_ours(folder: Path, model_config: dict) -> bool:
    """Folders our MaskedLM reads: BertForMaskedLM or NystromformerForMaskedLM with one safetensors file, or our
    own layout (pre-LN)."""
    if (folder / NATIVE_CONFIG).exists():
        return True
    nystromformer = (model_config.get("model_type") == "nystromformer"
                     and "NystromformerForMaskedLM" in model_config.get("architectures", []))
    return (_is_bert_mlm(model_config) or nystromformer) and (folder / "model.safetensors").exists()


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
    if is_ours(folder, model_config):
        from mlmcourse.model import MaskedLM

        model = MaskedLM.from_pretrained(folder)
    else:
        from transformers import AutoModelForMaskedLM

        with reading_weights(folder / "model.safetensors"):
            model = AutoModelForMaskedLM.from_pretrained(folder, use_safetensors=True)
    return model.eval(), tokenizer


# What a Hub download fetches: weights (safetensors only), configs and every tokenizer file format.
MODEL_FILES = ["*.json", "*.safetensors", "*.txt", "*.model"]


def resolve_model_folder(name_or_path: str | Path | None) -> Path:
    """The local folder behind a model name: the course checkpoint (None), an existing folder (a training run's
    folder means its ``model/``), or the Hub name's snapshot in the Hugging Face cache (downloaded first when
    online, the cache only when offline).

    >>> resolve_model_folder(None) == course_checkpoint_dir()
    True
    """
    if name_or_path is None:
        return course_checkpoint_dir()
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not path.is_dir():
            raise CourseError(f"{path} is a file; pass the folder that holds config.json and model.safetensors.")
        return run_model_folder(path)
    name = str(name_or_path)
    if looks_like_folder(name):
        raise FileNotFoundError(f"no folder {name!r}{_did_you_mean(path)}; give an existing model folder, a Hub "
                                f"name such as 'distilroberta-base', or no name for the course checkpoint "
                                f"({course_checkpoint_dir()}).")
    return hub_folder(name)


def hub_folder(name: str) -> Path:
    """The cached snapshot folder of Hub model ``name`` (``$HF_HUB_CACHE/models--ORG--NAME/snapshots/<commit>``).

    Offline (``HF_HUB_OFFLINE=1``) or without a connection only the cache is read, so nothing can hang; a name
    that is not cached fails at once with the offline alternatives.
    """
    offline = config.hub_offline()
    online = not offline and hub_reachable()
    if online:
        from huggingface_hub import snapshot_download

        try:
            return Path(snapshot_download(name, allow_patterns=MODEL_FILES))
        except Exception as error:  # unknown repository, gated model, network error half-way
            raise _use_instead(f"cannot download the Hub model {name!r} ({type(error).__name__}: {error}); check "
                               "the name on huggingface.co.") from None
    # Check the cache before importing transformers (seconds): an unknown name fails at once.
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(name, "config.json")
    if not isinstance(cached, str):
        why = ("the Hugging Face Hub is switched off (HF_HUB_OFFLINE=1)" if offline
               else "huggingface.co cannot be reached")
        raise _use_instead(f"cannot load the Hub model {name!r}: there is no folder of that name, {why} and it is "
                           "not in the local cache (online, the first use of a Hub name downloads it into the "
                           "cache, HF_HUB_CACHE, where it then works offline).")
    return Path(cached).parent


def _load_hub(name: str) -> tuple[Any, Any]:
    folder = hub_folder(name)
    try:
        return _load_folder(folder, "torch")
    except OSError as error:
        raise _use_instead(f"cannot load the Hub model {name!r} from {folder} ({error}).") from None
