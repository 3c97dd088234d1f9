"""Benchmark: tokenization, named by what runs: batched calls against one call per text, and our reference
trainers against the ``tokenizers`` library's.

Headline (``encode``, top-level ``ratio``): the same tokenizer (the course tokenizer, a ``PreTrainedTokenizerFast``)
on the same texts in the same process, called two ways: ``batched_calls`` (one call per ``--batch-size`` texts,
the course's pattern, as ``dataset.map(..., batched=True)`` does) and ``one_call_per_text`` (the pattern of
``dataset.map`` without ``batched=True`` and of most tutorial loops). Both return identical ids (checked). The
difference is Python call overhead and, when ``TOKENIZERS_PARALLELISM`` allows it (it does unless set to false),
the Rust library's threads inside a batched call: a one-text call has nothing to spread over them. ``ratio`` =
one_call_per_text ms / batched_calls ms (medians of interleaved passes; > 1: batching is faster).

Reported beside it, never in ``ratio`` (``train``, ``reference_encode``): our pure-Python reference
implementations (``bpe.py``, ``wordpiece.py``: written to be read) against ``tokenizers`` (Rust) on the same corpus
and vocabulary size. ``reference_slowdown`` = reference seconds / library seconds (> 1: the reference is slower,
by design). The point is that the reference finishes on pydocs in seconds and, for BPE, learns exactly the
library's merges and encodes exactly as it does (``match`` checks both).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator

from mlmcourse.bench.timing import interleaved, seconds_of
from mlmcourse.errors import CourseError

DESCRIPTION = "tokenizers: batched calls vs one call per text (same tokenizer); reference vs library trainers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vocab-size", type=int, default=None,
                        help="vocabulary size for training (default 8000; --quick 600)")
    parser.add_argument("--paragraphs", type=int, default=None,
                        help="pydocs training paragraphs (default 0 = all; --quick 300)")
    parser.add_argument("--encode-texts", type=int, default=0,
                        help="texts to encode for the throughput test (0 = the training paragraphs)")
    parser.add_argument("--batch-size", type=int, default=1000, help="texts per batched call (default 1000)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved encoding passes per side (default 5; --quick 3)")
    parser.add_argument("--train-repeats", type=int, default=None,
                        help="interleaved trainings per trainer (default 3; --quick 2)")
    parser.add_argument("--tokenizers-parallelism", choices=("true", "false"), default=None,
                        help="set TOKENIZERS_PARALLELISM for this run (default: leave the environment as it is)")
    parser.add_argument("--quick", action="store_true",
                        help="300 paragraphs, vocabulary 600, fewer repeats unless given: checks the JSON")


@contextlib.contextmanager
def environment_variable(name: str, value: str | None) -> Iterator[None]:
    """Set ``name`` to ``value`` inside the block (``None``: leave it alone), then restore it.

    >>> with environment_variable("MLMCOURSE_EXAMPLE", "yes"):
    ...     os.environ["MLMCOURSE_EXAMPLE"]
    'yes'
    >>> "MLMCOURSE_EXAMPLE" in os.environ
    False
    """
    before = os.environ.get(name)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        if value is not None:
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before


def rust_threads() -> dict[str, str]:
    """What decides the ``tokenizers`` library's threads in this process."""
    parallelism = os.environ.get("TOKENIZERS_PARALLELISM")
    pool = os.environ.get("RAYON_NUM_THREADS") or os.environ.get("RAYON_RS_NUM_CPUS")
    return {"TOKENIZERS_PARALLELISM": parallelism if parallelism is not None else "unset (tokenizers: parallel)",
            "rust_thread_pool": f"{pool} (RAYON_NUM_THREADS)" if pool else
            f"rayon default: one per logical CPU ({os.cpu_count()})"}


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


def slowdown(reference: dict, library: dict) -> float:
    """Reference median / library median (> 1: the reference is slower).

    >>> slowdown({"median": 3.0}, {"median": 0.5})
    6.0
    """
    return round(reference["median"] / max(1e-9, library["median"]), 2)


