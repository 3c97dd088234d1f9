"""How much of each language a multilingual model sees: XLM-R's exponentiated sampling.

Teaches: real corpora are lopsided (XLM-R's CC-100 holds hundreds of gigabytes of English and a few megabytes of
some languages). Sampling lines in proportion to the data (``alpha = 1``) starves the small languages; sampling
every language equally (``alpha = 0``) repeats their few lines until the model memorises them. XLM-R (Conneau et al.
2020) and mBERT sample language ``l`` with probability ``p_l ∝ n_l ** alpha``, between the two: ``alpha = 0.3`` for
XLM-R, ``0.7`` for mBERT, and the same rule for the data their tokenizers learn from. A low-resource language then
gets more of the training than its share of the data, by showing its lines several times (more *epochs*).
Simplifies: lines, not documents or bytes; the whole stream is drawn up front, not batch by batch.
Mirrors: ``q_i = p_i^alpha / sum_j p_j^alpha`` in Lample & Conneau (2019, XLM) and Conneau et al. (2020, XLM-R).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from mlmcourse.errors import CourseError


def sampling_probabilities(counts: Mapping[str, float], alpha: float) -> dict[str, float]:
    """p_l = n_l ** alpha / sum_k n_k ** alpha: how often each language is drawn.

    ``alpha = 1`` follows the data, ``alpha = 0`` is uniform; in between, small languages are upsampled.

    >>> sampling_probabilities({"en": 900, "sw": 100}, alpha=1.0)
    {'en': 0.9, 'sw': 0.1}
    >>> {language: round(p, 3) for language, p in sampling_probabilities({"en": 900, "sw": 100}, alpha=0.3).items()}
    {'en': 0.659, 'sw': 0.341}
    """
    if not counts:
        raise CourseError("sampling_probabilities needs at least one language and its amount of data")
    if not 0 <= alpha <= 1:
        raise CourseError(f"alpha must be between 0 (uniform over languages) and 1 (proportional to the data), "
                          f"got {alpha}; XLM-R uses 0.3, mBERT 0.7")
    if any(not np.isfinite(n) or n <= 0 for n in counts.values()):
        raise CourseError(f"every language needs a positive amount of data, got {dict(counts)}")
    weights = {language: float(n) ** alpha for language, n in counts.items()}
    total = sum(weights.values())
    return {language: weight / total for language, weight in weights.items()}


def sampling_table(counts: Mapping[str, int], alpha: float, n_lines: int) -> list[dict[str, float]]:
    """One row per language: its lines, its share of the data, its sampling probability, and how many times
    (epochs) a stream of ``n_lines`` lines shows each of its lines on average.

    >>> [(row["language"], round(row["epochs"], 2)) for row in sampling_table({"en": 900, "sw": 100}, 0.3, 1000)]
    [('en', 0.73), ('sw', 3.41)]
    """
    probabilities = sampling_probabilities(counts, alpha)
    total = sum(counts.values())
    return [{"language": language, "lines": int(n), "data_share": n / total, "probability": probabilities[language],
             "epochs": probabilities[language] * n_lines / n} for language, n in counts.items()]


def sample_lines(texts_by_language: Mapping[str, Sequence[str]], alpha: float, n_lines: int,
                 seed: int = 0) -> list[str]:
    """A training stream of ``n_lines`` lines: each line's language drawn with ``sampling_probabilities``, then the
    next line of that language, going through its lines in a shuffled order and reshuffling when they run out.

    >>> stream = sample_lines({"en": ["e1", "e2", "e3", "e4"], "sw": ["s1"]}, alpha=0.0, n_lines=6, seed=0)
    >>> sorted(stream)  # half the draws are Swahili: its one line, three times
    ['e1', 'e3', 'e4', 's1', 's1', 's1']
    """
    if isinstance(n_lines, bool) or not isinstance(n_lines, int) or n_lines < 0:
        raise CourseError(f"n_lines must be a non-negative integer, got {n_lines!r}")
    empty = [language for language, texts in texts_by_language.items() if not texts]
    if empty:
        raise CourseError(f"no lines for {empty}: every language needs at least one line to sample from")
    probabilities = sampling_probabilities({k: len(v) for k, v in texts_by_language.items()}, alpha)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_lines, list(probabilities.values()))
    stream: list[str] = []
    for texts, count in zip(texts_by_language.values(), draws.tolist(), strict=True):
        while count > 0:
            order = rng.permutation(len(texts))[:count]
            stream += [texts[i] for i in order.tolist()]
            count -= len(order)
    return [stream[i] for i in rng.permutation(len(stream)).tolist()]


def load_multilingual_toyworld(languages: Sequence[str] | str, n_sentences: int, seed: int = 0,
                               anchors: str = "none", shares: Mapping[str, float] | None = None,
                               alpha: float = 1.0, held_out_share: float = 0.05) -> dict[str, list[str]]:
    """Train / validation / test lines of the multilingual toy world, languages mixed by XLM-R's rule.

    The raw corpus holds ``n_sentences`` lines split by ``shares`` (default: equal); the training split is a stream of
    ``n_sentences`` lines drawn from it with ``sample_lines(alpha)``; validation and test are fresh lines, about
    ``held_out_share`` as many, in the same language mix.

    >>> splits = load_multilingual_toyworld("en,ru", 200, shares={"en": 0.95, "ru": 0.05}, alpha=0.3)
    >>> russian = [line for line in splits["train"] if line.startswith("<ru>")]
    >>> len(russian), len(set(russian))  # 5% of the data, 30% of the stream: its 10 lines about 6 times each
    (59, 10)
    """
    from mlmcourse.corpora import TEST_SEED_OFFSET, VALIDATION_SEED_OFFSET
    from mlmcourse.corpora.multilingual import MultilingualToyWorld

    world = MultilingualToyWorld(languages, anchors=anchors, seed=seed)
    shares = dict.fromkeys(world.languages, 1.0) if shares is None else dict(shares)
    if set(shares) != set(world.languages):
        raise CourseError(f"shares must give a share for each language {world.languages}, got {sorted(shares)}")
    total = sum(shares.values())
    sizes = {language: max(1, round(n_sentences * shares[language] / total)) for language in world.languages}
    raw = world.generate_by_language(sizes, seed)
    probabilities = sampling_probabilities(sizes, alpha)
    held_out = max(len(world.languages), round(n_sentences * held_out_share))

    def fresh(offset: int) -> list[str]:
        rng = np.random.default_rng([seed, offset])
        counts = dict(zip(world.languages, rng.multinomial(held_out, list(probabilities.values())).tolist(),
                          strict=True))
        return world.generate(counts, seed=seed + offset)

    return {"train": sample_lines(raw, alpha, n_sentences, seed), "validation": fresh(VALIDATION_SEED_OFFSET),
            "test": fresh(TEST_SEED_OFFSET)}
