"""``FinetuneConfig``: every choice a fine-tuning run makes, with named recipes.

What it teaches: fine-tuning is short and its knobs are few: where the encoder comes from (a trained model, or
random weights: "from scratch"), how many labelled examples, the learning rate (smaller than in pretraining when the
encoder is trained, so its knowledge is adjusted, not erased), a few passes over the data with warmup and decay,
and early stopping: evaluate on the validation split now and then, keep the best weights, stop when they have not
improved for ``patience`` evaluations. A *linear probe* freezes the encoder and trains only a linear layer on its
(mean-pooled) features: it measures what the encoder already knows.

What it simplifies: AdamW with linear warmup and decay only; one device.

Production twin: ``transformers.TrainingArguments`` (``learning_rate``, ``num_train_epochs``, ``warmup_ratio``,
``eval_strategy``, ``load_best_model_at_end``, ``metric_for_best_model``) with ``EarlyStoppingCallback``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mlmcourse.dataclass_io import DictIO
from mlmcourse.errors import CourseError

SCRATCH = "scratch"  # init_from value: random weights of shape `preset` with the course tokenizer
MODEL_KINDS = ("ours", "hf")

# Named recipes: the fields each one changes (``FinetuneConfig.recipe(name, **overrides)``).
RECIPES: dict[str, dict[str, Any]] = {
    "finetune": {},  # the whole model trains
    "linear-probe": {"freeze_encoder": True, "pooling": "mean", "lr": 3e-3, "dropout": 0.0},
    "scratch": {"init_from": SCRATCH},
}


@dataclass
class FinetuneConfig(DictIO):
    """A fine-tuning run's recipe (see the module docstring)."""

    # data
    task: str | None = None  # a task name (mlmcourse.finetune.tasks.TASKS) ...
    data: str | None = None  # ... or a CSV / JSON Lines file with `text` and `label` columns
    n_train: int | None = None  # labelled training examples used (None: the whole training split)
    max_length: int = 64  # tokens per text (longer texts are truncated)
    # model
    init_from: str | None = None  # a model folder, a Hub name, "scratch", or None for the course checkpoint
    preset: str = "tiny"  # the encoder's shape when init_from="scratch"
    model: str = "ours"  # ours (mlmcourse.finetune.heads) | hf (transformers' AutoModelFor...Classification)
    pooling: str = "cls"  # cls (BERT's pooler on [CLS]) | mean (average of the tokens)
    freeze_encoder: bool = False  # train the head only
    dropout: float | None = None  # None: the pretrained model's own; from scratch 0.0, as the course checkpoint
    # optimisation
    lr: float | None = None  # None: 1e-3 for small encoders (hidden <= 256), 3e-5 for larger ones (see learning_rate)
    batch_size: int = 32
    epochs: int = 20  # passes over the training examples (fewer if early stopping stops first)
    min_steps: int = 60  # at least this many optimizer steps, however few the examples
    max_steps: int = 1_000
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.999)
    patience: int = 5  # evaluations without a better validation score before stopping
    max_minutes: float | None = None
    n_validation: int | None = 512  # validation examples used for early stopping (None: all)
    # run
    seed: int = 0
    device: str = "auto"
    num_threads: int | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)
        if self.model not in MODEL_KINDS:
            raise CourseError(f"FinetuneConfig.model must be one of {MODEL_KINDS}, got {self.model!r}")
        if self.pooling not in ("cls", "mean"):
            raise CourseError(f"pooling must be 'cls' (BERT's pooler) or 'mean', got {self.pooling!r}")
        for name in ("max_length", "batch_size", "epochs", "max_steps", "patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CourseError(f"FinetuneConfig.{name} must be a positive whole number, got {value!r}")
        if self.n_train is not None and (isinstance(self.n_train, bool) or not isinstance(self.n_train, int)
                                         or self.n_train < 2):
            raise CourseError(f"n_train must be at least 2 labelled examples (or None for all), got {self.n_train!r}")
        if self.lr is not None and self.lr <= 0:
            raise CourseError(f"lr must be positive (1e-4 to 1e-3 for small models), got {self.lr}")
        if self.dropout is not None and not 0.0 <= self.dropout < 1.0:
            raise CourseError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise CourseError(f"max_minutes must be positive (or None), got {self.max_minutes}")

    @classmethod
    def recipe(cls, name: str, **overrides: Any) -> FinetuneConfig:
        """A named recipe (``finetune``, ``linear-probe``, ``scratch``) with any field overridden.

        >>> FinetuneConfig.recipe("linear-probe", task="toyworld-truth").freeze_encoder
        True
        """
        if name not in RECIPES:
            raise CourseError(f"unknown recipe {name!r}; choose one of {sorted(RECIPES)}")
        return cls(**{**RECIPES[name], **overrides})

    def learning_rate(self, hidden_size: int) -> float:
        """``lr``, or by default 1e-3 for an encoder of width <= 256 (the course's tiny models, measured on
        toyworld-truth) and 3e-5 for wider ones (BERT's paper fine-tuned base models at 2e-5 to 5e-5).

        >>> FinetuneConfig().learning_rate(128), FinetuneConfig().learning_rate(768), FinetuneConfig(lr=0.1).learning_rate(768)
        (0.001, 3e-05, 0.1)
        """
        if self.lr is not None:
            return self.lr
        return 1e-3 if hidden_size <= 256 else 3e-5

    @property
    def from_scratch(self) -> bool:
        return self.init_from == SCRATCH

    def replace(self, **changes: Any) -> FinetuneConfig:
        return replace(self, **changes)



