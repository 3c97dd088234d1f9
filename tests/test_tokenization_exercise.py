"""The notebook 02 exercise checker: accepts the reference, rejects typical mistakes with a useful hint."""

from __future__ import annotations

from mlmcourse.exercises.ex02 import check_merge
from mlmcourse.tokenization.bpe import merge


def first_occurrence_only(ids, pair, idx):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == pair:
            return ids[:i] + [idx] + ids[i + 2:]
    return list(ids)


def overlapping(ids, pair, idx):
    # Finds every start of the pair first, so in [7, 7, 7] the middle 7 is used twice.
    starts = {i for i in range(len(ids) - 1) if (ids[i], ids[i + 1]) == pair}
    covered = starts | {i + 1 for i in starts}
    return [idx if i in starts else ids[i] for i in range(len(ids)) if i in starts or i not in covered]


def drops_the_last(ids, pair, idx):
    merged, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == pair:
            merged.append(idx)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def in_place(ids, pair, idx):
    ids[:] = merge(ids, pair, idx)
    return ids


def stub(ids, pair, idx):
    raise NotImplementedError


def test_reference_passes():
    feedback = check_merge(merge)
    assert feedback.passed and str(feedback).startswith("✅")


def test_mistakes_get_specific_hints():
    assert "every occurrence" in check_merge(first_occurrence_only).hint
    assert "last element" in check_merge(drops_the_last).hint
    assert "in place" in check_merge(in_place).hint
    assert "NotImplementedError" in check_merge(stub).message
    feedback = check_merge(lambda ids, pair, idx: None)
    assert not feedback.passed and "None" in feedback.message


def test_overlap_mistake_is_explained():
    feedback = check_merge(overlapping)
    assert not feedback.passed and "returned [8, 8], expected [8, 7]" in feedback.message
    assert "used twice" in feedback.hint
