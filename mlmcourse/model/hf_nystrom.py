"""Hugging Face interoperability for Nyström models: our ``MaskedLM(attention="nystrom")`` and
``transformers.NystromformerForMaskedLM`` hold the same weights under different names.

Teaches: Nystromformer is BERT with another attention, and its checkpoint shows it: the same tensors as
``BertForMaskedLM`` under the prefix ``nystromformer.`` instead of ``bert.``, one extra tensor per layer (the value
convolution, ``attention.self.conv.weight``), and a position table two rows longer, because its position ids
start at 2 (a habit inherited from RoBERTa, whose ids start after the padding index). Row 2 of theirs is row 0 of
ours; their rows 0 and 1 are never used.
Simplifies: masked-LM checkpoints with a tied decoder only.
Mirrors: ``NystromformerForMaskedLM`` in ``transformers/models/nystromformer/``. One difference in what runs:
transformers' model accepts only inputs of exactly ``segment_means_seq_len`` tokens (its landmarks are segments of
that fixed length); ours accepts any multiple of ``num_landmarks`` and any length up to ``num_landmarks``. On the
inputs both accept, the logits agree (``tests/test_nystrom_hf.py`` checks 1e-4).
"""

from __future__ import annotations

import torch
from transformers import NystromformerConfig, NystromformerForMaskedLM

from mlmcourse.errors import CourseError
from mlmcourse.model.config import EncoderConfig
from mlmcourse.model.hf import (
    _QKV,
    _layer_names,
    from_bert_state_dict,
    shared_encoder_fields,
    to_bert_state_dict,
)

POSITION_OFFSET = 2  # transformers' Nystromformer numbers positions from 2
_CONV_OURS = "layers.{i}.attention.value_convolution.weight"
_CONV_THEIRS = "nystromformer.encoder.layer.{i}.attention.self.conv.weight"
_POSITIONS = "nystromformer.embeddings.position_embeddings.weight"
# transformers' spelling of our activations (its other names for them: BERT_ACTIVATIONS in hf.py)
_ACTIVATIONS = {"gelu": "gelu", "gelu_tanh": "gelu_new"}


def _rename(names: dict[str, torch.Tensor], old: str, new: str) -> dict[str, torch.Tensor]:
    return {(new + name[len(old):] if name.startswith(old) else name): tensor for name, tensor in names.items()}


def to_nystromformer_state_dict(state: dict[str, torch.Tensor], num_layers: int) -> dict[str, torch.Tensor]:
    """Our tensor names -> ``NystromformerForMaskedLM`` names (without the tied decoder, as transformers saves it).

    >>> from mlmcourse.model import MaskedLM
    >>> config = EncoderConfig(vocab_size=50, hidden_size=32, num_layers=1, num_heads=4, intermediate_size=37,
    ...                        max_position=16, attention="nystrom", num_landmarks=4, conv_kernel_size=3)
    >>> theirs = to_nystromformer_state_dict(MaskedLM(config).state_dict(), num_layers=1)
    >>> tuple(theirs["nystromformer.embeddings.position_embeddings.weight"].shape)  # 16 positions + 2 unused rows
    (18, 32)
    >>> tuple(theirs["nystromformer.encoder.layer.0.attention.self.conv.weight"].shape)  # (heads, 1, kernel, 1)
    (4, 1, 3, 1)
    """
    theirs = _rename(to_bert_state_dict(state, num_layers), "bert.", "nystromformer.")
    positions = theirs[_POSITIONS]  # (max_position, hidden)
    unused = torch.zeros(POSITION_OFFSET, positions.size(1), dtype=positions.dtype)  # rows 0 and 1: never looked up
    theirs[_POSITIONS] = torch.cat([unused, positions])  # (max_position + 2, hidden)
    for i in range(num_layers):
        if _CONV_OURS.format(i=i) in state:
            theirs[_CONV_THEIRS.format(i=i)] = state[_CONV_OURS.format(i=i)]
    return theirs


