"""``TrainConfig``: every choice a training run makes, in one dataclass that saves as JSON.

What it teaches: a run is reproducible when everything that shaped it is written down. The defaults are a recipe
that trains the ``tiny`` preset on the toy world on a laptop CPU: peak learning rate 1e-3 reached after 300
warmup steps, linear decay, batches of 32 packed 64-token sequences, 15 % of tokens predicted, the sparse head.

What it simplifies: one optimizer (AdamW with BERT's betas and weight decay, no decay on biases and LayerNorms).

Production twin: ``transformers.TrainingArguments`` (``learning_rate``, ``warmup_steps``, ``lr_scheduler_type``,
``gradient_accumulation_steps``, ``max_grad_norm``, ``eval_steps``, ``save_steps``, ``bf16``, ``torch_compile``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from mlmcourse.training.data import packing_name
from mlmcourse.training.device import DEVICES, PRECISIONS
from mlmcourse.training.schedules import SCHEDULES

MASKINGS = ("token", "whole_word", "span", "exact")
MODEL_KINDS = ("ours", "hf")
# Fields a resumed run may change (a longer run, a different budget or cadence); the rest must match.
RESUMABLE_CHANGES = {"max_steps", "max_minutes", "eval_every", "checkpoint_every", "log_every", "progress",
                     "resume", "out_dir", "keep_checkpoints", "num_threads", "peak_tflops"}


@dataclass
class TrainConfig:
    """A training run's recipe (see the module docstring for what the defaults do)."""

    # data
    corpus: str = "toyworld"  # a name or path for mlmcourse.corpora.load_corpus
    corpus_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"n_sentences": 20_000}
    tokenizer: str | None = None  # a tokenizer folder; None: the course tokenizer
    seq_len: int = 64
    packing: str = "stream"  # none (one padded line per row) | stream (concatenate) | lines (whole lines, apart)
    masking: str = "token"  # token | whole_word | span | exact
    mask_prob: float = 0.15
    # model
    preset: str = "tiny"
    model: str = "ours"  # ours (mlmcourse.model.MaskedLM) | hf (transformers.BertForMaskedLM)
    pre_ln: bool = False  # BERT is post-LN; pre-LN trains without warmup more easily
    sparse_head: bool = True  # run the vocabulary projection only at masked positions (ours only)
    dropout: float = 0.1
    init_from: str | None = None  # a model folder whose weights start the run (continued pretraining)
    # optimisation
    batch_size: int = 32  # sequences per micro-batch
    grad_accum: int = 1  # micro-batches per optimizer step
    lr: float = 1e-3
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.98)
    warmup_steps: int = 300
    schedule: str = "linear"  # linear | cosine | one_cycle | constant
    max_steps: int = 3_000
    max_minutes: float | None = None  # stop (and save) when this budget is spent
    clip: float | None = 1.0  # max gradient norm; None: no clipping
    # bookkeeping
    eval_every: int = 200
    eval_sequences: int = 256  # validation sequences (fixed masks, seeded)
    log_every: int = 10
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    out_dir: str | None = None  # None: no checkpoints
    resume: bool = False
    seed: int = 0
    # hardware
    device: str = "auto"  # auto | cuda | mps | cpu
    precision: str = "auto"  # auto | bf16 | fp16 | fp32
    compile: bool = False  # torch.compile the model (worth it on a GPU, slow to start on a CPU)
    num_threads: int | None = None  # CPU threads for torch (None: torch's default)
    peak_tflops: float | None = None  # the hardware's peak, for MFU (None: detected where known)
    progress: bool = True  # tqdm progress bar

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)
        self.packing = packing_name(self.packing)  # older configs say True / False
        choices = {"schedule": SCHEDULES, "masking": MASKINGS, "model": MODEL_KINDS, "device": DEVICES,
                   "precision": PRECISIONS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"TrainConfig.{name}={getattr(self, name)!r} is not one of {', '.join(allowed)}")
        positive = ("seq_len", "batch_size", "grad_accum", "max_steps", "eval_every", "eval_sequences", "log_every",
                    "checkpoint_every")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"TrainConfig.{name} must be a positive integer, got {value!r}")
        if not 0.0 < self.mask_prob < 1.0:
            raise ValueError(f"mask_prob must be between 0 and 1 (BERT uses 0.15), got {self.mask_prob}")
        if self.lr <= 0:
            raise ValueError(f"lr must be positive (1e-4 to 1e-3 is typical for small BERTs), got {self.lr}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be 0 or more, got {self.warmup_steps}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ValueError(f"max_minutes must be positive (or None for no time limit), got {self.max_minutes}")
        if self.clip is not None and self.clip <= 0:
            raise ValueError(f"clip must be positive (or None for no clipping), got {self.clip}")
        if self.packing == "lines" and self.model != "ours":
            raise ValueError("packing='lines' keeps each packed line's attention to itself, which needs the course's "
                             "model (model='ours'); use packing='none' or 'stream' with model='hf'")
        if self.resume and not self.out_dir:
            raise ValueError("resume=True needs out_dir: the folder whose checkpoints/ the run continues from")

    @property
    def tokens_per_step(self) -> int:
        """Positions per optimizer step: batch_size x grad_accum x seq_len."""
        return self.batch_size * self.grad_accum * self.seq_len

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s) {unknown}; fields are {sorted(known)}")
        return cls(**values)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def differences(self, other: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Fields (other than those a resume may change) where ``other`` differs: ``{name: (self, other)}``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {name: (mine[name], theirs[name]) for name in mine
                if name not in RESUMABLE_CHANGES and mine[name] != theirs[name]}
