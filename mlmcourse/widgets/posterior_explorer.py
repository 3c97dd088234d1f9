"""PosteriorExplorer: click a word of a toy-world sentence to mask it and see what a perfect model predicts.

Teaches: the target of masked language modeling is a *distribution*, not a single word. Some masks have one
right answer ("paris is the [MASK] of france ."), others several ("people in switzerland speak [MASK] ."),
and that leftover uncertainty is why even a perfect model has a positive loss (the Bayes floor).
Simplifies: the distribution is the toy world's exact posterior, computed by enumeration, not a trained model's.
Mirrors: the Hugging Face model-card widget for fill-mask (top predictions as bars), with the truth attached.

The widget is thin wiring around pure functions (``posterior_table``, ``plot_posterior``, ``entropy``)
that the tests call directly.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mlmcourse.corpora.toyworld import ToyWorld

MASK_SPELLINGS = ("[MASK]", "<mask>")
MAX_TYPED_WORDS = 40  # toy-world lines have at most about a dozen words


def posterior_table(world: ToyWorld, words: str | Sequence[str], index: int, top: int = 10,
                    hidden: Sequence[int] = ()) -> list[tuple[str, float]]:
    """The `top` most probable words at `index`, as (word, probability), most probable first.

    >>> from mlmcourse.corpora.toyworld import ToyWorld
    >>> [(w, round(p, 3)) for w, p in posterior_table(ToyWorld(), "the [MASK] barked at the farmer .", 1, top=2)]
    [('dog', 0.833), ('puppy', 0.125)]
    """
    if top < 1:
        raise CourseError(f"top must be at least 1, got {top}")
    return list(world.posterior(words, index, hidden).items())[:top]


def entropy(posterior: Mapping[str, float]) -> float:
    """Entropy in nats of a distribution: the expected loss of a perfect model at this mask.

    >>> round(entropy({"german": 0.5, "french": 0.25, "italian": 0.25}), 4)
    1.0397
    """
    return max(0.0, -sum(p * math.log(p) for p in posterior.values() if p > 0))  # max: no "-0.000" when certain


def plot_posterior(table: Sequence[tuple[str, float]], answer: str | None = None, title: str = "",
                   ax: Axes | None = None) -> Axes:
    """Horizontal bars, most probable word on top; the true `answer` (if given) in orange."""
    import matplotlib.pyplot as plt

    if not table:
        raise CourseError("plot_posterior needs at least one (word, probability) pair")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.35 * len(table) + 1.2))
    words = [word for word, _ in table][::-1]
    probabilities = [p for _, p in table][::-1]
    colors = ["tab:orange" if word == answer else "tab:blue" for word in words]
    bars = ax.barh(words, probabilities, color=colors)
    ax.bar_label(bars, labels=[f"{p:.3f}" for p in probabilities], padding=3, fontsize=9)
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("exact probability P(word | other words)")
    ax.set_title(title or "exact posterior of the masked word")
    return ax


def find_mask(words: Sequence[str]) -> int:
    """Position of the first mask token ("[MASK]" or "<mask>"), or 0 if there is none.

    >>> find_mask("the <mask> barked at me .".split())
    1
    """
    return next((i for i, word in enumerate(words) if word in MASK_SPELLINGS), 0)


# A typed text, cut the toy world's way: a mask in any spelling and case, a word, or one punctuation mark.
_TYPED_WORD = re.compile(r"<mask>|\[mask\]|[^\s.,;:!?]+|[.,;:!?]", re.IGNORECASE)


def typed_words(text: str) -> list[str]:
    """A typed sentence as toy-world words: lowercase, punctuation split off, every mask written "[MASK]".

    Masks are recognised in any case (``<MASK>``, ``[mask]``) before the rest is lowercased, so the mask is
    never mistaken for a word.

    >>> typed_words("The [MASK] barked at the Farmer.")
    ['the', '[MASK]', 'barked', 'at', 'the', 'farmer', '.']
    >>> typed_words("Paris is the <Mask> of France?")
    ['paris', 'is', 'the', '[MASK]', 'of', 'france', '?']
    """
    return ["[MASK]" if word.lower() in ("<mask>", "[mask]") else word.lower() for word in _TYPED_WORD.findall(text)]


def typed_sentence_problem(words: Sequence[str], max_words: int = MAX_TYPED_WORDS) -> str | None:
    """What keeps a typed sentence from having one exact posterior, as advice to the learner; None if nothing.

    >>> typed_sentence_problem([]) is None, typed_sentence_problem(["the", "[MASK]", "barked", "."]) is None
    (False, True)
    >>> typed_sentence_problem("the [MASK] barked at [MASK] .".split())
    'The text has 2 masks; this explorer shows one masked word at a time. Keep one <mask> (or [MASK]).'
    """
    masks = sum(word == "[MASK]" for word in words)
    if not words:
        return ("The text box is empty. Type a toy-world sentence with one <mask> (or [MASK]), "
                "e.g. the <mask> barked at me . or press 'new sentence'.")
    if masks > 1:
        return (f"The text has {masks} masks; this explorer shows one masked word at a time. "
                "Keep one <mask> (or [MASK]).")
    if len(words) > max_words:
        return (f"The text has {len(words)} words; toy-world sentences are short (at most {max_words} words "
                "here). Type one sentence with one <mask>, e.g. paris is the <mask> of france .")
    return None


class PosteriorExplorer:
    """Pick a phenomenon, get a sentence, click a word: its exact posterior appears as a bar chart.

    ``PosteriorExplorer().widget`` is what a notebook displays (the object also displays itself).
    """

    def __init__(self, world: ToyWorld | None = None, phenomenon: str = "animals", seed: int = 0, top: int = 10):
        import ipywidgets as widgets

        from mlmcourse.corpora.toyworld import ToyWorld

        self.world = world or ToyWorld()
        self.seed, self.top, self.sentences_drawn = seed, top, 0
        self.words: list[str] = []
        self.index: int | None = 0
        self.answer = ""
        self.table: list[tuple[str, float]] = []
        self.phenomenon = widgets.Dropdown(options=self.world.phenomena, value=phenomenon, description="phenomenon",
                                           style={"description_width": "initial"})  # the whole word
        self.new_sentence = widgets.Button(description="new sentence", icon="refresh")
        self.typed = widgets.Text(placeholder="or type a toy-world sentence, e.g. the <mask> barked at me .",
                                  continuous_update=False, layout=widgets.Layout(width="60%"))
        self.word_buttons = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self.phenomenon.observe(lambda change: self.draw_sentence(), names="value")
        self.new_sentence.on_click(lambda button: self.draw_sentence())
        self.typed.observe(lambda change: self.set_sentence(change["new"]), names="value")
        self.widget = widgets.VBox([widgets.HBox([self.phenomenon, self.new_sentence]), self.typed,
                                    self.word_buttons, self.message, self.output])
        self.draw_sentence()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def draw_sentence(self) -> None:
        """A new probe sentence of the chosen phenomenon, with its tested word masked."""
        probe = self.world.probes(self.phenomenon.value, 1, seed=self.seed + self.sentences_drawn)[0]
        self.sentences_drawn += 1
        self._use_words(probe.words, probe.index)

    def set_sentence(self, text: str) -> None:
        """Use a typed sentence; the mask goes where it says <mask> or [MASK] (any case).

        Empty text, a text without a mask, with several masks or far too long gets a message saying what to do;
        without a mask the words are shown as buttons to click.
        """
        words = typed_words(text)
        problem = typed_sentence_problem(words)
        if problem:
            self._use_words([], None)
            self._say(problem)
            return
        if "[MASK]" not in words:
            self._use_words(words, None)
            self._say("No mask in the text: click a word below to mask it, or write <mask> (or [MASK]) "
                      "where a word is missing.")
            return
        index = words.index("[MASK]")
        # the mask hides a word we do not know: show the most probable one on the button
        try:
            words[index] = next(iter(self.world.posterior(words, index)))
        except ValueError as error:
            self._use_words([], None)
            self._say(str(error))
            return
        self._use_words(words, index)

    def mask(self, index: int) -> None:
        """Mask the word at `index` and show its exact posterior."""
        self.index, self.answer = index, self.words[index]
        for i, button in enumerate(self.word_buttons.children):
            button.description = "[MASK]" if i == index else self.words[i]
            button.button_style = "warning" if i == index else ""
        try:
            posterior = self.world.posterior(self.words, index)
        except ValueError as error:
            self.table = []
            self._say(str(error))
            self.output.clear_output()
            return
        self.table = list(posterior.items())[: self.top]
        masked = " ".join("[MASK]" if i == index else w for i, w in enumerate(self.words))
        self.message.value = (
            f"<code>{html.escape(masked)}</code> &nbsp; answer: <b>{html.escape(self.answer)}</b>, "
            f"P = {posterior[self.answer]:.3f}; "
            f"a perfect model's loss here: -ln P = {abs(math.log(posterior[self.answer])):.3f} nats "
            f"(on average over answers: entropy {entropy(posterior):.3f} nats, {len(posterior)} possible words)")
        self._plot(masked)

    def _say(self, text: str) -> None:
        """A warning in the message line (escaped: "<mask>" must show, not vanish as an HTML tag)."""
        self.message.value = f"<b>⚠️ {html.escape(text)}</b>"

    def _use_words(self, words: list[str], index: int | None) -> None:
        """Show `words` as buttons and mask `index`; with no index, nothing is masked and the chart is cleared."""
        import ipywidgets as widgets

        self.words = list(words)
        buttons = []
        for i, word in enumerate(self.words):
            button = widgets.Button(description=word, layout=widgets.Layout(width="auto"),
                                    tooltip="click to mask this word")
            button.on_click(lambda _, i=i: self.mask(i))
            buttons.append(button)
        self.word_buttons.children = buttons
        if index is None:
            self.index, self.answer, self.table = None, "", []
            self.output.clear_output()
        else:
            self.mask(index)

    def _plot(self, title: str) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        with self.output:
            self.output.clear_output(wait=True)
            ax = plot_posterior(self.table, answer=self.answer, title=title)
            display(ax.figure)
            plt.close(ax.figure)