def from_nystromformer_state_dict(
    theirs: dict[str, torch.Tensor], num_layers: int, convolution: bool = True
) -> dict[str, torch.Tensor]:
    """``NystromformerForMaskedLM`` tensor names -> ours (inverse of :func:`to_nystromformer_state_dict`)."""
    expected = [bert for _, bert in _layer_names(num_layers)]
    expected += [_QKV.format(i=i, part=part, kind=kind) for i in range(num_layers)
                 for part in ("query", "key", "value") for kind in ("weight", "bias")]
    expected = [name.replace("bert.", "nystromformer.", 1) for name in expected]
    expected += [_CONV_THEIRS.format(i=i) for i in range(num_layers)] if convolution else []
    missing = [name for name in expected if name not in theirs]
    if missing:
        raise CourseError(f"the checkpoint lacks {len(missing)} NystromformerForMaskedLM tensor(s), e.g. "
                          f"{missing[:3]}; is it a NystromformerForMaskedLM (with its MLM head) checkpoint?")
    bert = _rename(dict(theirs), "nystromformer.", "bert.")
    bert["bert.embeddings.position_embeddings.weight"] = theirs[_POSITIONS][POSITION_OFFSET:]  # (max_position, h)
    state = from_bert_state_dict(bert, num_layers)
    if convolution:
        for i in range(num_layers):
            state[_CONV_OURS.format(i=i)] = theirs[_CONV_THEIRS.format(i=i)]  # (heads, 1, kernel, 1)
    return state


def nystromformer_config(config: EncoderConfig, segment_means_seq_len: int | None = None) -> NystromformerConfig:
    """The ``NystromformerConfig`` of a Nyström ``config``; transformers' model will take inputs of exactly
    ``segment_means_seq_len`` tokens (default: ``config.max_position``)."""
    seq_len = segment_means_seq_len or config.max_position
    if config.pre_ln:
        raise CourseError("this model is pre-LN (config.pre_ln=True), which NystromformerForMaskedLM cannot express; "
                          "keep it in mlmcourse (save_pretrained writes our own layout for pre-LN).")
    if config.pinv_scale != "batch":
        raise CourseError("this model scales its pseudo-inverse per matrix (pinv_scale='matrix'); transformers 5 "
                          "runs only the batch-wide scale, so NystromformerForMaskedLM cannot reproduce it.")
    if config.conv_kernel_size is None:
        raise CourseError("this model has no value convolution (conv_kernel_size=None); transformers' "
                          "NystromformerForMaskedLM always has one, so it cannot hold this model.")
    if seq_len % config.num_landmarks:
        raise CourseError(f"transformers' Nystromformer needs segment_means_seq_len ({seq_len}) to be a multiple of "
                          f"num_landmarks ({config.num_landmarks}); pass segment_means_seq_len=<a multiple>.")
    return NystromformerConfig(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads, intermediate_size=config.intermediate_size,
        hidden_act=_ACTIVATIONS[config.activation], hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.attention_dropout, max_position_embeddings=config.max_position,
        type_vocab_size=config.type_vocab_size, segment_means_seq_len=seq_len,
        num_landmarks=config.num_landmarks, conv_kernel_size=config.conv_kernel_size,
        initializer_range=config.initializer_range, layer_norm_eps=config.layer_norm_eps,
        pad_token_id=config.pad_token_id, architectures=["NystromformerForMaskedLM"],
        mlmcourse={"sparse_head": config.sparse_head},  # kept in config.json, restored by encoder_config
    )


def encoder_config(theirs: NystromformerConfig, **overrides) -> EncoderConfig:
    """The ``EncoderConfig`` of a ``NystromformerConfig``; refuses what our encoder does not implement."""
    if getattr(theirs, "inv_coeff_init_option", False):
        raise CourseError("inv_coeff_init_option=True is not supported (transformers 5 cannot run it either): "
                          "our pseudo-inverse uses the authors' original scaling.")
    values = dict(shared_encoder_fields(theirs), attention="nystrom", num_landmarks=theirs.num_landmarks,
                  conv_kernel_size=theirs.conv_kernel_size)
    values.update(getattr(theirs, "mlmcourse", None) or {})
    values.update(overrides)
    return EncoderConfig(**values)


def check_tied(theirs: dict[str, torch.Tensor]) -> None:
    """Our MLM head reuses the token embeddings; refuse a checkpoint whose decoder differs from them."""
    decoder = theirs.get("cls.predictions.decoder.weight")
    if decoder is not None and not torch.equal(decoder, theirs["nystromformer.embeddings.word_embeddings.weight"]):
        raise CourseError("this NystromformerForMaskedLM has an untied decoder (output matrix != token embeddings); "
                          "our MLM head always reuses the token embeddings.")


def hf_model(model, segment_means_seq_len: int | None = None) -> NystromformerForMaskedLM:
    """A ``NystromformerForMaskedLM`` with the same weights as our Nyström ``model``."""
    theirs_model = NystromformerForMaskedLM(nystromformer_config(model.config, segment_means_seq_len))
    theirs = to_nystromformer_state_dict(model.state_dict(), model.config.num_layers)
    theirs["cls.predictions.decoder.weight"] = theirs["nystromformer.embeddings.word_embeddings.weight"]  # tied
    theirs["cls.predictions.decoder.bias"] = theirs["cls.predictions.bias"]  # tied
    theirs_model.load_state_dict(theirs)
    return theirs_model
