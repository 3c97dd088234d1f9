"""Masking for masked language modeling: which tokens to predict, and what the model sees there.

- :mod:`~mlmcourse.masking.core`: BERT's 80/10/10 recipe (``mask_tokens``, ``apply_80_10_10``, ``MaskingConfig``).
- :mod:`~mlmcourse.masking.strategies`: token, whole-word, span (SpanBERT) and exact-count selection.
- :mod:`~mlmcourse.masking.words`: where words start, for WordPiece and byte-level BPE alike.
- :mod:`~mlmcourse.masking.randomness`: dynamic (generator) vs static (hashed) random numbers.
- :mod:`~mlmcourse.masking.collator`: ``MLMCollator``, a vectorised drop-in for ``DataCollatorForLanguageModeling``.
- :mod:`~mlmcourse.masking.static`: pre-masked datasets (BERT) and reproducible evaluation masks.
- :mod:`~mlmcourse.masking.rates`: how much to mask, measured with the toy world's exact posterior.
"""

from __future__ import annotations

from mlmcourse.masking.collator import MLMCollator
from mlmcourse.masking.core import (
    IGNORE_INDEX,
    STRATEGIES,
    MaskingConfig,
    apply_80_10_10,
    check_probabilities,
    mask_tokens,
    replacement_candidates,
)
from mlmcourse.masking.static import eval_masks, static_mask_dataset
from mlmcourse.masking.strategies import select_exact, select_spans, select_tokens, select_whole_words
from mlmcourse.masking.words import word_ids_column

__all__ = [
    "IGNORE_INDEX", "STRATEGIES", "MLMCollator", "MaskingConfig", "apply_80_10_10", "check_probabilities",
    "eval_masks", "mask_tokens", "replacement_candidates", "select_exact", "select_spans",
    "select_tokens", "select_whole_words", "static_mask_dataset", "word_ids_column",
]
