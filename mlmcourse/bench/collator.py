"""Benchmark: our vectorised MLMCollator against transformers' DataCollatorForLanguageModeling.

Same sequences (pydocs, 128 tokens each), same batch size, same masking rates, same torch threads (1 by default,
as in DataLoader workers), same process; passes over all batches alternate between the two collators
(interleaved repeats) and each side's milliseconds per batch are reported as median and range. Three match-ups,
each at equal work (same inputs, same kind of output: padded ``input_ids``, ``attention_mask``, ``labels``):

- headline (``ours``, ``huggingface``, ``ratio``): both collators are given a precomputed
  ``special_tokens_mask``, as ``run_mlm.py`` prepares its dataset;
- ``without_special_mask``: only ``input_ids`` and ``attention_mask``, so Hugging Face's collator calls
  ``tokenizer.get_special_tokens_mask`` row by row in Python (transformers #32184) and ours looks ids up in a table;
- ``whole_word``: whole-word masking, both given ``offset_mapping`` (which Hugging Face's needs), all chosen
  tokens replaced by ``[MASK]`` (Hugging Face's whole-word mode forces this).

``ratio`` = Hugging Face ms per batch / ours (medians; > 1: ours is faster). Each side also reports the share of
maskable tokens it masked and the share of those shown as ``[MASK]``, measured on one untimed pass, so that equal
work can be checked (the two whole-word algorithms choose words differently, so their shares may differ).

Where the time goes on Hugging Face's side: ``tokenizer.pad`` turns every key of every example into tensors
through Python lists, and its whole-word path compares every token with every other token of its row
(``(batch, seq, seq)``). Ours flattens each key once with ``numpy.fromiter`` and finds special tokens and word
starts with table lookups and cumulative maxima.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

from mlmcourse.bench.timing import interleaved
from mlmcourse.errors import CourseError

DESCRIPTION = "MLMCollator vs DataCollatorForLanguageModeling: ms per batch on pydocs (3 match-ups, equal work)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sequences", type=int, default=None, help="number of sequences (default 10,000; --quick 512)")
    parser.add_argument("--seq-len", type=int, default=128, help="tokens per sequence (default 128)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--mask-prob", type=float, default=0.15, help="masking rate of both collators (0.15)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved passes per collator (default 5; --quick 3)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for both collators (default 1, as in DataLoader workers; 0 = leave as is)")
    parser.add_argument("--quick", action="store_true",
                        help="512 sequences, 3 repeats unless given: checks the JSON in seconds")


def load_tokenizer(texts: list[str]) -> tuple[object, str]:
    """The course tokenizer; if it is not built yet, a WordPiece tokenizer trained here on the same texts."""
    try:
        from mlmcourse.tokenization import course_tokenizer

        return course_tokenizer(), "course_tokenizer()"
    except (ImportError, FileNotFoundError, OSError, ValueError) as error:
        from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
        from transformers import PreTrainedTokenizerFast

        backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        backend.normalizer = normalizers.BertNormalizer(lowercase=True)
        backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        backend.decoder = decoders.WordPiece()
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        backend.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=8000, special_tokens=specials,
                                                                     show_progress=False))
        backend.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                               special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
        tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                            cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
        return tokenizer, f"fallback: WordPiece 8000 trained here on pydocs (course tokenizer unavailable: {error})"


def build_features(tokenizer, texts: list[str], sequences: int, seq_len: int) -> list[dict[str, list]]:
    """``sequences`` windows of ``seq_len`` tokens (``[CLS] ... [SEP]``) over the concatenated corpus.

    The windows step through the corpus evenly, overlapping when the corpus is shorter than
    ``sequences * (seq_len - 2)`` tokens (pydocs is about 200k tokens).
    """
    encoding = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids = [token for row in encoding["input_ids"] for token in row]
    offsets, shift = [], 0
    for row in encoding["offset_mapping"]:  # offsets continue across paragraphs, with a gap between them
        offsets += [(start + shift, end + shift) for start, end in row]
        shift += (row[-1][1] if row else 0) + 1
    inner = seq_len - 2
    if len(ids) < inner:
        raise CourseError(f"the corpus has {len(ids)} tokens, fewer than one sequence of {seq_len}")
    step = max(1, (len(ids) - inner) // max(1, sequences - 1))
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    features = []
    for index in range(sequences):
        start = (index * step) % (len(ids) - inner + 1)
        features.append({
            "input_ids": [cls, *ids[start:start + inner], sep],
            "attention_mask": [1] * seq_len,
            "special_tokens_mask": [1] + [0] * inner + [1],
            "offset_mapping": [(0, 0), *offsets[start:start + inner], (0, 0)],
        })
    return features


def time_collator(collator: Callable, batches: list[list[dict]]) -> float:
    """Seconds to collate every batch once."""
    start = time.perf_counter()
    for batch in batches:
        collator(batch)
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> dict:
    import torch

    threads_before = torch.get_num_threads()
    if args.threads:
        # Collators run in DataLoader workers with one thread each. On tiny tensors, more threads only add
        # overhead, and when other processes busy the cores, indexing ops can stall for milliseconds.
        torch.set_num_threads(args.threads)
    try:
        return _run(args)
    finally:
        torch.set_num_threads(threads_before)


# Match-up name -> (the keys each example carries, what it compares).
MATCHUPS = {
    "with_special_mask": (("input_ids", "attention_mask", "special_tokens_mask"),
                          "token masking, special_tokens_mask precomputed (as run_mlm.py prepares it)"),
    "without_special_mask": (("input_ids", "attention_mask"),
                             "token masking, no special_tokens_mask: each collator finds the special tokens itself"),
    "whole_word": (("input_ids", "attention_mask", "special_tokens_mask", "offset_mapping"),
                   "whole-word masking from offset_mapping, every chosen token shown as [MASK]"),
}


def collators(tokenizer, matchup: str, mask_prob: float) -> tuple[Callable, Callable]:
    """(ours, Hugging Face's) for one match-up, configured alike."""
    from transformers import DataCollatorForLanguageModeling

    from mlmcourse.masking import MLMCollator

    if matchup != "whole_word":
        return (MLMCollator(tokenizer, mask_prob=mask_prob, seed=0),
                DataCollatorForLanguageModeling(tokenizer, mlm_probability=mask_prob, seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HF: "whole word masking sets mask_replace_prob to 1"
        theirs = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mask_prob, whole_word_mask=True, seed=0)
    ours = MLMCollator(tokenizer, strategy="whole_word", mask_prob=mask_prob, seed=0, mask_replace_prob=1.0,
                       random_replace_prob=0.0)
    return ours, theirs


def side_config(collator, keys: tuple[str, ...], batch_size: int, threads: int) -> dict:
    """What one collator is asked to do, read from the collator object itself."""
    masking = getattr(collator, "config", collator)  # MLMCollator keeps its rates in .config
    return {
        "collator": f"{type(collator).__module__}.{type(collator).__name__}",
        "mask_prob": collator.mlm_probability, "mask_replace_prob": masking.mask_replace_prob,
        "random_replace_prob": masking.random_replace_prob,
        "whole_word": bool(getattr(collator, "whole_word_mask", False)
                           or getattr(collator, "strategy", "") == "whole_word"),
        "special_tokens_mask_precomputed": "special_tokens_mask" in keys, "keys_given": list(keys),
        "batch_size": batch_size, "torch_threads": threads, "seed": collator.seed,
    }


def masking_shares(collator, batches: list[list[dict]], maskable: int, mask_token_id: int) -> dict[str, float]:
    """One untimed pass: share of the ``maskable`` (non-special) tokens given a label, and share of those shown
    as [MASK]."""
    labelled = shown_as_mask = 0
    for batch in batches:
        out = collator(batch)
        chosen = out["labels"] != -100  # (batch, seq)
        labelled += int(chosen.sum())
        shown_as_mask += int((chosen & (out["input_ids"] == mask_token_id)).sum())
    return {"masked_share": round(labelled / max(1, maskable), 4),
            "mask_token_share": round(shown_as_mask / max(1, labelled), 4)}


def _run(args: argparse.Namespace) -> dict:
    import torch

    from mlmcourse.corpora import load_corpus

    sequences = args.sequences if args.sequences is not None else (512 if args.quick else 10_000)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 5)
    if min(sequences, repeats, args.batch_size) < 1 or not 0 < args.mask_prob < 1:
        raise CourseError("--sequences, --repeats and --batch-size must be >= 1 and --mask-prob between 0 and 1")
    texts = list(load_corpus("pydocs")["train"]["text"])
    if args.quick and sequences <= 512:
        texts = texts[:600]  # about 25,000 tokens: enough windows for 512 sequences, tokenized in a moment
    tokenizer, tokenizer_name = load_tokenizer(texts)
    features = build_features(tokenizer, texts, sequences, args.seq_len)
    threads = torch.get_num_threads()
    maskable = sum(len(f["input_ids"]) - sum(f["special_tokens_mask"]) for f in features)
    results: dict[str, dict] = {}
    for name, (keys, what) in MATCHUPS.items():
        rows = [{key: feature[key] for key in keys} for feature in features]
        batches = [rows[i:i + args.batch_size] for i in range(0, len(rows), args.batch_size)]
        ours, theirs = collators(tokenizer, name, args.mask_prob)
        ours(batches[0]), theirs(batches[0])  # warm up
        ms = interleaved({side: lambda c=collator, b=batches: 1000 * time_collator(c, b) / len(b)
                          for side, collator in (("ours", ours), ("huggingface", theirs))}, repeats)
        sides = {}
        for side, collator in (("ours", ours), ("huggingface", theirs)):
            sides[side] = {"config": side_config(collator, keys, args.batch_size, threads), "ms_per_batch": ms[side],
                           "sequences_per_s": round(1000 * sequences / (ms[side]["median"] * len(batches)), 1),
                           **masking_shares(collator, batches, maskable, tokenizer.mask_token_id)}
        results[name] = {"what": what, **sides,
                         "ratio": round(ms["huggingface"]["median"] / ms["ours"]["median"], 3)}
    goals = {"with_special_mask": 5, "without_special_mask": 20, "whole_word": 5}
    headline = results.pop("with_special_mask")
    return {
        "name": "collator",
        "config": {"corpus": "pydocs (train split)", "tokenizer": tokenizer_name, "sequences": sequences,
                   "seq_len": args.seq_len, "batch_size": args.batch_size, "repeats": repeats,
                   "torch_threads": threads, "mask_prob": args.mask_prob, "quick": bool(args.quick)},
        "ours": headline["ours"],
        "huggingface": headline["huggingface"],
        "ratio": headline["ratio"],
        "ratio_is": f"DataCollatorForLanguageModeling / MLMCollator median ms per batch, {headline['what']}; "
                    f"same {sequences} sequences of {args.seq_len} tokens, batch {args.batch_size}, "
                    f"{threads} torch thread(s)",
        **results,
        "goals": goals,
        "goals_met": {name: (headline if name == "with_special_mask" else results[name])["ratio"] >= goal
                      for name, goal in goals.items()},
    }
