"""Fill-mask inference: the records of ``pipeline("fill-mask")``, computed in batches.

Teaches: what the fill-mask pipeline does after the model has run. Tokenize, find the mask positions, turn the
logits *at those positions* into probabilities (softmax over the vocabulary), keep the top k, and write each
candidate back into the sentence. With several masks in one text every mask gets its own, independent top-k:
the model scores each blank given the others still masked, it does not search over joint fillings.
Simplifies: no ``tokenizer_kwargs``; a text longer than the model's positions is an error, not a truncation.
Mirrors: ``transformers.pipelines.fill_mask.FillMaskPipeline`` (``preprocess``, ``postprocess``,
``get_target_ids``); same records, same nesting, same sequence decoding. Faster because texts are padded into
batches, the vocabulary-sized head runs only at mask positions (see :mod:`mlmcourse.inference.logits`), and the
softmax/top-k run once per batch instead of once per text.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from mlmcourse.errors import CourseError

MASK_SPELLINGS = re.compile(r"<mask>|\[mask\]", flags=re.IGNORECASE)

Record = dict[str, Any]  # {"score": float, "token": int, "token_str": str, "sequence": str}


def normalize_mask(text: str, tokenizer: Any) -> str:
    """Rewrite ``<mask>`` / ``[MASK]`` (any case) as the tokenizer's own mask token.

    ``tokenizer`` is a Hugging Face tokenizer or the mask token itself as a string.

    >>> normalize_mask("The <mask> barked at me.", "[MASK]")
    'The [MASK] barked at me.'
    >>> normalize_mask("Paris is the [MASK] of France.", "<mask>")
    'Paris is the <mask> of France.'
    """
    mask_token = tokenizer if isinstance(tokenizer, str) else getattr(tokenizer, "mask_token", None)
    if not mask_token:
        raise CourseError("this tokenizer has no mask token, so it cannot be used for fill-mask; "
                          "use a masked-language-model tokenizer (BERT's [MASK], RoBERTa's <mask>).")
    if not isinstance(text, str):
        raise CourseError(f"expected a text (str), got {type(text).__name__}: {text!r}")
    normalized = MASK_SPELLINGS.sub(lambda _: mask_token, text)
    if mask_token not in normalized:
        raise CourseError(f"no mask token found in {text!r}; write <mask> or [MASK] where a word is missing, "
                          "e.g. 'The <mask> barked at me.'")
    return normalized


def target_token_ids(tokenizer: Any, targets: str | Sequence[str]) -> list[int]:
    """The vocabulary ids to score when ``targets`` restricts the candidates (as the pipeline chooses them).

    A target in the vocabulary is used as is; otherwise its first token is used, with a warning (the pipeline
    logs the same warning). Duplicates collapse, in the pipeline's order.

    >>> from types import SimpleNamespace
    >>> tokenizer = SimpleNamespace(get_vocab=lambda: {"dog": 7, "cat": 9})
    >>> target_token_ids(tokenizer, ["dog", "cat", "dog"])
    [9, 7]
    """
    if isinstance(targets, str):
        targets = [targets]
    vocab = tokenizer.get_vocab()
    ids = []
    for target in targets:
        token_id = vocab.get(target)
        if token_id is None:
            pieces = tokenizer(target, add_special_tokens=False, return_attention_mask=False,
                               return_token_type_ids=False, max_length=1, truncation=True)["input_ids"]
            if not pieces:
                warnings.warn(f"The target `{target}` does not exist in the model vocabulary and tokenizes to "
                              "nothing; ignoring it.", stacklevel=3)
                continue
            token_id = pieces[0]
            warnings.warn(f"The target `{target}` does not exist in the model vocabulary. Replacing it with "
                          f"`{tokenizer.convert_ids_to_tokens(token_id)}` (its first token).", stacklevel=3)
        ids.append(token_id)
    ids = list(set(ids))  # the pipeline's order: ties in the top-k then break the same way
    if not ids:
        raise CourseError(f"none of the targets {list(targets)!r} maps to a token; pass words from the vocabulary.")
    return ids


def softmax_top_k(logits: np.ndarray, top_k: int, candidate_ids: Sequence[int] | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities over the whole vocabulary, then the ``top_k`` best (restricted to ``candidate_ids``).

    logits (num_masks, vocab) -> (scores (num_masks, k), token ids (num_masks, k)), best first.

    >>> scores, ids = softmax_top_k(np.log(np.array([[0.1, 0.6, 0.3]], dtype=np.float32)), top_k=2)
    >>> scores.astype(float).round(3).tolist(), ids.tolist()
    ([[0.6, 0.3]], [[1, 2]])
    """
    logits = np.asarray(logits, dtype=np.float32)
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))  # (num_masks, vocab)
    probs = exp / exp.sum(axis=-1, keepdims=True)  # (num_masks, vocab)
    columns = np.arange(probs.shape[-1]) if candidate_ids is None else np.asarray(candidate_ids)
    probs = probs[:, columns]  # (num_masks, num_candidates)
    top_k = min(top_k, probs.shape[-1])
    best = np.argpartition(-probs, top_k - 1, axis=-1)[:, :top_k]  # (num_masks, k), unordered
    order = np.argsort(-np.take_along_axis(probs, best, axis=-1), axis=-1, kind="stable")
    best = np.take_along_axis(best, order, axis=-1)  # (num_masks, k), best first
    return np.take_along_axis(probs, best, axis=-1), columns[best]


