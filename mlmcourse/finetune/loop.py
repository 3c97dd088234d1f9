"""Fine-tuning: ``finetune(config) -> FinetuneResult``, the course's loop for a classifier.

What it teaches: the loop of pretraining with three changes. (1) The data is a few labelled examples, so it is
read many times (epochs) in a fresh, seeded order each time. (2) The loss is the classifier's cross-entropy.
(3) *Early stopping*: every ``eval_every`` steps the model is scored on the validation split; the best weights so
far are kept (in memory), and after ``patience`` evaluations without a better score (accuracy, then loss) the run
stops and returns to the best weights. Only then is the test split scored, once: a score used to choose anything is
no longer a fair estimate. A seed fixes the sample of labelled examples, the head's initialisation, the order and
the dropout, so one configuration run with several seeds shows how much of a difference is luck.

What it simplifies: fp32 on one device; the validation subset is the same for every seed (the first
``n_validation`` examples of the split), so seeds differ in their training examples only.

Production twin: ``Trainer.train`` with ``eval_strategy="steps"``, ``load_best_model_at_end=True``,
``metric_for_best_model="accuracy"`` and ``EarlyStoppingCallback(early_stopping_patience=...)``.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from mlmcourse.errors import CourseError
from mlmcourse.finetune.config import FinetuneConfig
from mlmcourse.finetune.data import TaskData, sample_examples
from mlmcourse.finetune.encoding import collate
from mlmcourse.finetune.predict import encode_split, score_split
from mlmcourse.progress import tqdm


@dataclass
class FinetuneResult:
    """What a fine-tuning run gives back: test and validation scores, its history, and the model."""

    task: str
    label_names: list[str]
    n_train: int
    seed: int
    test: dict[str, Any]  # loss, accuracy, macro_f1, confusion_matrix, n
    validation: dict[str, Any]  # the best validation scores (the weights kept)
    history: list[dict[str, float]] = field(default_factory=list)  # one entry per evaluation
    steps: int = 0
    best_step: int = 0
    stop_reason: str = ""
    seconds: float = 0.0
    trainable_parameters: int = 0
    lr: float = 0.0
    model: Any = None
    tokenizer: Any = None

    def summary(self) -> dict[str, Any]:
        """The JSON-ready scores: accuracy and macro_f1 on the test split, the run's size and seed."""
        return {"task": self.task, "accuracy": self.test["accuracy"], "macro_f1": self.test["macro_f1"],
                "n_train": self.n_train, "seed": self.seed, "test": self.test,
                "validation": {key: value for key, value in self.validation.items() if key != "confusion_matrix"},
                "labels": self.label_names, "steps": self.steps, "best_step": self.best_step,
                "stop_reason": self.stop_reason, "seconds": round(self.seconds, 2),
                "trainable_parameters": self.trainable_parameters, "lr": self.lr}


def load_data(config: FinetuneConfig) -> TaskData:
    """The task ``config.task`` or the file ``config.data``."""
    if (config.task is None) == (config.data is None):
        raise CourseError("give a task name (--task toyworld-truth) or a file (--data my_examples.csv), not both "
                          "and not neither")
    if config.data is not None:
        from mlmcourse.finetune.files import read_labelled_file

        return read_labelled_file(config.data, seed=0)
    from mlmcourse.finetune.tasks import load_task

    return load_task(config.task)


def training_plan(n_train: int, config: FinetuneConfig) -> tuple[int, int]:
    """(total optimizer steps, steps between evaluations) for ``n_train`` examples.

    ``epochs`` passes, at least ``min_steps``, at most ``max_steps``; an evaluation every epoch, but no more often
    than every 10 steps and no less often than every 100.

    >>> training_plan(256, FinetuneConfig(batch_size=32, epochs=10, min_steps=60, max_steps=1000))
    (80, 10)
    >>> training_plan(4096, FinetuneConfig(batch_size=32, epochs=10, min_steps=60, max_steps=1000))
    (1000, 100)
    """
    steps_per_epoch = math.ceil(n_train / config.batch_size)
    total = min(config.max_steps, max(config.min_steps, config.epochs * steps_per_epoch))
    return total, min(100, max(10, steps_per_epoch))


def improves(scores: dict[str, float], best: tuple[float, float], min_delta: float = 1e-4) -> bool:
    """Is this evaluation better than the best so far, ``(accuracy, loss)``? Higher accuracy wins; at equal accuracy
    a loss lower by more than ``min_delta`` (so rounding noise never counts as progress).

    >>> improves({"accuracy": 0.8, "loss": 0.9}, (0.7, 0.5)), improves({"accuracy": 0.7, "loss": 0.49999}, (0.7, 0.5))
    (True, False)
    """
    accuracy, loss = best
    return scores["accuracy"] > accuracy or (scores["accuracy"] == accuracy and scores["loss"] < loss - min_delta)


