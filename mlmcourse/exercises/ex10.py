"""Checker for ``10_scaling.ipynb``: the Nyström approximation of a small softmax-attention matrix.

The learner writes ``nystrom_matrix(query, key, num_landmarks)`` for one head: query and key (seq, head_size), and
returns the (seq x seq) matrix softmax(Q K~^T) . pinv(softmax(Q~ K~^T)) . softmax(Q~ K^T), every score scaled by
1/sqrt(head_size), with landmarks Q~, K~ the means of ``num_landmarks`` consecutive segments. The pseudo-inverse may
be exact (``torch.linalg.pinv``) or the package's 6-step ``iterative_pinv``. Recognised mistakes: no scaling, every
k-th token (or strided groups) instead of segment means, the plain middle matrix instead of its pseudo-inverse, the
softmax over the wrong axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from mlmcourse.exercises import Feedback, call_safely
from mlmcourse.model.nystrom import iterative_pinv


def reference_nystrom_matrix(query: torch.Tensor, key: torch.Tensor, num_landmarks: int) -> torch.Tensor:
    """The reference solution: query/key (seq, head_size) -> (seq, seq), exact pseudo-inverse.

    >>> angle = torch.arange(8.0) / 8 * torch.pi
    >>> points = 2 * torch.stack([angle.cos(), angle.sin()], dim=-1)  # (8, 2): neighbours look alike
    >>> exact = (points @ points.T / math.sqrt(2)).softmax(dim=-1)
    >>> approximate = reference_nystrom_matrix(points, points, num_landmarks=4)
    >>> round(float((approximate - exact).abs().max()), 3), round(float(approximate.sum(dim=-1).mean()), 3)
    (0.028, 1.0)
    """
    return _nystrom(query, key, num_landmarks, pinv=torch.linalg.pinv)


def _segment_means(states: torch.Tensor, num_landmarks: int) -> torch.Tensor:
    seq, head_size = states.shape
    return states.reshape(num_landmarks, seq // num_landmarks, head_size).mean(dim=1)  # (m, head_size)


def _nystrom(query, key, num_landmarks, pinv=torch.linalg.pinv, scale=True, landmarks=_segment_means, axis=-1,
             invert=True) -> torch.Tensor:
    """The formula with switches for the usual mistakes (each switch off is one wrong answer)."""
    if scale:
        query, key = query / query.size(-1) ** 0.25, key / key.size(-1) ** 0.25  # 1/sqrt(d) split between Q and K
    query_landmarks, key_landmarks = landmarks(query, num_landmarks), landmarks(key, num_landmarks)  # (m, d)
    kernel_1 = (query @ key_landmarks.T).softmax(dim=axis)  # (seq, m)
    kernel_2 = (query_landmarks @ key_landmarks.T).softmax(dim=axis)  # (m, m)
    kernel_3 = (query_landmarks @ key.T).softmax(dim=axis)  # (m, seq)
    middle = pinv(kernel_2) if invert else kernel_2  # (m, m)
    return kernel_1 @ middle @ kernel_3  # (seq, seq)


def _every_kth(states: torch.Tensor, num_landmarks: int) -> torch.Tensor:
    return states[:: states.size(0) // num_landmarks][:num_landmarks]  # one token per segment, not the mean


def _strided(states: torch.Tensor, num_landmarks: int) -> torch.Tensor:
    seq, head_size = states.shape
    return states.reshape(seq // num_landmarks, num_landmarks, head_size).mean(dim=0)  # tokens i, i+m, ...


def _inputs(seed: int, seq: int = 12, head_size: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """Queries and keys that change smoothly along the sequence (as in text), with a little noise; float64."""
    generator = torch.Generator().manual_seed(seed)
    position = torch.arange(seq, dtype=torch.float64)[:, None] / seq  # (seq, 1)
    frequencies = torch.arange(1, head_size + 1, dtype=torch.float64)  # (head_size,)
    smooth = torch.cos(math.pi * position * frequencies + seed)  # (seq, head_size)
    noise = lambda: 0.3 * torch.randn(seq, head_size, generator=generator, dtype=torch.float64)  # noqa: E731
    return 2 * smooth + noise(), 2 * smooth + noise()


CASES = [(0, 4), (1, 3), (2, 6), (3, 12)]  # (seed, num_landmarks) for seq 12; the last: one landmark per token


def check_nystrom_matrix(function: Callable) -> Feedback:
    """``function(query, key, num_landmarks) -> (seq, seq) tensor``: query/key (seq, head_size)."""
    for seed, num_landmarks in CASES:
        query, key = _inputs(seed)
        result, problem = call_safely(function, query.clone(), key.clone(), num_landmarks)
        if problem is not None:
            return problem
        if not isinstance(result, torch.Tensor):
            return Feedback(False, f"expected a torch.Tensor, got {type(result).__name__}.",
                            "return kernel_1 @ pinv(kernel_2) @ kernel_3, a (seq, seq) tensor.")
        if result.shape != (query.size(0), query.size(0)):
            return Feedback(False, f"the result has shape {tuple(result.shape)}, expected "
                            f"{(query.size(0), query.size(0))} (seq, seq).",
                            "kernel_1 is (seq, m), the pseudo-inverse (m, m), kernel_3 (m, seq).")
        result = result.double()
        accepted = (_nystrom(query, key, num_landmarks),
                    _nystrom(query.float(), key.float(), num_landmarks, pinv=iterative_pinv).double())
        if any(torch.allclose(result, answer, atol=1e-4) for answer in accepted):
            continue
        mistakes = {
            "divide the scores by sqrt(head_size): scale query and key by head_size ** -0.25 (or each score "
            "matrix by 1 / sqrt(head_size)) before every softmax.": _nystrom(query, key, num_landmarks, scale=False),
            "landmarks are segment MEANS: reshape to (num_landmarks, seq // num_landmarks, head_size) and average "
            "over the tokens of each segment (dim=1), not one token per segment.":
                _nystrom(query, key, num_landmarks, landmarks=_every_kth),
            "segments are consecutive tokens: reshape(num_landmarks, seq // num_landmarks, head_size).mean(dim=1); "
            "reshape(seq // num_landmarks, num_landmarks, ...).mean(dim=0) averages tokens i, i+m, i+2m, ...":
                _nystrom(query, key, num_landmarks, landmarks=_strided),
            "the middle factor is the pseudo-inverse of softmax(Q~ K~^T): torch.linalg.pinv(kernel_2).":
                _nystrom(query, key, num_landmarks, invert=False),
            "take every softmax over the last axis (dim=-1): each row of a kernel is a distribution over keys.":
                _nystrom(query, key, num_landmarks, axis=0),
        }
        for hint, wrong in mistakes.items():
            if torch.allclose(result, wrong, atol=1e-4):
                return Feedback(False, f"with num_landmarks={num_landmarks} your matrix is not the Nyström "
                                "approximation.", hint)
        difference = (result - accepted[0]).abs().max().item()
        return Feedback(False, f"with num_landmarks={num_landmarks} your matrix differs from the reference by up "
                        f"to {difference:.3g}.",
                        "scale, take segment means as landmarks, build the three softmax kernels (seq x m, m x m, "
                        "m x seq) and multiply kernel_1 @ pinv(kernel_2) @ kernel_3.")
    query, key = _inputs(0)
    exact = (query @ key.T / math.sqrt(query.size(1))).softmax(dim=-1)
    error = float((reference_nystrom_matrix(query, key, 4) - exact).norm() / exact.norm())
    return Feedback(True, f"three small softmax matrices and one 4x4 pseudo-inverse stand in for the 12x12 matrix "
                    f"(relative error {error:.0%} with 4 landmarks; exact with one landmark per token).")
