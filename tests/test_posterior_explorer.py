"""Tests for the PosteriorExplorer widget and the pure functions behind it."""

from __future__ import annotations

import doctest
import math

import matplotlib
import pytest

matplotlib.use("Agg")

from mlmcourse.corpora.toyworld import ToyWorld  # noqa: E402
from mlmcourse.widgets import posterior_explorer  # noqa: E402
from mlmcourse.widgets.posterior_explorer import (  # noqa: E402
    PosteriorExplorer,
    entropy,
    find_mask,
    plot_posterior,
    posterior_table,
    typed_sentence_problem,
    typed_words,
)


@pytest.fixture(scope="module")
def world() -> ToyWorld:
    return ToyWorld()


def test_posterior_table_is_the_top_of_the_exact_posterior(world):
    table = posterior_table(world, "the [MASK] barked at the farmer .", 1, top=2)
    assert [word for word, _ in table] == ["dog", "puppy"]
    assert table[0][1] == pytest.approx(10 * 0.8 / (10 * 0.8 + 2 * 0.6 + 1 * 0.4))  # frequencies x P(bark)
    full = posterior_table(world, "people in [MASK] speak spanish .", 2, top=100)
    assert len(full) == 8 and sum(p for _, p in full) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="top must be at least 1"):
        posterior_table(world, "the [MASK] barked at me .", 1, top=0)


def test_entropy_and_find_mask_examples():
    assert entropy({"german": 0.5, "french": 0.25, "italian": 0.25}) == pytest.approx(1.5 * math.log(2))
    assert f"{entropy({'capital': 1.0}):.3f}" == "0.000"  # not "-0.000"
    assert find_mask("the <mask> barked at me .".split()) == 1
    assert find_mask("paris is the [MASK] of france .".split()) == 3
    assert find_mask("no mask here".split()) == 0


def test_plot_posterior_highlights_the_answer():
    ax = plot_posterior([("dog", 0.8), ("puppy", 0.15), ("fox", 0.05)], answer="puppy")
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["fox", "puppy", "dog"]  # most probable on top
    colors = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert colors[1] == matplotlib.colors.to_hex("tab:orange") and colors[0] == colors[2]
    assert [bar.get_width() for bar in ax.patches] == [0.05, 0.15, 0.8]
    with pytest.raises(ValueError, match="at least one"):
        plot_posterior([])


def test_widget_starts_with_a_masked_probe_and_clicks_mask_words(world):
    explorer = PosteriorExplorer(world, phenomenon="facts", seed=3)
    probe = world.probes("facts", 1, seed=3)[0]
    assert explorer.words == probe.words and explorer.index == probe.index and explorer.answer == probe.answer
    buttons = explorer.word_buttons.children
    assert [b.description for b in buttons] == probe.masked_text().split()
    assert dict(explorer.table) == pytest.approx(dict(list(probe.posterior.items())[:10]))

    last_word = len(explorer.words) - 1
    buttons[0].click()
    assert explorer.index == 0 and buttons[0].description == "[MASK]" and buttons[0].button_style == "warning"
    assert buttons[probe.index].description == probe.answer and buttons[probe.index].button_style == ""
    assert explorer.table == posterior_table(world, explorer.words, 0)
    buttons[last_word].click()  # the full stop is certain
    assert explorer.table == [(".", 1.0)] and "0.000 nats" in explorer.message.value


def test_new_sentence_and_phenomenon_change(world):
    explorer = PosteriorExplorer(world, phenomenon="animals", seed=0)
    first = list(explorer.words)
    explorer.new_sentence.click()
    assert explorer.sentences_drawn == 2
    assert explorer.words == world.probes("animals", 1, seed=1)[0].words
    explorer.phenomenon.value = "counting"
    assert explorer.words == world.probes("counting", 1, seed=2)[0].words
    assert first == world.probes("animals", 1, seed=0)[0].words


def test_typed_sentences_and_bad_input_show_messages(world):
    explorer = PosteriorExplorer(world, phenomenon="animals")
    explorer.typed.value = "The <mask> barked at me ."
    assert explorer.index == 1 and explorer.words[1] == "dog" and explorer.table[0][0] == "dog"
    assert "answer: <b>dog</b>" in explorer.message.value
    explorer.typed.value = "paris is the [MASK] of spain ."
    assert "⚠️" in explorer.message.value and "can never write" in explorer.message.value
    explorer.typed.value = "the dog meowed at [MASK] ."  # context the toy world never writes
    assert "⚠️" in explorer.message.value and explorer.table == []


def test_a_mis_cased_mask_is_still_the_mask_and_the_rest_is_lowercased(world):
    explorer = PosteriorExplorer(world, phenomenon="facts")
    explorer.typed.value = "The [MASK] barked at the Farmer."
    assert explorer.words == ["the", "dog", "barked", "at", "the", "farmer", "."] and explorer.index == 1
    assert explorer.table == posterior_table(world, "the [MASK] barked at the farmer .", 1)
    assert [b.description for b in explorer.word_buttons.children][:2] == ["the", "[MASK]"]
    explorer.typed.value = "Paris is the <MASK> of France ."
    assert explorer.index == 3 and explorer.answer == "capital" and explorer.table == [("capital", 1.0)]


def test_messages_are_html_escaped_so_mask_spellings_show(world):
    explorer = PosteriorExplorer(world)
    explorer.typed.value = "the <mask> barked at <mask> ."
    assert "&lt;mask&gt;" in explorer.message.value and "<mask>" not in explorer.message.value
    explorer.typed.value = "the <mask> zorbled at me ."
    assert "'zorbled'" in explorer.message.value or "&#x27;zorbled&#x27;" in explorer.message.value


def test_empty_maskless_many_mask_and_long_texts_get_a_friendly_message(world):
    explorer = PosteriorExplorer(world)
    explorer.typed.value = "the <mask> barked at me ."
    explorer.typed.value = "   "
    assert "text box is empty" in explorer.message.value
    assert explorer.table == [] and explorer.word_buttons.children == () and explorer.output.outputs == ()

    explorer.typed.value = "the dog barked at me ."
    assert "No mask in the text: click a word below" in explorer.message.value
    assert [b.description for b in explorer.word_buttons.children] == "the dog barked at me .".split()
    assert explorer.index is None and explorer.table == [] and explorer.output.outputs == ()
    explorer.word_buttons.children[1].click()  # the learner follows the advice
    assert explorer.index == 1 and explorer.table[0][0] == "dog"

    explorer.typed.value = " ".join(["the <mask>"] * 30)
    message = explorer.message.value
    assert "30 masks" in message and "one masked word at a time" in message and len(message) < 300
    assert explorer.table == [] and explorer.word_buttons.children == ()

    explorer.typed.value = "the dog barked at me . " * 300
    assert "1800 words" in explorer.message.value and len(explorer.message.value) < 300


def test_typed_words_and_problems():
    assert typed_words("The [mask] barked, at the farmer!") == ["the", "[MASK]", "barked", ",", "at", "the",
                                                                 "farmer", "!"]
    assert typed_words("  ") == []
    assert typed_sentence_problem("a [MASK] b".split()) is None
    assert "empty" in typed_sentence_problem([])
    assert "41 words" in typed_sentence_problem(["x"] * 41) and typed_sentence_problem(["x"] * 40) is None


def test_docstring_examples():
    assert doctest.testmod(posterior_explorer).failed == 0


def test_registered_in_widgets():
    import mlmcourse.widgets

    assert mlmcourse.widgets.PosteriorExplorer is PosteriorExplorer
