"""Masked batches for training (a fresh mask every time) and for evaluation (one fixed, seeded mask).

What it teaches: training uses *dynamic* masking (RoBERTa): the micro-batch at position ``p`` of the run is masked
with a generator seeded by ``(seed, p)``, so every epoch sees new masks and a resumed run re-creates exactly the
masks the interrupted one would have drawn. Evaluation uses one *fixed* mask, drawn once from a seeded generator:
the validation loss then changes only because the model changed, never because the mask did.

What it simplifies: whole-word boundaries come from the vocabulary (``##`` pieces continue a word), because
packed blocks no longer know which line a token came from.

Production twins: ``DataCollatorForLanguageModeling`` (dynamic masks from the global generator) and its ``seed``
argument; the masking itself is :func:`mlmcourse.masking.core.mask_batch`.
"""

from __future__ import annotations

import torch

from mlmcourse.masking.core import MaskingConfig, mask_batch, replacement_candidates
from mlmcourse.masking.randomness import GeneratorSource
from mlmcourse.masking.words import starts_from_vocabulary, word_start_table
from mlmcourse.training.data import Blocks

IGNORE_INDEX = -100


class BatchMasker:
    """Turns rows of :class:`~mlmcourse.training.data.Blocks` into ``input_ids / attention_mask / labels``."""

    def __init__(self, tokenizer, strategy: str = "token", mask_prob: float = 0.15) -> None:
        self.config = MaskingConfig(strategy=strategy, mask_prob=mask_prob)
        self.mask_token_id = tokenizer.mask_token_id
        # Random replacements never produce [CLS], [SEP], [PAD] or [MASK].
        self.candidates = replacement_candidates(len(tokenizer), tokenizer.all_special_ids)
        self.word_starts_table = word_start_table(tokenizer) if strategy in ("whole_word", "span") else None

    def __call__(self, rows: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
        input_ids, special = rows["input_ids"], rows["special_tokens_mask"].bool()  # (batch, seq)
        word_starts = None
        if self.word_starts_table is not None:
            word_starts = starts_from_vocabulary(input_ids, special, self.word_starts_table)
        inputs, labels = mask_batch(input_ids, ~special, self.config, self.mask_token_id, self.candidates,
                                    GeneratorSource(generator), word_starts)
        batch = {"input_ids": inputs, "attention_mask": rows["attention_mask"], "labels": labels}
        if "position_ids" in rows:  # packed lines: the model keeps each line's attention to itself
            batch["position_ids"] = rows["position_ids"]
        return batch


def make_eval_batches(blocks: Blocks, masker: BatchMasker, batch_size: int, num_sequences: int,
                      seed: int) -> list[dict[str, torch.Tensor]]:
    """The first ``num_sequences`` validation blocks, masked once with a generator seeded by ``seed``.

    Calling it twice with the same arguments gives identical batches (the evaluation mask is fixed).
    """
    count = min(num_sequences, len(blocks))
    rows = blocks.rows(torch.arange(count))
    masked = masker(rows, torch.Generator().manual_seed(10_007 * (seed + 1)))
    return [{name: tensor[start:start + batch_size] for name, tensor in masked.items()}
            for start in range(0, count, batch_size)]


def count_predicted(batch: dict[str, torch.Tensor]) -> int:
    """How many positions of a batch carry a label.

    >>> count_predicted({"labels": torch.tensor([[-100, 7, -100], [5, -100, 9]])})
    3
    """
    return int((batch["labels"] != IGNORE_INDEX).sum())