def fill_mask(
    model: Any,
    tokenizer: Any,
    texts: str | Sequence[str],
    top_k: int = 5,
    targets: str | Sequence[str] | None = None,
    batch_size: int = 32,
    progress: bool | None = None,
) -> list:
    """Predict the masked words of one or several texts: the records of ``pipeline("fill-mask")``.

    Each record is ``{"score", "token", "token_str", "sequence"}``. Nesting, as the pipeline returns it:
    one text with one mask -> a list of ``top_k`` records; one text with several masks -> a list (one per mask)
    of such lists; several texts -> a list with one of those per text (a list holding a single text gives the
    same as that text, as in the pipeline). Write the mask as ``<mask>`` or ``[MASK]``. ``model`` is any
    Hugging Face-compatible masked LM (or our ``MaskedLM``, or the NumPy engine of the command line).
    ``progress``: a progress bar; by default only when there are 10 batches or more.

    >>> fill_mask(model, tokenizer, "The <mask> barked at me.", top_k=1)  # doctest: +SKIP
    [{'score': 0.97, 'token': 1043, 'token_str': 'dog', 'sequence': 'the dog barked at me.'}]
    """
    from mlmcourse.inference.logits import logits_at_positions, max_positions
    from mlmcourse.padding import pad_with_mask

    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
        raise CourseError(f"top_k must be a whole number >= 1 (how many predictions per mask), got {top_k!r}.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise CourseError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
    single_text = isinstance(texts, str)
    text_list = [texts] if single_text else list(texts)
    if not text_list:
        return []
    candidate_ids = None if targets is None else target_token_ids(tokenizer, targets)
    normalized = [normalize_mask(text, tokenizer) for text in text_list]
    encoded = tokenizer(normalized, add_special_tokens=True)["input_ids"]
    limit = max_positions(model, tokenizer)
    for text, ids in zip(text_list, encoded, strict=True):
        if limit is not None and len(ids) > limit:
            raise CourseError(f"{text[:60]!r}... has {len(ids)} tokens but the model reads at most {limit}; "
                              "shorten it to the sentence around the mask.")
        if tokenizer.mask_token_id not in ids:  # e.g. the mask was glued to a word by the tokenizer
            raise CourseError(f"no mask token survives tokenization of {text!r}; put spaces around <mask>.")

    results: list[Any] = [None] * len(text_list)
    token_strings: dict[int, str] = {}  # decoded once per distinct candidate id
    mask_id, pad_id = tokenizer.mask_token_id, tokenizer.pad_token_id  # (HF computes these on every access)
    order = sorted(range(len(text_list)), key=lambda i: len(encoded[i]))  # similar lengths pad less
    batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    if progress or (progress is None and len(batches) >= 10):
        from mlmcourse.progress import tqdm

        batches = tqdm(batches, desc="fill-mask", unit="batch", leave=False)
    for rows in batches:
        input_ids, attention_mask = pad_with_mask([encoded[i] for i in rows], pad_id if pad_id is not None else 0)
        positions = input_ids == mask_id  # (batch, seq)
        logits = logits_at_positions(model, input_ids, attention_mask, positions)  # (masks in batch, vocab)
        scores, token_ids = softmax_top_k(logits, top_k, candidate_ids)  # (masks in batch, k) each
        first = 0
        for i in rows:
            mask_count = encoded[i].count(mask_id)
            results[i] = _records(tokenizer, encoded[i], mask_id, pad_id, scores[first:first + mask_count],
                                  token_ids[first:first + mask_count], token_strings)
            first += mask_count
    if single_text or len(text_list) == 1:
        return results[0]
    return results


def _records(tokenizer: Any, ids: list[int], mask_id: int, pad_id: int | None, scores: np.ndarray,
             token_ids: np.ndarray, token_strings: dict[int, str]) -> list:
    """One text's records: each candidate written into the text and decoded the way the pipeline does it."""
    text_ids = np.asarray(ids)  # (seq,)
    mask_positions = np.flatnonzero(text_ids == mask_id)  # (masks,)
    single_mask = len(mask_positions) == 1
    top_k = token_ids.shape[1]
    filled = np.repeat(text_ids[None, :], len(mask_positions) * top_k, axis=0)  # (masks * k, seq)
    filled[np.arange(len(filled)), np.repeat(mask_positions, top_k)] = token_ids.reshape(-1)
    # The pipeline drops padding, then hides special tokens only when there is one mask (with several, the
    # other [MASK]s would vanish from the sequence).
    keep = filled != pad_id if pad_id is not None else np.ones_like(filled, dtype=bool)  # (masks * k, seq)
    lengths = keep.sum(axis=1)
    if (lengths == lengths[0]).all():  # the usual case: one 2-D array converts to lists in a single call
        sequences = filled[keep].reshape(len(filled), -1)
    else:  # a candidate was the padding token itself and got dropped
        sequences = [row[row_keep] for row, row_keep in zip(filled, keep, strict=True)]
    decoded = iter(tokenizer.batch_decode(sequences, skip_special_tokens=single_mask))
    for token in np.unique(token_ids).tolist():
        if token not in token_strings:
            token_strings[token] = tokenizer.decode([token])
    records = [
        [{"score": score, "token": token, "token_str": token_strings[token], "sequence": next(decoded)}
         for score, token in zip(mask_scores, mask_tokens, strict=True)]
        for mask_scores, mask_tokens in zip(scores.tolist(), token_ids.tolist(), strict=True)
    ]
    return records[0] if single_mask else records
