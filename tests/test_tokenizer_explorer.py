"""TokenizerExplorer: the pure functions behind it, and the widget driven through its controls."""

from __future__ import annotations

import doctest
import re

import pytest

from mlmcourse.tokenization import course_tokenizer, train_tokenizer
from mlmcourse.widgets import TokenizerExplorer
from mlmcourse.widgets import tokenizer_explorer as explorer_module
from mlmcourse.widgets.tokenizer_explorer import (
    SPECIAL_COLOUR,
    TOKENIZERS,
    UNKNOWN_COLOUR,
    WORD_COLOURS,
    explorer_tokenizer,
    fertility,
    token_chips_html,
    unknown_rate,
)

FIXTURE = ["The quick brown fox jumps over the lazy dog.", "Pieces of words: tokenization, tokenizers."] * 5


@pytest.fixture(scope="module")
def course():
    return course_tokenizer()


@pytest.fixture(scope="module")
def small_bpe():
    return train_tokenizer(FIXTURE, kind="bpe", vocab_size=300, lowercase=False)


@pytest.fixture
def explorer(monkeypatch, small_bpe):
    # The 8k BPE would be trained on pydocs on first use; a small one trained on the fixture stands in for it.
    monkeypatch.setitem(TOKENIZERS, "BPE 8k (pydocs)", lambda: small_bpe)
    explorer_tokenizer.cache_clear()
    yield TokenizerExplorer(text="The dog barked.")
    explorer_tokenizer.cache_clear()


def chips(page: str) -> list[tuple[str, str, str]]:
    """(colour, token, id) of every chip in a page."""
    pattern = r"background:([^;]+);[^>]*>(.*?)<br><small[^>]*>(\d+)</small>"
    return re.findall(pattern, page)


def test_docstring_examples():
    result = doctest.testmod(explorer_module)
    assert result.attempted > 0 and result.failed == 0


def test_chips_show_every_token_with_its_id(course):
    page = token_chips_html(course, "Tokenization rocks")
    encoding = course("Tokenization rocks")
    assert [(token, int(token_id)) for _, token, token_id in chips(page)] == list(
        zip(course.convert_ids_to_tokens(encoding.input_ids), encoding.input_ids, strict=True))


def test_chip_colours_mark_words_specials_and_unknowns(course):
    found = chips(token_chips_html(course, "Tokenization ᚠ dog"))
    tokens = [token for _, token, _ in found]
    colours = dict(zip(tokens, (colour for colour, _, _ in found), strict=True))
    assert tokens == ["[CLS]", "token", "##ization", "[UNK]", "dog", "[SEP]"]
    assert colours["[CLS]"] == colours["[SEP]"] == SPECIAL_COLOUR and colours["[UNK]"] == UNKNOWN_COLOUR
    assert colours["token"] == colours["##ization"] == WORD_COLOURS[0] and colours["dog"] == WORD_COLOURS[2]


def test_chips_escape_html(course):
    page = token_chips_html(course, "<b>bold</b>")
    assert "<b>bold" not in page and "&lt;" in page


def test_fertility_and_unknown_rate(course, small_bpe):
    assert fertility(course, ["The dog barked.", "Tokenization!"]) == pytest.approx(7 / 6)
    assert fertility(course, "the dog") == 1.0
    assert unknown_rate(course, ["the dog", "ᚠᚢᚦ"]) == pytest.approx(1 / 3)
    assert unknown_rate(small_bpe, ["ᚠᚢᚦ 🐕"]) == 0.0  # bytes: nothing is unknown
    assert fertility(small_bpe, ["ᚠ"]) == 3.0  # one rune, three UTF-8 bytes
    with pytest.raises(ValueError, match="no words"):
        fertility(course, ["", "   "])


def test_widget_updates_when_text_or_tokenizer_changes(explorer, small_bpe):
    assert "[CLS]" in explorer.left_html.value and "<b>4</b> tokens for <b>4</b> words" in explorer.left_html.value
    assert "&lt;s&gt;" in explorer.right_html.value  # the BPE side shows RoBERTa's <s>
    explorer.text.value = "the cat"
    assert "cat" in explorer.left_html.value and "dog" not in explorer.left_html.value
    explorer.left.value = "BPE 8k (pydocs)"
    assert explorer.left_html.value == explorer.right_html.value
    explorer.text.value = "   "
    assert "Type a sentence" in explorer.left_html.value


def test_a_long_text_draws_a_capped_number_of_chips_and_says_so(explorer):
    from mlmcourse.widgets.tokenizer_explorer import MAX_CHIPS

    explorer.text.value = "The quick brown fox jumps over the lazy dog. " * 233  # 2,330 words with the stops
    for side in (explorer.left_html.value, explorer.right_html.value):
        total = int(re.search(r"<b>(\d+)</b> tokens for <b>\d+</b> words", side).group(1))
        assert total > MAX_CHIPS and len(chips(side)) == MAX_CHIPS
        assert f"Showing the first {MAX_CHIPS} chips of {total + 2:,} (special tokens included)" in side
    explorer.text.value = "The dog barked."
    assert len(chips(explorer.left_html.value)) == 6 and "Showing the first" not in explorer.left_html.value


def test_widget_reports_problems_instead_of_raising(explorer, monkeypatch):
    def broken():
        raise FileNotFoundError("the course tokenizer is missing")

    monkeypatch.setitem(TOKENIZERS, "WordPiece 1k (pydocs)", broken)
    explorer.right.value = "WordPiece 1k (pydocs)"
    assert "missing" in explorer.right_html.value and "color:#b00" in explorer.right_html.value
    with pytest.raises(ValueError, match="unknown tokenizer"):
        TokenizerExplorer(left="GPT-9")


def test_pydocs_tokenizers_are_trained_on_first_use():
    explorer_tokenizer.cache_clear()
    tokenizer = explorer_tokenizer("BPE 1k (pydocs)")
    assert len(tokenizer) == 1000 and tokenizer.mask_token == "<mask>"
    assert explorer_tokenizer("BPE 1k (pydocs)") is tokenizer  # cached