def training_comparison(train: list[str], validation: list[str], vocab_size: int, repeats: int) -> dict:
    """Seconds to train each way (interleaved), and how closely the reference reproduces the library's result."""
    from mlmcourse.tokenization.bpe import BPETokenizer
    from mlmcourse.tokenization.wordpiece import WordPieceTokenizer, greedy_longest_match

    trainers = {
        "reference_bpe": lambda: BPETokenizer().train(train, vocab_size, show_progress=False),
        "library_bpe": lambda: library_bpe(train, vocab_size),
        "reference_wordpiece_frequency": lambda: WordPieceTokenizer().train(
            train, vocab_size, min_frequency=0, score="frequency", show_progress=False),
        "reference_wordpiece_likelihood": lambda: WordPieceTokenizer().train(train, vocab_size, show_progress=False),
        "library_wordpiece": lambda: library_wordpiece(train, vocab_size),
    }
    trained = {}

    def train_once(name: str) -> float:
        """Seconds of one training; the tokenizer it learned is kept for the checks below."""
        return seconds_of(lambda: trained.__setitem__(name, trainers[name]()))

    seconds = interleaved({name: lambda name=name: train_once(name) for name in trainers}, repeats)
    ours_bpe, theirs_bpe = trained["reference_bpe"], trained["library_bpe"]
    ours_wpf, ours_wp, theirs_wp = (trained[name] for name in ("reference_wordpiece_frequency",
                                                               "reference_wordpiece_likelihood", "library_wordpiece"))
    merges = [tuple(pair) for pair in json.loads(theirs_bpe.to_str())["model"]["merges"]]
    library_ids = [encoding.ids for encoding in theirs_bpe.encode_batch(validation)]
    same_encodings = sum(ours_bpe.encode(text) == ids for text, ids in zip(validation, library_ids, strict=True))
    library_vocab = set(theirs_wp.get_vocab())
    words = [word for text in validation for word in ours_wp.words(text)]

    def share(ours: WordPieceTokenizer) -> float:
        alike = sum(greedy_longest_match(w, ours.token_to_id) == greedy_longest_match(w, library_vocab) for w in words)
        return round(alike / max(1, len(words)), 4)

    encode_ms = interleaved({
        "reference_bpe": lambda: 1000 * seconds_of(lambda: [ours_bpe.encode(text) for text in validation]),
        "library_bpe": lambda: 1000 * seconds_of(lambda: [theirs_bpe.encode(text).ids for text in validation]),
    }, repeats)
    train_figures = {f"{name}_seconds": figures for name, figures in seconds.items()}
    return {
        "train": {
            "config": {"reference": "mlmcourse.tokenization.bpe.BPETokenizer / wordpiece.WordPieceTokenizer "
                                    "(pure Python, one thread)",
                       "library": "tokenizers BpeTrainer / WordPieceTrainer (Rust)", "vocab_size": vocab_size,
                       "paragraphs": len(train), "repeats": repeats,
                       "wordpiece_frequency": "count(ab) merges with ## pieces: the algorithm of tokenizers' "
                                              "WordPieceTrainer",
                       "wordpiece_likelihood": "WordPiece's own score count(ab)/(count(a)count(b)): a different "
                                               "algorithm from the library's, shown for reference"},
            **train_figures,
            "reference_slowdown": {
                "bpe": slowdown(seconds["reference_bpe"], seconds["library_bpe"]),
                "wordpiece_frequency": slowdown(seconds["reference_wordpiece_frequency"], seconds["library_wordpiece"]),
                "wordpiece_likelihood": slowdown(seconds["reference_wordpiece_likelihood"],
                                                 seconds["library_wordpiece"]),
            },
            "reference_slowdown_is": "reference median seconds / library median seconds (> 1: the pure-Python "
                                     "reference is slower, by design)",
        },
        "reference_encode": {
            "config": {"texts": len(validation), "runs": "reference: BPETokenizer.encode(text) per text; library: "
                                                         "Tokenizer.encode(text) per text; the same merges"},
            "reference_bpe_ms": encode_ms["reference_bpe"], "library_bpe_ms": encode_ms["library_bpe"],
            "reference_slowdown": slowdown(encode_ms["reference_bpe"], encode_ms["library_bpe"]),
        },
        "match": {
            "bpe_merges_identical": ours_bpe.merges_as_tokens() == merges,
            "bpe_validation_texts_encoded_identically": round(same_encodings / max(1, len(validation)), 4),
            "wordpiece_frequency_words_alike": share(ours_wpf),
            "wordpiece_likelihood_words_alike": share(ours_wp),
            "validation_texts": len(validation), "validation_words": len(words),
        },
    }


