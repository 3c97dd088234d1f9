"""Checker for notebook 03 (masking): implement BERT's 80/10/10 replacement.

The exercise: write ``my_80_10_10(input_ids, selected, mask_token_id, vocab_size, generator)`` returning
``(inputs, labels)``: at the ``selected`` positions, 80% become ``mask_token_id``, 10% a random id from
``range(5, vocab_size)`` (ids 0-4 are the special tokens) and 10% stay as they are; nothing else changes;
``labels`` are the original ids at selected positions and -100 elsewhere; ``input_ids`` is not modified; all
randomness comes from ``generator``. The reference is :func:`mlmcourse.masking.apply_80_10_10`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from mlmcourse.exercises import Feedback, call_safely

VOCAB_SIZE, MASK_ID, FIRST_NORMAL_ID = 1000, 4, 5


def reference_80_10_10(input_ids: torch.Tensor, selected: torch.Tensor, mask_token_id: int, vocab_size: int,
                       generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The solution, written with the package's :func:`~mlmcourse.masking.apply_80_10_10`.

    >>> ids, chosen = torch.tensor([[2, 7, 8, 3]]), torch.tensor([[False, True, True, False]])
    >>> inputs, labels = reference_80_10_10(ids, chosen, 4, 10, torch.Generator().manual_seed(0))
    >>> labels.tolist()
    [[-100, 7, 8, -100]]
    """
    from mlmcourse.masking import apply_80_10_10

    return apply_80_10_10(input_ids, selected, mask_token_id, range(FIRST_NORMAL_ID, vocab_size),
                          torch.rand(input_ids.shape, generator=generator),
                          torch.rand(input_ids.shape, generator=generator))


def _batch(rows: int, seq: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(FIRST_NORMAL_ID, VOCAB_SIZE, (rows, seq), generator=generator)
    input_ids[:, 0], input_ids[:, -1] = 2, 3  # [CLS] ... [SEP]
    selected = torch.rand(rows, seq, generator=generator) < 0.5
    selected[:, 0] = selected[:, -1] = False
    return input_ids, selected


def _run(function: Callable, input_ids: torch.Tensor, selected: torch.Tensor, seed: int):
    """Call the learner's function on copies; return ((inputs, labels), None) or (None, Feedback)."""
    given = input_ids.clone()
    result, failure = call_safely(function, given, selected.clone(), MASK_ID, VOCAB_SIZE,
                                  torch.Generator().manual_seed(1000 + seed))  # not the batch's stream
    if failure is not None:
        return None, failure
    if not (isinstance(result, tuple) and len(result) == 2 and all(isinstance(t, torch.Tensor) for t in result)):
        return None, Feedback(False, f"expected a tuple (inputs, labels) of two tensors, got {type(result).__name__}",
                              "end with `return inputs, labels`.")
    if not torch.equal(given, input_ids):
        return None, Feedback(False, "your function changed input_ids in place.",
                              "start from a copy: inputs = input_ids.clone().")
    if any(t.shape != input_ids.shape for t in result):
        return None, Feedback(False, f"inputs and labels must have the shape of input_ids {tuple(input_ids.shape)}, "
                                     f"got {tuple(result[0].shape)} and {tuple(result[1].shape)}",
                              "work on whole tensors with torch.where or boolean masks; do not drop positions.")
    return result, None


def _share_hint(mask_share: float, random_share: float, kept_share: float) -> str:
    if math.isclose(random_share, 0.02, abs_tol=0.01):
        return ("only 2% random: after the 80% [MASK], half of the remaining 20% must become random, "
                "so decide with one uniform number per position: < 0.8 mask, < 0.9 random, else keep.")
    if random_share > 0.15 and kept_share < 0.05:
        return "nothing is kept: 10% of the selected positions must keep their original token."
    if math.isclose(mask_share, 1.0, abs_tol=0.02):
        return "every selected position got [MASK]: only 80% should; 10% random, 10% unchanged."
    return "draw one uniform number per position (torch.rand(..., generator=generator)): < 0.8 -> [MASK], " \
           "< 0.9 -> random id, otherwise keep."


def check_80_10_10(function: Callable) -> Feedback:
    """Check the learner's ``function(input_ids, selected, mask_token_id, vocab_size, generator)``.

    >>> print(check_80_10_10(reference_80_10_10))
    ✅ Correct! On 9,588 selected tokens the [MASK] / random / kept shares are within 4 sigma of 80/10/10, and the labels, the untouched positions and the seeding are right.
    """
    input_ids, selected = _batch(4, 12, seed=0)
    result, failure = _run(function, input_ids, selected, seed=0)
    if failure is not None:
        return failure
    inputs, labels = result
    expected_labels = torch.where(selected, input_ids, -100)
    if not torch.equal(labels.long(), expected_labels):
        return Feedback(False, "the labels are wrong: expected the original id at selected positions, -100 elsewhere.",
                        "labels = torch.where(selected, input_ids, -100), computed before you replace anything.")
    if not torch.equal(inputs[~selected], input_ids[~selected]):
        return Feedback(False, "positions that were not selected changed.",
                        "replace only where `selected` is True (combine your masks with `& selected`).")
    again, _ = _run(function, input_ids, selected, seed=0)
    if again is None or not torch.equal(again[0], inputs):
        return Feedback(False, "the same generator seed gave different results.",
                        "pass generator=generator to every torch.rand / torch.randint call.")
    input_ids, selected = _batch(400, 50, seed=1)
    result, failure = _run(function, input_ids, selected, seed=1)
    if failure is not None:
        return failure
    inputs, _ = result
    chosen_inputs, chosen_ids = inputs[selected], input_ids[selected]
    total = len(chosen_ids)
    as_mask = chosen_inputs == MASK_ID
    kept = chosen_inputs == chosen_ids
    random = ~as_mask & ~kept
    if ((chosen_inputs[random] < FIRST_NORMAL_ID) | (chosen_inputs[random] >= VOCAB_SIZE)).any():
        return Feedback(False, "some random replacements are special tokens or outside the vocabulary.",
                        "draw them with torch.randint(5, vocab_size, ...): ids 0-4 are [PAD] [UNK] [CLS] [SEP] [MASK].")
    shares = [int(x.sum()) / total for x in (as_mask, random, kept)]
    # a random id equals the original one time in 995: the kept share is a little above 10%
    targets = [0.8, 0.1 * (1 - 1 / (VOCAB_SIZE - FIRST_NORMAL_ID)), 0.1 + 0.1 / (VOCAB_SIZE - FIRST_NORMAL_ID)]
    for share, target in zip(shares, targets, strict=True):
        if abs(share - target) > 4 * math.sqrt(target * (1 - target) / total):
            return Feedback(False, f"of {total:,} selected tokens you gave {shares[0]:.1%} [MASK], {shares[1]:.1%} "
                                   f"random, {shares[2]:.1%} kept; expected about 80% / 10% / 10%.",
                            _share_hint(*shares))
    if len(chosen_inputs[random].unique()) < 200:
        return Feedback(False, "the random replacements use only a few different ids.",
                        "each random position needs its own random id: torch.randint(5, vocab_size, input_ids.shape).")
    return Feedback(True, f"On {total:,} selected tokens the [MASK] / random / kept shares are within 4 sigma of "
                          "80/10/10, and the labels, the untouched positions and the seeding are right.")
