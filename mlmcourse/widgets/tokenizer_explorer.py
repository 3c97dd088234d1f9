"""TokenizerExplorer: type a text, see two tokenizers cut it into pieces side by side.

Teaches: the same sentence costs a different number of tokens under different vocabularies. Each token is a chip
with its id; chips of one word share a colour, so you see where a word was cut. WordPiece marks continuation pieces
with ``##``; byte-level BPE marks the *start* of a word with ``Ġ`` (a space byte) instead. ``[UNK]`` is red: a
WordPiece vocabulary cannot spell a character it never saw, while byte-level BPE falls back to bytes. Fertility
(tokens per word) is printed above each side: it is what a vocabulary costs in sequence length.

Simplifies: the extra tokenizers are trained on pydocs on first use (about a second each, then cached for the
session) with the library trainer, not loaded from the Hub.
Mirrors: the Hugging Face tokenizer playground and OpenAI's tokenizer page; the numbers come from the same
``PreTrainedTokenizerFast`` calls the course uses (``word_ids()``, ``all_special_ids``, ``unk_token_id``).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from mlmcourse.errors import CourseError

# Soft colours for the words of a text, used in turn; special tokens are grey, unknown pieces red.
WORD_COLOURS = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#fee2e2", "#f3e8ff")
SPECIAL_COLOUR = "#e5e7eb"
UNKNOWN_COLOUR = "#fca5a5"
MAX_CHIPS = 200  # chips drawn per side: a pasted page would be thousands of chips, many screens high
DEFAULT_TEXT = "The dog barked at me. Tokenization is unbelievably useful! Der Hund bellte mich an. 狗叫了 🐕"


def _trained_on_pydocs(kind: str, vocab_size: int) -> Callable[[], object]:
    def train():
        from mlmcourse.corpora import load_corpus
        from mlmcourse.tokenization import train_tokenizer

        texts = list(load_corpus("pydocs")["train"]["text"])
        return train_tokenizer(texts, kind=kind, vocab_size=vocab_size, lowercase=(kind == "wordpiece"))
    return train


def _course() -> object:
    from mlmcourse.tokenization import course_tokenizer

    return course_tokenizer()


# Dropdown label -> how to get that tokenizer.
TOKENIZERS: dict[str, Callable[[], object]] = {
    "course WordPiece (6k)": _course,
    "WordPiece 1k (pydocs)": _trained_on_pydocs("wordpiece", 1000),
    "WordPiece 8k (pydocs)": _trained_on_pydocs("wordpiece", 8000),
    "BPE 1k (pydocs)": _trained_on_pydocs("bpe", 1000),
    "BPE 8k (pydocs)": _trained_on_pydocs("bpe", 8000),
}


@functools.cache
def explorer_tokenizer(name: str):
    """The tokenizer behind a dropdown label, built once per session."""
    if name not in TOKENIZERS:
        raise CourseError(f"unknown tokenizer {name!r}; choose one of {list(TOKENIZERS)}")
    return TOKENIZERS[name]()


def _counts(tokenizer, texts: Sequence[str]) -> tuple[int, int, int]:
    """(pieces, words, unknown pieces) over ``texts``; special tokens are not counted."""
    if isinstance(texts, str):
        texts = [texts]
    pieces = words = unknown = 0
    for encoding in tokenizer(list(texts), add_special_tokens=False, verbose=False).encodings:
        pieces += len(encoding.ids)
        words += len({word for word in encoding.word_ids if word is not None})
        unknown += encoding.ids.count(tokenizer.unk_token_id)
    return pieces, words, unknown


def fertility(tokenizer, texts: Sequence[str]) -> float:
    """Tokens per word (words as the tokenizer's pre-tokeniser cuts them; special tokens not counted).

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> fertility(course_tokenizer(), ["The dog barked.", "Tokenization!"])  # 4 + 3 tokens for 4 + 2 words
    1.1666666666666667
    """
    pieces, words, _ = _counts(tokenizer, texts)
    if words == 0:
        raise CourseError("no words to count: give at least one non-empty text, e.g. ['The dog barked.']")
    return pieces / words


def unknown_rate(tokenizer, texts: Sequence[str]) -> float:
    """Share of tokens that are the unknown token (always 0 for byte-level BPE).

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> unknown_rate(course_tokenizer(), ["the dog", "ᚠᚢᚦ"])  # runes: the vocabulary has no such characters
    0.3333333333333333
    """
    pieces, _, unknown = _counts(tokenizer, texts)
    if pieces == 0:
        raise CourseError("no tokens to count: give at least one non-empty text")
    return unknown / pieces


def token_chips_html(tokenizer, text: str, max_chips: int = MAX_CHIPS) -> str:
    """HTML chips, one per token (with its id under it); tokens of the same word share a colour.

    Only the first ``max_chips`` tokens are drawn, followed by a note saying how many were left out.

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> page = token_chips_html(course_tokenizer(), "The dog"); page.count("class='chip'"), "dog" in page
    (4, True)
    >>> page = token_chips_html(course_tokenizer(), "the dog " * 10, max_chips=5); page.count("class='chip'")
    5
    >>> "Showing the first 5 chips of 22 (special tokens included)" in page
    True
    """
    if not isinstance(text, str):
        raise CourseError(f"type some text to tokenize (got {type(text).__name__})")
    encoding = tokenizer(text, verbose=False).encodings[0]
    special_ids = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id}
    chips = []
    for token, token_id, word in list(zip(encoding.tokens, encoding.ids, encoding.word_ids, strict=True))[:max_chips]:
        if token_id == tokenizer.unk_token_id:
            colour = UNKNOWN_COLOUR
        elif token_id in special_ids or word is None:
            colour = SPECIAL_COLOUR
        else:
            colour = WORD_COLOURS[word % len(WORD_COLOURS)]
        chips.append(
            f"<span class='chip' style='display:inline-block;margin:2px;padding:2px 5px;border-radius:4px;"
            f"background:{colour};font-family:monospace;text-align:center'>{html.escape(token)}"
            f"<br><small style='color:#555'>{token_id}</small></span>")
    if len(encoding.ids) > max_chips:
        chips.append(f"<p class='chips-cut'><i>Showing the first {max_chips:,} chips of {len(encoding.ids):,} "
                     "(special tokens included); the counts above are for the whole text.</i></p>")
    return "".join(chips)


def summary_html(tokenizer, text: str) -> str:
    """One line above the chips: tokens, words, fertility and unknown tokens of ``text``.

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> summary_html(course_tokenizer(), "The dog barked.")
    '<b>4</b> tokens for <b>4</b> words: <b>1.00</b> tokens per word, <b>0</b> unknown'
    """
    pieces, words, unknown = _counts(tokenizer, [text])
    per_word = f"{pieces / words:.2f}" if words else "–"
    return (f"<b>{pieces}</b> tokens for <b>{words}</b> words: <b>{per_word}</b> tokens per word, "
            f"<b>{unknown}</b> unknown")


class TokenizerExplorer(widgets.VBox):
    """A text box and two tokenizer dropdowns; each side shows its chips and its fertility."""

    def __init__(self, text: str = DEFAULT_TEXT, left: str = "course WordPiece (6k)",
                 right: str = "BPE 8k (pydocs)") -> None:
        for name in (left, right):
            if name not in TOKENIZERS:
                raise CourseError(f"unknown tokenizer {name!r}; choose one of {list(TOKENIZERS)}")
        self.text = widgets.Textarea(value=text, description="text", continuous_update=False,
                                     layout=widgets.Layout(width="48em", height="5em"))
        self.left = widgets.Dropdown(options=list(TOKENIZERS), value=left, description="left")
        self.right = widgets.Dropdown(options=list(TOKENIZERS), value=right, description="right")
        self.left_html = widgets.HTML()
        self.right_html = widgets.HTML()
        columns = [widgets.VBox([dropdown, view], layout=widgets.Layout(width="50%"))
                   for dropdown, view in ((self.left, self.left_html), (self.right, self.right_html))]
        super().__init__([self.text, widgets.HBox(columns)])
        for control in (self.text, self.left, self.right):
            control.observe(lambda change: self.update(), names="value")
        self.update()

    def side_html(self, name: str) -> str:
        """Summary line plus chips for one tokenizer, or a readable message if something is wrong."""
        text = self.text.value
        if not text.strip():
            return "<i>Type a sentence in the text box to see its tokens.</i>"
        try:
            tokenizer = explorer_tokenizer(name)
            return f"{summary_html(tokenizer, text)}<div>{token_chips_html(tokenizer, text)}</div>"
        except (ValueError, FileNotFoundError, OSError) as error:
            return f"<span style='color:#b00'>{html.escape(str(error))}</span>"

    def update(self) -> None:
        """Redraw both sides for the current text and dropdowns."""
        self.left_html.value = self.side_html(self.left.value)
        self.right_html.value = self.side_html(self.right.value)
