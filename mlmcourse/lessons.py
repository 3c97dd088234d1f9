"""What a notebook claims, checked by the notebook itself: ``expect``, spreads over seeds, generated tables.

What it teaches: a lesson ("warmup leaves the plateau earlier", "replay forgets less") is a claim about a
measurement, so the notebook that teaches it measures it and checks it. ``expect(condition, lesson)`` asserts the
lesson at full size (a run where it no longer holds stops, naming the lesson) and only reports it in smoke mode, where
the sizes are too small to show anything. A comparison rests on several seeds: ``spread`` summarises them
(``0.412 ± 0.015``: mean ± sample standard deviation) and ``clearly_lower`` says "lower" only when every seed of
one side is below every seed of the other.

What it simplifies: with 3 seeds, "no overlap between the ranges" is a plain rule rather than a significance test;
it is conservative (it says "unclear" more often than a t-test would).

Production twin: the seed sweeps with error bars of papers (e.g. the spread over fine-tuning seeds in Dodge et al.
2020, "Fine-Tuning Pretrained Language Models: Weight Initializations, Data Orders, and Early Stopping").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from mlmcourse.config import smoke_mode


class LessonNotShown(AssertionError):
    """A full-size run no longer shows what the notebook teaches: the prose around it would be wrong."""


def expect(condition: bool, lesson: str, detail: str = "", smoke: bool | None = None) -> None:
    """Check a lesson at full size (raise :class:`LessonNotShown` if it fails); only report it in smoke mode.

    ``smoke`` None reads the mode from ``MLMCOURSE_SMOKE``. It returns nothing, so a notebook cell that ends with it
    shows only the printed line.

    >>> expect(2 < 3, "two is less than three", "2 vs 3", smoke=False)
    ✔ two is less than three (2 vs 3)
    >>> expect(3 < 2, "three is less than two", smoke=True)
    [smoke run: lesson not checked] three is less than two: does not hold at these tiny sizes
    """
    holds = bool(condition)
    suffix = f" ({detail})" if detail else ""
    if smoke_mode() if smoke is None else smoke:
        verdict = "holds" if holds else "does not hold"
        print(f"[smoke run: lesson not checked] {lesson}: {verdict} at these tiny sizes{suffix}")
        return
    if not holds:
        raise LessonNotShown(f"this run does not show the lesson {lesson!r}{suffix}")
    print(f"✔ {lesson}{suffix}")


def spread(values: Sequence[float], digits: int = 3) -> str:
    """``mean ± standard deviation`` over seeds (the sample standard deviation, n - 1).

    >>> spread([0.40, 0.42, 0.44])
    '0.420 ± 0.020'
    >>> spread([1.5])
    '1.500'
    """
    mean = statistics.fmean(values)
    if len(values) < 2:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def clearly_lower(lower: Sequence[float], higher: Sequence[float]) -> bool:
    """True when every value of ``lower`` is below every value of ``higher`` (the seed ranges do not overlap).

    >>> clearly_lower([0.30, 0.32, 0.31], [0.35, 0.40, 0.37]), clearly_lower([0.30, 0.36], [0.35, 0.40])
    (True, False)
    """
    return max(lower) < min(higher)


def standard_error(values: Sequence[float]) -> float:
    """The standard error of a mean: sample standard deviation / sqrt(n).

    >>> round(standard_error([1.0, 2.0, 3.0, 4.0]), 4)
    0.6455
    """
    if len(values) < 2:
        return math.nan
    return statistics.stdev(values) / math.sqrt(len(values))


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (show it with ``IPython.display.Markdown``): the notebook's numbers, printed by its run.

    >>> print(markdown_table(["model", "gap"], [["early", "0.28"], ["final", "0.02"]]))
    | model | gap |
    |---|---|
    | early | 0.28 |
    | final | 0.02 |
    """
    lines = ["| " + " | ".join(str(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Display :func:`markdown_table` as rendered Markdown in a notebook (printed as text elsewhere)."""
    text = markdown_table(headers, rows)
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover - IPython is installed with JupyterLab
        print(text)
