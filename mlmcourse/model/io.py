"""Model folders: write a :class:`MaskedLM` so ``pipeline("fill-mask")`` loads it, and read any folder back.

Teaches: a Hugging Face model is a folder: ``config.json`` (the architecture) + ``model.safetensors`` (named
tensors, in a format that cannot run code when loaded, unlike a pickle) + the tokenizer's files. Saving is renaming
our tensors to the names transformers expects (``mlmcourse.model.hf``) and writing both files.
Simplifies: one weights file (shards are read, never written); weights load in fp32.
Mirrors: ``PreTrainedModel.save_pretrained`` / ``from_pretrained``. Pre-LN models (our extension, which BERT cannot
express) and Nyström models that transformers' Nystromformer cannot hold are saved in our own layout:
``mlmcourse_config.json`` + ``model.safetensors``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, NystromformerConfig

from mlmcourse.errors import CourseError, reading_weights
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.hf import bert_config, encoder_config, from_bert_state_dict, to_bert_state_dict
from mlmcourse.model.masked_lm import MaskedLM

NATIVE_CONFIG = "mlmcourse_config.json"
WEIGHTS = "model.safetensors"


def _nystromformer_can_hold(config: EncoderConfig) -> bool:
    """transformers' Nystromformer always has the value convolution, scales its pseudo-inverse batch-wide and needs
    max_position % num_landmarks == 0."""
    return (config.conv_kernel_size is not None and config.pinv_scale == "batch"
            and config.max_position % config.num_landmarks == 0)


def save_pretrained(model: MaskedLM, folder: str | Path, tokenizer=None) -> Path:
    """Write ``folder`` in Hugging Face BertForMaskedLM (Nyström: NystromformerForMaskedLM) format; pre-LN models
    and Nyström models transformers cannot hold get our own layout. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    nystrom = model.config.attention == "nystrom"
    native = model.config.pre_ln or (nystrom and not _nystromformer_can_hold(model.config))
    # The other layout's model config, left by an earlier save into this folder, would decide how it loads
    # (a config.json without model_type is a run's training recipe, not a model: it stays).
    stale = folder / ("config.json" if native else NATIVE_CONFIG)
    if stale.is_file() and (stale.name == NATIVE_CONFIG or "model_type" in json.loads(stale.read_text())):
        stale.unlink()
    if native:
        (folder / NATIVE_CONFIG).write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
        save_file(state, folder / WEIGHTS, metadata={"format": "pt", "layout": "mlmcourse"})
    elif nystrom:
        from mlmcourse.model import hf_nystrom

        hf_nystrom.nystromformer_config(model.config).save_pretrained(folder)  # config.json
        save_file(hf_nystrom.to_nystromformer_state_dict(state, model.config.num_layers), folder / WEIGHTS,
                  metadata={"format": "pt"})
    else:
        bert_config(model.config).save_pretrained(folder)  # config.json
        save_file(to_bert_state_dict(state, model.config.num_layers), folder / WEIGHTS, metadata={"format": "pt"})
    if tokenizer is not None:
        tokenizer.save_pretrained(folder)
    return folder


def from_pretrained(folder: str | Path, **overrides) -> MaskedLM:
    """Load a folder written by :func:`save_pretrained`, or any BertForMaskedLM folder with safetensors weights."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no model folder at {str(folder)!r}. MaskedLM.from_pretrained reads a local folder (config.json + "
            "model.safetensors), e.g. the course checkpoint data/models/course-tiny; for a Hub model, load "
            "BertForMaskedLM.from_pretrained(name) and convert it with mlmcourse.model.from_hf."
        )
    weights = load_weights(folder)
    if (folder / NATIVE_CONFIG).exists():
        config = EncoderConfig.from_dict({**json.loads((folder / NATIVE_CONFIG).read_text()), **overrides})
        state = weights
    elif model_type(folder) == "nystromformer":
        from mlmcourse.model import hf_nystrom

        hf_nystrom.check_tied(weights)
        config = hf_nystrom.encoder_config(NystromformerConfig.from_pretrained(folder), **overrides)
        state = hf_nystrom.from_nystromformer_state_dict(weights, config.num_layers, config.conv_kernel_size is not None)
    elif (folder / "config.json").exists():
        config = encoder_config(BertConfig.from_pretrained(folder), **overrides)
        state = from_bert_state_dict(weights, config.num_layers)
    else:
        raise FileNotFoundError(f"{folder} has weights but no config.json (or {NATIVE_CONFIG}); "
                                "save models with MaskedLM.save_pretrained(folder).")
    model = MaskedLM(config)
    model.load_state_dict(state)
    return model.eval()


def model_type(folder: Path) -> str | None:
    """``model_type`` in the folder's config.json (None without one)."""
    config_file = folder / "config.json"
    return json.loads(config_file.read_text()).get("model_type") if config_file.exists() else None


def load_weights(folder: Path) -> dict[str, torch.Tensor]:
    """model.safetensors (or its shards); never a pickle."""
    if (folder / WEIGHTS).exists():
        with reading_weights(folder / WEIGHTS):
            return load_file(folder / WEIGHTS)
    index = folder / "model.safetensors.index.json"
    if index.exists():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        weights: dict[str, torch.Tensor] = {}
        for shard in shards:
            with reading_weights(folder / shard):
                weights.update(load_file(folder / shard))
        return weights
    if any((folder / name).exists() for name in ("pytorch_model.bin", "model.bin")):
        raise CourseError(f"{folder} only has pickled PyTorch weights (pytorch_model.bin); the course loads "
                          "safetensors only (pickles can run code). Convert once in a trusted setting: "
                          "BertForMaskedLM.from_pretrained(folder).save_pretrained(folder) writes model.safetensors.")
    raise FileNotFoundError(f"no {WEIGHTS} in {folder}; save models with MaskedLM.save_pretrained(folder).")