def finetune(config: FinetuneConfig, data: TaskData | None = None, model: torch.nn.Module | None = None,
             tokenizer=None) -> FinetuneResult:
    """Fine-tune as ``config`` says on ``data`` (default: ``config.task`` / ``config.data``); ``model`` and
    ``tokenizer`` replace the ones the config would build (the notebook passes its own)."""
    from mlmcourse.finetune.models import build_classifier
    from mlmcourse.training.build import make_optimizer
    from mlmcourse.training.device import choose_device
    from mlmcourse.training.schedules import make_scheduler

    started = time.perf_counter()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    data = data if data is not None else load_data(config)
    torch.manual_seed(config.seed)
    if model is None:
        model, tokenizer = build_classifier(config, data.label_names, data.kind)
    elif tokenizer is None:
        raise CourseError("pass the tokenizer of the model you pass")
    device = choose_device(config.device, "fp32").device
    model.to(device).train()

    train = sample_examples(data.splits["train"], config.n_train, config.seed, stratify=data.kind == "sequence")
    validation = data.splits["validation"]
    if config.n_validation is not None and config.n_validation < len(validation):
        validation = validation.select(list(range(config.n_validation)))
    max_length = config.max_length
    train_rows, train_labels = encode_split(tokenizer, data.kind, train.texts, train.labels, max_length)
    validation_rows, validation_labels = encode_split(tokenizer, data.kind, validation.texts, validation.labels,
                                                      max_length)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    total_steps, eval_every = training_plan(len(train_rows), config)
    hidden_size = getattr(model.config, "hidden_size", None) or getattr(model.config, "dim", 768)
    lr = config.learning_rate(hidden_size)
    optimizer = make_optimizer(model, config.replace(lr=lr), device)
    scheduler = make_scheduler(optimizer, warmup_steps=round(config.warmup_ratio * total_steps),
                               total_steps=total_steps, schedule="linear")
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    generator = torch.Generator().manual_seed(config.seed)
    batch_size = min(config.batch_size, len(train_rows))
    order: list[int] = []
    best, best_key, best_step, since_best, history = None, None, 0, 0, []
    stop_reason = "max_steps"
    progress = tqdm(total=total_steps, desc=f"fine-tuning ({len(train_rows)} examples)", unit="step",
                    disable=not config.progress, leave=False)
    step, window = 0, []
    while step < total_steps:
        if config.max_minutes is not None and time.perf_counter() - started > 60 * config.max_minutes:
            stop_reason = "max_minutes"
            break
        if len(order) < batch_size:  # a new epoch: a fresh seeded order
            order += torch.randperm(len(train_rows), generator=generator).tolist()
        indices, order = order[:batch_size], order[batch_size:]
        batch = collate([train_rows[i] for i in indices], [train_labels[i] for i in indices], pad_id)
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        optimizer.zero_grad(set_to_none=True)
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        window.append(float(loss.detach()))
        progress.update(1)
        if step % eval_every == 0 or step == total_steps:
            scores = score_split(model, validation_rows, validation_labels, pad_id, data.num_labels)
            history.append({"step": step, "train_loss": sum(window) / len(window), "loss": scores["loss"],
                            "accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]})
            window = []
            progress.set_postfix(val_acc=f"{scores['accuracy']:.3f}", refresh=False)
            if best_key is None or improves(scores, best_key):
                best_key, best_step, since_best = (scores["accuracy"], scores["loss"]), step, 0
                best = ({name: tensor.detach().clone() for name, tensor in model.state_dict().items()}, scores)
            else:
                since_best += 1
                if since_best >= config.patience:
                    stop_reason = "early_stopping"
                    break
    progress.close()
    if best is None:  # stopped (time budget) before the first evaluation: score what there is
        best = (copy.deepcopy(model.state_dict()),
                score_split(model, validation_rows, validation_labels, pad_id, data.num_labels))
        best_step = step
    model.load_state_dict(best[0])
    test = data.splits["test"]
    test_rows, test_labels = encode_split(tokenizer, data.kind, test.texts, test.labels, max_length)
    test_scores = score_split(model, test_rows, test_labels, pad_id, data.num_labels)
    model.eval()
    return FinetuneResult(task=data.name, label_names=list(data.label_names), n_train=len(train_rows),
                          seed=config.seed, test=test_scores, validation=best[1], history=history, steps=step,
                          best_step=best_step, stop_reason=stop_reason, seconds=time.perf_counter() - started,
                          trainable_parameters=trainable, lr=lr, model=model, tokenizer=tokenizer)
