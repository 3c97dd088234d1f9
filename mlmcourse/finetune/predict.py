"""Predictions of a classifier: scores on a labelled split, and the records of Hugging Face's pipelines.

What it teaches: inference is the forward pass without the loss, in eval mode (dropout off), in batches. A
sequence classifier gives one softmax per text (``{"label", "score"}``, as ``pipeline("text-classification")``);
a tagger gives one per token (``{"entity", "score", "index", "word", "start", "end"}``, as
``pipeline("token-classification")`` without aggregation). Scores on a split count the labelled positions only:
one per text, or the first token of each word.

What it simplifies: top-1 only; no aggregation of tokens into entity spans.

Production twins: ``TextClassificationPipeline`` and ``TokenClassificationPipeline``
(``aggregation_strategy="none"``, ``ignore_labels=[]``), and ``Trainer.predict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from mlmcourse.finetune.encoding import IGNORE_INDEX, collate, encode_tagged, encode_texts
from mlmcourse.finetune.metrics import classification_scores


def _device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def predict_batches(model: torch.nn.Module, rows: Sequence[Sequence[int]], labels: Sequence, pad_id: int,
                    batch_size: int = 128) -> tuple[float, list[int], list[int]]:
    """Mean loss, predictions and labels at every labelled position of ``rows`` (model in eval mode meanwhile)."""
    was_training = model.training
    model.eval()
    device = _device_of(model)
    total_loss, total_count, predictions, targets = 0.0, 0, [], []
    for start in range(0, len(rows), batch_size):
        batch = collate(rows[start:start + batch_size], labels[start:start + batch_size], pad_id)
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        output = model(**batch)
        predicted = output.logits.argmax(dim=-1)  # (batch,) or (batch, seq)
        keep = batch["labels"] != IGNORE_INDEX  # every text, or the labelled tokens
        count = int(keep.sum())
        total_loss += float(output.loss) * count  # the loss is a mean over labelled positions: weight it
        total_count += count
        predictions += predicted[keep].tolist()
        targets += batch["labels"][keep].tolist()
    model.train(was_training)
    return total_loss / max(total_count, 1), predictions, targets


def score_split(model: torch.nn.Module, rows: Sequence[Sequence[int]], labels: Sequence, pad_id: int,
                num_labels: int, batch_size: int = 128) -> dict[str, Any]:
    """``{"loss", "accuracy", "macro_f1", "confusion_matrix", "n"}`` on encoded rows with their labels."""
    loss, predictions, targets = predict_batches(model, rows, labels, pad_id, batch_size)
    return {"loss": loss, **classification_scores(targets, predictions, num_labels)}


@torch.no_grad()
def classify(model: torch.nn.Module, tokenizer, texts: Sequence[str], label_names: Sequence[str],
             max_length: int = 512, batch_size: int = 64) -> list[dict[str, Any]]:
    """``[{"label", "score"}]`` per text: the records of ``pipeline("text-classification")``."""
    rows = encode_texts(tokenizer, texts, max_length)
    was_training = model.training
    model.eval()
    records = []
    for start in range(0, len(rows), batch_size):
        batch = collate(rows[start:start + batch_size], [0] * len(rows[start:start + batch_size]),
                        tokenizer.pad_token_id)
        logits = model(input_ids=batch["input_ids"].to(_device_of(model)),
                       attention_mask=batch["attention_mask"].to(_device_of(model))).logits  # (batch, labels)
        probabilities = logits.float().softmax(dim=-1)
        scores, best = probabilities.max(dim=-1)
        records += [{"label": label_names[i], "score": score} for i, score in zip(best.tolist(), scores.tolist(),
                                                                                   strict=True)]
    model.train(was_training)
    return records


@torch.no_grad()
def tag(model: torch.nn.Module, tokenizer, text: str, label_names: Sequence[str], max_length: int = 512
        ) -> list[dict[str, Any]]:
    """One record per (non-special) token of ``text``: the records of ``pipeline("token-classification",
    aggregation_strategy="none", ignore_labels=[])``."""
    encoded = tokenizer(text, truncation=True, max_length=max_length, return_offsets_mapping=True,
                        return_special_tokens_mask=True)
    was_training = model.training
    model.eval()
    input_ids = torch.tensor([encoded["input_ids"]], device=_device_of(model))  # (1, seq)
    logits = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids)).logits[0]  # (seq, labels)
    model.train(was_training)
    probabilities = logits.float().softmax(dim=-1)
    records = []
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    for index, ((start, end), special) in enumerate(zip(encoded["offset_mapping"], encoded["special_tokens_mask"],
                                                        strict=True)):
        if special:
            continue
        score, best = probabilities[index].max(dim=-1)
        records.append({"entity": label_names[int(best)], "score": float(score), "index": index,
                        "word": tokens[index], "start": start, "end": end})
    return records


def encode_split(tokenizer, kind: str, texts: Sequence[str], labels: Sequence, max_length: int
                 ) -> tuple[list[list[int]], list]:
    """Token ids and labels of a split, ready for :func:`score_split` and the training loop."""
    if kind == "token":
        return encode_tagged(tokenizer, texts, labels, max_length)
    return encode_texts(tokenizer, texts, max_length), list(labels)
