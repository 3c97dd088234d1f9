"""FillMaskPlayground: type a sentence with <mask>, see the model's top-k for each mask as bars.

Teaches: what a masked LM believes, interactively: how the distribution sharpens with context, how several
masks get independent predictions, how models differ (course checkpoint, your own folder, a Hub model).
Thin wiring only: predictions come from :func:`mlmcourse.inference.fill_mask`, models from
:func:`mlmcourse.inference.load_model`, the chart from :func:`plot_predictions`. Every error becomes a message in
the widget; the learner never sees a traceback.
Mirrors: the "Hosted inference API" fill-mask widget on Hugging Face model pages.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from mlmcourse import config

COURSE_CHOICE = "course checkpoint"
HUB_SUGGESTIONS = ("distilroberta-base", "bert-base-uncased")
MASKS_PER_ROW = 3
MAX_CHARTS = 9  # masks drawn as charts; more would make a wall of bars


def predictions_by_mask(records: list) -> list[list[dict[str, Any]]]:
    """``fill_mask`` output for one text -> one list of records per mask (one mask gives a list of one).

    >>> predictions_by_mask([{"token_str": "dog", "score": 0.9}])
    [[{'token_str': 'dog', 'score': 0.9}]]
    >>> len(predictions_by_mask([[{"token_str": "a", "score": 0.5}], [{"token_str": "b", "score": 0.4}]]))
    2
    """
    return records if records and isinstance(records[0], list) else [records]


def model_choice(value: str) -> str | None:
    """What the model box means for :func:`load_model`: None for the course checkpoint, else a folder / Hub name.

    >>> model_choice("course checkpoint"), model_choice("  data/models/mine "), model_choice("")
    (None, 'data/models/mine', None)
    """
    value = value.strip()
    return None if value in ("", COURSE_CHOICE) else value


def model_options() -> list[str]:
    """Suggestions for the model box: the course checkpoint, local model folders, Hub names when online."""
    options = [COURSE_CHOICE]
    if config.models_dir().is_dir():
        options += sorted(str(path) for path in config.models_dir().iterdir() if (path / "config.json").exists())
    if not config.hub_offline():
        from mlmcourse.inference.loading import hub_reachable

        if hub_reachable(timeout=1.0):
            options += list(HUB_SUGGESTIONS)
    return options


def plot_predictions(per_mask: list[list[dict[str, Any]]], text: str = "", columns: int = MASKS_PER_ROW):
    """One horizontal bar chart per mask (best prediction on top), ``columns`` charts a row; returns the Figure."""
    import matplotlib.pyplot as plt

    columns = min(columns, len(per_mask))
    rows = -(-len(per_mask) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, rows * (0.45 * len(per_mask[0]) + 1.4)),
                                squeeze=False)
    for number, axis in enumerate(axes.flat, start=1):
        if number > len(per_mask):
            axis.remove()  # the unused places of the last row
            continue
        records = per_mask[number - 1]
        labels = [record["token_str"] for record in records][::-1]
        scores = [record["score"] for record in records][::-1]
        bars = axis.barh(range(len(records)), scores, color="#4C72B0")
        axis.set_yticks(range(len(records)), labels)
        axis.set_xlim(0, 1)
        axis.set_xlabel("probability")
        axis.bar_label(bars, labels=[f"{score:.2f}" for score in scores], padding=2, fontsize=8)
        axis.set_title(f"mask {number}" if len(per_mask) > 1 else "prediction for the mask")
    if text:
        figure.suptitle(text if len(text) <= 100 else text[:97] + "...", fontsize=10)
    figure.tight_layout()
    return figure


class FillMaskPlayground(widgets.VBox):
    """Text box + top-k slider + model box; bars of the predictions for every mask."""

    def __init__(self, model: Any = None, tokenizer: Any = None, text: str = "The <mask> barked at me.",
                 top_k: int = 5) -> None:
        self.text = widgets.Text(value=text, description="text", continuous_update=False,
                                 layout=widgets.Layout(width="60%"))
        self.top_k = widgets.IntSlider(value=top_k, min=1, max=20, description="top-k", continuous_update=False)
        self.model_box = widgets.Combobox(value=COURSE_CHOICE if model is None else "(given model)",
                                          options=model_options(), description="model", ensure_option=False,
                                          placeholder="course checkpoint, a folder or a Hub name")
        self.load_button = widgets.Button(description="Load model", icon="download")
        self.predict_button = widgets.Button(description="Predict", button_style="primary")
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self.model, self.tokenizer = model, tokenizer
        self.predictions: list[list[dict[str, Any]]] = []
        self.figure = None
        super().__init__([self.text, widgets.HBox([self.top_k, self.predict_button]),
                          widgets.HBox([self.model_box, self.load_button]), self.message, self.output])
        self.load_button.on_click(lambda _: self.load())
        self.predict_button.on_click(lambda _: self.predict())
        self.text.observe(lambda _: self.predict(), names="value")
        self.top_k.observe(lambda _: self.predict(), names="value")
        if self.model is None:
            self.load()
        else:
            self.predict()

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00020" if error else "#333333"
        self.message.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def load(self) -> bool:
        """Load the model named in the model box; on failure keep the old one and say why."""
        from mlmcourse.inference import load_model

        choice = model_choice(self.model_box.value)
        self._say(f"loading {choice or COURSE_CHOICE} ...")
        try:
            self.model, self.tokenizer = load_model(choice)
        except Exception as error:  # a widget shows the reason, never a traceback
            kept = (" The previous model is still loaded: press Predict to use it." if self.model is not None
                    else "")
            self._fail(f"Could not load the model: {error}{kept}")
            return False
        self._say(f"loaded {choice or COURSE_CHOICE}.")
        return self.predict()

    def predict(self) -> bool:
        """Run fill-mask on the text box and draw the bars; errors (no mask, ...) become the message."""
        from mlmcourse.inference import fill_mask

        if self.model is None:
            self._fail("No model loaded yet: pick one in the model box and press 'Load model'.")
            return False
        try:
            records = fill_mask(self.model, self.tokenizer, self.text.value, top_k=self.top_k.value)
        except Exception as error:
            self._fail(str(error))
            return False
        self.predictions = predictions_by_mask(records)
        count = len(self.predictions)
        shown = f" The chart shows the first {MAX_CHARTS}." if count > MAX_CHARTS else ""
        self._say(f"{count} masks: each one is predicted on its own, the others masked.{shown}"
                  if count > 1 else f"best guess: {self.predictions[0][0]['token_str']!r}")
        self._draw()
        return True

    def _fail(self, text: str) -> None:
        """An error message, and no chart: the old one belongs to another sentence or model."""
        self._say(text, error=True)
        self.predictions = []
        self.output.clear_output()
        if self.figure is not None:
            import matplotlib.pyplot as plt

            plt.close(self.figure)
            self.figure = None

    def _draw(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        if self.figure is not None:
            plt.close(self.figure)
        self.figure = plot_predictions(self.predictions[:MAX_CHARTS], self.text.value)
        with self.output:
            self.output.clear_output(wait=True)
            display(self.figure)
        plt.close(self.figure)  # shown in the Output widget; do not show it a second time below the cell
