"""How much to mask: measured on the toy world with the exact posterior.

Teaches: masking more words gives more predictions per sentence (more training signal) but leaves less context
to predict them from. BERT masked 15%; Wettig et al. (2023, "Should You Mask 15% in Masked Language Modeling?")
found 40% as good or better for large models. With the toy world's exact posterior we can measure the trade-off
without training anything: mask each word with probability ``rate``, then for every masked word ask how well
its *unmasked* context determines it, ``P(word | visible words)``, with the other masked words marginalised out
(``ToyWorld.posterior(..., hidden=...)``).

Simplifies: words are the toy world's words (one token each), masked independently (no 80/10/10: a random or
kept token would leak information). Mirrors: the corruption-vs-signal argument of Wettig et al. (2023).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlmcourse.errors import CourseError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mlmcourse.corpora.toyworld import ToyWorld


@dataclass(frozen=True)
class RateResult:
    """What a perfect model faces at one mask rate."""

    rate: float
    words: int  # words seen
    masked: int  # words masked
    identifiable: float  # share of masked words whose posterior gives the answer probability >= threshold
    mean_entropy: float  # mean posterior entropy (nats): the loss a perfect model still pays per masked word
    identifiable_per_100_words: float  # predictions a perfect model gets right for sure, per 100 words of text


def posterior_entropy(posterior: Mapping[str, float]) -> float:
    """Entropy in nats of a distribution.

    >>> round(posterior_entropy({"dog": 0.5, "puppy": 0.5}), 4), posterior_entropy({"paris": 1.0})
    (0.6931, 0.0)
    """
    return 0.0 - sum(p * math.log(p) for p in posterior.values() if p > 0)  # 0.0 - 0.0: no "-0.00"


def mask_rate_experiment(world: ToyWorld, rates: Sequence[float], lines: Sequence[str], seed: int = 0,
                         threshold: float = 0.99, progress: bool = True) -> list[RateResult]:
    """For each rate, mask the words of ``lines`` and measure how identifiable the masked words stay.

    Every word gets one uniform number, shared by all rates (a word masked at 15% is also masked at 40%), so
    the rates differ only in how much they mask, not in which sentences they drew.
    """
    from mlmcourse.progress import tqdm

    if not lines:
        raise CourseError("mask_rate_experiment needs some toy-world lines, e.g. world.generate(100, seed=1)")
    for rate in rates:
        if not 0.0 < rate <= 1.0:
            raise CourseError(f"mask rates must be in (0, 1], got {rate}")
    rng = random.Random(seed)
    sentences = [line.split() for line in lines]
    draws = [[rng.random() for _ in words] for words in sentences]
    results = []
    for rate in tqdm(rates, desc="mask rates", disable=not progress):
        masked = identifiable = 0
        entropy_sum = 0.0
        for words, scores in zip(sentences, draws, strict=True):
            hidden = [i for i, score in enumerate(scores) if score < rate]
            for index in hidden:
                others = [i for i in hidden if i != index]
                posterior = world.posterior(words, index, hidden=others)
                masked += 1
                identifiable += posterior.get(words[index], 0.0) >= threshold
                entropy_sum += posterior_entropy(posterior)
        total_words = sum(map(len, sentences))
        results.append(RateResult(rate=rate, words=total_words, masked=masked,
                                  identifiable=identifiable / masked if masked else float("nan"),
                                  mean_entropy=entropy_sum / masked if masked else float("nan"),
                                  identifiable_per_100_words=100 * identifiable / total_words))
    return results


def plot_mask_rates(results: Sequence[RateResult] | Sequence[Sequence[RateResult]],
                    axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Two panels: share identifiable and mean entropy per masked word; identifiable predictions per 100 words.

    ``results`` is one run (a list of :class:`RateResult`) or several (one list per seed): then each point is the
    mean over the runs with an error bar of one standard deviation.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    runs = [results] if isinstance(results[0], RateResult) else list(results)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    rates = [100 * r.rate for r in runs[0]]

    def mean_and_sd(value) -> tuple[np.ndarray, np.ndarray]:
        table = np.array([[value(r) for r in run] for run in runs])  # (runs, rates)
        return table.mean(axis=0), (table.std(axis=0, ddof=1) if len(runs) > 1 else np.zeros(table.shape[1]))

    left, right = axes
    left.errorbar(rates, *mean_and_sd(lambda r: 100 * r.identifiable), fmt="o-", color="tab:blue", capsize=3)
    left.set_xlabel("mask rate (%)")
    left.set_ylabel("masked words still identifiable (%)", color="tab:blue")
    twin = left.twinx()
    twin.errorbar(rates, *mean_and_sd(lambda r: r.mean_entropy), fmt="s--", color="tab:red", capsize=3)
    twin.set_ylabel("mean posterior entropy (nats)", color="tab:red")
    left.set_title("per masked word: harder as the context disappears")
    right.errorbar(rates, *mean_and_sd(lambda r: r.identifiable_per_100_words), fmt="o-", color="tab:green",
                   capsize=3)
    right.set_xlabel("mask rate (%)")
    right.set_ylabel("sure predictions per 100 words")
    right.set_title("per sentence: how many answers the context fixes")
    for axis in (left, right):
        axis.axvline(15, color="grey", lw=0.8, ls=":")
        axis.axvline(40, color="grey", lw=0.8, ls=":")
    if len(runs) > 1:
        right.text(0.02, 0.02, f"mean ± s.d. over {len(runs)} mask seeds", transform=right.transAxes, fontsize=8)
    return axes
