"""Where a classifier starts: random weights, the course checkpoint, or any Hugging Face masked LM.

What it teaches: "fine-tuning" and "training from scratch" differ in one line, where the encoder's weights come
from. The head is new either way. The course's own (BERT-format) models get our heads
(:mod:`mlmcourse.finetune.heads`); every other architecture (RoBERTa, DistilBERT, XLM-R, ModernBERT, ...) gets
transformers' ``AutoModelForSequenceClassification`` / ``AutoModelForTokenClassification``, which the same loop
trains. *Freezing* the encoder (``requires_grad = False``) leaves only the head to learn.

What it simplifies: a model is loaded in fp32; a folder that already holds a classifier is read as a masked LM's
encoder plus a new head.

Production twin: ``AutoModelForSequenceClassification.from_pretrained(name, num_labels=..., id2label=...)``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from mlmcourse.errors import CourseError
from mlmcourse.finetune.config import FinetuneConfig
from mlmcourse.finetune.heads import SequenceClassifier, TokenClassifier

AUTO_CLASSES = {"sequence": "AutoModelForSequenceClassification", "token": "AutoModelForTokenClassification"}


@contextlib.contextmanager
def quiet_transformers():
    """Silence transformers' "newly initialized weights" report while a head is created on purpose."""
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(before)


def build_classifier(config: FinetuneConfig, label_names: list[str], kind: str) -> tuple[torch.nn.Module, Any]:
    """(model in train mode, tokenizer) for ``config``: scratch, the course checkpoint (None), a folder or a Hub
    name. Raises ``ValueError`` when ``max_length`` exceeds the model's positions."""
    from mlmcourse.model import EncoderConfig

    num_labels = len(label_names)
    if config.from_scratch:
        from mlmcourse.tokenization import course_tokenizer

        tokenizer = course_tokenizer()
        dropout = 0.0 if config.dropout is None else config.dropout
        encoder = EncoderConfig.preset(config.preset, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                       dropout=dropout, attention_dropout=dropout,
                                       max_position=max(512, config.max_length))
        model = _new_head(encoder, num_labels, kind, config.pooling)
        if config.model == "hf":
            from mlmcourse.finetune.convert import to_hf

            model = to_hf(model, label_names)
    else:
        model, tokenizer = _pretrained(config, label_names, kind)
    _check_positions(model, config.max_length)
    if config.freeze_encoder:
        freeze_encoder(model)
    return model.train(), tokenizer


def _new_head(encoder, num_labels: int, kind: str, pooling: str) -> torch.nn.Module:
    if kind == "sequence":
        return SequenceClassifier(encoder, num_labels, pooling=pooling)
    return TokenClassifier(encoder, num_labels)


def _pretrained(config: FinetuneConfig, label_names: list[str], kind: str) -> tuple[torch.nn.Module, Any]:
    from transformers import AutoTokenizer

    from mlmcourse.inference.loading import is_ours, read_config, resolve_model_folder
    from mlmcourse.model.auto import load_auto_model

    folder = resolve_model_folder(config.init_from)
    model_config = read_config(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if config.model == "ours" and is_ours(folder, model_config):
        from mlmcourse.finetune.convert import from_masked_lm
        from mlmcourse.model import MaskedLM

        masked_lm = MaskedLM.from_pretrained(folder)
        return from_masked_lm(masked_lm, len(label_names), kind, config.pooling, config.dropout), tokenizer
    if config.pooling != "cls":
        raise CourseError(f"pooling={config.pooling!r} is for the course's own encoder; {config.init_from} trains as "
                          "its transformers class, which pools its own way (use pooling='cls')")
    with quiet_transformers():
        model = load_auto_model(folder, AUTO_CLASSES[kind], dropout=config.dropout, num_labels=len(label_names),
                                id2label=dict(enumerate(label_names)),
                                label2id={name: i for i, name in enumerate(label_names)})
    return model, tokenizer


def freeze_encoder(model: torch.nn.Module) -> int:
    """Stop gradients into the encoder (ours: ``model.encoder``; transformers: ``model.base_model``); returns the
    number of parameters left to train."""
    encoder = getattr(model, "encoder", None) if isinstance(model, SequenceClassifier | TokenClassifier) \
        else model.base_model
    for parameter in encoder.parameters():
        parameter.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_positions(model: torch.nn.Module, max_length: int) -> None:
    from mlmcourse.model.auto import usable_positions

    positions = usable_positions(model.config)
    if positions is not None and max_length > positions:
        raise CourseError(f"max_length {max_length} is longer than the model's {positions} positions; "
                          f"use --max-length {positions} or less")
