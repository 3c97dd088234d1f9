"""MaskingExplorer: type a sentence, pick a strategy and a rate, and see what the model is shown and asked.

Teaches: masking chooses positions to predict (token, whole word, span, exact count) and then shows the model a
``[MASK]`` (80%), a random token (10%) or the original token (10%) there; the labels hold the original token
only at the chosen positions. Three colours tell the three cases apart; a resample draws a new mask (dynamic
masking).
Simplifies: one sentence at a time. Mirrors: what ``DataCollatorForLanguageModeling`` produces for a batch,
decoded back into tokens.

The widget is thin wiring around pure functions (``explain_masking``, ``masking_html``) that the tests call.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from mlmcourse.errors import CourseError
from mlmcourse.masking import IGNORE_INDEX, STRATEGIES, MLMCollator

COLORS = {"mask": "#f4a261", "random": "#e76f51", "kept": "#2a9d8f"}  # [MASK], random token, kept token
MAX_TOKENS = 512  # what a BERT-size model reads at once; longer texts are cut, and the view says so
DEFAULT_TEXT = "The gardener works at a park. Unbelievably, the whiskers of the cat twitched!"


@dataclass
class MaskedSentence:
    """One sentence after masking, token by token (special tokens included)."""

    tokens: list[str]  # the original tokens
    inputs: list[str]  # what the model sees
    labels: list[str]  # the token to predict, "" where nothing is predicted
    kinds: list[str]  # "mask", "random", "kept" at chosen positions, "" elsewhere
    counts: dict[str, int] = field(default_factory=dict)  # chosen, mask, random, kept, tokens (maskable)
    cut: int = 0  # tokens of the text left out because it is longer than MAX_TOKENS


def explain_masking(tokenizer, text: str, strategy: str = "token", mask_prob: float = 0.15,
                    seed: int = 0) -> MaskedSentence:
    """Mask ``text`` once with :class:`~mlmcourse.masking.MLMCollator` and describe every position.

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> view = explain_masking(course_tokenizer(), "the dog barked at me .", mask_prob=1.0)
    >>> view.tokens[:3], view.labels[:3], view.counts["chosen"]
    (['[CLS]', 'the', 'dog'], ['', 'the', 'dog'], 6)
    """
    if not text or not text.strip():
        raise CourseError("type a sentence to mask, e.g. 'The dog barked at me.'")
    encoding = tokenizer(text, truncation=True, max_length=MAX_TOKENS)
    cut = len(tokenizer(text, verbose=False)["input_ids"]) - len(encoding["input_ids"])
    word_ids = [-1 if word is None else word for word in encoding.word_ids()]
    collator = MLMCollator(tokenizer, strategy=strategy, mask_prob=mask_prob, seed=seed)
    batch = collator([{"input_ids": encoding["input_ids"], "word_ids": word_ids}])
    original = encoding["input_ids"]
    shown, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    kinds = []
    for token, seen, label in zip(original, shown, labels, strict=True):
        if label == IGNORE_INDEX:
            kinds.append("")
        elif seen == tokenizer.mask_token_id:
            kinds.append("mask")
        elif seen == token:
            kinds.append("kept")
        else:
            kinds.append("random")
    special = set(tokenizer.all_special_ids)
    counts = {"tokens": sum(token not in special for token in original), "chosen": sum(map(bool, kinds))}
    counts.update({kind: kinds.count(kind) for kind in COLORS})
    return MaskedSentence(
        tokens=tokenizer.convert_ids_to_tokens(original), inputs=tokenizer.convert_ids_to_tokens(shown),
        labels=["" if label == IGNORE_INDEX else tokenizer.convert_ids_to_tokens(label) for label in labels],
        kinds=kinds, counts=counts, cut=cut)


def masking_html(view: MaskedSentence) -> str:
    """Three aligned rows (original, model input, labels) as an HTML table, chosen positions coloured.

    >>> view = MaskedSentence(["[CLS]", "dog", "[SEP]"], ["[CLS]", "[MASK]", "[SEP]"], ["", "dog", ""],
    ...                       ["", "mask", ""], {"tokens": 1, "chosen": 1, "mask": 1, "random": 0, "kept": 0})
    >>> "1 of 1 tokens chosen (100%): 1 [MASK], 0 random, 0 kept" in masking_html(view)
    True
    """
    def cell(text: str, kind: str) -> str:
        style = f"background:{COLORS[kind]};color:white;" if kind else ""
        return f'<td style="{style}padding:2px 5px;font-family:monospace">{html.escape(text) or "&nbsp;"}</td>'

    rows = []
    for name, values in (("original", view.tokens), ("model input", view.inputs), ("labels", view.labels)):
        kinds = view.kinds if name != "original" else [""] * len(values)  # the original row stays plain
        cells = "".join(cell(value, kind) for value, kind in zip(values, kinds, strict=True))
        rows.append(f'<tr><th style="text-align:right;padding-right:8px">{name}</th>{cells}</tr>')
    counts = view.counts
    share = counts["chosen"] / counts["tokens"] if counts["tokens"] else 0.0
    legend = " ".join(f'<span style="background:{color};color:white;padding:1px 6px">{label}</span>'
                      for label, color in zip(("[MASK]", "random", "kept"), COLORS.values(), strict=True))
    summary = (f"{counts['chosen']} of {counts['tokens']} tokens chosen ({share:.0%}): {counts['mask']} [MASK], "
               f"{counts['random']} random, {counts['kept']} kept")
    note = (f"<p><b>The text is longer than a model reads at once:</b> only its first {len(view.tokens):,} tokens "
            f"are shown and masked; {view.cut:,} more were cut (a BERT-size model reads at most {MAX_TOKENS} "
            "tokens, [CLS] and [SEP] included).</p>" if view.cut else "")
    # width:0 + min-width:100%: the table takes the width the notebook gives it and scrolls sideways, instead of
    # widening the whole widget past the right edge (where the end of a long sentence could not be reached).
    return (f'{note}<div class="masking-table" style="width:0;min-width:100%;overflow-x:auto">'
            f'<table style="border-collapse:collapse">{"".join(rows)}</table></div><p>{summary} &nbsp; {legend}</p>')


class MaskingExplorer:
    """Strategy dropdown, mask-rate slider and resample button over a sentence; ``.widget`` is displayed."""

    def __init__(self, tokenizer=None, text: str = DEFAULT_TEXT, strategy: str = "token", mask_prob: float = 0.15,
                 seed: int = 0):
        import ipywidgets as widgets

        if tokenizer is None:
            from mlmcourse.tokenization import course_tokenizer

            tokenizer = course_tokenizer()
        self.tokenizer, self.seed = tokenizer, seed
        self.view: MaskedSentence | None = None
        self.text = widgets.Textarea(value=text, description="sentence", layout=widgets.Layout(width="95%"))
        self.strategy = widgets.Dropdown(options=list(STRATEGIES), value=strategy, description="strategy")
        self.mask_prob = widgets.FloatSlider(value=mask_prob, min=0.0, max=1.0, step=0.05, description="mask rate",
                                             readout_format=".0%", continuous_update=False)
        self.resample = widgets.Button(description="resample", icon="refresh", tooltip="a new random mask")
        self.output = widgets.HTML()
        for control in (self.text, self.strategy, self.mask_prob):
            control.observe(lambda change: self.update(), names="value")
        self.resample.on_click(lambda button: self.next_sample())
        self.widget = widgets.VBox([self.text, widgets.HBox([self.strategy, self.mask_prob, self.resample]),
                                    self.output])
        self.update()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def next_sample(self) -> None:
        """A new mask for the same settings (what dynamic masking does every epoch)."""
        self.seed += 1
        self.update()

    def update(self) -> None:
        """Mask the sentence with the current settings and show it; a bad input shows a message instead."""
        try:
            self.view = explain_masking(self.tokenizer, self.text.value, self.strategy.value, self.mask_prob.value,
                                        self.seed)
        except ValueError as error:
            self.view = None
            self.output.value = f"<b>⚠️ {html.escape(str(error))}</b>"
            return
        self.output.value = masking_html(self.view)
