"""XLM-R's exponentiated language sampling: the probabilities, the training stream, the multilingual corpus."""

from __future__ import annotations

import doctest
import math
from collections import Counter

import pytest

from mlmcourse.corpora import language_sampling, load_corpus
from mlmcourse.corpora.language_sampling import (
    load_multilingual_toyworld,
    sample_lines,
    sampling_probabilities,
    sampling_table,
)
from mlmcourse.corpora.languages import ru
from mlmcourse.corpora.languages.concepts import COUNTRIES


def test_worked_example_and_the_two_ends_of_alpha():
    counts = {"en": 900, "sw": 100}
    xlmr = sampling_probabilities(counts, alpha=0.3)
    assert xlmr["en"] == pytest.approx(900 ** 0.3 / (900 ** 0.3 + 100 ** 0.3))
    assert xlmr["sw"] == pytest.approx(0.341, abs=1e-3)
    assert sampling_probabilities(counts, 1.0) == pytest.approx({"en": 0.9, "sw": 0.1})
    assert sampling_probabilities(counts, 0.0) == pytest.approx({"en": 0.5, "sw": 0.5})
    assert sum(sampling_probabilities({"a": 3, "b": 50, "c": 7000}, 0.7).values()) == pytest.approx(1.0)


def test_lower_alpha_upsamples_the_smallest_language():
    counts = {"en": 95_000, "fr": 4_000, "ru": 1_000}
    shares = [sampling_probabilities(counts, alpha)["ru"] for alpha in (1.0, 0.7, 0.3, 0.0)]
    assert shares == sorted(shares) and shares[0] == pytest.approx(0.01) and shares[-1] == pytest.approx(1 / 3)
    rows = sampling_table(counts, 0.3, n_lines=100_000)
    assert [row["language"] for row in rows] == ["en", "fr", "ru"]
    ru = rows[2]
    assert ru["data_share"] == pytest.approx(0.01) and ru["epochs"] == pytest.approx(ru["probability"] * 100)
    assert rows[0]["epochs"] < 1 < ru["epochs"]


@pytest.mark.parametrize("counts, alpha, message", [
    ({}, 0.3, "at least one language"), ({"en": 10}, 1.5, "alpha must be between 0"),
    ({"en": 10, "fr": 0}, 0.3, "positive amount of data"),
])
def test_bad_sampling_arguments(counts, alpha, message):
    with pytest.raises(ValueError, match=message):
        sampling_probabilities(counts, alpha)


def test_sample_lines_follows_the_probabilities_and_cycles_small_languages():
    texts = {"en": [f"<en> line {i} ." for i in range(9_000)], "ru": [f"<ru> line {i} ." for i in range(100)]}
    stream = sample_lines(texts, alpha=0.3, n_lines=20_000, seed=0)
    assert len(stream) == 20_000 and stream == sample_lines(texts, 0.3, 20_000, seed=0)
    p = sampling_probabilities({"en": 9_000, "ru": 100}, 0.3)["ru"]
    russian = [line for line in stream if line.startswith("<ru>")]
    assert abs(len(russian) - 20_000 * p) < 4 * math.sqrt(20_000 * p * (1 - p))
    # each Russian line is repeated about equally often: whole passes through a reshuffled list
    repeats = Counter(russian).values()
    assert set(Counter(russian)) == set(texts["ru"]) and max(repeats) - min(repeats) <= 1
    english = Counter(line for line in stream if line.startswith("<en>"))
    assert len(english) == 9_000 and max(english.values()) - min(english.values()) <= 1
    proportional = Counter(line for line in sample_lines(texts, 1.0, 5_000, seed=0) if line.startswith("<en>"))
    assert max(proportional.values()) == 1  # fewer draws than lines: none is repeated
    with pytest.raises(ValueError, match="no lines for \\['fr'\\]"):
        sample_lines({"en": ["a"], "fr": []}, 0.3, 10)


def test_multilingual_corpus_splits_and_mix():
    splits = load_multilingual_toyworld("en,fr,ru", 3_000, seed=1, shares={"en": 0.9, "fr": 0.05, "ru": 0.05},
                                        alpha=0.3)
    assert [len(splits[name]) for name in ("train", "validation", "test")] == [3_000, 150, 150]
    languages = Counter(line.split()[0] for line in splits["train"])
    expected = sampling_probabilities({"en": 2_700, "fr": 150, "ru": 150}, 0.3)
    for language, p in expected.items():
        assert abs(languages[f"<{language}>"] - 3_000 * p) < 4 * math.sqrt(3_000 * p * (1 - p))
    assert {line.split()[0] for line in splits["validation"]} == {"<en>", "<fr>", "<ru>"}
    assert splits == load_multilingual_toyworld("en,fr,ru", 3_000, seed=1, shares={"en": 0.9, "fr": 0.05, "ru": 0.05},
                                                alpha=0.3)
    with pytest.raises(ValueError, match="a share for each language"):
        load_multilingual_toyworld(["en", "fr"], 100, shares={"en": 1.0})


def test_load_corpus_passes_the_multilingual_options():
    corpus = load_corpus("toyworld", n_sentences=400, languages=["de", "ru"], anchors="shared")
    lines = corpus["train"]["text"]
    assert {line.split()[0] for line in lines} == {"<de>", "<ru>"} and corpus["validation"].num_rows == 20
    russian_words = {word for line in lines if line.startswith("<ru>") for word in line.split()}
    assert russian_words & set(COUNTRIES)  # shared anchors: English spellings inside Russian lines
    assert not russian_words & {form for forms in ru.COUNTRY_FORMS.values() for form in forms}
    with pytest.raises(ValueError, match="need languages=..."):
        load_corpus("toyworld", n_sentences=10, alpha=0.3)
    with pytest.raises(ValueError, match="does not speak 'xx'"):
        load_corpus("toyworld", n_sentences=10, languages="en,xx")


def test_docstring_examples():
    result = doctest.testmod(language_sampling)
    assert result.failed == 0 and result.attempted >= 5
