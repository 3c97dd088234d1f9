"""Validation during training: a masked loss weighted by predicted tokens, so it does not depend on batch size.

What it teaches: the model's loss on a batch is the *mean* cross-entropy over that batch's predicted tokens.
Averaging those means over batches weights a short last batch (or one that happened to get few masks) as much as
a full one, so the "perplexity" changes with the batch size (transformers #39241). The fix: multiply each batch's
mean by its number of predicted tokens, sum, and divide by the total count: the mean over *tokens*.
Perplexity is ``exp(loss)``: the number of equally likely words the model is choosing between.

What it simplifies: top-1 accuracy is the only other metric (see :mod:`mlmcourse.metrics` for the full set).

Production twin: ``Trainer.evaluate`` (which averages per-batch losses) and the ``average_tokens_across_devices``
fix in recent ``transformers``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from mlmcourse.errors import CourseError
from mlmcourse.training.batches import IGNORE_INDEX, count_predicted


def token_weighted_mean(batch_means: Sequence[float], batch_counts: Sequence[int]) -> float:
    """The mean over tokens, given each batch's mean and its number of tokens.

    >>> token_weighted_mean([2.0, 4.0], [30, 10])  # the plain mean of the means would say 3.0
    2.5
    """
    total = sum(batch_counts)
    if total == 0:
        raise CourseError("no predicted tokens to average over: are any positions masked (labels != -100)?")
    return sum(mean * count for mean, count in zip(batch_means, batch_counts, strict=True)) / total


@torch.no_grad()
def evaluate(model: torch.nn.Module, batches: Sequence[dict[str, torch.Tensor]], device: torch.device,
             autocast=None) -> dict[str, float]:
    """Token-weighted loss, perplexity and top-1 accuracy of ``model`` on fixed masked ``batches``.

    Works with our ``MaskedLM`` (whose sparse head returns logits only at predicted positions) and with a
    dense ``BertForMaskedLM`` (logits everywhere). ``autocast`` is a callable returning a context manager.
    """
    was_training = model.training
    model.eval()
    means, counts, correct = [], [], 0
    for batch in batches:
        count = count_predicted(batch)
        if count == 0:
            continue
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        with autocast() if autocast else torch.autocast(device.type, enabled=False):
            output = model(**batch)
        logits = output.logits
        labels = batch["labels"]
        if logits.dim() == 3:  # dense head: (batch, seq, vocab); keep the predicted positions only
            logits = logits[labels != IGNORE_INDEX]  # (num_predicted, vocab)
        targets = labels[labels != IGNORE_INDEX]  # (num_predicted,)
        correct += int((logits.argmax(dim=-1) == targets).sum())
        means.append(float(output.loss))
        counts.append(count)
    model.train(was_training)
    loss = token_weighted_mean(means, counts)
    return {"loss": loss, "perplexity": math.exp(min(loss, 50.0)), "accuracy": correct / sum(counts),
            "n_predicted": sum(counts)}
