"""MaskingExplorer: the pure functions behind it, and the widget driven through its controls."""

from __future__ import annotations

import doctest

import pytest
from test_masking_tokenizers import wordpiece_tokenizer

import mlmcourse.widgets
import mlmcourse.widgets.masking_explorer as explorer_module
from mlmcourse.widgets.masking_explorer import MaskedSentence, MaskingExplorer, explain_masking, masking_html


def test_docstring_examples():
    results = doctest.testmod(explorer_module)
    assert results.attempted >= 4 and results.failed == 0


def test_explain_masking_describes_every_position():
    tokenizer = wordpiece_tokenizer()
    view = explain_masking(tokenizer, "the dog barked at me . the cat sat on the mat .", mask_prob=0.5, seed=3)
    assert view.tokens[0] == "[CLS]" and view.tokens[-1] == "[SEP]"
    assert len(view.tokens) == len(view.inputs) == len(view.labels) == len(view.kinds)
    for token, shown, label, kind in zip(view.tokens, view.inputs, view.labels, view.kinds, strict=True):
        if kind == "":
            assert shown == token and label == ""
        else:
            assert label == token
            assert (shown == "[MASK]") == (kind == "mask") and (shown == token) == (kind == "kept")
    assert view.counts["tokens"] == 13
    assert view.counts["chosen"] == sum(view.counts[kind] for kind in ("mask", "random", "kept")) > 0


def test_whole_word_strategy_masks_every_piece_of_a_word():
    tokenizer = wordpiece_tokenizer()
    view = explain_masking(tokenizer, " ".join(["unbelievably"] * 12), "whole_word", mask_prob=0.5, seed=0)
    pieces = len(tokenizer.tokenize("unbelievably"))
    assert pieces > 1
    chosen = [bool(kind) for kind in view.kinds[1:-1]]
    words = [chosen[i:i + pieces] for i in range(0, len(chosen), pieces)]
    assert all(all(word) or not any(word) for word in words) and any(map(any, words))


def test_masking_html_shows_the_three_rows_and_counts():
    view = MaskedSentence(["[CLS]", "a", "b", "c", "[SEP]"], ["[CLS]", "[MASK]", "x", "c", "[SEP]"],
                          ["", "a", "b", "c", ""], ["", "mask", "random", "kept", ""],
                          {"tokens": 3, "chosen": 3, "mask": 1, "random": 1, "kept": 1})
    page = masking_html(view)
    assert page.count("<tr>") == 3 and "model input" in page and "labels" in page
    assert "3 of 3 tokens chosen (100%): 1 [MASK], 1 random, 1 kept" in page
    assert page.count("background:#f4a261") == 3  # the [MASK] colour: input and label cells + legend


def test_widget_controls_drive_the_view():
    explorer = MaskingExplorer(tokenizer=wordpiece_tokenizer(), text="the dog barked at me . the cat sat on the mat .")
    first = explorer.view
    assert first is not None and "tokens chosen" in explorer.output.value
    explorer.mask_prob.value = 1.0
    assert explorer.view.counts["chosen"] == explorer.view.counts["tokens"] == 13
    explorer.mask_prob.value = 0.3
    explorer.strategy.value = "exact"
    assert explorer.view.counts["chosen"] == round(0.3 * 13)
    before = explorer.view.kinds
    explorer.resample.click()
    assert explorer.seed == 1 and explorer.view.counts["chosen"] == round(0.3 * 13)
    assert explorer.view.kinds != before  # a new mask


def test_a_long_text_is_cut_and_the_view_says_so():
    from mlmcourse.widgets.masking_explorer import MAX_TOKENS

    tokenizer = wordpiece_tokenizer()
    text = "the dog barked at me . " * 100  # 600 words and stops
    full = len(tokenizer(text)["input_ids"])
    explorer = MaskingExplorer(tokenizer=tokenizer, text=text)
    assert len(explorer.view.tokens) == MAX_TOKENS and explorer.view.cut == full - MAX_TOKENS > 0
    assert (f"only its first {MAX_TOKENS} tokens are shown and masked; {full - MAX_TOKENS} more were cut"
            in explorer.output.value)
    explorer.text.value = "the dog barked at me ."
    assert explorer.view.cut == 0 and "were cut" not in explorer.output.value


def test_bad_input_shows_a_message_not_a_traceback():
    explorer = MaskingExplorer(tokenizer=wordpiece_tokenizer())
    explorer.text.value = "   "
    assert explorer.view is None and "type a sentence" in explorer.output.value
    with pytest.raises(ValueError, match="type a sentence"):
        explain_masking(wordpiece_tokenizer(), "")


def test_registered_in_widgets():
    assert mlmcourse.widgets.MaskingExplorer is MaskingExplorer
