"""Automatic checkers for the notebooks' exercises.

One module per notebook (``ex01`` for ``01_corpus.ipynb``, ...). A checker takes the learner's function or value,
compares it with the reference implementation on a few inputs and returns a :class:`Feedback` that prints as
a green tick, or as what went wrong plus a hint. It never raises on a wrong answer: a notebook keeps running.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Feedback:
    """The result of checking one exercise."""

    passed: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        if self.passed:
            return f"✅ Correct! {self.message}"
        text = f"❌ Not yet: {self.message}"
        return text + (f"\n   Hint: {self.hint}" if self.hint else "")

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows str(), not the dataclass repr
        printer.text(str(self))

    def __bool__(self) -> bool:
        return self.passed


def call_safely(function, *args, **kwargs):
    """Run the learner's code; return (result, None) or (None, Feedback describing the exception)."""
    try:
        return function(*args, **kwargs), None
    except NotImplementedError:
        return None, Feedback(False, "the function still raises NotImplementedError.",
                              "replace the `raise NotImplementedError` line with your implementation.")
    except Exception as error:  # a learner's bug: report it, don't crash the notebook
        return None, Feedback(False, f"your function raised {type(error).__name__}: {error}")
