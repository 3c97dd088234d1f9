"""Hugging Face interoperability: the same weights in our ``MaskedLM`` and in ``transformers.BertForMaskedLM``.

Teaches: a checkpoint is just named tensors plus a config; converting between two implementations is renaming
keys (and here concatenating BERT's separate query/key/value matrices into our fused one). If the maths agree,
the logits agree, which ``tests/test_model_hf.py`` checks to 1e-5.
Simplifies: BERT-shaped models only (post-LN, exact GELU, absolute positions, tied decoder); weights load in fp32.
Mirrors: ``PreTrainedModel.save_pretrained`` / ``from_pretrained`` (config.json + model.safetensors), so a saved
folder works with ``pipeline("fill-mask", model=folder)``. Pre-LN models (our extension, which BERT cannot
express) are saved in our own layout: ``mlmcourse_config.json`` + ``model.safetensors``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForMaskedLM

from mlmcourse.errors import reading_weights
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.masked_lm import MaskedLM

NATIVE_CONFIG = "mlmcourse_config.json"
WEIGHTS = "model.safetensors"

# our name -> BERT's name; "{i}" is the layer index. The fused qkv projection is handled separately.
_RENAMES: dict[str, str] = {
    "embeddings.token.weight": "bert.embeddings.word_embeddings.weight",
    "embeddings.position.weight": "bert.embeddings.position_embeddings.weight",
    "embeddings.token_type.weight": "bert.embeddings.token_type_embeddings.weight",
    "embeddings.norm.weight": "bert.embeddings.LayerNorm.weight",
    "embeddings.norm.bias": "bert.embeddings.LayerNorm.bias",
    "layers.{i}.attention.output.weight": "bert.encoder.layer.{i}.attention.output.dense.weight",
    "layers.{i}.attention.output.bias": "bert.encoder.layer.{i}.attention.output.dense.bias",
    "layers.{i}.attention_norm.weight": "bert.encoder.layer.{i}.attention.output.LayerNorm.weight",
    "layers.{i}.attention_norm.bias": "bert.encoder.layer.{i}.attention.output.LayerNorm.bias",
    "layers.{i}.feed_forward.dense_in.weight": "bert.encoder.layer.{i}.intermediate.dense.weight",
    "layers.{i}.feed_forward.dense_in.bias": "bert.encoder.layer.{i}.intermediate.dense.bias",
    "layers.{i}.feed_forward.dense_out.weight": "bert.encoder.layer.{i}.output.dense.weight",
    "layers.{i}.feed_forward.dense_out.bias": "bert.encoder.layer.{i}.output.dense.bias",
    "layers.{i}.feed_forward_norm.weight": "bert.encoder.layer.{i}.output.LayerNorm.weight",
    "layers.{i}.feed_forward_norm.bias": "bert.encoder.layer.{i}.output.LayerNorm.bias",
    "head.dense.weight": "cls.predictions.transform.dense.weight",
    "head.dense.bias": "cls.predictions.transform.dense.bias",
    "head.norm.weight": "cls.predictions.transform.LayerNorm.weight",
    "head.norm.bias": "cls.predictions.transform.LayerNorm.bias",
    "head.bias": "cls.predictions.bias",
}
_QKV = "bert.encoder.layer.{i}.attention.self.{part}.{kind}"  # part: query/key/value, kind: weight/bias


def _layer_names(num_layers: int) -> list[tuple[str, str]]:
    """(our name, BERT name) pairs for every renamed tensor of a ``num_layers`` model."""
    pairs = []
    for ours, theirs in _RENAMES.items():
        if "{i}" in ours:
            pairs += [(ours.format(i=i), theirs.format(i=i)) for i in range(num_layers)]
        else:
            pairs.append((ours, theirs))
    return pairs


def to_bert_state_dict(state: dict[str, torch.Tensor], num_layers: int) -> dict[str, torch.Tensor]:
    """Our tensor names -> ``BertForMaskedLM`` names (without the tied decoder, as HF saves it).

    >>> model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1))
    >>> bert = to_bert_state_dict(model.state_dict(), num_layers=1)
    >>> tuple(bert["bert.encoder.layer.0.attention.self.key.weight"].shape), len(bert)
    ((128, 128), 26)
    """
    bert = {theirs: state[ours] for ours, theirs in _layer_names(num_layers)}
    for i in range(num_layers):
        for kind in ("weight", "bias"):
            query, key, value = state[f"layers.{i}.attention.qkv.{kind}"].chunk(3, dim=0)  # 3 x (hidden, ...)
            for part, tensor in (("query", query), ("key", key), ("value", value)):
                bert[_QKV.format(i=i, part=part, kind=kind)] = tensor.contiguous()
    return bert


def from_bert_state_dict(bert: dict[str, torch.Tensor], num_layers: int) -> dict[str, torch.Tensor]:
    """``BertForMaskedLM`` tensor names -> ours (inverse of :func:`to_bert_state_dict`)."""
    missing = [theirs for _, theirs in _layer_names(num_layers) if theirs not in bert]
    missing += [_QKV.format(i=i, part=part, kind=kind) for i in range(num_layers)
                for part in ("query", "key", "value") for kind in ("weight", "bias")
                if _QKV.format(i=i, part=part, kind=kind) not in bert]
    if missing:
        raise ValueError(f"the checkpoint lacks {len(missing)} BertForMaskedLM tensor(s), e.g. {missing[:3]}; "
                         "is it a BertForMaskedLM (with its MLM head, 'cls.predictions.*') checkpoint?")
    state = {ours: bert[theirs] for ours, theirs in _layer_names(num_layers)}
    for i in range(num_layers):
        for kind in ("weight", "bias"):
            parts = [bert[_QKV.format(i=i, part=part, kind=kind)] for part in ("query", "key", "value")]
            state[f"layers.{i}.attention.qkv.{kind}"] = torch.cat(parts, dim=0)  # (3 * hidden, ...)
    return state


def bert_config(config: EncoderConfig, attn_implementation: str = "sdpa") -> BertConfig:
    """The ``BertConfig`` with the same shape as ``config`` (post-LN only)."""
    if config.pre_ln:
        raise ValueError("this model is pre-LN (config.pre_ln=True), which BertForMaskedLM cannot express: "
                         "BERT normalises after each residual sum. Train with pre_ln=False for a Hugging Face "
                         "model, or keep it in mlmcourse (save_pretrained writes our own layout for pre-LN).")
    bert = BertConfig(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads, intermediate_size=config.intermediate_size, hidden_act="gelu",
        hidden_dropout_prob=config.dropout, attention_probs_dropout_prob=config.attention_dropout,
        max_position_embeddings=config.max_position, type_vocab_size=config.type_vocab_size,
        layer_norm_eps=config.layer_norm_eps, pad_token_id=config.pad_token_id,
        initializer_range=config.initializer_range, architectures=["BertForMaskedLM"],
        # HF keeps unknown keys: a round trip through config.json restores our own settings too.
        mlmcourse={"sparse_head": config.sparse_head, "attention": config.attention},
    )
    bert._attn_implementation = attn_implementation
    return bert


def encoder_config(bert: BertConfig, **overrides) -> EncoderConfig:
    """The ``EncoderConfig`` of a BERT config; refuses BERT variants our encoder does not implement."""
    if bert.hidden_act != "gelu":
        raise ValueError(f"hidden_act {bert.hidden_act!r} is not supported: our encoder uses exact GELU ('gelu').")
    if getattr(bert, "position_embedding_type", "absolute") not in (None, "absolute"):
        raise ValueError(f"position_embedding_type {bert.position_embedding_type!r} is not supported (absolute only).")
    if getattr(bert, "is_decoder", False):
        raise ValueError("this BERT is configured as a decoder (is_decoder=True); a masked LM attends both ways.")
    values = dict(
        vocab_size=bert.vocab_size, hidden_size=bert.hidden_size, num_layers=bert.num_hidden_layers,
        num_heads=bert.num_attention_heads, intermediate_size=bert.intermediate_size,
        max_position=bert.max_position_embeddings, type_vocab_size=bert.type_vocab_size,
        dropout=bert.hidden_dropout_prob, attention_dropout=bert.attention_probs_dropout_prob,
        layer_norm_eps=bert.layer_norm_eps, pad_token_id=bert.pad_token_id or 0,
        initializer_range=bert.initializer_range, pre_ln=False,
    )
    values.update(getattr(bert, "mlmcourse", None) or {})
    values.update(overrides)
    return EncoderConfig(**values)


def from_hf(hf_model: BertForMaskedLM, **overrides) -> MaskedLM:
    """Our ``MaskedLM`` with a ``BertForMaskedLM``'s weights (fp32); ``overrides`` change config fields."""
    if not isinstance(hf_model, BertForMaskedLM):
        raise TypeError(
            f"from_hf expects a transformers.BertForMaskedLM, got {type(hf_model).__name__}. For a folder on disk "
            "use MaskedLM.from_pretrained(folder); for a Hub name load BertForMaskedLM.from_pretrained(name) first "
            "(that needs the network; offline, use the course checkpoint data/models/course-tiny)."
        )
    bert = hf_model.state_dict()
    if not torch.equal(bert["cls.predictions.decoder.weight"], bert["bert.embeddings.word_embeddings.weight"]):
        raise ValueError("this BertForMaskedLM has an untied decoder (output matrix != token embeddings); "
                         "our MLM head always reuses the token embeddings.")
    config = encoder_config(hf_model.config, **overrides)
    model = MaskedLM(config)
    model.load_state_dict(from_bert_state_dict(bert, config.num_layers))
    return model.to(hf_model.device).train(hf_model.training)


