"""AttentionViewer: type a sentence, pick a layer and a head, see who attends to whom.

Teaches: attention weights are a (seq x seq) matrix per head and layer; each row (a token) is a distribution
over the tokens it reads from. Heads differ: some look at the previous or next token, some at [SEP] or
punctuation (a "no-op" place to park attention), some at related words.
Simplifies: one sentence at a time; raw weights (no attention rollout or gradient attribution).
Mirrors: bertviz's head view, drawn with matplotlib; the weights are what ``BertForMaskedLM`` returns with
``output_attentions=True`` and ``attn_implementation="eager"``.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from mlmcourse.errors import CourseError
from mlmcourse.inference.fill_mask import MASK_SPELLINGS
from mlmcourse.model import MaskedLM, from_hf

MEAN_OF_HEADS = -1  # the head dropdown's value for "average over heads"


def attention_maps(model, tokenizer, text: str) -> tuple[list[str], torch.Tensor]:
    """Tokens of ``text`` and every attention matrix: a tensor (layers, heads, seq, seq), rows summing to 1.

    ``model`` is our :class:`MaskedLM` or a ``transformers.BertForMaskedLM`` (converted with ``from_hf``);
    ``<mask>`` and ``[MASK]`` (in any case) become the tokenizer's own mask token.
    """
    if not isinstance(text, str) or not text.strip():
        raise CourseError("type a sentence to look at, e.g. 'the dog barked at me .'")
    if not isinstance(model, MaskedLM):
        model = from_hf(model)
    if tokenizer.mask_token:  # any spelling and case, as fill_mask accepts it
        text = MASK_SPELLINGS.sub(lambda _: tokenizer.mask_token, text)
    encoded = tokenizer(text, return_tensors="pt")
    input_ids = encoded["input_ids"]  # (1, seq)
    if input_ids.size(1) > model.config.max_position:
        raise CourseError(f"the sentence has {input_ids.size(1)} tokens; the model reads at most "
                          f"{model.config.max_position}. Try a shorter sentence.")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            hidden_attentions = model.encode(input_ids.to(model.device), output_attentions=True)[1]
    finally:
        model.train(was_training)
    maps = torch.stack([weights[0] for weights in hidden_attentions]).float().cpu()  # (layers, heads, seq, seq)
    return tokenizer.convert_ids_to_tokens(input_ids[0].tolist()), maps


def plot_attention(tokens: list[str], weights: torch.Tensor, ax: Axes | None = None, title: str = "") -> Axes:
    """Heatmap of one (seq, seq) attention matrix: rows = tokens reading (queries), columns = tokens read (keys)."""
    if ax is None:
        size = min(10.0, 2.0 + 0.35 * len(tokens))
        _, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(weights.numpy(), cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(tokens)), tokens, rotation=90)
    ax.set_yticks(range(len(tokens)), tokens)
    ax.set_xlabel("attends to (key)")
    ax.set_ylabel("token (query)")
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention weight")
    return ax


class AttentionViewer(widgets.VBox):
    """A sentence box, layer and head dropdowns, and the heatmap of the chosen attention matrix."""

    def __init__(self, model, tokenizer, text: str = "the dog barked at me .", max_tokens: int = 48) -> None:
        self.model = model if isinstance(model, MaskedLM) else from_hf(model)
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        config = self.model.config
        self.text = widgets.Text(value=text, description="sentence", continuous_update=False,
                                 layout=widgets.Layout(width="32em"))
        self.layer = widgets.Dropdown(options=[(f"layer {i + 1}", i) for i in range(config.num_layers)],
                                      value=config.num_layers - 1, description="layer")
        self.head = widgets.Dropdown(options=[("mean of heads", MEAN_OF_HEADS)]
                                     + [(f"head {h + 1}", h) for h in range(config.num_heads)],
                                     value=0, description="head")
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self.tokens: list[str] = []
        self.maps: torch.Tensor | None = None  # (layers, heads, seq, seq)
        self.axes: Axes | None = None
        super().__init__([self.text, widgets.HBox([self.layer, self.head]), self.message, self.output])
        self.text.observe(lambda change: self.update(), names="value")
        self.layer.observe(lambda change: self.draw(), names="value")
        self.head.observe(lambda change: self.draw(), names="value")
        self.update()

    def update(self) -> None:
        """Recompute every attention map for the current sentence, then redraw."""
        try:
            tokens, maps = attention_maps(self.model, self.tokenizer, self.text.value)
            if len(tokens) > self.max_tokens:
                raise CourseError(f"{len(tokens)} tokens is too many to read in a heatmap; "
                                  f"try a sentence of at most {self.max_tokens} tokens.")
        except ValueError as error:
            self.tokens, self.maps = [], None
            self.message.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            self.output.clear_output()
            return
        self.tokens, self.maps = tokens, maps
        self.message.value = ""
        self.draw()

    def current_map(self) -> torch.Tensor:
        """The (seq, seq) matrix selected by the dropdowns (the mean over heads for "mean of heads")."""
        if self.maps is None:
            raise CourseError("no sentence is loaded; type one in the text box.")
        layer_maps = self.maps[self.layer.value]  # (heads, seq, seq)
        return layer_maps.mean(0) if self.head.value == MEAN_OF_HEADS else layer_maps[self.head.value]

    def draw(self) -> None:
        """Draw the selected matrix into the output area."""
        if self.maps is None:
            return
        head = "mean of heads" if self.head.value == MEAN_OF_HEADS else f"head {self.head.value + 1}"
        self.output.clear_output(wait=True)
        with self.output:
            self.axes = plot_attention(self.tokens, self.current_map(), title=f"layer {self.layer.value + 1}, {head}")
            plt.show()
        plt.close(self.axes.figure)
