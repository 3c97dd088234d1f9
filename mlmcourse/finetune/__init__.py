"""Fine-tuning: from a masked LM (or from nothing) to a classifier of texts or of words.

Read in this order: ``tasks`` and ``pydocs_topic`` (labelled tasks that make the point offline), ``data`` (splits and
label budgets), ``files`` (your own CSV / JSON Lines), ``encoding`` (tokens, word labels, batches), ``heads`` (the
classification heads on the course encoder), ``convert`` (the same model in transformers), ``models`` (where a
classifier starts), ``metrics``, ``loop`` (training with early stopping), ``predict`` (pipeline-style records),
``export`` (a folder ``pipeline(...)`` loads), ``cli`` (``mlmcourse finetune``).
"""

from __future__ import annotations

from mlmcourse.finetune.config import RECIPES, SCRATCH, FinetuneConfig
from mlmcourse.finetune.data import Examples, TaskData, sample_examples, stratified_indices
from mlmcourse.finetune.export import export_classifier
from mlmcourse.finetune.heads import SequenceClassifier, TokenClassifier
from mlmcourse.finetune.loop import FinetuneResult, finetune
from mlmcourse.finetune.metrics import (
    accuracy,
    classification_scores,
    confusion_matrix,
    macro_f1,
    per_class_f1,
)
from mlmcourse.finetune.predict import classify, tag
from mlmcourse.finetune.tasks import TASKS, load_task

__all__ = [
    "RECIPES", "SCRATCH", "TASKS", "Examples", "FinetuneConfig", "FinetuneResult", "SequenceClassifier", "TaskData",
    "TokenClassifier", "accuracy", "classification_scores", "classify", "confusion_matrix", "export_classifier",
    "finetune", "load_task", "macro_f1", "per_class_f1", "sample_examples", "stratified_indices", "tag",
]
