"""mlmcourse.padding: one home for row padding, used by the collator (as tensors) and the metrics (NumPy)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import torch

from mlmcourse import padding
from mlmcourse.errors import CourseError
from mlmcourse.padding import flatten_rows, pad_rows, pad_with_mask


def test_doctests():
    result = doctest.testmod(padding)
    assert result.attempted >= 6 and result.failed == 0


def test_lists_arrays_and_tensors_pad_alike():
    rows = [[5, 6, 7], [8]]
    expected = [[0, 5, 6, 7], [0, 0, 0, 8]]
    for given in (rows, [np.array(r) for r in rows], [torch.tensor(r) for r in rows]):
        assert pad_rows(given, 0, length=4, padding_side="left").tolist() == expected


def test_masks_none_and_large_values():
    assert pad_rows([[1, 0, 1], [0]], 1, dtype=np.bool_).tolist() == [[True, False, True], [False, True, True]]
    assert pad_rows([[300, 0], [2]], 0, dtype=np.bool_).tolist() == [[True, False], [True, False]]  # not bytes
    assert flatten_rows([[None, 4], [None]]).tolist() == [-1, 4, -1]


def test_mask_matches_padding_and_errors_are_clear():
    ids, mask = pad_with_mask([[7, 8], [9, 10, 11], [12]], pad_value=-1)
    assert ids.shape == mask.shape == (3, 3) and mask.dtype == np.int64
    assert ((ids != -1) == (mask == 1)).all()
    with pytest.raises(CourseError, match="does not fit"):
        pad_rows([[1, 2, 3]], 0, length=2)
    with pytest.raises(CourseError, match="at least one row"):
        pad_rows([], 0)
