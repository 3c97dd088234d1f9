"""Corpus statistics: the worked examples, the values, and what the plots draw."""

from __future__ import annotations

import math
from collections import Counter

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from mlmcourse.corpora.stats import (  # noqa: E402
    ZipfRow,
    plot_lengths,
    plot_zipf,
    split_summary,
    unigram_entropy,
    word_counts,
    zipf_table,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_word_counts_example():
    assert word_counts(["The cat", "the dog ."]) == Counter({"the": 2, "cat": 1, "dog": 1, ".": 1})


def test_word_counts_can_keep_case_and_rejects_a_single_string():
    assert word_counts(["The cat", "the dog ."], lowercase=False) == Counter(
        {"The": 1, "the": 1, "cat": 1, "dog": 1, ".": 1})
    with pytest.raises(TypeError, match="wrap it"):
        word_counts("the cat")


def test_zipf_table_example():
    assert zipf_table({"the": 3, "cat": 1}, top=5) == [ZipfRow(1, "the", 3, 0.75), ZipfRow(2, "cat", 1, 0.25)]


def test_zipf_table_ranks_ties_alphabetically_and_cuts_at_top():
    rows = zipf_table(Counter({"b": 2, "a": 2, "c": 5, "d": 1}), top=3)
    assert [(row.rank, row.word, row.count) for row in rows] == [(1, "c", 5), (2, "a", 2), (3, "b", 2)]
    assert rows[0].frequency == pytest.approx(0.5)
    with pytest.raises(ValueError, match="empty"):
        zipf_table({})


def test_unigram_entropy_worked_example():
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert unigram_entropy(["a b", "a a"]) == pytest.approx(expected)
    assert round(unigram_entropy(["a b", "a a"]), 4) == 0.5623


def test_unigram_entropy_values():
    assert unigram_entropy(["w x y z"]) == pytest.approx(math.log(4))  # uniform over 4 words
    assert unigram_entropy(["same same same"]) == 0.0
    assert unigram_entropy(Counter({"a": 3, "b": 1})) == pytest.approx(unigram_entropy(["a b", "a a"]))
    assert unigram_entropy(["A a"]) == 0.0 and unigram_entropy(["A a"], lowercase=False) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="empty"):
        unigram_entropy(["", "  "])


def test_split_summary_example():
    assert split_summary({"train": ["a b c", "d e"], "validation": ["f"]}) == (
        "train       :      2 texts,        5 words\n"
        "validation  :      1 texts,        1 words"
    )


def test_split_summary_reads_a_dataset_dict():
    import datasets

    corpus = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"text": ["one two", "three"]})})
    assert split_summary(corpus) == "train       :      2 texts,        3 words"


def test_plot_zipf_draws_one_line_per_corpus_and_the_reference():
    counts = {"small": Counter({"a": 6, "b": 3, "c": 1}), "tiny": Counter({"x": 1, "y": 1})}
    ax = plot_zipf(counts)
    lines = ax.get_lines()
    assert len(lines) == 3
    assert [line.get_label() for line in lines] == ["small (3 words)", "tiny (2 words)", "Zipf: frequency ∝ 1 / rank"]
    assert list(lines[0].get_xdata()) == [1, 2, 3]
    assert list(lines[0].get_ydata()) == pytest.approx([0.6, 0.3, 0.1])
    harmonic_3 = 1 + 1 / 2 + 1 / 3
    assert list(lines[2].get_ydata()) == pytest.approx([1 / harmonic_3, 1 / (3 * harmonic_3)])
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "rank" in ax.get_xlabel() and "frequency" in ax.get_ylabel()


def test_plot_zipf_uses_the_given_axes_and_rejects_empty_input():
    _, ax = plt.subplots()
    assert plot_zipf({"c": Counter({"a": 1})}, ax=ax) is ax
    with pytest.raises(ValueError, match="at least one corpus"):
        plot_zipf({})
    with pytest.raises(ValueError, match="no words"):
        plot_zipf({"empty": Counter()})


def test_plot_lengths_histograms_are_shares_of_lines():
    texts = {"short": ["a b", "a b", "a b c"], "long": ["w " * 100]}
    ax = plot_lengths(texts, max_words=10)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["short (mean 2.3 words)", "long (mean 100.0 words)"]
    short_bars, long_bars = ax.containers
    heights = {round(bar.get_x() + bar.get_width() / 2): bar.get_height() for bar in short_bars}
    assert heights[2] == pytest.approx(2 / 3) and heights[3] == pytest.approx(1 / 3)
    assert sum(bar.get_height() for bar in short_bars) == pytest.approx(1.0)
    long_heights = {round(bar.get_x() + bar.get_width() / 2): bar.get_height() for bar in long_bars}
    assert long_heights[10] == pytest.approx(1.0)  # 100 words, counted in the last bin
    with pytest.raises(ValueError, match="no lines"):
        plot_lengths({"empty": []})
