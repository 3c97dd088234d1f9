"""Training data: token ids packed into fixed-length blocks, and a batch order you can resume anywhere.

What it teaches:

- *Packing* (RoBERTa's FULL-SENTENCES, ``run_mlm.py``'s ``group_texts``): concatenate all lines, each followed by
  ``[SEP]``, and cut the stream into blocks of ``seq_len`` tokens that start with ``[CLS]``. No padding, so no
  compute is wasted. The concatenation uses ``itertools.chain``: ``sum(lists, [])`` copies the growing list at
  every step, which is quadratic and took minutes on real corpora (transformers PR #14472).
- *One line per sequence* (padding): simpler, each sequence is one sentence, but short lines waste compute on
  ``[PAD]``.
- *Packing whole lines, each attending only to itself*: as many complete ``[CLS] line [SEP]`` units as fit in a
  row, position ids restarting at 0 for each line, and attention kept within each line (Krell et al. 2021,
  "Efficient Sequence Packing without Cross-contamination"; transformers' ``DataCollatorWithFlattening``). Every
  line is trained exactly as it is later asked, without the padding.
  The three are ``packing="none" | "stream" | "lines"``.
- *A resumable order*: the order of the blocks in epoch ``e`` is a permutation seeded by ``(seed, e)``, so the
  batch at position ``p`` (the p-th micro-batch of the run) is a pure function of ``(seed, p)``. A resumed run
  only needs ``p`` to continue with exactly the batches the interrupted one would have seen.

What it simplifies: the whole tokenised corpus lives in memory as one tensor (fine for course-sized corpora;
``datasets`` memory-maps bigger ones); the last incomplete block and batch of an epoch are dropped.

Production twins: ``group_texts`` in transformers' ``examples/pytorch/language-modeling/run_mlm.py`` and the
Trainer's seeded ``RandomSampler``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch

from mlmcourse.errors import CourseError
from mlmcourse.progress import tqdm


def pack_sequences(token_lists: Iterable[Sequence[int]], seq_len: int, cls_id: int, sep_id: int) -> list[list[int]]:
    """Concatenate lines (each followed by ``sep_id``) and cut into blocks of ``seq_len`` starting with ``cls_id``.

    Linear time: ``itertools.chain`` streams the tokens, nothing is copied twice. The incomplete tail is dropped.

    >>> pack_sequences([[5, 6], [7], [8, 9, 10]], seq_len=4, cls_id=2, sep_id=3)
    [[2, 5, 6, 3], [2, 7, 3, 8], [2, 9, 10, 3]]
    """
    if seq_len < 2:
        raise CourseError(f"seq_len must be at least 2 ([CLS] and one token), got {seq_len}")
    stream = itertools.chain.from_iterable(itertools.chain(ids, (sep_id,)) for ids in token_lists)
    body = seq_len - 1  # tokens per block after [CLS]
    blocks = []
    while len(chunk := list(itertools.islice(stream, body))) == body:
        blocks.append([cls_id, *chunk])
    return blocks


def pad_sequences(
    token_lists: Iterable[Sequence[int]], seq_len: int, cls_id: int, sep_id: int, pad_id: int
) -> list[list[int]]:
    """One line per sequence: ``[CLS] ids [SEP]`` truncated to ``seq_len`` and right-padded with ``pad_id``.

    >>> pad_sequences([[5, 6], [7, 8, 9, 10]], seq_len=5, cls_id=2, sep_id=3, pad_id=0)
    [[2, 5, 6, 3, 0], [2, 7, 8, 9, 3]]
    """
    if seq_len < 3:
        raise CourseError(f"seq_len must be at least 3 ([CLS], one token, [SEP]), got {seq_len}")
    rows = []
    for ids in token_lists:
        row = [cls_id, *list(ids)[: seq_len - 2], sep_id]
        rows.append(row + [pad_id] * (seq_len - len(row)))
    return rows


def pack_lines(token_lists: Iterable[Sequence[int]], seq_len: int, cls_id: int, sep_id: int,
               pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Whole ``[CLS] line [SEP]`` units, in order, as many as fit per row; returns (rows, position_ids).

    Positions restart at 0 with every line (the model keeps each line's attention to itself); the rest of a
    row is padding, with position 0. A line longer than the row is cut to ``seq_len``.

    >>> rows, positions = pack_lines([[5, 6], [7], [8, 9, 10]], seq_len=7, cls_id=2, sep_id=3, pad_id=0)
    >>> rows
    [[2, 5, 6, 3, 2, 7, 3], [2, 8, 9, 10, 3, 0, 0]]
    >>> positions
    [[0, 1, 2, 3, 0, 1, 2], [0, 1, 2, 3, 4, 0, 0]]
    """
    if seq_len < 3:
        raise CourseError(f"seq_len must be at least 3 ([CLS], one token, [SEP]), got {seq_len}")
    rows: list[list[int]] = []
    positions: list[list[int]] = []
    row: list[int] = []
    for ids in token_lists:
        unit = [cls_id, *list(ids)[: seq_len - 2], sep_id]
        if len(row) + len(unit) > seq_len:  # close the row: pad it
            rows.append(row + [pad_id] * (seq_len - len(row)))
            positions.append(_restarting_positions(row, cls_id) + [0] * (seq_len - len(row)))
            row = []
        row += unit
    if row:
        rows.append(row + [pad_id] * (seq_len - len(row)))
        positions.append(_restarting_positions(row, cls_id) + [0] * (seq_len - len(row)))
    return rows, positions


