"""Saving a fine-tuned classifier as a Hugging Face folder that ``pipeline(...)`` loads.

What it teaches: what makes a folder a classifier for the rest of the ecosystem: ``config.json`` naming the
architecture (``BertForSequenceClassification``) and the labels (``id2label`` / ``label2id``, so predictions read
"true" rather than "LABEL_1"), the weights in ``model.safetensors`` and the tokenizer files. Our heads are written
under BERT's names (:mod:`mlmcourse.finetune.convert`); transformers models save themselves. The folder is written
next to its destination and renamed into place when complete, so an interrupted export never leaves half a model.

What it simplifies: ``pooling="mean"`` classifiers (the linear probe) have no BERT equivalent and are not exported.

Production twin: ``Trainer.save_model`` / ``PreTrainedModel.save_pretrained`` + ``tokenizer.save_pretrained``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from mlmcourse.errors import CourseError
from mlmcourse.finetune.heads import SequenceClassifier, TokenClassifier


def export_classifier(model: torch.nn.Module, tokenizer, folder: str | Path, label_names: list[str],
                      overwrite: bool = False) -> Path:
    """Write ``model`` + ``tokenizer`` to ``folder`` in Hugging Face format; returns the folder."""
    folder = Path(folder).expanduser()
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise CourseError(f"{folder} is not empty; choose a new --out folder or add --overwrite")
    if isinstance(model, SequenceClassifier | TokenClassifier):
        if getattr(model, "pooling", "cls") != "cls":
            raise CourseError("a linear probe on mean-pooled features (pooling='mean') has no Hugging Face "
                              "equivalent to export; fine-tune with pooling='cls' to get a pipeline-ready folder")
        from mlmcourse.finetune.convert import to_hf

        hf_model = to_hf(model.cpu(), label_names)
    else:
        hf_model = model
        hf_model.config.id2label = dict(enumerate(label_names))
        hf_model.config.label2id = {name: i for i, name in enumerate(label_names)}
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    hf_model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)
    return folder