def to_hf(model: MaskedLM, attn_implementation: str = "sdpa") -> BertForMaskedLM:
    """A ``BertForMaskedLM`` with the same weights as ``model`` (refuses pre-LN models)."""
    hf_model = BertForMaskedLM(bert_config(model.config, attn_implementation))
    bert = to_bert_state_dict(model.state_dict(), model.config.num_layers)
    bert["cls.predictions.decoder.weight"] = bert["bert.embeddings.word_embeddings.weight"]  # tied
    bert["cls.predictions.decoder.bias"] = bert["cls.predictions.bias"]  # tied
    hf_model.load_state_dict(bert)
    return hf_model.to(model.device).train(model.training)


def save_pretrained(model: MaskedLM, folder: str | Path, tokenizer=None) -> Path:
    """Write ``folder`` in Hugging Face BertForMaskedLM format (pre-LN: our own layout); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    # The other layout's model config, left by an earlier save into this folder, would decide how it loads.
    stale = folder / ("config.json" if model.config.pre_ln else NATIVE_CONFIG)
    if stale.is_file() and (stale.name == NATIVE_CONFIG or "model_type" in json.loads(stale.read_text())):
        stale.unlink()
    if model.config.pre_ln:
        (folder / NATIVE_CONFIG).write_text(json.dumps(model.config.to_dict(), indent=2) + "\n")
        save_file(state, folder / WEIGHTS, metadata={"format": "pt", "layout": "mlmcourse"})
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
    weights = _load_weights(folder)
    if (folder / NATIVE_CONFIG).exists():
        config = EncoderConfig.from_dict({**json.loads((folder / NATIVE_CONFIG).read_text()), **overrides})
        state = weights
    elif (folder / "config.json").exists():
        config = encoder_config(BertConfig.from_pretrained(folder), **overrides)
        state = from_bert_state_dict(weights, config.num_layers)
    else:
        raise FileNotFoundError(f"{folder} has weights but no config.json (or {NATIVE_CONFIG}); "
                                "save models with MaskedLM.save_pretrained(folder).")
    model = MaskedLM(config)
    model.load_state_dict(state)
    return model.eval()


def _load_weights(folder: Path) -> dict[str, torch.Tensor]:
    """model.safetensors (or its shards); never a pickle."""
    if (folder / WEIGHTS).exists():
        with reading_weights(folder / WEIGHTS):
            return load_file(folder / WEIGHTS)
    index = folder / "model.safetensors.index.json"
    if index.exists():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        weights = {}
        for shard in shards:
            with reading_weights(folder / shard):
                weights.update(load_file(folder / shard))
        return weights
    if any((folder / name).exists() for name in ("pytorch_model.bin", "model.bin")):
        raise ValueError(f"{folder} only has pickled PyTorch weights (pytorch_model.bin); the course loads "
                         "safetensors only (pickles can run code). Convert once in a trusted setting: "
                         "BertForMaskedLM.from_pretrained(folder).save_pretrained(folder) writes model.safetensors.")
    raise FileNotFoundError(f"no {WEIGHTS} in {folder}; save models with MaskedLM.save_pretrained(folder).")
