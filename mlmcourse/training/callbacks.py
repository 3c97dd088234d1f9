"""What the loop shares with the outside world: its live state, callbacks, and the final result.

What it teaches: a training loop should not know about progress bars, dashboards or early stopping. It calls
*callbacks* at fixed moments (``on_train_begin``, ``on_step_end``, ``on_log``, ``on_evaluate``,
``on_checkpoint``, ``on_train_end``) and passes a :class:`TrainState`. A callback that wants the run to stop sets
``state.should_stop = True``; the loop finishes the current step, saves a checkpoint and returns.

What it simplifies: callbacks observe and may request a stop; they cannot change the loss or the batch.

Production twin: ``transformers.TrainerCallback`` with ``TrainerState`` and ``TrainerControl.should_training_stop``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from mlmcourse.errors import CourseError


@dataclass
class TrainState:
    """The loop's progress, updated after every step (callbacks read it; they may set ``should_stop``)."""

    max_steps: int
    step: int = 0  # optimizer steps done
    position: int = 0  # micro-batches consumed: the data position a resume continues from
    tokens_seen: int = 0  # non-padding input tokens trained on
    train_seconds: float = 0.0  # time spent in training steps (evaluation and checkpoints excluded)
    loss: float = math.nan  # the last step's loss
    lr: float = 0.0
    tokens_per_second: float = 0.0  # over the last logging window
    history: list[dict[str, float]] = field(default_factory=list)  # every log_every steps
    evals: list[dict[str, float]] = field(default_factory=list)  # every eval_every steps
    should_stop: bool = False
    stop_reason: str | None = None
    last_checkpoint: str | None = None
    world_size: int = 1  # data-parallel processes (each takes a shard of every global batch)

    # What a checkpoint stores and a resume restores (the rest is recomputed or per-session).
    SAVED = ("step", "position", "tokens_seen", "train_seconds", "loss", "lr", "history", "evals", "world_size")

    def to_saved(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SAVED}

    def restore(self, saved: dict[str, Any]) -> None:
        """Continue from a checkpoint's state; a different number of processes would change the global batch."""
        saved_world = saved.get("world_size", 1)
        if saved_world != self.world_size:
            raise CourseError(
                f"this run was trained on {saved_world} process(es) and is resumed on {self.world_size}: the global "
                f"batch would change. Resume it with {saved_world} process(es) (e.g. accelerate launch "
                f"--num_processes {saved_world} ...), or start a new --out folder (--init-from its model/ keeps the "
                "weights).")
        for name in self.SAVED:
            setattr(self, name, saved.get(name, getattr(self, name)))

    def eta_seconds(self) -> float | None:
        """Seconds left at the current speed (None before the first step).

        >>> TrainState(max_steps=100, step=25, train_seconds=10.0).eta_seconds()
        30.0
        """
        if self.step == 0 or self.train_seconds <= 0:
            return None
        return (self.max_steps - self.step) * self.train_seconds / self.step


class Callback:
    """Base class with every hook as a no-op: subclass it and override the hooks you need."""

    def on_train_begin(self, state: TrainState) -> None: ...
    def on_step_end(self, state: TrainState) -> None: ...
    def on_log(self, state: TrainState, entry: dict[str, float]) -> None: ...
    def on_evaluate(self, state: TrainState, metrics: dict[str, float]) -> None: ...
    def on_checkpoint(self, state: TrainState, path: str) -> None: ...
    def on_train_end(self, state: TrainState, result: TrainResult) -> None: ...


class StopAfter(Callback):
    """Request a stop once ``step`` optimizer steps are done (the loop saves a checkpoint and returns)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, state: TrainState) -> None:
        if state.step >= self.step:
            state.should_stop = True


def call_hook(callbacks, hook: str, *args) -> None:
    """Call ``hook`` on every callback that has it (callbacks may be any object, not only :class:`Callback`)."""
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is not None:
            method(*args)


@dataclass
class TrainResult:
    """What a run produced: curves, final metrics, speed, and why it stopped."""

    history: list[dict[str, float]]
    evals: list[dict[str, float]]
    steps: int
    tokens_seen: int
    train_seconds: float
    tokens_per_second: float
    flops_per_token: float
    mfu: float | None
    stop_reason: str  # max_steps | max_minutes | stopped | diverged
    device: str
    out_dir: str | None = None
    checkpoint: str | None = None
    model: Any = field(default=None, repr=False)  # the trained model (not serialised)
    global_batch: int = 0  # sequences per optimizer step, over all processes
    world_size: int = 1

    @property
    def final_eval(self) -> dict[str, float] | None:
        return self.evals[-1] if self.evals else None

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("model")
        return values

    def summary(self) -> str:
        """One line: steps, final validation loss and perplexity, speed."""
        text = f"{self.steps} steps ({self.stop_reason}) in {self.train_seconds:.0f} s"
        if self.final_eval:
            text += (f"; validation loss {self.final_eval['loss']:.3f}, perplexity "
                     f"{self.final_eval['perplexity']:.2f}, accuracy {self.final_eval['accuracy']:.1%}")
        text += f"; {self.tokens_per_second:,.0f} tokens/s"
        return text + (f", MFU {self.mfu:.1%}" if self.mfu is not None else "")


class TrainingDiverged(CourseError):
    """The loss became NaN or infinite: training stopped before the bad step touched the weights."""

    def __init__(self, message: str, result: TrainResult | None = None) -> None:
        super().__init__(message)
        self.result = result
