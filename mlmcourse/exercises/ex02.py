"""Checker for ``02_tokenization.ipynb``: one BPE merge step, ``merge(ids, pair, idx)``.

The checker runs the learner's function on a few lists, compares with the package's reference
(``mlmcourse.tokenization.bpe.merge``) and recognises the usual mistakes to give a hint: replacing only the first
occurrence, merging overlapping pairs twice (``[7, 7, 7]`` must give ``[8, 7]``, not ``[8, 8]``), dropping the last
element, or changing the input list in place.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.tokenization.bpe import merge

# (ids, pair, idx): the worked example first, then the cases where loops usually go wrong.
CASES = [
    ([1, 2, 3, 1, 2], (1, 2), 4),
    ([7, 7, 7], (7, 7), 8),
    ([5, 6, 5, 6, 5], (5, 6), 9),
    ([3, 1, 2], (1, 2), 4),
    ([1, 3, 2, 1], (1, 2), 4),
    ([1], (1, 2), 4),
    ([], (1, 2), 4),
]


def _hint(ids: list[int], pair: tuple[int, int], idx: int, result: list) -> str:
    """A hint for a wrong result, guessed from how it differs from the reference."""
    first_only = list(ids)
    for position in range(len(ids) - 1):
        if (ids[position], ids[position + 1]) == pair:
            first_only[position:position + 2] = [idx]
            break
    if result == first_only:
        return "keep scanning after the first match: every occurrence of the pair must be replaced."
    if len(ids) > 0 and result == merge(ids, pair, idx)[:-1]:
        return "the last element went missing: after the loop, an element that was not part of a pair still " \
               "has to be appended."
    if pair[0] == pair[1] and result.count(idx) > merge(ids, pair, idx).count(idx):
        return "after a match, jump over both elements (i += 2): in [7, 7, 7] the middle 7 cannot be used twice."
    return "walk through ids with an index i: if (ids[i], ids[i+1]) == pair, append idx and skip two; " \
           "otherwise append ids[i] and move on by one."


def check_merge(function: Callable) -> Feedback:
    """``function(ids, pair, idx) -> list``: a new list where every occurrence of ``pair`` became ``idx``."""
    for ids, pair, idx in CASES:
        given = list(ids)
        result, problem = call_safely(function, given, pair, idx)
        if problem is not None:
            return problem
        if given != ids:
            return Feedback(False, f"your function changed its input list {ids} into {given}.",
                            "build and return a new list (merged = []) instead of editing ids in place.")
        if result is None:
            return Feedback(False, "your function returned None.", "end with `return merged`.")
        expected = merge(ids, pair, idx)
        if list(result) != expected:
            return Feedback(False, f"merge({ids}, {pair}, {idx}) returned {list(result)}, expected {expected}.",
                            _hint(ids, pair, idx, list(result)))
    return Feedback(True, f"merge(...) handles all {len(CASES)} cases, overlaps and edges included.")
