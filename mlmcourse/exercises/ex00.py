"""Checker for ``00_fill_mask_in_five_minutes.ipynb``: reading the fill-mask pipeline's records.

The learner writes ``probability_of(records, word)``: the score the pipeline gave ``word`` for one mask, or 0.0
when the word is not among the returned candidates. It is the first step to asking "how sure is the model?".
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.exercises import Feedback, call_safely

RECORDS = [
    {"score": 0.81, "token": 1043, "token_str": "dog", "sequence": "the dog barked at me."},
    {"score": 0.12, "token": 2077, "token_str": "puppy", "sequence": "the puppy barked at me."},
    {"score": 0.04, "token": 1650, "token_str": "fox", "sequence": "the fox barked at me."},
]


def probability_of(records: list[dict], word: str) -> float:
    """The score of ``word`` among one mask's records, 0.0 if it is not there.

    >>> probability_of(RECORDS, "puppy"), probability_of(RECORDS, "cat")
    (0.12, 0.0)
    """
    return next((record["score"] for record in records if record["token_str"] == word), 0.0)


def check_probability_of(function: Callable) -> Feedback:
    """``function(records, word) -> float``."""
    for word in ("dog", "fox", "cat"):
        result, problem = call_safely(function, [dict(record) for record in RECORDS], word)
        if problem is not None:
            if word == "cat":
                problem.hint = problem.hint or "a word that is not in the records should give 0.0, not an error."
            return problem
        expected = probability_of(RECORDS, word)
        if result != expected:
            hint = ("each record is a dict: compare record['token_str'] with the word and return record['score']."
                    if word != "cat" else "when no record matches, return 0.0.")
            return Feedback(False, f"probability_of(records, {word!r}) returned {result!r}, expected {expected}.",
                            hint)
    return Feedback(True, "you can read the pipeline's records: score, token, token_str, sequence.")
