"""TrainingDashboard: watch a run live (loss, perplexity, tokens/s, ETA) and stop it cleanly with a button.

Teaches: what to look at while a masked LM trains. The training loss falls fast, then may sit on a plateau
(the unigram entropy: the model predicts frequent words everywhere) before it drops again; the validation
perplexity (on a fixed mask) is the number to compare runs by; tokens/s and the ETA say whether to wait.

How it works: the dashboard is a training *callback* (:mod:`mlmcourse.training.callbacks`): the loop calls
``on_log`` / ``on_evaluate`` / ... and the dashboard redraws. The stop button only sets a flag; at the end of
the current step the dashboard sets ``state.should_stop``, and the loop saves a checkpoint and returns.
A Jupyter kernel handles a button click only when it is not busy running a cell, so :meth:`start` runs the
training in a background thread (the cell returns at once) and :meth:`wait` collects the result.

Simplifies: curves are redrawn as a PNG image at most once per ``refresh_seconds``.
Mirrors: the Trainer's notebook progress table (``NotebookProgressCallback``) and TensorBoard's scalar plots.
"""

from __future__ import annotations

import dataclasses
import html
import io
import math
import threading
import time

import ipywidgets as widgets
from matplotlib.figure import Figure

from mlmcourse.training.callbacks import Callback, TrainResult, TrainState


def format_duration(seconds: float | None) -> str:
    """Seconds as a short human duration.

    >>> format_duration(42.4), format_duration(125), format_duration(3725), format_duration(None)
    ('42 s', '2 min 05 s', '1 h 02 min', '?')
    """
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def status_text(state: TrainState, ending: str | None = None) -> str:
    """One line about the run: step, last loss, last validation perplexity, speed, time left.

    Once the run is ending or over, ``ending`` ("stopping after this step", "stopped", ...) takes the place of
    the ETA, which would promise steps that will never run.

    >>> state = TrainState(max_steps=100, step=25, loss=3.2, train_seconds=10.0, tokens_per_second=5000.0)
    >>> state.evals.append({"step": 20, "loss": 3.0, "perplexity": 20.09})
    >>> status_text(state)
    'step 25/100 · loss 3.200 · val perplexity 20.09 (step 20) · 5,000 tokens/s · ETA 30 s'
    >>> status_text(state, ending="stopped")
    'step 25/100 · loss 3.200 · val perplexity 20.09 (step 20) · 5,000 tokens/s · stopped'
    """
    parts = [f"step {state.step}/{state.max_steps}"]
    if math.isfinite(state.loss):
        parts.append(f"loss {state.loss:.3f}")
    if state.evals:
        last = state.evals[-1]
        parts.append(f"val perplexity {last['perplexity']:.2f} (step {last['step']})")
    parts.append(f"{state.tokens_per_second:,.0f} tokens/s")
    parts.append(ending or f"ETA {format_duration(state.eta_seconds())}")
    return " · ".join(parts)


def draw_curves(history: list[dict], evals: list[dict], reference_losses: dict[str, float] | None = None,
                figure: Figure | None = None) -> Figure:
    """Loss (training and validation) and validation perplexity against the step, side by side."""
    figure = figure or Figure(figsize=(9, 3.2), layout="constrained")
    figure.clear()
    loss_axes, perplexity_axes = figure.subplots(1, 2)
    if history:
        loss_axes.plot([e["step"] for e in history], [e["loss"] for e in history], label="training", lw=1,
                       marker="o" if len(history) == 1 else None, ms=3)  # one point: a line would be invisible
    if evals:
        steps = [e["step"] for e in evals]
        loss_axes.plot(steps, [e["loss"] for e in evals], "o-", label="validation", ms=3)
        perplexity_axes.plot(steps, [e["perplexity"] for e in evals], "o-", color="C1", ms=3)
    for index, (name, value) in enumerate((reference_losses or {}).items()):
        loss_axes.axhline(value, color=f"C{index + 2}", ls="--", lw=1, label=name)
    loss_axes.set(xlabel="step", ylabel="loss (nats per predicted token)", title="masked-LM loss")
    perplexity_axes.set(xlabel="step", ylabel="perplexity", title="validation perplexity (fixed mask)")
    if evals:
        perplexity_axes.set_yscale("log")
    if history or evals or reference_losses:
        loss_axes.legend(loc="upper right", fontsize=8)
    return figure


def figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


