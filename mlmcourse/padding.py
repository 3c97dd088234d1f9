"""Row padding: rows of different lengths into one rectangular array, with no Python loop over values.

Teaches: a batch is a rectangle; shorter rows are filled with a pad value (on the right, or on the left for
tokenizers that pad there) and an attention mask says which positions are real. Done in two vectorised steps:
all rows' values laid end to end once (one C loop), then placed with one boolean assignment.

Simplifies: NumPy only (no torch, no transformers), so the NumPy inference path and the metrics can use it; the
collator (:mod:`mlmcourse.masking.collator`) wraps the same arrays as tensors with ``torch.from_numpy`` (no copy).

Mirrors: ``tokenizer.pad`` / ``DataCollatorWithPadding`` for lists of ids; ``torch.nn.utils.rnn.pad_sequence``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError


def flatten_rows(rows: Sequence[Any], dtype: type = np.int64) -> np.ndarray:
    """All rows' values one after the other: ``(total,)``, or ``(total, width)`` for rows of pairs.

    Rows may be lists, NumPy arrays or CPU tensors. Python lists are converted by C loops, never one Python step
    per value: ``struct.pack_into`` for ids (about 5x faster than ``np.array`` of nested lists), ``bytes()`` for
    0/1 masks; ``None`` (as in ``encoding.word_ids()``) becomes -1.

    >>> flatten_rows([[5, 6], [7]]).tolist()
    [5, 6, 7]
    >>> flatten_rows([[[0, 3], [4, 7]], [[0, 2]]]).tolist()
    [[0, 3], [4, 7], [0, 2]]
    >>> flatten_rows([[0, None], [1]]).tolist()
    [0, -1, 1]
    """
    first = rows[0]
    if not isinstance(first, list | tuple):  # arrays or tensors: NumPy reads both without a Python loop
        return np.concatenate([np.asarray(row) for row in rows]).astype(dtype, copy=False)
    width = len(first[0]) if len(first) and isinstance(first[0], list | tuple | np.ndarray) else 0
    if dtype is np.bool_ and not width:
        try:
            return np.frombuffer(bytearray().join(map(bytes, rows)), dtype=np.uint8) != 0
        except (TypeError, ValueError):
            pass  # not 0/1 ints: the general path below
    count = sum(map(len, rows)) * (width or 1)
    buffer = bytearray(8 * count)
    try:
        struct.pack_into(f"{count}q", buffer, 0, *_values(rows, width))
        flat = np.frombuffer(buffer, dtype=np.int64)
    except (TypeError, ValueError, struct.error):  # e.g. word_ids with None
        flat = np.array([-1 if value is None else value for value in _values(rows, width)], dtype=np.int64)
    flat = flat != 0 if dtype is np.bool_ else flat.astype(dtype, copy=False)
    return flat.reshape(-1, width) if width else flat


def _values(rows: Sequence[Any], width: int) -> Any:
    """Every value of every row (and of every pair, for rows of pairs), one after the other."""
    return chain.from_iterable(chain.from_iterable(rows)) if width else chain.from_iterable(rows)


def real_positions(lengths: Sequence[int], length: int, padding_side: str = "right") -> np.ndarray:
    """True at the real (not padding) positions of rows with these lengths, padded to ``length``.

    >>> real_positions([3, 1], 4).astype(int).tolist()
    [[1, 1, 1, 0], [1, 0, 0, 0]]
    >>> real_positions([3, 1], 4, padding_side="left").astype(int).tolist()
    [[0, 1, 1, 1], [0, 0, 0, 1]]
    """
    positions = np.arange(length)[None, :]  # (1, length)
    lengths = np.asarray(lengths)[:, None]  # (batch, 1)
    return positions >= length - lengths if padding_side == "left" else positions < lengths


def pad_rows(rows: Sequence[Any], pad_value: int, length: int | None = None, padding_side: str = "right",
             dtype: type = np.int64, lengths: Sequence[int] | None = None) -> np.ndarray:
    """Stack rows of different lengths into one array ``(batch, length[, width])``, filling with ``pad_value``.

    >>> pad_rows([[5, 6, 7], [8]], pad_value=0).tolist()
    [[5, 6, 7], [8, 0, 0]]
    >>> pad_rows([[5, 6, 7], [8]], pad_value=0, length=4, padding_side="left").tolist()
    [[0, 5, 6, 7], [0, 0, 0, 8]]
    >>> pad_rows([[[0, 3], [4, 7]], [[0, 2]]], pad_value=0).tolist()
    [[[0, 3], [4, 7]], [[0, 2], [0, 0]]]
    """
    if not len(rows):
        raise CourseError("pad_rows needs at least one row")
    lengths = list(map(len, rows)) if lengths is None else list(lengths)
    length = max(lengths) if length is None else length
    if length < max(lengths):
        raise CourseError(f"a row of {max(lengths)} values does not fit in length {length}")
    flat = flatten_rows(rows, dtype)  # (total[, width])
    if min(lengths) == length:  # nothing to pad: a reshape
        return flat.reshape(len(rows), length, *flat.shape[1:])
    padded = np.full((len(rows), length, *flat.shape[1:]), pad_value, dtype=flat.dtype)
    padded[real_positions(lengths, length, padding_side)] = flat  # row-major: each row fills its real positions
    return padded


def pad_with_mask(rows: Sequence[Any], pad_value: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ids ``(batch, length)`` and their attention mask (int64, 1 on real tokens).

    >>> ids, mask = pad_with_mask([[5, 6, 7], [8]], pad_value=0)
    >>> ids.tolist(), mask.tolist()
    ([[5, 6, 7], [8, 0, 0]], [[1, 1, 1], [1, 0, 0]])
    """
    lengths = list(map(len, rows))
    ids = pad_rows(rows, pad_value, lengths=lengths)
    return ids, real_positions(lengths, ids.shape[1]).astype(np.int64)
