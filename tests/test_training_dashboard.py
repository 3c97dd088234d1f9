"""TrainingDashboard: its pure helpers, its callback hooks driven by hand, the stop button (.click()), and a real
tiny training run stopped by the button, in the foreground and in a background thread."""

from __future__ import annotations

import pytest
from training_support import small_texts, small_tokenizer, tiny_config

from mlmcourse.training import Callback, TrainState, latest_checkpoint, train
from mlmcourse.widgets import TrainingDashboard
from mlmcourse.widgets.training_dashboard import draw_curves, format_duration, status_text


def test_format_duration_worked_example():
    assert (format_duration(42.4), format_duration(125), format_duration(3725), format_duration(None)) == \
        ("42 s", "2 min 05 s", "1 h 02 min", "?")


def test_status_text_worked_example():
    state = TrainState(max_steps=100, step=25, loss=3.2, train_seconds=10.0, tokens_per_second=5000.0)
    state.evals.append({"step": 20, "loss": 3.0, "perplexity": 20.09})
    assert status_text(state) == \
        "step 25/100 · loss 3.200 · val perplexity 20.09 (step 20) · 5,000 tokens/s · ETA 30 s"
    assert status_text(TrainState(max_steps=10)) == "step 0/10 · 0 tokens/s · ETA ?"
    assert status_text(state, ending="stopped").endswith("5,000 tokens/s · stopped")


def test_draw_curves_plots_every_series():
    history = [{"step": s, "loss": 5.0 - 0.1 * s} for s in range(1, 11)]
    evals = [{"step": 5, "loss": 4.6, "perplexity": 99.5}, {"step": 10, "loss": 4.1, "perplexity": 60.3}]
    figure = draw_curves(history, evals, {"unigram entropy": 4.3})
    loss_axes, perplexity_axes = figure.axes
    assert [line.get_label() for line in loss_axes.lines] == ["training", "validation", "unigram entropy"]
    assert list(loss_axes.lines[1].get_ydata()) == [4.6, 4.1]
    assert list(perplexity_axes.lines[0].get_ydata()) == [99.5, 60.3]
    assert perplexity_axes.get_yscale() == "log"


def test_hooks_update_the_widgets_and_the_button_requests_a_stop():
    dashboard = TrainingDashboard(refresh_seconds=0)
    state = TrainState(max_steps=50)
    dashboard.on_train_begin(state)
    assert (dashboard.progress.max, dashboard.progress.value) == (50, 0)
    state.step, state.loss, state.train_seconds, state.tokens_per_second = 10, 4.0, 2.0, 1234.0
    state.history.append({"step": 10, "loss": 4.0})
    dashboard.on_step_end(state)
    dashboard.on_log(state, state.history[-1])
    assert dashboard.progress.value == 10 and "loss 4.000" in dashboard.status.value
    assert dashboard.curves.value[:4] == b"\x89PNG"
    assert not state.should_stop

    dashboard.stop_button.click()
    assert dashboard.stop_requested and dashboard.stop_button.disabled
    assert "Stopping after the current step" in dashboard.message.value
    assert "ETA" not in dashboard.status.value and "stopping after this step" in dashboard.status.value
    dashboard.on_log(state, state.history[-1])
    assert "ETA" not in dashboard.status.value
    state.step = 11
    dashboard.on_step_end(state)
    assert state.should_stop


class _ClickStopAt(Callback):
    def __init__(self, dashboard: TrainingDashboard, step: int) -> None:
        self.dashboard, self.step = dashboard, step

    def on_step_end(self, state) -> None:
        if state.step == self.step:
            self.dashboard.stop_button.click()


def test_stop_button_ends_a_real_run_cleanly_with_a_checkpoint(tmp_path):
    dashboard = TrainingDashboard(refresh_seconds=60)  # draw only at the start and the end
    # The click lands during step 3's callbacks; the dashboard (called after it) stops the run at step 3.
    config = tiny_config(out_dir=str(tmp_path), max_steps=50, checkpoint_every=100)
    result = train(config, [_ClickStopAt(dashboard, 3), dashboard], tokenizer=small_tokenizer(),
                   texts=small_texts())
    assert (result.stop_reason, result.steps) == ("stopped", 3)
    assert latest_checkpoint(tmp_path / "checkpoints").name == "step-000003"
    assert dashboard.result is result and "finished (stopped)" in dashboard.message.value
    assert dashboard.progress.value == 3
    # after Stop the status line promises no more steps
    assert "ETA" not in dashboard.status.value and dashboard.status.value.endswith("finished (stopped)")
    assert dashboard.progress.bar_style == "warning"


def test_background_run_and_its_errors_show_in_the_widget(tmp_path):
    dashboard = TrainingDashboard(refresh_seconds=60)
    result = dashboard.start(tiny_config(max_steps=4), tokenizer=small_tokenizer(), texts=small_texts()).wait(120)
    assert result.steps == 4 and dashboard.result is result
    assert "finished (max_steps)" in dashboard.message.value and dashboard.progress.bar_style == "success"

    # A second run on the same dashboard: the first run's "finished" line goes as soon as it starts.
    assert "4 steps" in dashboard.message.value
    dashboard.start(tiny_config(max_steps=3), tokenizer=small_tokenizer(), texts=small_texts())
    assert "4 steps" not in dashboard.message.value and "4 steps" not in dashboard.status.value
    assert dashboard.wait(120).steps == 3 and "finished (max_steps): 3 steps" in dashboard.message.value

    failing = TrainingDashboard()
    failing.start(tiny_config(tokenizer=str(tmp_path / "missing")), texts=small_texts())
    with pytest.raises(FileNotFoundError, match="no tokenizer.json"):
        failing.wait(60)
    assert "training stopped: no tokenizer.json" in failing.message.value
    with pytest.raises(RuntimeError, match="call dashboard.start"):
        TrainingDashboard().wait()
