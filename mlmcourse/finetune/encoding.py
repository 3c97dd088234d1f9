"""From labelled texts to padded batches: token ids, and for tagging, word labels moved onto tokens.

What it teaches: a classifier reads token ids, but a tag belongs to a *word*, and a word may be several tokens
("trumpeted" -> ``t ##rum ##pet ##ed`` or ``Ġt rum pet ed``). The usual rule (BERT's NER recipe) puts the word's
label on its first token and ``-100`` (ignored by the loss and the scores) on the others and on special tokens.
Which word a token belongs to comes from its character offsets, which every fast tokenizer reports, whatever
marks its word boundaries (``##``, ``Ġ`` or ``▁``).

What it simplifies: words are whitespace-separated; batches are padded on the right to their longest row.

Production twin: ``tokenize_and_align_labels`` in transformers' ``run_ner.py`` (which uses ``word_ids()``),
and ``DataCollatorWithPadding`` / ``DataCollatorForTokenClassification``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

IGNORE_INDEX = -100


def word_of_each_char(text: str) -> list[int]:
    """For each character of ``text``, the index of the whitespace-separated word it is in; -1 for whitespace.

    >>> word_of_each_char("a dog .")
    [0, -1, 1, 1, 1, -1, 2]
    """
    words, current, previous_space = [], -1, True
    for char in text:
        if char.isspace():
            words.append(-1)
            previous_space = True
        else:
            if previous_space:
                current += 1
            words.append(current)
            previous_space = False
    return words


def token_words(text: str, offsets: Sequence[tuple[int, int]]) -> list[int | None]:
    """The word index of every token from its character ``offsets``; None for special tokens (offsets (0, 0)).

    A token's word is the word of its first non-space character; a token that is only a space (SentencePiece's
    lone ``▁``) belongs to the word that follows it.

    >>> token_words("a dogs", [(0, 0), (0, 1), (2, 5), (5, 6), (0, 0)])  # [CLS] a dog ##s [SEP]
    [None, 0, 1, 1, None]
    """
    char_words = word_of_each_char(text)
    result: list[int | None] = []
    for start, end in offsets:
        if start == end:
            result.append(None)
            continue
        word = next((char_words[i] for i in range(start, len(char_words)) if char_words[i] >= 0), None)
        result.append(word)
    return result


def first_token_labels(words: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """Each word's label on its first token, ``-100`` on its other tokens and on special tokens.

    >>> first_token_labels([None, 0, 1, 1, None], word_labels=[3, 5])
    [-100, 3, 5, -100, -100]
    """
    labels, previous = [], None
    for word in words:
        if word is None or word == previous or word >= len(word_labels):
            labels.append(IGNORE_INDEX)
        else:
            labels.append(word_labels[word])
        previous = word if word is not None else previous
    return labels


def encode_texts(tokenizer, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of each text with the model's special tokens, cut to ``max_length``."""
    return tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]


def encode_tagged(tokenizer, texts: Sequence[str], word_labels: Sequence[Sequence[int]], max_length: int
                  ) -> tuple[list[list[int]], list[list[int]]]:
    """Token ids and token labels (first token of each word labelled, the rest -100) for tagging tasks."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length, return_offsets_mapping=True)
    token_labels = []
    for text, offsets, labels in zip(texts, encoded["offset_mapping"], word_labels, strict=True):
        token_labels.append(first_token_labels(token_words(text, offsets), labels))
    return encoded["input_ids"], token_labels


def collate(rows: Sequence[Sequence[int]], labels: Sequence, pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad ``rows`` into ``input_ids`` / ``attention_mask`` and stack the ``labels`` (per row, or per token:
    padded with -100).

    >>> batch = collate([[2, 7, 3], [2, 3]], [1, 0], pad_id=0)
    >>> batch["input_ids"].tolist(), batch["attention_mask"].tolist(), batch["labels"].tolist()
    ([[2, 7, 3], [2, 3, 0]], [[1, 1, 1], [1, 1, 0]], [1, 0])
    """
    length = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), length), pad_id, dtype=torch.long)  # (batch, seq)
    attention_mask = torch.zeros((len(rows), length), dtype=torch.long)  # (batch, seq)
    for i, row in enumerate(rows):
        input_ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
        attention_mask[i, :len(row)] = 1
    if labels and isinstance(labels[0], (list, tuple)):  # token labels: (batch, seq), -100 on padding
        label_tensor = torch.full((len(rows), length), IGNORE_INDEX, dtype=torch.long)
        for i, row_labels in enumerate(labels):
            label_tensor[i, :len(row_labels)] = torch.tensor(row_labels, dtype=torch.long)
    else:
        label_tensor = torch.tensor(list(labels), dtype=torch.long)  # (batch,)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_tensor}
