"""fill-mask: our batched ``fill_mask`` against ``pipeline("fill-mask")`` as a user calls it, same model, same run.

Both sides get the same 256 toy-world sentences (one word masked in each) and return the same records. The
pipeline runs them one at a time (its default batch size is 1), computes logits for every position over the
whole vocabulary and decodes each candidate sequence; ours pads them into batches, runs the head only at the
masks and does softmax/top-k once per batch. Headline ``ratio``: sentences per second, ours / pipeline, with
``identical_topk`` saying whether every text got the same top-k token ids. Latency: one sentence, best of 5
(``--quick``) or 20 calls, for both (and for the PyTorch-free NumPy engine the command line uses).
Model: the course checkpoint if it exists, else a randomly initialised tiny BERT with the course tokenizer.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

DESCRIPTION = "batched fill_mask vs pipeline('fill-mask'): throughput (256 sentences) and one-sentence latency"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="32 sentences, few repeats (a few seconds)")
    parser.add_argument("--n-sentences", type=int, default=None, help="sentences (default 256; --quick 32)")
    parser.add_argument("--batch-size", type=int, default=32, help="our batch size (the pipeline keeps its default)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=None, help="timed passes over all sentences, best kept (default 3; --quick 1)")
    parser.add_argument("--model", default=None, help="a model folder instead of the course checkpoint")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both sides (default: torch's)")


def masked_sentences(n_sentences: int, mask_token: str, seed: int = 0) -> list[str]:
    """Toy-world lines with one word (never the final '.') replaced by ``mask_token``, seeded."""
    import numpy as np

    from mlmcourse.corpora.toyworld import ToyWorld

    rng = np.random.default_rng(seed)
    texts = []
    for line in ToyWorld().generate(n_sentences, seed=seed):
        words = line.split()
        position = int(rng.integers(0, len(words) - 1))
        texts.append(" ".join(mask_token if i == position else word for i, word in enumerate(words)))
    return texts


def _model_folder(model: str | None, scratch: Path) -> tuple[Path, str]:
    """(folder, description): --model, the course checkpoint, or a random tiny BERT with the course tokenizer."""
    from mlmcourse.inference.loading import course_checkpoint_dir

    if model is not None:
        return Path(model), f"folder {model}"
    if (course_checkpoint_dir() / "config.json").exists():
        return course_checkpoint_dir(), "course checkpoint"
    from mlmcourse.model import EncoderConfig, MaskedLM
    from mlmcourse.tokenization import course_tokenizer

    tokenizer = course_tokenizer()
    # A wide initialisation makes a random model's predictions peaked, so near-ties do not blur the comparison.
    config = EncoderConfig.preset("tiny", vocab_size=len(tokenizer))
    config = type(config)(**{**config.to_dict(), "initializer_range": 0.2})
    MaskedLM(config).save_pretrained(scratch, tokenizer=tokenizer)
    return scratch, "random tiny BERT (course checkpoint missing) with the course tokenizer"


def _best_seconds(function, repeats: int) -> tuple[float, Any]:
    """(best of ``repeats`` timings, the last result): on a shared machine the fastest run is the least disturbed."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def _top_ids(records: list) -> list:
    """Token ids per text (one text, one mask here): [[id, ...], ...]."""
    return [[record["token"] for record in text_records] for text_records in records]


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from mlmcourse.inference import fill_mask, load_model

    quick = getattr(args, "quick", False)
    n_sentences = args.n_sentences or (32 if quick else 256)
    repeats = args.repeats or (1 if quick else 3)
    hf_logging.set_verbosity_error()  # no progress bars / notices inside the timed region
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        folder, source = _model_folder(args.model, Path(scratch))
        pipe = pipeline("fill-mask", model=str(folder), device="cpu")
        model, tokenizer = pipe.model, pipe.tokenizer  # one model object: the algorithms differ, not the weights
        texts = masked_sentences(n_sentences, tokenizer.mask_token)
        single = texts[0]

        with torch.inference_mode():
            pipe(texts[:4], top_k=args.top_k)  # warm-up both sides
            fill_mask(model, tokenizer, texts[:4], top_k=args.top_k, batch_size=args.batch_size)
            pipeline_seconds, theirs = _best_seconds(lambda: pipe(texts, top_k=args.top_k), repeats)
            ours_seconds, ours = _best_seconds(lambda: fill_mask(
                model, tokenizer, texts, top_k=args.top_k, batch_size=args.batch_size, progress=False), repeats)
            latency_repeats = 5 if quick else 20
            pipeline_latency, _ = _best_seconds(lambda: pipe(single, top_k=args.top_k), latency_repeats)
            ours_latency, _ = _best_seconds(lambda: fill_mask(model, tokenizer, single, top_k=args.top_k),
                                            latency_repeats)
        numpy_latency = None
        try:
            numpy_model, light_tokenizer = load_model(folder, engine="numpy")
            numpy_latency, _ = _best_seconds(
                lambda: fill_mask(numpy_model, light_tokenizer, single, top_k=args.top_k), latency_repeats)
        except Exception:  # another architecture: the NumPy engine does not apply
            pass

    score_gap = max(abs(a["score"] - b["score"]) for mine, their in zip(ours, theirs, strict=True)
                    for a, b in zip(mine, their, strict=True))
    return {
        "name": "fill-mask",
        "config": {"n_sentences": n_sentences, "top_k": args.top_k, "our_batch_size": args.batch_size,
                   "pipeline_batch_size": "default (1)", "repeats": repeats, "model": source,
                   "threads": torch.get_num_threads(), "quick": quick},
        "ours": {"sentences_per_s": n_sentences / ours_seconds, "seconds": ours_seconds,
                 "latency_ms": 1000 * ours_latency,
                 "numpy_engine_latency_ms": None if numpy_latency is None else 1000 * numpy_latency},
        "huggingface": {"sentences_per_s": n_sentences / pipeline_seconds, "seconds": pipeline_seconds,
                        "latency_ms": 1000 * pipeline_latency},
        "ratio": pipeline_seconds / ours_seconds,
        "latency_ratio": pipeline_latency / ours_latency,
        "identical_topk": _top_ids(ours) == _top_ids(theirs),
        "max_score_difference": score_gap,
    }
