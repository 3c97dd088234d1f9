"""Static masks: one fixed mask per example (BERT's pre-masked data) and reproducible evaluation masks.

Teaches: BERT masked its training data once, ahead of time, and duplicated it 10 times with different masks so
each sequence was seen with 10 masks over 40 epochs (``dupe_factor`` in ``create_pretraining_data.py``); RoBERTa
(Liu et al. 2019) masked dynamically, a new mask every time, and found it as good or slightly better, and simpler.
For evaluation the opposite is wanted: the same masks every time, so a perplexity can be compared between runs,
whatever the batch size or order. Both come from :class:`~mlmcourse.masking.collator.MLMCollator` with
``static=True``: the mask of an example is a function of (seed, its tokens).

Simplifies: the pre-masked dataset is built in memory with ``datasets.Dataset.map``. Mirrors: BERT's
``create_pretraining_data.py`` (``dupe_factor``) and a fixed-seed evaluation collator.
"""

from __future__ import annotations

import torch

from mlmcourse.errors import CourseError
from mlmcourse.masking.collator import MLMCollator


def eval_masks(tokenizer, mask_prob: float = 0.15, seed: int = 0, strategy: str = "token",
               **options) -> MLMCollator:
    """A collator whose masks are the same at every evaluation, independent of batch size and order.

    >>> from mlmcourse.tokenization import course_tokenizer
    >>> tokenizer = course_tokenizer()
    >>> rows = [tokenizer(text)["input_ids"] for text in ["the dog barked .", "paris is the capital of france ."]]
    >>> collator = eval_masks(tokenizer, mask_prob=0.5, seed=0)
    >>> torch.equal(collator(rows)["labels"][1], collator(rows[1:])["labels"][0])  # alone or in a batch
    True
    """
    return MLMCollator(tokenizer, strategy=strategy, mask_prob=mask_prob, seed=seed, static=True, **options)


def static_mask_dataset(dataset, tokenizer, copies: int = 1, seed: int = 0, batch_size: int = 1000,
                        **masking):
    """Mask a tokenized ``datasets.Dataset`` (column ``input_ids``) ahead of time, ``copies`` times.

    Returns a Dataset with ``input_ids`` (masked), ``attention_mask``, ``labels`` (-100 where nothing is
    predicted) and ``copy`` (which of the copies), unpadded. Train on it with a collator that only pads, e.g.
    ``transformers.DataCollatorForTokenClassification(tokenizer)`` (it pads labels with -100). ``masking``
    options go to :class:`MLMCollator` (``strategy``, ``mask_prob``, ...).
    """
    import datasets

    if "input_ids" not in dataset.column_names:
        raise CourseError(f"static_mask_dataset needs a tokenized dataset with an 'input_ids' column; got "
                          f"{dataset.column_names}. Tokenize first: dataset.map(lambda b: tokenizer(b['text']), "
                          "batched=True)")
    if copies < 1:
        raise CourseError(f"copies must be at least 1 (BERT used 10), got {copies}")
    keep = [c for c in ("input_ids", "attention_mask", "special_tokens_mask", "word_ids", "offset_mapping")
            if c in dataset.column_names]
    parts = []
    for copy in range(copies):
        collator = MLMCollator(tokenizer, seed=seed + 1_000_003 * copy, static=True, **masking)

        def mask_rows(columns: dict, collator: MLMCollator = collator, copy: int = copy) -> dict:
            batch = collator({key: columns[key] for key in keep})
            real = batch["attention_mask"].bool()  # (batch, seq)
            lengths = real.sum(dim=1).tolist()
            columns = {key: [row.tolist() for row in torch.split(batch[key].masked_select(real), lengths)]
                       for key in ("input_ids", "attention_mask", "labels")}  # padding removed again
            return {**columns, "copy": [copy] * len(lengths)}

        parts.append(dataset.map(mask_rows, batched=True, batch_size=batch_size, remove_columns=dataset.column_names,
                                 desc=f"masking copy {copy + 1}/{copies}"))
    return datasets.concatenate_datasets(parts) if copies > 1 else parts[0]
