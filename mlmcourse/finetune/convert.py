"""The same classifier in two implementations: our heads and transformers' ``BertFor...Classification``.

What it teaches: a fine-tuned model is the pretrained encoder's tensors plus a few new ones. Moving it between
implementations is renaming: the encoder's names as in :mod:`mlmcourse.model.hf` (``bert.*``), the pooler
(``pooler.weight`` <-> ``bert.pooler.dense.weight``) and the classifier (same names on both sides). Starting a
classifier from a masked LM copies the encoder and leaves the head (and the pooler) freshly initialised, exactly
what ``BertForSequenceClassification.from_pretrained(masked_lm_folder)`` does.

What it simplifies: post-LN BERT-shaped encoders only (what ``BertConfig`` can express).

Production twin: ``PreTrainedModel.from_pretrained``'s key matching (``base_model_prefix = "bert"``), with its
"newly initialized: classifier.weight, ..." report.
"""

from __future__ import annotations

from typing import Any

import torch

from mlmcourse.errors import CourseError
from mlmcourse.finetune.heads import SequenceClassifier, TokenClassifier
from mlmcourse.model.hf import bert_config, encoder_config, from_bert_state_dict, to_bert_state_dict
from mlmcourse.model.masked_lm import MaskedLM

Classifier = SequenceClassifier | TokenClassifier


def from_masked_lm(masked_lm: MaskedLM, num_labels: int, task_kind: str = "sequence", pooling: str = "cls",
                   dropout: float | None = None) -> Classifier:
    """A classifier whose encoder is ``masked_lm``'s (copied) and whose head is new; ``dropout`` replaces the
    encoder's dropout (None keeps it)."""
    config = masked_lm.config
    if dropout is not None:
        config = config.replace(dropout=dropout, attention_dropout=dropout)
    model = (SequenceClassifier(config, num_labels, pooling=pooling) if task_kind == "sequence"
             else TokenClassifier(config, num_labels))
    encoder_state = {name: tensor for name, tensor in masked_lm.state_dict().items() if not name.startswith("head.")}
    model.encoder.load_state_dict(encoder_state)
    return model


def to_hf_state_dict(model: Classifier) -> dict[str, torch.Tensor]:
    """Our classifier's tensors under ``BertForSequenceClassification`` / ``BertForTokenClassification`` names.

    >>> from mlmcourse.model import EncoderConfig
    >>> model = SequenceClassifier(EncoderConfig.preset("tiny", vocab_size=50, num_layers=1), num_labels=3)
    >>> state = to_hf_state_dict(model)
    >>> tuple(state["bert.pooler.dense.weight"].shape), tuple(state["classifier.weight"].shape)
    ((128, 128), (3, 128))
    """
    if getattr(model, "pooling", "cls") != "cls":
        raise CourseError(f"a pooling={model.pooling!r} classifier has no BERT equivalent: "
                          "BertForSequenceClassification pools [CLS] through its pooler (pooling='cls')")
    encoder = {name: tensor for name, tensor in model.encoder.state_dict().items()}
    state = to_bert_state_dict(encoder, model.config.num_layers)
    if getattr(model, "pooler", None) is not None:
        state["bert.pooler.dense.weight"] = model.pooler.weight
        state["bert.pooler.dense.bias"] = model.pooler.bias
    state["classifier.weight"] = model.classifier.weight
    state["classifier.bias"] = model.classifier.bias
    return {name: tensor.detach() for name, tensor in state.items()}


def hf_config(model: Classifier, label_names: list[str] | None = None, attn_implementation: str = "sdpa") -> Any:
    """The ``BertConfig`` of our classifier, with its labels (``id2label`` / ``label2id``) and architecture."""
    config = bert_config(model.config, attn_implementation)
    names = label_names or [f"LABEL_{i}" for i in range(model.num_labels)]
    config.num_labels = len(names)
    config.id2label = dict(enumerate(names))
    config.label2id = {name: i for i, name in enumerate(names)}
    config.architectures = ["BertForSequenceClassification" if isinstance(model, SequenceClassifier)
                            else "BertForTokenClassification"]
    return config


def to_hf(model: Classifier, label_names: list[str] | None = None, attn_implementation: str = "sdpa") -> Any:
    """A ``BertForSequenceClassification`` / ``BertForTokenClassification`` with our classifier's weights."""
    from transformers import BertForSequenceClassification, BertForTokenClassification

    config = hf_config(model, label_names, attn_implementation)
    hf_class = BertForSequenceClassification if isinstance(model, SequenceClassifier) else BertForTokenClassification
    hf_model = hf_class(config)
    missing, unexpected = hf_model.load_state_dict(to_hf_state_dict(model), strict=False)
    if unexpected or any(not name.startswith("bert.pooler") for name in missing):
        raise CourseError(f"weights did not line up: missing {missing}, unexpected {unexpected}")
    return hf_model.to(next(model.parameters()).device).train(model.training)


def from_hf(hf_model: Any, **overrides: Any) -> Classifier:
    """Our classifier with the weights of a ``BertForSequenceClassification`` / ``BertForTokenClassification``."""
    from transformers import BertForSequenceClassification, BertForTokenClassification

    if not isinstance(hf_model, BertForSequenceClassification | BertForTokenClassification):
        raise TypeError(f"from_hf reads BertForSequenceClassification or BertForTokenClassification, got "
                        f"{type(hf_model).__name__}; other architectures fine-tune as they are (transformers' classes)")
    config = encoder_config(hf_model.config, **overrides)
    state = hf_model.state_dict()
    if isinstance(hf_model, BertForSequenceClassification):
        model: Classifier = SequenceClassifier(config, hf_model.num_labels)
        model.pooler.load_state_dict({"weight": state["bert.pooler.dense.weight"],
                                      "bias": state["bert.pooler.dense.bias"]})
    else:
        model = TokenClassifier(config, hf_model.num_labels)
    model.encoder.load_state_dict(from_bert_state_dict(state, config.num_layers, head=False))
    model.classifier.load_state_dict({"weight": state["classifier.weight"], "bias": state["classifier.bias"]})
    return model.to(hf_model.device).train(hf_model.training)
