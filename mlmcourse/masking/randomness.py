"""Where masking's random numbers come from: a generator (dynamic masks) or a hash (static masks).

Teaches: dynamic masking (RoBERTa: a new mask every time a sequence is seen) and static masking (BERT, d2l:
one mask per sequence, fixed) differ only in where the random numbers come from. Every masking strategy in
this package consumes uniform numbers in [0, 1) of shape ``(batch, seq)``; a *source* hands them out:

- :class:`GeneratorSource` draws them from a ``torch.Generator`` (or the global one): dynamic masking.
- :class:`HashSource` computes them from ``(seed, example key, position, stream)`` with an integer hash, so a
  sequence gets the same mask whatever batch it lands in, whatever its position and padding: static masks
  and reproducible evaluation masks, vectorised.

Simplifies: the hash is a 32-bit integer mixer (Wellons' "lowbias32"), fine for masking statistics, not for
cryptography. Mirrors: counter-based random number generators (Philox, as in JAX's ``random.fold_in``).
"""

from __future__ import annotations

import torch

from mlmcourse.errors import CourseError

_LOW32 = 0xFFFFFFFF


def _mul32(values: torch.Tensor, constant: int) -> torch.Tensor:
    """(values * constant) mod 2**32 for int64 tensors holding 32-bit values, without int64 overflow."""
    low = values * (constant & 0xFFFF)  # < 2**48
    high = (values * (constant >> 16)) & 0xFFFF  # only the bits that survive the shift below
    return (low + (high << 16)) & _LOW32


def mix32(values: torch.Tensor) -> torch.Tensor:
    """Scramble 32-bit integers (int64 tensor, values in [0, 2**32)) into uniform-looking 32-bit integers.

    A bijection on 32-bit integers (xor-shifts and odd multiplications), so distinct inputs stay distinct.

    >>> mix32(torch.tensor([0, 1, 2])).tolist()
    [0, 1753845952, 3507691905]
    """
    values = values & _LOW32
    values = values ^ (values >> 16)
    values = _mul32(values, 0x7FEB352D)
    values = values ^ (values >> 15)
    values = _mul32(values, 0x846CA68B)
    return values ^ (values >> 16)


def _mix32_int(value: int) -> int:
    """:func:`mix32` for one Python integer (no tensor ops for a scalar)."""
    value ^= value >> 16
    value = (value * 0x7FEB352D) & _LOW32
    value ^= value >> 15
    value = (value * 0x846CA68B) & _LOW32
    return value ^ (value >> 16)


def row_keys(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """One 32-bit key per row from its real (non-padding) tokens: equal sequences get equal keys.

    Each real token is hashed together with its position among the real tokens, then the hashes are summed,
    so right or left padding does not change the key.

    >>> ids = torch.tensor([[5, 6, 0], [5, 6, 7]])
    >>> keys = row_keys(ids, torch.tensor([[1, 1, 0], [1, 1, 1]]))
    >>> bool(keys[0] == row_keys(torch.tensor([[0, 5, 6]]), torch.tensor([[0, 1, 1]]))[0]), bool(keys[0] == keys[1])
    (True, False)
    """
    real = attention_mask.bool()  # (batch, seq)
    position = real.long().cumsum(dim=1)  # 1-based position among real tokens
    token_hash = mix32(mix32(input_ids.long()) ^ position)  # (batch, seq)
    return mix32((token_hash * real).sum(dim=1) & _LOW32)  # (batch,)


def hash_uniform(keys: torch.Tensor, length: int, seed: int, stream: int) -> torch.Tensor:
    """Uniform numbers in [0, 1), shape ``(len(keys), length)``, a pure function of (seed, key, position, stream).

    >>> a = hash_uniform(torch.tensor([7, 8]), 4, seed=0, stream=1)
    >>> bool(torch.equal(a[:, :2], hash_uniform(torch.tensor([7, 8]), 2, seed=0, stream=1))), a.shape
    (True, torch.Size([2, 4]))
    """
    positions = torch.arange(length, dtype=torch.long)  # (length,)
    salt = _mix32_int((seed * 1_000_003 + stream * 7_919) & _LOW32)
    bits = mix32(mix32(keys.long() ^ salt)[:, None] + positions[None, :])  # (batch, length)
    return (bits >> 8).float() / float(1 << 24)  # 24 bits: exactly representable floats below 1.0


class GeneratorSource:
    """Uniform numbers from a ``torch.Generator`` (``None``: torch's global generator): dynamic masking."""

    def __init__(self, generator: torch.Generator | None = None) -> None:
        self.generator = generator

    def uniform(self, shape: tuple[int, int], stream: int) -> torch.Tensor:
        del stream  # successive draws from the generator are independent already
        return torch.rand(shape, generator=self.generator)


class HashSource:
    """Uniform numbers that depend only on (seed, row key, position, stream): static / evaluation masks."""

    def __init__(self, keys: torch.Tensor, seed: int = 0) -> None:
        self.keys = keys  # (batch,)
        self.seed = int(seed)

    def uniform(self, shape: tuple[int, int], stream: int) -> torch.Tensor:
        if shape[0] != len(self.keys):
            raise CourseError(f"HashSource has {len(self.keys)} row keys but {shape[0]} rows were asked for")
        return hash_uniform(self.keys, shape[1], self.seed, stream)
