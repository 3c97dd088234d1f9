"""Corpus statistics: word counts, Zipf's law, unigram entropy, and the plots that show them.

What it teaches: before any model, a corpus has measurable statistics. A few words are very frequent and most are
rare (Zipf's law: frequency roughly proportional to 1 / rank), and the unigram entropy is the loss of a model that
ignores context entirely: the "predicts `the` everywhere" plateau a masked LM starts from.

What it simplifies: words are whitespace-separated pieces (optionally lowercased), not tokenizer tokens.
Production twin: ``collections.Counter`` over a tokenizer's output; the plots are plain matplotlib.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    import datasets
    from matplotlib.axes import Axes


def word_counts(texts: Iterable[str], lowercase: bool = True) -> Counter[str]:
    """How often each whitespace-separated word occurs in ``texts``.

    >>> word_counts(["The cat", "the dog ."])
    Counter({'the': 2, 'cat': 1, 'dog': 1, '.': 1})
    """
    if isinstance(texts, str):
        raise TypeError("word_counts expects a list of texts, got one string; wrap it: word_counts([text])")
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update((text.lower() if lowercase else text).split())
    return counts


class ZipfRow(NamedTuple):
    rank: int
    word: str
    count: int
    frequency: float  # count / total number of words


def zipf_table(counts: Mapping[str, int], top: int = 10) -> list[ZipfRow]:
    """The ``top`` most frequent words with rank, count and relative frequency (ties broken alphabetically).

    ``pandas.DataFrame(zipf_table(counts))`` shows it as a table.

    >>> zipf_table({"the": 3, "cat": 1}, top=5)
    [ZipfRow(rank=1, word='the', count=3, frequency=0.75), ZipfRow(rank=2, word='cat', count=1, frequency=0.25)]
    """
    total = sum(counts.values())
    if total <= 0:
        raise CourseError("zipf_table needs at least one word; the counts are empty")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [ZipfRow(rank, word, count, count / total) for rank, (word, count) in enumerate(ranked, start=1)]


def unigram_entropy(texts: Iterable[str] | Mapping[str, int], lowercase: bool = True) -> float:
    """Entropy in nats of the word distribution: H = -sum_w p(w) ln p(w), with p(w) = count(w) / total.

    It is the cross-entropy of the best context-free model, the plateau a masked LM sits on before it learns
    to use context. Accepts texts or ready-made counts.

    Worked example: ["a b", "a a"] has counts a: 3, b: 1, so p = (0.75, 0.25) and
    H = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623 nats.

    >>> round(unigram_entropy(["a b", "a a"]), 4)
    0.5623
    """
    counts = texts if isinstance(texts, Mapping) else word_counts(texts, lowercase=lowercase)
    total = sum(counts.values())
    if total <= 0:
        raise CourseError("unigram_entropy needs at least one word; the texts are empty")
    return -sum(count / total * math.log(count / total) for count in counts.values() if count > 0)


def split_summary(corpus: datasets.DatasetDict | Mapping[str, Sequence[str]]) -> str:
    """One line per split: how many texts and words it has.

    >>> print(split_summary({"train": ["a b c", "d e"], "validation": ["f"]}))
    train       :      2 texts,        5 words
    validation  :      1 texts,        1 words
    """
    lines = []
    for split_name, split in corpus.items():
        texts = split["text"] if hasattr(split, "column_names") else split
        words = sum(len(text.split()) for text in texts)
        lines.append(f"{split_name:<12}: {len(texts):>6,} texts, {words:>8,} words")
    return "\n".join(lines)


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.5, 4.2))
    return ax


def plot_zipf(counts_by_name: Mapping[str, Mapping[str, int]], ax: Axes | None = None) -> Axes:
    """Rank-frequency curves on log-log axes, one per corpus, with Zipf's 1/rank reference line.

    On log-log axes a power law is a straight line; Zipf's law is the one with slope -1.
    The reference is the normalised law 1 / (rank * H_V) over the largest vocabulary V (H_V: harmonic number).
    """
    if not counts_by_name:
        raise CourseError("plot_zipf needs at least one corpus: plot_zipf({'name': word_counts(texts)})")
    ax = _axes(ax)
    largest_vocabulary = 1
    for name, counts in counts_by_name.items():
        frequencies = sorted(counts.values(), reverse=True)
        total = sum(frequencies)
        if total <= 0:
            raise CourseError(f"the corpus {name!r} has no words to plot")
        ranks = range(1, len(frequencies) + 1)
        ax.loglog(ranks, [count / total for count in frequencies], label=f"{name} ({len(frequencies):,} words)")
        largest_vocabulary = max(largest_vocabulary, len(frequencies))
    harmonic = sum(1 / rank for rank in range(1, largest_vocabulary + 1))
    reference_ranks = [1, largest_vocabulary]
    ax.loglog(reference_ranks, [1 / (rank * harmonic) for rank in reference_ranks],
              linestyle="--", color="gray", label="Zipf: frequency ∝ 1 / rank")
    ax.set_xlabel("rank of the word (log scale)")
    ax.set_ylabel("relative frequency (log scale)")
    ax.set_title("Zipf's law: a few words are very common, most are rare")
    ax.legend()
    return ax


def plot_lengths(texts_by_name: Mapping[str, Sequence[str]], ax: Axes | None = None, max_words: int = 80) -> Axes:
    """Histogram of words per line, one per corpus, as shares of lines so corpora of any size compare.

    Lines longer than ``max_words`` are counted in the last bin.
    """
    if not texts_by_name:
        raise CourseError("plot_lengths needs at least one corpus: plot_lengths({'name': texts})")
    ax = _axes(ax)
    for name, texts in texts_by_name.items():
        lengths = [len(text.split()) for text in texts]
        if not lengths:
            raise CourseError(f"the corpus {name!r} has no lines to plot")
        mean = sum(lengths) / len(lengths)
        clipped = [min(length, max_words) for length in lengths]
        bins = [edge + 0.5 for edge in range(-1, max_words + 1)]  # one bin per length 0..max_words
        ax.hist(clipped, bins=bins, density=True, alpha=0.55, label=f"{name} (mean {mean:.1f} words)")
    ax.set_xlabel(f"words per line (longer lines counted at {max_words})")
    ax.set_ylabel("share of lines")
    ax.set_title("How long are the texts?")
    ax.legend()
    return ax
