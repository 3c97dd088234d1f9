"""Benchmark: tokenizer training and encoding, the course's way against the straightforward way.

Headline ``ratio``: tokens per second of the course's encoding pattern (the course tokenizer called on a batch of
texts, as ``dataset.map(..., batched=True)`` does) divided by tokens per second of one call per text (the pattern
of ``dataset.map`` without ``batched=True`` and of most tutorial loops). Same tokenizer, same texts, same process:
the difference is Python call overhead and, when ``TOKENIZERS_PARALLELISM`` allows it, the Rust library's threads.

Reported next to it, not in the ratio: training time of the reference trainers (``bpe.py``, ``wordpiece.py``: pure
Python, written to be read) against ``tokenizers`` on the same corpus and vocabulary size. The reference is slower by
design; the point is that it finishes on pydocs in seconds and (for BPE) learns exactly the library's merges,
which the benchmark checks too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

DESCRIPTION = "tokenizers: batched vs per-text encoding (tokens/s), reference vs library training time on pydocs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vocab-size", type=int, default=8000, help="vocabulary size for training (default 8000)")
    parser.add_argument("--paragraphs", type=int, default=0, help="pydocs training paragraphs (0 = all)")
    parser.add_argument("--encode-texts", type=int, default=0,
                        help="texts to encode for the throughput test (0 = the whole pydocs training split)")
    parser.add_argument("--batch-size", type=int, default=1000, help="texts per batched call (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed encoding passes (median is reported)")
    parser.add_argument("--quick", action="store_true", help="300 paragraphs, vocabulary 600: checks the JSON")


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    return statistics.median(timed(function)[0] for _ in range(max(1, repeats)))


def library_bpe(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def library_wordpiece(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    from mlmcourse.tokenization.wordpiece import SPECIAL_TOKENS

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainer=trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS), show_progress=False))
    return tokenizer


def training_comparison(train: list[str], validation: list[str], vocab_size: int) -> dict:
    """Seconds to train each way, and how closely the reference reproduces the library's result."""
    from mlmcourse.tokenization.bpe import BPETokenizer
    from mlmcourse.tokenization.wordpiece import WordPieceTokenizer, greedy_longest_match

    ours_bpe_s, ours_bpe = timed(lambda: BPETokenizer().train(train, vocab_size, show_progress=False))
    library_bpe_s, theirs_bpe = timed(lambda: library_bpe(train, vocab_size))
    ours_wp_s, ours_wp = timed(lambda: WordPieceTokenizer().train(train, vocab_size, show_progress=False))
    ours_wpf_s, ours_wpf = timed(lambda: WordPieceTokenizer().train(
        train, vocab_size, min_frequency=0, score="frequency", show_progress=False))
    library_wp_s, theirs_wp = timed(lambda: library_wordpiece(train, vocab_size))

    merges = [tuple(pair) for pair in json.loads(theirs_bpe.to_str())["model"]["merges"]]
    library_ids = [encoding.ids for encoding in theirs_bpe.encode_batch(validation)]
    same_encodings = sum(ours_bpe.encode(text) == ids for text, ids in zip(validation, library_ids, strict=True))
    library_vocab = set(theirs_wp.get_vocab())
    words = [word for text in validation for word in ours_wp.words(text)]

    def share(ours: WordPieceTokenizer) -> float:
        alike = sum(greedy_longest_match(w, ours.token_to_id) == greedy_longest_match(w, library_vocab) for w in words)
        return round(alike / max(1, len(words)), 4)

    return {
        "ours": {"bpe_train_s": round(ours_bpe_s, 2), "wordpiece_likelihood_train_s": round(ours_wp_s, 2),
                 "wordpiece_frequency_train_s": round(ours_wpf_s, 2)},
        "huggingface": {"bpe_train_s": round(library_bpe_s, 2), "wordpiece_train_s": round(library_wp_s, 2)},
        "match": {
            "bpe_merges_identical": ours_bpe.merges_as_tokens() == merges,
            "bpe_validation_texts_encoded_identically": round(same_encodings / max(1, len(validation)), 4),
            "wordpiece_frequency_words_alike": share(ours_wpf),
            "wordpiece_likelihood_words_alike": share(ours_wp),
            "validation_texts": len(validation), "validation_words": len(words),
        },
    }


def encoding_comparison(tokenizer, texts: list[str], batch_size: int, repeats: int) -> dict:
    """Tokens per second: batched calls (the course's way) against one call per text."""
    tokens = sum(len(ids) for ids in tokenizer(texts, verbose=False).input_ids)

    def batched() -> None:
        for start in range(0, len(texts), batch_size):
            tokenizer(texts[start:start + batch_size], verbose=False)

    def one_by_one() -> None:
        for text in texts:
            tokenizer(text, verbose=False)

    batched_s = median_seconds(batched, repeats)
    one_by_one_s = median_seconds(one_by_one, repeats)
    return {"tokens": tokens, "batched_tokens_per_s": round(tokens / batched_s),
            "one_by_one_tokens_per_s": round(tokens / one_by_one_s)}


def run(args: argparse.Namespace) -> dict:
    from mlmcourse.corpora import load_corpus
    from mlmcourse.tokenization import course_tokenizer

    quick = getattr(args, "quick", False)
    vocab_size = 600 if quick else args.vocab_size
    paragraphs = 300 if quick else args.paragraphs
    corpus = load_corpus("pydocs")
    train, validation = list(corpus["train"]["text"]), list(corpus["validation"]["text"])
    train = train[:paragraphs] if paragraphs else train
    validation = validation[:50] if quick else validation
    encode_texts = train[:args.encode_texts] if args.encode_texts else train

    training = training_comparison(train, validation, vocab_size)
    encoding = encoding_comparison(course_tokenizer(), encode_texts, args.batch_size, 1 if quick else args.repeats)
    return {
        "name": "tokenizer",
        "config": {
            "corpus": "pydocs train split", "paragraphs": len(train), "vocab_size": vocab_size,
            "encode_texts": len(encode_texts), "encode_tokenizer": "course_tokenizer() (WordPiece, 6144)",
            "batch_size": args.batch_size, "tokenizers_parallelism": os.environ.get("TOKENIZERS_PARALLELISM", "unset"),
            "headline": "ratio = tokens/s of batched encoding (one call per batch_size texts) / tokens/s of one "
                        "call per text, same tokenizer; training times of the pure-Python reference trainers vs "
                        "tokenizers are reported separately (slower by design, for reading)",
        },
        "ours": {"encode_tokens_per_s": encoding["batched_tokens_per_s"], **training["ours"]},
        "huggingface": {"encode_tokens_per_s": encoding["one_by_one_tokens_per_s"], **training["huggingface"]},
        "ratio": round(encoding["batched_tokens_per_s"] / encoding["one_by_one_tokens_per_s"], 2),
        "library_train_speedup": {
            "bpe": round(training["ours"]["bpe_train_s"] / max(1e-9, training["huggingface"]["bpe_train_s"]), 1),
            "wordpiece": round(training["ours"]["wordpiece_likelihood_train_s"]
                               / max(1e-9, training["huggingface"]["wordpiece_train_s"]), 1),
        },
        "match": training["match"],
        "encoded_tokens": encoding["tokens"],
    }
