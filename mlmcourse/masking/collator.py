"""The masking collator: pad a list of examples into a batch and mask it, with no Python loop over tokens.

Teaches: a data collator turns the examples a DataLoader picked into one batch. For masked language modeling it
pads the rows (:mod:`mlmcourse.padding`), then masks (:mod:`mlmcourse.masking.core`). Both steps are whole-array
operations: rows are flattened once (one C loop over all values), placed with one boolean assignment, and every
masking decision is a tensor comparison; "is this a special token" is a lookup in a table indexed by token id, not a
Python call per row.

Mirrors: ``transformers.DataCollatorForLanguageModeling``'s masked-LM path, as a drop-in (e.g. for
``Trainer(data_collator=...)``): the same arguments in the same order (``tokenizer, mlm, whole_word_mask,
mlm_probability, mask_replace_prob, random_replace_prob, pad_to_multiple_of, return_tensors, seed``), PyTorch or
NumPy out, a ``BatchEncoding`` for dict examples and a ``dict`` for lists of ids, the same shapes and dtypes.
``tests/test_collator_drop_in.py`` runs both on the library's own test cases. Deliberate differences:

- random replacements are never special tokens (the library may put ``[CLS]`` or ``[PAD]`` mid-sentence), unless
  every id of the vocabulary is special, where both draw from the whole vocabulary;
- special tokens are the tokenizer's and those of a given ``special_tokens_mask`` together (the library trusts a
  given mask alone);
- whole words come from ``word_ids``, else ``offset_mapping``, else the vocabulary (the library needs
  ``offset_mapping``); ``whole_word_mask=True`` replaces every token of a chosen word by the mask token, as the
  library does, while the course's ``strategy="whole_word"`` keeps 80/10/10 on them;
- the same distributions, not the same draws: a seed gives other masks than the library's with that seed;
- no causal-LM mode (``mlm=False`` is an error that names the class to use); negative token ids are an error.

Beyond the library: ``strategy="span"`` / ``"exact"``, static (per-example) masks, a dict of columns as input,
other per-token keys padded, strings passed through.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from transformers import BatchEncoding

from mlmcourse.errors import CourseError
from mlmcourse.masking.core import MaskingConfig, mask_batch, replacement_candidates
from mlmcourse.masking.randomness import GeneratorSource, HashSource, row_keys
from mlmcourse.masking.words import (
    lookup,
    starts_from_offsets,
    starts_from_vocabulary,
    starts_from_word_ids,
    word_start_table,
)
from mlmcourse.padding import pad_rows, real_positions

_CONSUMED = ("input_ids", "attention_mask", "special_tokens_mask", "word_ids", "offset_mapping", "labels")


class MLMCollator:
    """Pads and masks a list of examples for masked language modeling; a drop-in for the masked-LM path of
    ``DataCollatorForLanguageModeling`` (same arguments, same order; differences in the module docstring).

    Examples are a list of dicts (``input_ids``; optional ``attention_mask``, ``special_tokens_mask``,
    ``word_ids`` with -1 outside words, ``offset_mapping``, ``token_type_ids``, other keys), plain lists or
    tensors of ids, or a dict of columns (``dataset[:32]``). Returns ``input_ids``, ``attention_mask``,
    ``labels`` (-100 where nothing is predicted), the other per-token keys padded, and per-example numbers
    stacked, as PyTorch tensors (``return_tensors="pt"``) or NumPy arrays (``"np"``). Special tokens are never
    chosen nor used as random replacements.

    ``mlm_probability`` is also called ``mask_prob`` (the course's name); ``strategy`` is ``"token"``,
    ``"whole_word"`` (80/10/10 on whole words), ``"span"`` or ``"exact"``; ``whole_word_mask=True`` is the
    library's whole-word masking (every token of a chosen word becomes the mask token).

    Randomness: ``seed=None`` draws from torch's global generator; ``seed=S`` from a generator of its own (a
    reproducible stream, new masks at every call: dynamic masking). ``static=True`` makes each mask a function of
    ``(seed, the example's tokens)``: the same example gets the same mask in every epoch, in any batch, padded to
    any length (static masking; use it for evaluation, see :func:`eval_masks`).

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> tokenizer = course_tokenizer()  # [PAD] = 0, [CLS] = 2, [SEP] = 3, [MASK] = 4
    >>> rows = [tokenizer("the dog barked .")["input_ids"], tokenizer("hello")["input_ids"]]
    >>> rows
    [[2, 591, 187, 60, 5, 3], [2, 1616, 837, 3]]
    >>> batch = MLMCollator(tokenizer, mask_prob=0.5, seed=0)(rows)
    >>> batch["input_ids"].tolist()
    [[2, 591, 4, 4, 4, 3], [2, 1616, 4, 3, 0, 0]]
    >>> batch["labels"].tolist()
    [[-100, -100, 187, 60, 5, -100], [-100, -100, 837, -100, -100, -100]]
    """

    def __init__(self, tokenizer, mlm: bool = True, whole_word_mask: bool = False,
                 mlm_probability: float | None = 0.15, mask_replace_prob: float = 0.8,
                 random_replace_prob: float = 0.1, pad_to_multiple_of: int | None = None, return_tensors: str = "pt",
                 seed: int | None = None, *, strategy: str = "token", mask_prob: float | None = None,
                 static: bool = False, mean_span_length: float = 3.8, max_span_length: int = 10) -> None:
        if not mlm:
            raise CourseError("MLMCollator masks tokens for masked language modeling (mlm=True) only; for causal "
                              "language modeling labels use transformers.DataCollatorForLanguageModeling("
                              "tokenizer, mlm=False)")
        if getattr(tokenizer, "mask_token", None) is None or tokenizer.mask_token_id is None:
            raise CourseError(f"tokenizer {type(tokenizer).__name__} has no mask token, so masked language modeling "
                              "cannot show the model a [MASK]; add one with tokenizer.add_special_tokens("
                              "{'mask_token': '[MASK]'}) or use mlmcourse.tokenization.course_tokenizer()")
        _check_framework(return_tensors)
        if mask_prob is not None and mlm_probability not in (0.15, None, mask_prob):
            raise CourseError("give mask_prob or its Hugging Face name mlm_probability, not both with different "
                              "values")
        if pad_to_multiple_of is not None and (not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of < 1):
            raise CourseError(f"pad_to_multiple_of must be a positive int (e.g. 8) or None, got {pad_to_multiple_of!r}")
        mask_prob = mask_prob if mask_prob is not None else mlm_probability
        if whole_word_mask:  # the library's whole-word masking: every token of a chosen word becomes [MASK]
            if mask_replace_prob < 1:
                warnings.warn("whole_word_mask=True replaces every token of a chosen word by the mask token (no "
                              "random or kept tokens), as DataCollatorForLanguageModeling does; for 80/10/10 on "
                              "whole words use strategy='whole_word'", UserWarning, stacklevel=2)
            strategy, mask_replace_prob, random_replace_prob = "whole_word", 1.0, 0.0
        self.config = MaskingConfig(strategy, mask_prob, mask_replace_prob, random_replace_prob, mean_span_length,
                                    max_span_length)
        self.tokenizer = tokenizer
        self.mlm = True
        self.whole_word_mask = bool(whole_word_mask)
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors
        self.seed = seed
        self.static = static
        self.mask_token_id = int(tokenizer.mask_token_id)
        vocab_size = len(tokenizer)
        special_ids = torch.tensor(sorted(set(tokenizer.all_special_ids)), dtype=torch.long)
        self.is_special = torch.zeros(vocab_size, dtype=torch.bool)  # (vocab,) lookup table
        self.is_special[special_ids] = True
        # A vocabulary of special tokens only (a test fixture) leaves nothing else to draw: the library's rule.
        self.candidates = (range(vocab_size) if bool(self.is_special.all())
                           else replacement_candidates(vocab_size, special_ids))
        self._word_start_table: torch.Tensor | None = None
        self._generator: torch.Generator | None = None
        self._generator_pid: int | None = None

    @property
    def mask_prob(self) -> float:
        return self.config.mask_prob

    @property
    def mlm_probability(self) -> float:  # the Hugging Face name
        return self.config.mask_prob

    @property
    def strategy(self) -> str:
        return self.config.strategy

    def __repr__(self) -> str:
        c = self.config
        randomness = "static" if self.static else "dynamic"
        return (f"MLMCollator(strategy={c.strategy!r}, mask_prob={c.mask_prob}, mask/random/keep="
                f"{c.mask_replace_prob:g}/{c.random_replace_prob:g}/"
                f"{1 - c.mask_replace_prob - c.random_replace_prob:.2g}, seed={self.seed}, {randomness})")

    def generator(self) -> torch.Generator | None:
        """The collator's own generator when seeded (one per process; DataLoader workers add their id)."""
        if self.seed is None:
            return None
        if self._generator is None or self._generator_pid != os.getpid():
            worker = torch.utils.data.get_worker_info()
            self._generator = torch.Generator().manual_seed(self.seed + (worker.id if worker else 0))
            self._generator_pid = os.getpid()
        return self._generator

    def pad(self, features: Sequence[Any]) -> dict[str, Any]:
        """Pad the examples into tensors ``(batch, seq)`` without masking."""
        return self._pad(features)[0]

    def _pad(self, features: Sequence[Any], framework: str = "pt") -> tuple[dict[str, Any], bool]:
        """The padded batch, and whether every position is a real token (no padding, attention all ones)."""
        if isinstance(features, Mapping):  # columns, as dataset[:32] gives them
            if "input_ids" not in features:
                raise CourseError(f"the batch needs an 'input_ids' column; got {sorted(features)}")
            columns = {key: list(values) for key, values in features.items()}
        elif len(features) == 0:
            raise CourseError("MLMCollator expects a non-empty list of examples (dicts with 'input_ids', or lists "
                              "or tensors of token ids), as a DataLoader hands to its collate_fn")
        elif isinstance(features[0], Mapping):
            if "input_ids" not in features[0]:
                raise CourseError(f"each example needs 'input_ids'; got keys {sorted(features[0])}. Tokenize first, "
                                  "e.g. dataset.map(lambda batch: tokenizer(batch['text']), batched=True)")
            columns = {key: [feature[key] for feature in features] for key in features[0]}
        else:
            columns = {"input_ids": list(features)}
        lengths = list(map(len, columns["input_ids"]))
        length = max(lengths)
        if self.pad_to_multiple_of:
            length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
        needs_padding = min(lengths) != length
        pad_id = self.tokenizer.pad_token_id
        if needs_padding and pad_id is None:
            raise CourseError("the examples have different lengths but the tokenizer has no pad token; set one, "
                              "e.g. tokenizer.pad_token = tokenizer.eos_token")
        side = getattr(self.tokenizer, "padding_side", "right")

        def padded(key: str, value: int, dtype: type = np.int64) -> torch.Tensor:
            return torch.from_numpy(pad_rows(columns[key], value, length, side, dtype, lengths))

        batch: dict[str, Any] = {"input_ids": padded("input_ids", pad_id if needs_padding else 0)}
        masks = columns.get("attention_mask")
        all_real = False
        if masks is not None and not (isinstance(masks[0], list) and all(map(all, masks))):
            batch["attention_mask"] = padded("attention_mask", 0)
        elif needs_padding:  # 1 on the real tokens
            batch["attention_mask"] = torch.from_numpy(real_positions(lengths, length, side)).long()
        else:  # every token is real (checking the lists in Python is cheaper than converting them)
            batch["attention_mask"] = torch.ones(len(lengths), length, dtype=torch.long)
            all_real = True
        if "special_tokens_mask" in columns:
            batch["special_tokens_mask"] = padded("special_tokens_mask", 1, np.bool_)
        for key, value in (("word_ids", -1), ("offset_mapping", 0)):
            if key in columns:
                batch[key] = padded(key, value)
        for key, rows_of_key in columns.items():
            if key in _CONSUMED:
                continue
            first = rows_of_key[0]
            scalar = isinstance(first, int | float | bool | np.number) or getattr(first, "ndim", None) == 0
            if not scalar and isinstance(first, Sequence | np.ndarray | torch.Tensor) and not isinstance(first, str):
                if list(map(len, rows_of_key)) == lengths:  # one value per token: pad it too
                    pad_value = getattr(self.tokenizer, "pad_token_type_id", 0) if key == "token_type_ids" else 0
                    batch[key] = padded(key, pad_value)
                    continue
            if scalar:  # per-example numbers (a sentence label): stacked as the library's tokenizer.pad stacks them
                if isinstance(first, torch.Tensor | np.ndarray):
                    rows_of_key = [value.item() for value in rows_of_key]
                batch[key] = torch.tensor(rows_of_key) if framework == "pt" else np.asarray(rows_of_key)
            else:
                batch[key] = rows_of_key  # strings and other values pass through as a list
        return batch, all_real

    def word_starts(self, batch: dict[str, Any], special: torch.Tensor) -> torch.Tensor:
        """Where words start ``(batch, seq)``: from ``word_ids``, else ``offset_mapping``, else the vocabulary."""
        if "word_ids" in batch:
            return starts_from_word_ids(batch["word_ids"])
        if "offset_mapping" in batch:
            return starts_from_offsets(batch["offset_mapping"], special)
        if self._word_start_table is None:
            self._word_start_table = word_start_table(self.tokenizer)
        input_ids = batch["input_ids"]
        return starts_from_vocabulary(input_ids, special, _grown(self._word_start_table, input_ids, True))

    def __call__(self, features: Sequence[Any], return_tensors: str | None = None) -> dict[str, Any]:
        """Pad and mask ``features``; ``return_tensors`` ("pt" or "np") overrides the collator's own choice."""
        framework = _check_framework(return_tensors or self.return_tensors)
        batch, all_real = self._pad(features, framework)
        input_ids = batch["input_ids"]  # (batch, seq)
        if int(input_ids.min()) < 0:
            raise CourseError(f"token ids must be 0 or more, found {int(input_ids.min())}: were the examples "
                              "padded with -100 (a label value) instead of the pad token?")
        # Ids past the tokenizer's vocabulary (a model's embedding padded to a round size) are ordinary tokens.
        special = lookup(_grown(self.is_special, input_ids, False), input_ids)  # (batch, seq) never chosen
        if not all_real:
            special |= batch["attention_mask"] == 0
        if "special_tokens_mask" in batch:
            special |= batch.pop("special_tokens_mask")
        word_starts = self.word_starts(batch, special) if self.strategy in ("whole_word", "span") else None
        batch.pop("word_ids", None)
        batch.pop("offset_mapping", None)
        if self.static:
            source = HashSource(row_keys(input_ids, batch["attention_mask"]), self.seed or 0)
        else:
            source = GeneratorSource(self.generator())
        batch["input_ids"], batch["labels"] = mask_batch(input_ids, ~special, self.config, self.mask_token_id,
                                                         self.candidates, source, word_starts)
        if framework == "np":
            batch = {key: value.numpy() if isinstance(value, torch.Tensor) else value for key, value in batch.items()}
        # As the library: a BatchEncoding (tokenizer.pad's type) for dict examples, a plain dict for lists of ids.
        is_dicts = isinstance(features, Mapping) or isinstance(features[0], Mapping)
        return BatchEncoding(batch) if is_dicts else batch

    def torch_call(self, features: Sequence[Any]) -> dict[str, Any]:
        """``self(features, return_tensors="pt")``, under the library's name."""
        return self(features, return_tensors="pt")

    def numpy_call(self, features: Sequence[Any]) -> dict[str, Any]:
        """``self(features, return_tensors="np")``, under the library's name."""
        return self(features, return_tensors="np")


def _check_framework(return_tensors: str) -> str:
    if return_tensors not in ("pt", "np"):
        raise CourseError(f"return_tensors must be 'pt' (PyTorch) or 'np' (NumPy), got {return_tensors!r}")
    return return_tensors


def _grown(table: torch.Tensor, input_ids: torch.Tensor, fill: bool) -> torch.Tensor:
    """``table`` extended with ``fill`` up to the largest id in ``input_ids`` (the table itself when it covers them).

    >>> _grown(torch.tensor([True, False]), torch.tensor([[0, 3]]), False).tolist()
    [True, False, False, False]
    """
    needed = int(input_ids.max()) + 1 if input_ids.numel() else 0
    if needed <= len(table):
        return table
    return torch.cat([table, torch.full((needed - len(table),), fill, dtype=table.dtype)])
