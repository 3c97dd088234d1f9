"""Tokenization: from text to the integer ids a masked language model reads, and back.

Modules, in the order notebook 02 reads them:
- ``normalization``: BERT's normaliser (clean, accents, lowercase) and pre-tokeniser (whitespace, punctuation);
- ``byte_level``: GPT-2's split and its bytes-as-printable-characters table;
- ``bpe``: byte-level BPE trained from scratch (``BPETokenizer``), matched merge for merge against ``tokenizers``;
- ``wordpiece``: WordPiece with the likelihood score (``WordPieceTokenizer``) and BERT's greedy encoder;
- ``fast``: ``train_tokenizer``: the same with the Rust ``tokenizers`` library, wrapped as a ``transformers``
  tokenizer with special tokens, ``[CLS] x [SEP]`` and ``word_ids()``;
- ``course``: ``course_tokenizer()``, the WordPiece vocabulary all later notebooks use;
- ``multilingual``: ``multilingual_tokenizer()`` for the multilingual toy world, and vocabularies learned from text
  sampled across languages (fertility per language as XLM-R's alpha moves).

``fast``, ``course`` and ``multilingual`` import ``transformers`` (slow to import), so they load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from mlmcourse.tokenization.bpe import BPETokenizer, merge
from mlmcourse.tokenization.wordpiece import SPECIAL_TOKENS, WordPieceTokenizer, greedy_longest_match

_LAZY = {
    "train_tokenizer": "mlmcourse.tokenization.fast",
    "special_tokens": "mlmcourse.tokenization.fast",
    "course_tokenizer": "mlmcourse.tokenization.course",
    "build_course_tokenizer": "mlmcourse.tokenization.course",
    "multilingual_tokenizer": "mlmcourse.tokenization.multilingual",
}

__all__ = ["SPECIAL_TOKENS", "BPETokenizer", "WordPieceTokenizer", "greedy_longest_match", "merge", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
