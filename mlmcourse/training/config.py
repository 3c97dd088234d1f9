"""``TrainConfig``: every choice a training run makes, in one dataclass that saves as JSON.

What it teaches: a run is reproducible when everything that shaped it is written down. The defaults are a recipe
that trains the ``tiny`` preset on the toy world on a laptop CPU: peak learning rate 1e-3 reached after 300
warmup steps, linear decay, batches of 32 packed 64-token sequences, 15 % of tokens predicted, the sparse head.

What it simplifies: one optimizer (AdamW with BERT's betas and weight decay, no decay on biases and LayerNorms).

Production twin: ``transformers.TrainingArguments`` (``learning_rate``, ``warmup_steps``, ``lr_scheduler_type``,
``gradient_accumulation_steps``, ``max_grad_norm``, ``eval_steps``, ``save_steps``, ``bf16``, ``torch_compile``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlmcourse.dataclass_io import DictIO
from mlmcourse.errors import CourseError
from mlmcourse.training.data import PACKINGS, packing_name
from mlmcourse.training.device import DEVICES, PRECISIONS
from mlmcourse.training.schedules import SCHEDULES

MASKINGS = ("token", "whole_word", "span", "exact")
MODEL_KINDS = ("ours", "hf")
# Fields a resumed run may change (a longer run, a different budget or cadence); the rest must match.
RESUMABLE_CHANGES = {"max_steps", "max_minutes", "eval_every", "checkpoint_every", "log_every", "progress",
                     "resume", "out_dir", "keep_checkpoints", "num_threads", "peak_tflops"}


def option(default: Any, help: str, **extra: Any) -> Any:  # noqa: A002 - argparse's name for it
    """A dataclass field whose ``help`` the command line shows (``mlmcourse train --help`` is built from these)."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help, **extra})
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class TrainConfig(DictIO):
    """A training run's recipe (see the module docstring for what the defaults do)."""

    # data
    corpus: str = option("toyworld", "toyworld, pydocs (or a part: pydocs-general, pydocs-internet, ...), a .txt "
                                     "file / folder / glob, or a Hub dataset name")
    corpus_options: dict[str, Any] = option({}, "options of the corpus loader, e.g. {'n_sentences': 20000}",
                                            cli=False)
    tokenizer: str | None = option(None, "a tokenizer folder (default: the model's own with --init-from, else the "
                                         "course tokenizer)")
    seq_len: int = option(64, "tokens per row")
    packing: str = option("stream", "none: one padded line per row; stream: lines concatenated into full rows; "
                                    "lines: whole lines packed into rows, each attending only to itself",
                          choices=PACKINGS)
    masking: str = option("token", "which tokens to mask: single tokens, whole words, spans, or an exact count",
                          choices=MASKINGS)
    mask_prob: float = option(0.15, "share of tokens to predict (BERT: 0.15)")
    # model
    preset: str = option("tiny", "model shape: tiny | mini | small | base")
    model: str = option("ours", "which implementation trains: ours (mlmcourse.model.MaskedLM) or hf "
                                "(transformers' AutoModelForMaskedLM)", choices=MODEL_KINDS, flag="--implementation")
    pre_ln: bool = option(False, "LayerNorm before each sublayer (BERT is post-LN; pre-LN needs less warmup)")
    sparse_head: bool = option(True, "run the vocabulary projection only at the masked positions")
    dropout: float = option(0.1, "dropout on embeddings, sublayers and attention (0 is fine for a generated "
                                 "corpus that never repeats)")
    init_from: str | None = option(None, "start from this model's weights (a folder or a Hub name): continued "
                                         "pretraining, domain adaptation; its shape and tokenizer are used")
    # optimisation
    batch_size: int = option(32, "sequences per micro-batch")
    grad_accum: int = option(1, "micro-batches per optimizer step")
    lr: float = option(1e-3, "peak learning rate")
    weight_decay: float = option(0.01, "AdamW weight decay (not on biases and LayerNorm weights)")
    betas: tuple[float, float] = option((0.9, 0.98), "AdamW betas", nargs=2)
    warmup_steps: int = option(300, "steps of linear warmup to the peak learning rate")
    schedule: str = option("linear", "learning-rate decay after warmup", choices=SCHEDULES)
    max_steps: int = option(3_000, "optimizer steps (and the length of the decay)")
    max_minutes: float | None = option(None, "time budget: the run saves and stops when it is spent")
    clip: float | None = option(1.0, "max gradient norm (0 or None: no clipping)")
    # bookkeeping
    eval_every: int = option(200, "steps between validation evaluations")
    eval_sequences: int = option(256, "validation sequences (fixed masks, seeded)")
    log_every: int = option(10, "steps between log entries")
    checkpoint_every: int = option(500, "steps between checkpoints (with out_dir)")
    keep_checkpoints: int = option(2, "checkpoints kept on disk")
    out_dir: str | None = option(None, "output folder (config.json, checkpoints/, model/)", flag="--out")
    resume: bool = option(False, "continue from the latest checkpoint in the output folder")
    seed: int = option(0, "random seed (weights, data order, masks)")
    # hardware
    device: str = option("auto", "auto | cuda | mps | cpu", choices=DEVICES)
    precision: str = option("auto", "auto (bf16 where the hardware has it and it pays, else fp32) | bf16 | fp16 | "
                                    "fp32", choices=PRECISIONS)
    compile: bool = option(False, "torch.compile the model (off by default: on a 2-core CPU it measured 1.1x, within "
                                   "the run-to-run spread; `mlmcourse bench train --compile` measures yours)")
    num_threads: int | None = option(None, "CPU threads for torch (default: torch's)", flag="--threads")
    peak_tflops: float | None = option(None, "the hardware's peak TFLOP/s for MFU (default: measured or known)")
    progress: bool = option(True, "show a progress bar")

    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)
        self.packing = packing_name(self.packing)  # older configs say True / False
        choices = {"schedule": SCHEDULES, "masking": MASKINGS, "model": MODEL_KINDS, "device": DEVICES,
                   "precision": PRECISIONS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise CourseError(f"TrainConfig.{name}={getattr(self, name)!r} is not one of {', '.join(allowed)}")
        positive = ("seq_len", "batch_size", "grad_accum", "max_steps", "eval_every", "eval_sequences", "log_every",
                    "checkpoint_every")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise CourseError(f"TrainConfig.{name} must be a positive integer (--{name.replace('_', '-')}), "
                                  f"got {value!r}")
        if not 0.0 < self.mask_prob < 1.0:
            raise CourseError(f"mask_prob must be between 0 and 1 (BERT uses 0.15), got {self.mask_prob}")
        if self.lr <= 0:
            raise CourseError(f"lr must be positive (1e-4 to 1e-3 is typical for small BERTs), got {self.lr}")
        if self.warmup_steps < 0:
            raise CourseError(f"warmup_steps must be 0 or more, got {self.warmup_steps}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise CourseError(f"max_minutes must be positive (or None for no time limit), got {self.max_minutes}")
        if self.clip is not None and self.clip <= 0:
            raise CourseError(f"clip must be positive (or None for no clipping), got {self.clip}")
        if self.packing == "lines" and self.model != "ours":
            raise CourseError("packing='lines' keeps each packed line's attention to itself, which needs the course's "
                              "model (model='ours'); use packing='none' or 'stream' with model='hf'")
        if self.num_threads is not None and (not isinstance(self.num_threads, int) or self.num_threads < 1):
            raise CourseError(f"num_threads (--threads) must be a positive integer, such as the number of CPU cores "
                              f"(or left out for torch's default), got {self.num_threads!r}")
        if self.resume and not self.out_dir:
            raise CourseError("resume=True needs out_dir: the folder whose checkpoints/ the run continues from")

    @property
    def tokens_per_step(self) -> int:
        """Positions per optimizer step: batch_size x grad_accum x seq_len."""
        return self.batch_size * self.grad_accum * self.seq_len

    def differences(self, other: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Fields (other than those a resume may change) where ``other`` differs: ``{name: (self, other)}``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {name: (mine[name], theirs[name]) for name in mine
                if name not in RESUMABLE_CHANGES and mine[name] != theirs[name]}