def encoding_comparison(tokenizer, texts: list[str], batch_size: int, repeats: int) -> dict:
    """Milliseconds per pass over ``texts`` (interleaved): batched calls against one call per text."""
    batched_ids = [ids for start in range(0, len(texts), batch_size)
                   for ids in tokenizer(texts[start:start + batch_size], verbose=False)["input_ids"]]
    one_by_one_ids = [tokenizer(text, verbose=False)["input_ids"] for text in texts]
    tokens = sum(len(ids) for ids in batched_ids)

    def batched() -> None:
        for start in range(0, len(texts), batch_size):
            tokenizer(texts[start:start + batch_size], verbose=False)

    def one_by_one() -> None:
        for text in texts:
            tokenizer(text, verbose=False)

    passes = interleaved({"batched_calls": lambda: 1000 * seconds_of(batched),
                          "one_call_per_text": lambda: 1000 * seconds_of(one_by_one)}, repeats)
    shared = {"tokenizer": f"course_tokenizer() ({type(tokenizer).__name__}, WordPiece, vocabulary {len(tokenizer)})",
              **rust_threads()}
    sides = {
        "batched_calls": {"config": {**shared, "batch_size": batch_size,
                                     "runs": f"tokenizer(texts[i:i + {batch_size}]) for each block of texts"}},
        "one_call_per_text": {"config": {**shared, "batch_size": 1, "runs": "tokenizer(text) for each text"}},
    }
    for side, figures in passes.items():
        sides[side].update(ms_per_pass=figures, tokens_per_s=round(1000 * tokens / figures["median"]))
    return {**sides, "texts": len(texts), "tokens": tokens, "identical_ids": batched_ids == one_by_one_ids,
            "ratio": round(passes["one_call_per_text"]["median"] / passes["batched_calls"]["median"], 3)}


def run(args: argparse.Namespace) -> dict:
    with environment_variable("TOKENIZERS_PARALLELISM", getattr(args, "tokenizers_parallelism", None)):
        return _run(args)


def _run(args: argparse.Namespace) -> dict:
    from mlmcourse.corpora import load_corpus
    from mlmcourse.tokenization import course_tokenizer

    quick = getattr(args, "quick", False)
    vocab_size = args.vocab_size or (600 if quick else 8000)
    paragraphs = args.paragraphs if args.paragraphs is not None else (300 if quick else 0)
    repeats = args.repeats if args.repeats is not None else (3 if quick else 5)
    train_repeats = args.train_repeats if args.train_repeats is not None else (2 if quick else 3)
    if min(repeats, train_repeats, args.batch_size) < 1:
        raise CourseError("--repeats, --train-repeats and --batch-size must be >= 1")
    corpus = load_corpus("pydocs")
    train, validation = list(corpus["train"]["text"]), list(corpus["validation"]["text"])
    train = train[:paragraphs] if paragraphs else train
    validation = validation[:50] if quick else validation
    encode_texts = train[:args.encode_texts] if args.encode_texts else train

    encode = encoding_comparison(course_tokenizer(), encode_texts, args.batch_size, repeats)
    reference = training_comparison(train, validation, vocab_size, train_repeats)
    return {
        "name": "tokenizer",
        "config": {"corpus": "pydocs train split", "paragraphs": len(train), "vocab_size": vocab_size,
                   "encode_texts": len(encode_texts), "repeats": repeats, "train_repeats": train_repeats,
                   "quick": quick, **rust_threads()},
        "encode": encode,
        "ratio": encode["ratio"],
        "ratio_is": f"one_call_per_text / batched_calls median ms per pass over the same {len(encode_texts)} texts, "
                    f"same tokenizer (course_tokenizer()), same process; TOKENIZERS_PARALLELISM "
                    f"{rust_threads()['TOKENIZERS_PARALLELISM']}",
        **reference,
    }
