"""Which tokens start a word: the input whole-word and span masking need, for WordPiece and byte-level BPE.

Teaches: a "word" for masking is a run of tokens that the tokenizer cut out of one pre-token. Whole-word masking
needs, for every token, whether it starts a new word; the rest follows with a cumulative max (see
:func:`word_start_positions`). Three ways to know, best first:

1. ``word_ids`` from a fast tokenizer's ``encoding.word_ids()`` (``None`` for special tokens, stored as -1):
   correct for every tokenizer kind (WordPiece ``##`` pieces and byte-level BPE ``Ġ`` pieces alike).
2. ``offset_mapping``: a token continues a word when it starts exactly where the previous one ended (what
   ``DataCollatorForLanguageModeling(whole_word_mask=True)`` does). Punctuation glued to a word ("dog.")
   counts as part of it.
3. The vocabulary alone (:func:`word_start_table`): WordPiece pieces that start with ``##`` and byte-level BPE
   pieces that do not start with ``Ġ`` continue a word. Needs nothing stored with the data.

The old ``DataCollatorForWholeWordMask`` only knew ``##`` (transformers #11768): for RoBERTa it treated every
piece as a word. Simplifies: no language-specific word segmentation (Chinese WWM uses an external segmenter).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from mlmcourse.errors import CourseError


def starts_from_word_ids(word_ids: torch.Tensor) -> torch.Tensor:
    """True where a token starts a word, from word ids (-1 for tokens outside any word, e.g. specials).

    >>> starts_from_word_ids(torch.tensor([[-1, 0, 0, 1, 2, 2, -1]])).int().tolist()
    [[0, 1, 0, 1, 1, 0, 0]]
    """
    previous = torch.nn.functional.pad(word_ids, (1, 0), value=-1)[:, :-1]  # (batch, seq)
    return (word_ids != -1) & (word_ids != previous)


def starts_from_offsets(offsets: torch.Tensor, special: torch.Tensor) -> torch.Tensor:
    """True where a token starts a word, from character offsets ``(batch, seq, 2)``: a gap before it, or a
    special token before it.

    >>> offsets = torch.tensor([[[0, 0], [0, 3], [4, 7], [7, 8], [0, 0]]])  # [CLS] the dog . [SEP]
    >>> starts_from_offsets(offsets, torch.tensor([[1, 0, 0, 0, 1]])).int().tolist()
    [[0, 1, 1, 0, 0]]
    """
    special = special.bool()
    previous_end = torch.nn.functional.pad(offsets[:, :, 1], (1, 0), value=-1)[:, :-1]  # (batch, seq)
    previous_special = torch.nn.functional.pad(special, (1, 0), value=True)[:, :-1]
    return ~special & ((offsets[:, :, 0] != previous_end) | previous_special)


def word_start_table(tokenizer) -> torch.Tensor:
    """A bool per vocabulary id: can this token start a word? ``(vocab,)``; read from the tokenizer's pieces.

    WordPiece: every piece except ``##...``; byte-level BPE: pieces starting with ``Ġ`` (a space);
    SentencePiece-style: pieces starting with ``▁``. Special tokens: False.

    Example: a WordPiece vocabulary ``[PAD] [UNK] [CLS] [SEP] [MASK] dog ##s`` gives
    ``[False, False, False, False, False, True, False]``.
    """
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))  # added tokens included
    model = getattr(getattr(tokenizer, "backend_tokenizer", None), "model", None)
    prefix = getattr(model, "continuing_subword_prefix", None)
    if prefix:  # WordPiece (or BPE trained with a continuation prefix)
        starts = [not piece.startswith(prefix) for piece in pieces]
    elif any(piece.startswith("Ġ") for piece in pieces):  # byte-level BPE (GPT-2, RoBERTa)
        starts = [piece.startswith("Ġ") for piece in pieces]
    elif any(piece.startswith("▁") for piece in pieces):  # SentencePiece / Metaspace
        starts = [piece.startswith("▁") for piece in pieces]
    else:
        raise CourseError(
            "cannot tell from this tokenizer's vocabulary which pieces start a word (no '##' prefix, no 'Ġ' or "
            "'▁' pieces); give each example a 'word_ids' list (encoding.word_ids(), None -> -1) or an "
            "'offset_mapping' (tokenize with return_offsets_mapping=True)"
        )
    table = torch.tensor(starts, dtype=torch.bool)
    table[list(tokenizer.all_special_ids)] = False
    return table


def starts_from_vocabulary(input_ids: torch.Tensor, special: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """True where a token starts a word, from the vocabulary table; the first token after a special starts one.

    >>> table = torch.tensor([False, True, False])  # 0 = [CLS], 1 = "dog", 2 = "##s"
    >>> starts_from_vocabulary(torch.tensor([[0, 2, 1, 2]]), torch.tensor([[1, 0, 0, 0]]), table).int().tolist()
    [[0, 1, 1, 0]]
    """
    special = special.bool()
    previous_special = torch.nn.functional.pad(special, (1, 0), value=True)[:, :-1]  # (batch, seq)
    return ~special & (lookup(table, input_ids) | previous_special)


def lookup(table: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """``table[ids]`` for a 1-d table, via ``index_select``: advanced indexing can be 100x slower on small
    tensors when torch's threads compete with other processes for the cores.

    >>> lookup(torch.tensor([10, 11, 12]), torch.tensor([[2, 0], [1, 1]])).tolist()
    [[12, 10], [11, 11]]
    """
    return table.index_select(0, ids.reshape(-1)).view(ids.shape)


def word_start_positions(word_starts: torch.Tensor) -> torch.Tensor:
    """For every token, the position of the first token of its word (cummax trick); 0 before any word.

    >>> word_start_positions(torch.tensor([[False, True, False, True, True, False]])).tolist()
    [[0, 1, 1, 3, 4, 4]]
    """
    positions = torch.arange(word_starts.shape[1]).expand_as(word_starts)  # (batch, seq)
    return torch.where(word_starts, positions, 0).cummax(dim=1).values


def word_ids_column(word_ids: Sequence[Sequence[int | None]]) -> list[list[int]]:
    """``encoding.word_ids()`` lists with ``None`` replaced by -1, ready for a dataset column or a tensor.

    >>> word_ids_column([[None, 0, 0, 1, None]])
    [[-1, 0, 0, 1, -1]]
    """
    return [[-1 if word is None else word for word in row] for row in word_ids]