class TrainingDashboard(Callback):
    """Live curves and a stop button for :func:`mlmcourse.training.train`; pass it as a callback."""

    def __init__(self, refresh_seconds: float = 1.0, reference_losses: dict[str, float] | None = None) -> None:
        self.refresh_seconds = refresh_seconds
        self.reference_losses = reference_losses or {}
        self.stop_requested = False
        self.result: TrainResult | None = None
        self.error: BaseException | None = None
        self._state: TrainState | None = None
        self._last_draw = -math.inf
        self._thread: threading.Thread | None = None
        self._figure = Figure(figsize=(9, 3.2), layout="constrained")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="steps")
        self.status = widgets.HTML("waiting for training to start")
        self.stop_button = widgets.Button(description="Stop after this step", button_style="danger", icon="stop",
                                          layout=widgets.Layout(width="auto"))  # the whole label, not "Stop af..."
        self.stop_button.on_click(self._on_stop_clicked)
        self.message = widgets.HTML("")
        self.curves = widgets.Image(format="png")
        self.view = widgets.VBox([widgets.HBox([self.progress, self.stop_button]), self.status, self.curves,
                                  self.message])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.view)

    def _on_stop_clicked(self, _button=None) -> None:
        self.stop_requested = True
        self.stop_button.disabled = True
        self.message.value = "Stopping after the current step; a checkpoint will be saved."
        self._show_status()

    def _show_status(self, ending: str | None = None) -> None:
        if self._state is not None:
            ending = ending or ("stopping after this step" if self.stop_requested else None)
            self.status.value = html.escape(status_text(self._state, ending))

    # ---- training callbacks
    def on_train_begin(self, state: TrainState) -> None:
        self._state = state
        self.progress.max, self.progress.value, self.progress.bar_style = state.max_steps, state.step, ""
        self.message.value = ""  # the previous run's last words do not describe this one
        self.redraw(force=True)  # first the (empty) curves, so the text never describes a chart not yet shown
        self._show_status()

    def on_step_end(self, state: TrainState) -> None:
        self.progress.value = state.step
        if self.stop_requested:
            state.should_stop = True

    def on_log(self, state: TrainState, entry: dict) -> None:
        self._show_status()
        self.redraw()

    def on_evaluate(self, state: TrainState, metrics: dict) -> None:
        self._show_status()
        self.redraw()

    def on_checkpoint(self, state: TrainState, path: str) -> None:
        self.message.value = html.escape(f"checkpoint saved: {path}")

    def on_train_end(self, state: TrainState, result: TrainResult) -> None:
        self.result = result
        self.stop_button.disabled = True
        self.progress.bar_style = "success" if state.step >= state.max_steps else "warning"
        self.redraw(force=True)
        self._show_status(f"finished ({result.stop_reason})")
        self.message.value = html.escape(f"finished ({result.stop_reason}): {result.summary()}")

    def redraw(self, force: bool = False) -> None:
        """Redraw the curves (at most once per ``refresh_seconds`` unless ``force``)."""
        if self._state is None or (not force and time.monotonic() - self._last_draw < self.refresh_seconds):
            return
        self._last_draw = time.monotonic()
        draw_curves(self._state.history, self._state.evals, self.reference_losses, self._figure)
        self.curves.value = figure_png(self._figure)

    # ---- running in the background, so the stop button works while the cell is idle
    def start(self, config, **train_kwargs) -> TrainingDashboard:
        """Run ``train(config, [self], **train_kwargs)`` in a background thread and show the dashboard."""
        from mlmcourse.training import train

        if self._thread is not None and self._thread.is_alive():
            self.message.value = "a run is already in progress; stop it or wait for it first"
            return self
        self.stop_requested, self.result, self.error = False, None, None
        self.stop_button.disabled = False
        self.message.value = ""
        self.status.value = "starting ..."
        config = dataclasses.replace(config, progress=False)  # the dashboard is the progress bar

        def target() -> None:
            try:
                train(config, [self], **train_kwargs)
            except Exception as error:  # shown in the widget, re-raised by wait()
                self.error = error
                self.message.value = html.escape(f"training stopped: {error}")

        self._thread = threading.Thread(target=target, name="mlmcourse-training", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> TrainResult:
        """Block until the background run ends; return its result (re-raise its error)."""
        if self._thread is None:
            raise RuntimeError("nothing to wait for: call dashboard.start(config) first")
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"training is still running after {timeout} s; press the stop button or wait longer")
        if self.error is not None:
            raise self.error
        return self.result
