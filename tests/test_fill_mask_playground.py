"""FillMaskPlayground: the pure helpers, and the widget driven through .value and button clicks."""

from __future__ import annotations

import json

import matplotlib
import pytest
from _eval_fixtures import one_torch_thread, save_tiny_checkpoint

from mlmcourse.inference import fill_mask
from mlmcourse.widgets import FillMaskPlayground
from mlmcourse.widgets.fill_mask_playground import (
    COURSE_CHOICE,
    model_choice,
    model_options,
    plot_predictions,
    predictions_by_mask,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_checkpoint(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def model_and_tokenizer(checkpoint):
    from mlmcourse.inference import load_model

    return load_model(checkpoint)


def test_predictions_by_mask_docstring_examples():
    assert predictions_by_mask([{"token_str": "dog", "score": 0.9}]) == [[{"token_str": "dog", "score": 0.9}]]
    assert len(predictions_by_mask([[{"token_str": "a", "score": 0.5}], [{"token_str": "b", "score": 0.4}]])) == 2


def test_model_choice_docstring_example():
    assert (model_choice("course checkpoint"), model_choice("  data/models/mine "), model_choice("")) == (
        None, "data/models/mine", None)


def test_plot_predictions_draws_one_chart_per_mask():
    import matplotlib.pyplot as plt

    per_mask = [[{"token_str": "dog", "score": 0.7}, {"token_str": "cat", "score": 0.2}],
                [{"token_str": "me", "score": 0.5}, {"token_str": "you", "score": 0.1}]]
    figure = plot_predictions(per_mask, "the [MASK] barked at [MASK] .")
    axes = figure.axes
    assert len(axes) == 2 and axes[1].get_title() == "mask 2"
    assert [label.get_text() for label in axes[0].get_yticklabels()] == ["cat", "dog"]  # best on top
    assert [bar.get_width() for bar in axes[0].patches] == pytest.approx([0.2, 0.7])
    plt.close(figure)


def test_model_options_offline_lists_local_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("MLMCOURSE_DATA", str(tmp_path))
    (tmp_path / "models" / "mine").mkdir(parents=True)
    (tmp_path / "models" / "mine" / "config.json").write_text(json.dumps({}))
    (tmp_path / "models" / "not-a-model").mkdir()
    assert model_options() == [COURSE_CHOICE, str(tmp_path / "models" / "mine")]  # no Hub names offline


def test_widget_predicts_and_follows_its_controls(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    playground = FillMaskPlayground(model, tokenizer, text="the <mask> barked at me .")
    assert playground.predictions == [fill_mask(model, tokenizer, "the <mask> barked at me .")]
    assert "best guess" in playground.message.value and playground.figure is not None

    playground.top_k.value = 3
    assert [len(records) for records in playground.predictions] == [3]

    playground.text.value = "the [MASK] sat on [MASK] mat ."
    assert playground.predictions == fill_mask(model, tokenizer, "the [MASK] sat on [MASK] mat .", top_k=3)
    assert "2 masks" in playground.message.value and len(playground.figure.axes) == 2


def test_widget_bad_text_is_a_message_not_a_traceback(model_and_tokenizer):
    playground = FillMaskPlayground(*model_and_tokenizer)
    assert playground.figure is not None
    playground.text.value = "paris is the capital of france ."
    assert "no mask token found" in playground.message.value and "&lt;mask&gt; or [MASK]" in playground.message.value
    # no chart of the previous sentence under the error
    assert playground.predictions == [] and playground.figure is None
    playground.text.value = "the dog barked at me . " * 300 + "<mask>"
    assert "tokens but the model reads at most" in playground.message.value and playground.figure is None
    playground.text.value = "The [mask] barked at me."  # any case of the mask
    assert len(playground.predictions) == 1 and playground.figure is not None


def test_many_masks_are_charted_in_rows_and_capped(model_and_tokenizer):
    from mlmcourse.widgets.fill_mask_playground import MAX_CHARTS

    playground = FillMaskPlayground(*model_and_tokenizer, top_k=2)
    playground.text.value = " ".join(["<mask>"] * 12) + " ."
    assert len(playground.predictions) == 12 and "12 masks" in playground.message.value
    assert f"first {MAX_CHARTS}" in playground.message.value and len(playground.figure.axes) == MAX_CHARTS
    width, height = playground.figure.get_size_inches()
    assert width == pytest.approx(3 * 4.2) and height == pytest.approx(3 * (0.45 * 2 + 1.4))
    playground.text.value = "the <mask> sat on <mask> <mask> <mask> ."
    assert len(playground.figure.axes) == 4  # a row of three, then one: no empty frames


def test_widget_loads_another_model_by_click(model_and_tokenizer, checkpoint, tmp_path):
    playground = FillMaskPlayground(*model_and_tokenizer)
    playground.model_box.value = str(tmp_path / "missing")
    playground.load_button.click()
    assert "Could not load the model" in playground.message.value and "no folder" in playground.message.value
    assert playground.model is model_and_tokenizer[0]  # the old model is kept, and the message says so
    assert "previous model is still loaded" in playground.message.value and playground.figure is None
    playground.predict_button.click()
    assert playground.predictions and playground.figure is not None

    playground.model_box.value = str(checkpoint)
    playground.load_button.click()
    assert playground.model is not model_and_tokenizer[0]
    assert playground.predictions == [fill_mask(*model_and_tokenizer, playground.text.value)]


def test_widget_advice_is_for_python_not_the_command_line(model_and_tokenizer, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "course-tiny").mkdir(parents=True)
    playground = FillMaskPlayground(*model_and_tokenizer)
    playground.model_box.value = "runs/course-tny"  # a typo in a folder name
    playground.load_button.click()
    assert "no folder &#x27;runs/course-tny&#x27; (did you mean &#x27;runs/course-tiny&#x27;?)" in \
        playground.message.value
    assert "Hub model" not in playground.message.value and "--" not in playground.message.value
    playground.model_box.value = "surely-not-cached-model"
    playground.load_button.click()
    assert "not in the local cache" in playground.message.value and "load_model() with no name" in \
        playground.message.value and "--model" not in playground.message.value


def test_widget_without_course_checkpoint_says_how_to_make_one(monkeypatch, tmp_path):
    monkeypatch.setenv("MLMCOURSE_DATA", str(tmp_path))
    playground = FillMaskPlayground()
    assert playground.model is None
    assert "course checkpoint" in playground.message.value and "mlmcourse train" in playground.message.value
    playground.predict_button.click()
    assert "No model loaded yet" in playground.message.value