def _restarting_positions(row: Sequence[int], cls_id: int) -> list[int]:
    """0, 1, 2, ... restarting at every ``cls_id``: ``[2, 5, 3, 2, 7, 3]`` with cls 2 -> ``[0, 1, 2, 0, 1, 2]``."""
    positions, position = [], 0
    for token in row:
        position = 0 if token == cls_id else position + 1
        positions.append(position)
    return positions


@dataclass
class Blocks:
    """Fixed-length training sequences: (num_blocks, seq_len) tensors."""

    input_ids: torch.Tensor  # (num_blocks, seq_len) long
    attention_mask: torch.Tensor  # (num_blocks, seq_len) long, 0 at padding
    special_tokens_mask: torch.Tensor  # (num_blocks, seq_len) long, 1 at [CLS] [SEP] [PAD]: never masked
    note: str = ""  # advice on the row length (one line per row only): lines cut, or rows mostly padding
    position_ids: torch.Tensor | None = None  # (num_blocks, seq_len) long, restarting per line (packing="lines")

    def __len__(self) -> int:
        return self.input_ids.size(0)

    def rows(self, indices: torch.Tensor) -> dict[str, torch.Tensor]:
        """The rows at ``indices`` as a batch dict."""
        batch = {"input_ids": self.input_ids[indices], "attention_mask": self.attention_mask[indices],
                 "special_tokens_mask": self.special_tokens_mask[indices]}
        if self.position_ids is not None:
            batch["position_ids"] = self.position_ids[indices]
        return batch


def tokenize_lines(tokenizer, texts: Sequence[str], chunk_size: int = 2_000, progress: bool = True) -> list[list[int]]:
    """Token ids of every line, without special tokens, in chunks (a fast tokenizer encodes a chunk in parallel)."""
    ids: list[list[int]] = []
    chunks = range(0, len(texts), chunk_size)
    for start in tqdm(chunks, desc="tokenizing", unit="chunk", disable=not progress or len(chunks) < 5):
        # verbose=False: no "longer than the maximum sequence length" warning; rows are cut (or packed) later
        encoded = tokenizer(list(texts[start:start + chunk_size]), add_special_tokens=False, verbose=False)
        ids.extend(encoded["input_ids"])
    return ids


PACKINGS = ("none", "stream", "lines")


def packing_name(packing: bool | str) -> str:
    """The packing mode, accepting the older booleans: True is ``"stream"``, False is ``"none"``.

    >>> packing_name(True), packing_name(False), packing_name("lines")
    ('stream', 'none', 'lines')
    """
    if isinstance(packing, bool):
        return "stream" if packing else "none"
    if packing not in PACKINGS:
        raise CourseError(f"packing must be one of {', '.join(PACKINGS)}, got {packing!r}: 'none' pads one line per "
                          "row, 'stream' concatenates lines into full rows, 'lines' packs whole lines that attend "
                          "only to themselves")
    return packing


