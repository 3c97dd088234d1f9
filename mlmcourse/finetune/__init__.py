"""Fine-tuning: from a masked LM (or from nothing) to a classifier of texts or of words.

Read in this order: ``tasks`` and ``pydocs_topic`` (labelled tasks that make the point offline), ``data`` (splits and
label budgets), ``files`` (your own CSV / JSON Lines), ``encoding`` (tokens, word labels, batches), ``heads`` (the
classification heads on the course encoder), ``convert`` (the same model in transformers), ``models`` (where a
classifier starts), ``metrics``, ``config`` and ``loop`` (training with early stopping), ``predict``
(pipeline-style records), ``export`` (a folder ``pipeline(...)`` loads), ``curves`` (learning curves over seeds),
``cli`` (``mlmcourse finetune``).

Importing the package is cheap: each name below is imported from its module on first use (torch only then).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "RECIPES": "config", "SCRATCH": "config", "FinetuneConfig": "config",
    "Examples": "data", "TaskData": "data", "sample_examples": "data", "stratified_indices": "data",
    "export_classifier": "export",
    "SequenceClassifier": "heads", "TokenClassifier": "heads",
    "FinetuneResult": "loop", "finetune": "loop",
    "accuracy": "metrics", "classification_scores": "metrics", "confusion_matrix": "metrics", "macro_f1": "metrics",
    "per_class_f1": "metrics",
    "classify": "predict", "tag": "predict",
    "TASKS": "tasks", "load_task": "tasks",
    "learning_curves": "curves", "plot_learning_curves": "curves", "summarize": "curves", "compare": "curves",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"mlmcourse.finetune.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
