"""Learning curves: the score as a function of the number of labelled examples, for several starting points.

What it teaches: "pretraining helps" is a claim about a curve, not a point. With 16 labels every model guesses;
with thousands even a model from scratch learns the task; pretraining matters in between, and by how much depends
on what it taught. Each point is run with several seeds (which labelled examples, the head's initialisation, the
order), and a difference counts only when it is larger than that spread: here, when the two means differ by more
than the sum of their standard deviations (a simple, conservative rule, not a significance test).

What it simplifies: the mean and the sample standard deviation over seeds; no confidence intervals.

Production twin: the label-budget experiments of Gururangan et al. 2020 ("Don't Stop Pretraining") and of
few-shot benchmarks, run with ``Trainer`` over seeds.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

from mlmcourse.finetune.config import FinetuneConfig
from mlmcourse.finetune.data import TaskData


def learning_curves(task: TaskData, starts: dict[str, FinetuneConfig], sizes: Sequence[int], seeds: Sequence[int],
                    progress: bool = True, prepare: Callable[[str, FinetuneConfig], Any] | None = None
                    ) -> list[dict[str, Any]]:
    """One row per (start, size, seed): ``{"start", "n_train", "seed", "accuracy", "macro_f1", "seconds",
    "steps"}``. ``starts`` names each starting point's config (its ``n_train`` and ``seed`` are replaced)."""
    from mlmcourse.finetune.loop import finetune
    from mlmcourse.progress import tqdm

    jobs = [(name, size, seed) for name in starts for size in sizes for seed in seeds]
    rows = []
    for name, size, seed in tqdm(jobs, desc=f"learning curves on {task.name}", unit="run", disable=not progress):
        config = starts[name].replace(n_train=size, seed=seed, progress=False)
        result = finetune(config, data=task)
        rows.append({"start": name, "n_train": size, "seed": seed, "accuracy": result.test["accuracy"],
                     "macro_f1": result.test["macro_f1"], "seconds": round(result.seconds, 2),
                     "steps": result.steps})
    return rows


def summarize(rows: Sequence[dict[str, Any]], metric: str = "accuracy") -> dict[tuple[str, int], tuple[float, float]]:
    """``{(start, n_train): (mean, standard deviation over seeds)}`` (deviation 0 for a single seed).

    >>> summarize([{"start": "a", "n_train": 16, "accuracy": 0.5}, {"start": "a", "n_train": 16, "accuracy": 0.7}])
    {('a', 16): (0.6, 0.14142135623730948)}
    """
    groups: dict[tuple[str, int], list[float]] = {}
    for row in rows:
        groups.setdefault((row["start"], row["n_train"]), []).append(row[metric])
    return {key: (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)
            for key, values in groups.items()}


def compare(summary: dict[tuple[str, int], tuple[float, float]], better: str, worse: str, n_train: int) -> str:
    """A sentence saying whether ``better`` beats ``worse`` at ``n_train`` by more than the spread.

    >>> compare({("a", 16): (0.8, 0.02), ("b", 16): (0.6, 0.03)}, "a", "b", 16)
    'with 16 labels, a beats b: a 0.800 ± 0.020 vs b 0.600 ± 0.030 (difference 0.200 > spread 0.050)'
    >>> compare({("a", 16): (0.5, 0.02), ("b", 16): (0.6, 0.03)}, "a", "b", 16)
    'with 16 labels, b beats a: b 0.600 ± 0.030 vs a 0.500 ± 0.020 (difference 0.100 > spread 0.050)'
    >>> compare({("a", 16): (0.62, 0.02), ("b", 16): (0.6, 0.03)}, "a", "b", 16)
    'with 16 labels, a and b are within the spread: a 0.620 ± 0.020 vs b 0.600 ± 0.030 (difference 0.020 <= 0.050)'
    """
    (mean_a, spread_a), (mean_b, spread_b) = summary[better, n_train], summary[worse, n_train]
    difference, spread = mean_a - mean_b, spread_a + spread_b
    first, second = f"{better} {mean_a:.3f} ± {spread_a:.3f}", f"{worse} {mean_b:.3f} ± {spread_b:.3f}"
    numbers = f"{first} vs {second}"
    if difference > spread:
        return f"with {n_train} labels, {better} beats {worse}: {numbers} (difference {difference:.3f} > spread {spread:.3f})"
    if -difference > spread:
        return (f"with {n_train} labels, {worse} beats {better}: {second} vs {first} "
                f"(difference {-difference:.3f} > spread {spread:.3f})")
    return (f"with {n_train} labels, {better} and {worse} are within the spread: {numbers} "
            f"(difference {abs(difference):.3f} <= {spread:.3f})")


def plot_learning_curves(rows: Sequence[dict[str, Any]], metric: str = "accuracy", title: str = "", ax=None,
                         chance: float | None = None):
    """Mean ± standard deviation over seeds against the number of labels (log axis), one line per start."""
    import matplotlib.pyplot as plt

    summary = summarize(rows, metric)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for start in dict.fromkeys(row["start"] for row in rows):
        sizes = sorted(n for name, n in summary if name == start)
        means = [summary[start, n][0] for n in sizes]
        spreads = [summary[start, n][1] for n in sizes]
        ax.errorbar(sizes, means, yerr=spreads, marker="o", capsize=3, label=start)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("labelled training examples")
    ax.set_ylabel(f"test {metric.replace('_', ' ')}")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
