"""fill-mask: our batched ``fill_mask`` against ``pipeline("fill-mask")``, same model object, same batch size.

Both sides get the same toy-world sentences (one word masked in each, 256 by default), the same model object
(``pipe.model``), the same torch threads and the same batch size (32 by default: the pipeline is called with
``batch_size=`` as a user who wants throughput calls it), and must return the same top-k token ids
(``identical_topk``). What differs is the algorithm: the pipeline computes vocabulary logits at every position
of every text and decodes each candidate sequence; ours runs the vocabulary head only at the mask positions and
does softmax/top-k once per batch. Passes over all sentences alternate between the sides (interleaved repeats);
figures are medians with their range.

- ``ratio``: pipeline ms per pass / ours ms per pass, both at ``--batch-size`` (> 1: ours is faster).
- ``latency_ratio``: the same for one sentence per call (batch size 1 on both sides).
- ``vs_pipeline_default_batch``: ours at ``--batch-size`` against the pipeline at its default ``batch_size=1``,
  what a user gets who does not pass ``batch_size``. Not equal work per call, so not the headline.
- ``numpy_engine``: one-sentence latency of the PyTorch-free engine the command line uses, where it applies
  (local ``BertForMaskedLM`` folders); where it does not, the JSON says why it was not run.

Model: ``--model``, else the course checkpoint, else a randomly initialised tiny BERT with the course tokenizer.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from mlmcourse.bench.timing import interleaved, seconds_of
from mlmcourse.errors import CourseError

DESCRIPTION = "fill_mask vs pipeline('fill-mask') at the same batch size: throughput and one-sentence latency"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="32 sentences, 3 repeats (a few seconds)")
    parser.add_argument("--n-sentences", type=int, default=None, help="sentences (default 256; --quick 32)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size of BOTH sides (default 32)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved passes over all sentences per side (default 5; --quick 3)")
    parser.add_argument("--latency-repeats", type=int, default=None,
                        help="interleaved one-sentence calls per side (default 20; --quick 5)")
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


def top_ids(records: list) -> list:
    """Token ids per text (one text, one mask here): [[id, ...], ...].

    >>> top_ids([[{"token": 7, "score": 0.9}, {"token": 3, "score": 0.1}]])
    [[7, 3]]
    """
    return [[record["token"] for record in text_records] for text_records in records]


def milliseconds(function) -> float:
    """Wall milliseconds of one call of ``function``."""
    return 1000 * seconds_of(function)


def one_text_at_a_time(call, texts: list[str]):
    """A zero-argument function that answers the next text of ``texts`` at each call (cycling): per-call latency.

    >>> next_length = one_text_at_a_time(len, ["a", "bb"])
    >>> [next_length() for _ in range(3)]
    [1, 2, 1]
    """
    state = {"next": 0}

    def answer_next():
        text = texts[state["next"] % len(texts)]
        state["next"] += 1
        return call(text)

    return answer_next


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    threads_before = torch.get_num_threads()
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            return _run(args, Path(scratch))
    finally:
        torch.set_num_threads(threads_before)


def _run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from mlmcourse.inference import fill_mask

    quick = getattr(args, "quick", False)
    n_sentences = args.n_sentences if args.n_sentences is not None else (32 if quick else 256)
    repeats = args.repeats if args.repeats is not None else (3 if quick else 5)
    latency_repeats = args.latency_repeats if args.latency_repeats is not None else (5 if quick else 20)
    batch_size, top_k = args.batch_size, args.top_k
    if min(repeats, latency_repeats, batch_size, top_k) < 1 or n_sentences < 2:
        raise CourseError("--repeats, --latency-repeats, --batch-size and --top-k must be >= 1, --n-sentences >= 2 "
                          "(a list of one text is answered as that text alone, by both sides)")
    hf_logging.set_verbosity_error()  # no progress bars / notices inside the timed region
    folder, source = _model_folder(args.model, scratch)
    pipe = pipeline("fill-mask", model=str(folder), device="cpu")
    model, tokenizer = pipe.model, pipe.tokenizer  # one model object: the algorithms differ, not the weights
    texts = masked_sentences(n_sentences, tokenizer.mask_token)
    threads = torch.get_num_threads()
    shared = {"model": f"{type(model).__name__} ({source}), the same object on both sides",
              "precision": str(next(model.parameters()).dtype).replace("torch.", ""),
              "threads": threads, "device": "cpu"}

    def ours(batch: int = batch_size, chosen: list[str] = texts):
        return fill_mask(model, tokenizer, chosen, top_k=top_k, batch_size=batch, progress=False)

    def theirs(batch: int = batch_size, chosen: list[str] | str = texts):
        return pipe(chosen, top_k=top_k, batch_size=batch)  # num_workers stays 0: no extra processes

    numpy_engine, numpy_answer = numpy_engine_side(folder, top_k)
    with torch.inference_mode():
        # Warm-up passes, untimed; their answers are the ones compared.
        our_records, their_records, default_records = ours(), theirs(), theirs(batch=1)
        passes = interleaved({"ours": lambda: milliseconds(ours), "huggingface": lambda: milliseconds(theirs),
                              "pipeline_default_batch": lambda: milliseconds(lambda: theirs(batch=1))}, repeats)
        answers = {"ours": lambda text: ours(batch=1, chosen=text),
                   "huggingface": lambda text: theirs(batch=1, chosen=text)}
        if numpy_answer is not None:
            numpy_engine["identical_topk"] = top_ids(numpy_answer(texts)) == top_ids(our_records)
            answers["numpy_engine"] = numpy_answer
        latency = interleaved({name: one_text_at_a_time(lambda text, answer=answer: milliseconds(lambda: answer(text)),
                                                        texts) for name, answer in answers.items()}, latency_repeats)
    if numpy_answer is not None:
        numpy_engine["latency_ms"] = latency["numpy_engine"]

    score_gap = max(abs(a["score"] - b["score"]) for mine, their in zip(our_records, their_records, strict=True)
                    for a, b in zip(mine, their, strict=True))
    ms_ours, ms_theirs = passes["ours"]["median"], passes["huggingface"]["median"]
    ms_default = passes["pipeline_default_batch"]["median"]
    return {
        "name": "fill-mask",
        "config": {"n_sentences": n_sentences, "top_k": top_k, "batch_size": batch_size, "repeats": repeats,
                   "latency_repeats": latency_repeats, "model": source, "threads": threads, "quick": quick,
                   "texts": "toy-world sentences, one word masked in each (masked_sentences, seed 0)"},
        "ours": {
            "config": {**shared, "batch_size": batch_size,
                       "runs": f"fill_mask(model, tokenizer, texts, top_k={top_k}, batch_size={batch_size})",
                       "head": "vocabulary projection only at the mask positions (sparse); softmax/top-k per batch"},
            "ms_per_pass": passes["ours"], "sentences_per_s": round(1000 * n_sentences / ms_ours, 1),
            "latency_ms": latency["ours"],
        },
        "huggingface": {
            "config": {**shared, "batch_size": batch_size, "num_workers": 0,
                       "runs": f"pipeline('fill-mask', model=folder)(texts, top_k={top_k}, batch_size={batch_size})",
                       "head": "vocabulary logits at every position (dense); softmax/top-k per text"},
            "ms_per_pass": passes["huggingface"], "sentences_per_s": round(1000 * n_sentences / ms_theirs, 1),
            "latency_ms": latency["huggingface"],
        },
        "ratio": round(ms_theirs / ms_ours, 3),
        "ratio_is": f"pipeline / fill_mask median ms per pass over the same {n_sentences} sentences, both at "
                    f"batch size {batch_size}, same model object, {threads} torch threads",
        "latency_ratio": round(latency["huggingface"]["median"] / latency["ours"]["median"], 3),
        "latency_ratio_is": "pipeline / fill_mask median ms for one sentence per call (batch size 1 on both sides)",
        "identical_topk": top_ids(our_records) == top_ids(their_records),
        "max_score_difference": score_gap,
        "vs_pipeline_default_batch": {
            "what": f"ours at batch size {batch_size} against the pipeline at its default batch_size=1 (a user "
                    "who does not pass batch_size): different batch sizes, NOT equal work per call",
            "config": {**shared, "batch_size": 1, "runs": f"pipeline('fill-mask', model=folder)(texts, top_k={top_k})"},
            "ms_per_pass": passes["pipeline_default_batch"],
            "sentences_per_s": round(1000 * n_sentences / ms_default, 1),
            "ratio": round(ms_default / ms_ours, 3),
            "identical_topk": top_ids(our_records) == top_ids(default_records),
        },
        "numpy_engine": numpy_engine,
    }


def numpy_engine_side(folder: Path, top_k: int) -> tuple[dict, Any]:
    """(its JSON entry, a function answering texts) for the NumPy engine, or (why it is not run, None).

    Run only where ``mlmcourse fill-mask`` would choose it (local ``BertForMaskedLM`` folders); there, any failure
    is an error, never skipped.
    """
    from mlmcourse.inference import fill_mask, load_model
    from mlmcourse.inference.cli import choose_engine

    if choose_engine(str(folder), "auto") != "numpy":
        return {"run": False, "why": f"the NumPy engine reads local BertForMaskedLM folders with model.safetensors "
                                     f"and tokenizer.json; {folder} is not one (the command line uses torch there)"}, None
    numpy_model, light_tokenizer = load_model(folder, engine="numpy")
    config = {"runs": f"fill_mask(NumpyBert, LightTokenizer, text, top_k={top_k})", "batch_size": 1,
              "threads": "NumPy's BLAS default (torch's setting does not apply)", "precision": "float32"}
    return {"run": True, "config": config}, lambda texts: fill_mask(numpy_model, light_tokenizer, texts, top_k=top_k,
                                                                    progress=False)
