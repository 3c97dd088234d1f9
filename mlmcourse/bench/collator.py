"""Benchmark: our vectorised MLMCollator against transformers' DataCollatorForLanguageModeling.

Same sequences (pydocs, 128 tokens each), same batch size, same process, interleaved repeats. Three match-ups:

- ``with_special_mask`` (the headline ``ratio``): both collators are given a precomputed ``special_tokens_mask``,
  as ``run_mlm.py`` prepares its dataset;
- ``without_special_mask``: only ``input_ids`` and ``attention_mask``, so Hugging Face's collator calls
  ``tokenizer.get_special_tokens_mask`` row by row in Python (transformers #32184);
- ``whole_word``: whole-word masking, both given ``offset_mapping`` (which Hugging Face's needs).

Where the time goes on Hugging Face's side: ``tokenizer.pad`` turns every key of every example into tensors
through Python lists, and its whole-word path compares every token with every other token of its row
(``(batch, seq, seq)``). Ours flattens each key once with ``numpy.fromiter`` and finds special tokens and word
starts with table lookups and cumulative maxima.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

DESCRIPTION = "MLMCollator vs DataCollatorForLanguageModeling: sequences/s on pydocs (3 match-ups)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sequences", type=int, default=10_000, help="number of sequences (default 10,000)")
    parser.add_argument("--seq-len", type=int, default=128, help="tokens per sequence (default 128)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per collator (median is reported)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for both collators (default 1, as in DataLoader workers; 0 = leave as is)")
    parser.add_argument("--quick", action="store_true", help="512 sequences, 1 repeat: checks the JSON in seconds")


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
        raise ValueError(f"the corpus has {len(ids)} tokens, fewer than one sequence of {seq_len}")
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


def _run(args: argparse.Namespace) -> dict:
    import torch
    from transformers import DataCollatorForLanguageModeling

    from mlmcourse.corpora import load_corpus
    from mlmcourse.masking import MLMCollator

    sequences = 512 if args.quick else args.sequences
    repeats = 1 if args.quick else args.repeats
    texts = list(load_corpus("pydocs")["train"]["text"])
    if args.quick:
        texts = texts[:600]  # about 25,000 tokens: enough windows for 512 sequences, tokenized in a moment
    tokenizer, tokenizer_name = load_tokenizer(texts)
    features = build_features(tokenizer, texts, sequences, args.seq_len)
    keys = {
        "with_special_mask": ("input_ids", "attention_mask", "special_tokens_mask"),
        "without_special_mask": ("input_ids", "attention_mask"),
        "whole_word": ("input_ids", "attention_mask", "special_tokens_mask", "offset_mapping"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HF: "whole word masking sets mask_replace_prob to 1"
        hugging_face_whole_word = DataCollatorForLanguageModeling(tokenizer, whole_word_mask=True, seed=0)
    collators = {
        "with_special_mask": (MLMCollator(tokenizer, seed=0), DataCollatorForLanguageModeling(tokenizer, seed=0)),
        "without_special_mask": (MLMCollator(tokenizer, seed=0), DataCollatorForLanguageModeling(tokenizer, seed=0)),
        "whole_word": (MLMCollator(tokenizer, strategy="whole_word", seed=0, mask_replace_prob=1.0,
                                   random_replace_prob=0.0), hugging_face_whole_word),
    }
    results: dict[str, dict] = {}
    for name, key_set in keys.items():
        rows = [{key: feature[key] for key in key_set} for feature in features]
        batches = [rows[i:i + args.batch_size] for i in range(0, len(rows), args.batch_size)]
        ours, theirs = collators[name]
        ours(batches[0]), theirs(batches[0])  # warm up
        our_times, their_times = [], []
        for _ in range(repeats):  # interleaved, so a busy machine slows both alike
            our_times.append(time_collator(ours, batches))
            their_times.append(time_collator(theirs, batches))
        our_s, their_s = statistics.median(our_times), statistics.median(their_times)
        results[name] = {
            "ours_sequences_per_s": round(sequences / our_s, 1),
            "huggingface_sequences_per_s": round(sequences / their_s, 1),
            "ours_ms_per_batch": round(1000 * our_s / len(batches), 3),
            "huggingface_ms_per_batch": round(1000 * their_s / len(batches), 3),
            "ratio": round(their_s / our_s, 2),
        }
    goals = {"with_special_mask": 5, "without_special_mask": 20, "whole_word": 5}
    return {
        "name": "collator",
        "config": {"corpus": "pydocs (train split)", "tokenizer": tokenizer_name, "sequences": sequences,
                   "seq_len": args.seq_len, "batch_size": args.batch_size, "repeats": repeats,
                   "torch_threads": torch.get_num_threads(),
                   "mask_prob": 0.15, "goals": goals},
        "ours": {name: r["ours_sequences_per_s"] for name, r in results.items()},
        "huggingface": {name: r["huggingface_sequences_per_s"] for name, r in results.items()},
        "details": results,
        "ratio": results["with_special_mask"]["ratio"],
        "ratio_without_special_mask": results["without_special_mask"]["ratio"],
        "ratio_whole_word": results["whole_word"]["ratio"],
        "goals_met": {name: results[name]["ratio"] >= goal for name, goal in goals.items()},
    }
