"""Hugging Face interoperability: the same weights in our ``MaskedLM`` and in ``transformers.BertForMaskedLM``.

Teaches: a checkpoint is just named tensors plus a config; converting between two implementations is renaming
keys (and here concatenating BERT's separate query/key/value matrices into our fused one). If the maths agree,
the logits agree, which ``tests/test_model_hf.py`` checks to 1e-5.
Simplifies: BERT-shaped models only (post-LN, GELU, absolute positions, tied decoder); weights load in fp32.
Nyström models (``attention="nystrom"``) convert to and from ``NystromformerForMaskedLM`` the same way
(``mlmcourse.model.hf_nystrom`` holds the renaming; the functions here dispatch to it).
Mirrors: ``transformers``' own conversion scripts (renamed state dicts). Reading and writing model folders is
``mlmcourse.model.io``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from transformers import BertConfig, BertForMaskedLM, NystromformerForMaskedLM

from mlmcourse.errors import CourseError
from mlmcourse.model.config import EncoderConfig

if TYPE_CHECKING:
    from mlmcourse.model.masked_lm import MaskedLM

BERT_ACTIVATIONS = {"gelu": "gelu", "gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh"}  # theirs -> ours

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
    """Our tensor names -> ``BertForMaskedLM`` names (without the tied decoder, as HF saves it). A state without
    the MLM head (an encoder alone, as fine-tuning uses it) gives the ``bert.*`` tensors only.

    >>> from mlmcourse.model import MaskedLM
    >>> model = MaskedLM(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1))
    >>> bert = to_bert_state_dict(model.state_dict(), num_layers=1)
    >>> tuple(bert["bert.encoder.layer.0.attention.self.key.weight"].shape), len(bert)
    ((128, 128), 26)
    """
    bert = {theirs: state[ours] for ours, theirs in _layer_names(num_layers)
            if ours in state or not ours.startswith("head.")}
    for i in range(num_layers):
        for kind in ("weight", "bias"):
            query, key, value = state[f"layers.{i}.attention.qkv.{kind}"].chunk(3, dim=0)  # 3 x (hidden, ...)
            for part, tensor in (("query", query), ("key", key), ("value", value)):
                bert[_QKV.format(i=i, part=part, kind=kind)] = tensor.contiguous()
    return bert


def from_bert_state_dict(bert: dict[str, torch.Tensor], num_layers: int, head: bool = True) -> dict[str, torch.Tensor]:
    """``BertForMaskedLM`` tensor names -> ours (inverse of :func:`to_bert_state_dict`); ``head=False`` reads the
    encoder only (``bert.*``), e.g. from a ``BertForSequenceClassification``."""
    pairs = [(ours, theirs) for ours, theirs in _layer_names(num_layers) if head or not ours.startswith("head.")]
    missing = [theirs for _, theirs in pairs if theirs not in bert]
    missing += [_QKV.format(i=i, part=part, kind=kind) for i in range(num_layers)
                for part in ("query", "key", "value") for kind in ("weight", "bias")
                if _QKV.format(i=i, part=part, kind=kind) not in bert]
    if missing:
        raise CourseError(f"the checkpoint lacks {len(missing)} BertForMaskedLM tensor(s), e.g. {missing[:3]}; "
                          "is it a BertForMaskedLM (with its MLM head, 'cls.predictions.*') checkpoint?")
    state = {ours: bert[theirs] for ours, theirs in pairs}
    for i in range(num_layers):
        for kind in ("weight", "bias"):
            parts = [bert[_QKV.format(i=i, part=part, kind=kind)] for part in ("query", "key", "value")]
            state[f"layers.{i}.attention.qkv.{kind}"] = torch.cat(parts, dim=0)  # (3 * hidden, ...)
    return state


def bert_config(config: EncoderConfig, attn_implementation: str = "sdpa") -> BertConfig:
    """The ``BertConfig`` with the same shape as ``config`` (post-LN only)."""
    if config.pre_ln:
        raise CourseError("this model is pre-LN (config.pre_ln=True), which BertForMaskedLM cannot express: "
                          "BERT normalises after each residual sum. Train with pre_ln=False for a Hugging Face "
                          "model, or keep it in mlmcourse (save_pretrained writes our own layout for pre-LN).")
    if config.attention == "nystrom":
        raise CourseError("a Nyström model is a NystromformerForMaskedLM, not a BertForMaskedLM: use "
                          "mlmcourse.model.hf_nystrom.nystromformer_config (to_hf and save_pretrained do).")
    activation = "gelu" if config.activation == "gelu" else "gelu_new"
    bert = BertConfig(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads, intermediate_size=config.intermediate_size, hidden_act=activation,
        hidden_dropout_prob=config.dropout, attention_probs_dropout_prob=config.attention_dropout,
        max_position_embeddings=config.max_position, type_vocab_size=config.type_vocab_size,
        layer_norm_eps=config.layer_norm_eps, pad_token_id=config.pad_token_id,
        initializer_range=config.initializer_range, architectures=["BertForMaskedLM"],
        # HF keeps unknown keys: a round trip through config.json restores our own settings too.
        mlmcourse={"sparse_head": config.sparse_head, "attention": config.attention},
    )
    bert._attn_implementation = attn_implementation
    return bert


def shared_encoder_fields(theirs) -> dict:
    """The ``EncoderConfig`` fields that every BERT-shaped transformers config (BERT, Nyströmformer) names alike;
    refuses an activation our encoder does not implement."""
    if theirs.hidden_act not in BERT_ACTIVATIONS:
        raise CourseError(f"hidden_act {theirs.hidden_act!r} is not supported: our encoder uses exact GELU ('gelu') "
                          "or its tanh approximation ('gelu_new').")
    return dict(
        vocab_size=theirs.vocab_size, hidden_size=theirs.hidden_size, num_layers=theirs.num_hidden_layers,
        num_heads=theirs.num_attention_heads, intermediate_size=theirs.intermediate_size,
        max_position=theirs.max_position_embeddings, type_vocab_size=theirs.type_vocab_size,
        dropout=theirs.hidden_dropout_prob, attention_dropout=theirs.attention_probs_dropout_prob,
        layer_norm_eps=theirs.layer_norm_eps, pad_token_id=theirs.pad_token_id or 0,
        initializer_range=theirs.initializer_range, pre_ln=False, activation=BERT_ACTIVATIONS[theirs.hidden_act],
    )


def encoder_config(bert: BertConfig, **overrides) -> EncoderConfig:
    """The ``EncoderConfig`` of a BERT config; refuses BERT variants our encoder does not implement."""
    if getattr(bert, "position_embedding_type", "absolute") not in (None, "absolute"):
        raise CourseError(f"position_embedding_type {bert.position_embedding_type!r} is not supported (absolute only).")
    if getattr(bert, "is_decoder", False):
        raise CourseError("this BERT is configured as a decoder (is_decoder=True); a masked LM attends both ways.")
    values = shared_encoder_fields(bert)
    values.update(getattr(bert, "mlmcourse", None) or {})
    values.update(overrides)
    return EncoderConfig(**values)


def from_hf(hf_model: BertForMaskedLM | NystromformerForMaskedLM, **overrides) -> MaskedLM:
    """Our ``MaskedLM`` with a ``BertForMaskedLM``'s (or ``NystromformerForMaskedLM``'s) weights (fp32);
    ``overrides`` change config fields."""
    from mlmcourse.model.masked_lm import (
        MaskedLM,  # here, not at the top: masked_lm's methods call this module
    )

    if isinstance(hf_model, NystromformerForMaskedLM):
        from mlmcourse.model import hf_nystrom

        theirs = hf_model.state_dict()
        hf_nystrom.check_tied(theirs)
        config = hf_nystrom.encoder_config(hf_model.config, **overrides)
        model = MaskedLM(config)
        model.load_state_dict(hf_nystrom.from_nystromformer_state_dict(theirs, config.num_layers))
        return model.to(hf_model.device).train(hf_model.training)
    if not isinstance(hf_model, BertForMaskedLM):
        raise TypeError(
            f"from_hf expects a transformers.BertForMaskedLM or NystromformerForMaskedLM, got "
            f"{type(hf_model).__name__}. For a folder on disk "
            "use MaskedLM.from_pretrained(folder); for a Hub name load BertForMaskedLM.from_pretrained(name) first "
            "(that needs the network; offline, use the course checkpoint data/models/course-tiny)."
        )
    bert = hf_model.state_dict()
    if not torch.equal(bert["cls.predictions.decoder.weight"], bert["bert.embeddings.word_embeddings.weight"]):
        raise CourseError("this BertForMaskedLM has an untied decoder (output matrix != token embeddings); "
                          "our MLM head always reuses the token embeddings.")
    config = encoder_config(hf_model.config, **overrides)
    model = MaskedLM(config)
    model.load_state_dict(from_bert_state_dict(bert, config.num_layers))
    return model.to(hf_model.device).train(hf_model.training)


def to_hf(model: MaskedLM, attn_implementation: str = "sdpa",
          segment_means_seq_len: int | None = None) -> BertForMaskedLM | NystromformerForMaskedLM:
    """A ``BertForMaskedLM`` with the same weights as ``model`` (refuses pre-LN models); for a Nyström model a
    ``NystromformerForMaskedLM``, which takes inputs of exactly ``segment_means_seq_len`` tokens (default:
    ``max_position``)."""
    if model.config.attention == "nystrom":
        from mlmcourse.model import hf_nystrom

        return hf_nystrom.hf_model(model, segment_means_seq_len).to(model.device).train(model.training)
    hf_model = BertForMaskedLM(bert_config(model.config, attn_implementation))
    bert = to_bert_state_dict(model.state_dict(), model.config.num_layers)
    bert["cls.predictions.decoder.weight"] = bert["bert.embeddings.word_embeddings.weight"]  # tied
    bert["cls.predictions.decoder.bias"] = bert["cls.predictions.bias"]  # tied
    hf_model.load_state_dict(bert)
    return hf_model.to(model.device).train(model.training)