def make_blocks(tokenizer, texts: Sequence[str], seq_len: int, packing: bool | str = "stream",
                progress: bool = True) -> Blocks:
    """Tokenise ``texts`` and turn them into :class:`Blocks` (packed as ``packing`` says, see the module doc)."""
    packing = packing_name(packing)
    for name in ("cls_token_id", "sep_token_id", "pad_token_id", "mask_token_id"):
        if getattr(tokenizer, name, None) is None:
            raise CourseError(f"the tokenizer has no {name.removesuffix('_id')}; a masked-LM tokenizer needs "
                              "[CLS], [SEP], [PAD] and [MASK] (see mlmcourse.tokenization.train_tokenizer)")
    token_lists = tokenize_lines(tokenizer, texts, progress=progress)
    cls_id, sep_id, pad_id = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    note, positions = "", None
    if packing == "stream":
        rows = pack_sequences(token_lists, seq_len, cls_id, sep_id)
    elif packing == "lines":
        rows, positions = pack_lines((ids for ids in token_lists if ids), seq_len, cls_id, sep_id, pad_id)
        cut = sum(len(ids) + 2 > seq_len for ids in token_lists if ids)
        if cut:
            note = (f"{cut:,} lines are longer than seq_len {seq_len} and lose their end; raise seq_len "
                    "or use packing='stream'")
    else:
        rows = pad_sequences((ids for ids in token_lists if ids), seq_len, cls_id, sep_id, pad_id)
        note = row_length_note([len(ids) + 2 for ids in token_lists if ids], seq_len)
    if not rows:
        total = sum(len(ids) for ids in token_lists)
        raise CourseError(f"{len(texts)} lines ({total} tokens) make no block of seq_len {seq_len}; "
                          "use more text or a smaller seq_len")
    input_ids = torch.tensor(rows, dtype=torch.long)  # (num_blocks, seq_len)
    special = (input_ids == cls_id) | (input_ids == sep_id) | (input_ids == pad_id)
    return Blocks(input_ids=input_ids, attention_mask=(input_ids != pad_id).long(),
                  special_tokens_mask=special.long(), note=note,
                  position_ids=None if positions is None else torch.tensor(positions, dtype=torch.long))


def row_length_note(lengths: Sequence[int], seq_len: int) -> str:
    """Advice when one line per row wastes work (rows mostly padding) or loses text (lines cut); else "".

    ``lengths`` are the lines' token counts with ``[CLS]`` and ``[SEP]``.

    >>> row_length_note([8, 9, 13], seq_len=24)
    'one line per row: 58% of the tokens in the 24-token rows are padding; the longest line has 13 tokens, so seq_len=13 (--seq-len 13) holds every line with less work'
    >>> row_length_note([8, 30], seq_len=16)
    'one line per row: 1 of 2 lines are longer than seq_len 16 and lose their end; raise seq_len or use packing'
    >>> row_length_note([15, 16], seq_len=16)
    ''
    >>> row_length_note([5, 6, 64], seq_len=64)  # mostly padding, but the longest line needs the whole row
    ''
    """
    if not lengths:
        return ""
    cut = sum(length > seq_len for length in lengths)
    if cut:
        return (f"one line per row: {cut:,} of {len(lengths):,} lines are longer than seq_len {seq_len} and lose their "
                "end; raise seq_len or use packing")
    padding = 1 - sum(lengths) / (len(lengths) * seq_len)
    if padding > 0.5 and max(lengths) <= 0.75 * seq_len:  # a clearly shorter row would hold every line
        return (f"one line per row: {padding:.0%} of the tokens in the {seq_len}-token rows are padding; the longest "
                f"line has {max(lengths)} tokens, so seq_len={max(lengths)} (--seq-len {max(lengths)}) holds every line "
                "with less work")
    return ""


class BatchOrder:
    """Which blocks form the micro-batch at ``position``: shuffled per epoch by ``(seed, epoch)``, resumable.

    >>> order = BatchOrder(num_examples=10, batch_size=4, seed=0)
    >>> order.batches_per_epoch, order.epoch_and_index(5)
    (2, (2, 1))
    """

    def __init__(self, num_examples: int, batch_size: int, seed: int) -> None:
        if batch_size < 1:
            raise CourseError(f"batch_size must be positive, got {batch_size}")
        if num_examples < batch_size:
            raise CourseError(f"the training data has {num_examples} sequences, fewer than one batch of "
                              f"{batch_size}; use a smaller batch size or more text")
        self.num_examples, self.batch_size, self.seed = num_examples, batch_size, seed
        self.batches_per_epoch = num_examples // batch_size  # the incomplete last batch is dropped
        self._cached_epoch, self._permutation = -1, torch.empty(0, dtype=torch.long)

    def epoch_and_index(self, position: int) -> tuple[int, int]:
        """(epoch, batch index within the epoch) of the ``position``-th micro-batch of the run."""
        return divmod(position, self.batches_per_epoch)

    def permutation(self, epoch: int) -> torch.Tensor:
        """The order of all blocks in ``epoch``: a pure function of ``(seed, epoch)``."""
        if epoch != self._cached_epoch:
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._cached_epoch, self._permutation = epoch, torch.randperm(self.num_examples, generator=generator)
        return self._permutation

    def indices(self, position: int) -> torch.Tensor:
        """Block indices of the ``position``-th micro-batch, shape (batch_size,)."""
        epoch, index = self.epoch_and_index(position)
        return self.permutation(epoch)[index * self.batch_size:(index + 1) * self.batch_size]


def masking_generator(seed: int, position: int) -> torch.Generator:
    """The random generator that masks the ``position``-th micro-batch: masks are reproducible on resume."""
    return torch.Generator().manual_seed((seed + 1) * 7_919 + position * 104_729)
