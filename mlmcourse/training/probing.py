"""Watching what a run learns: the toy-world probe gap every few steps, and recipes compared on it.

What it teaches: the validation loss of a toy-world run mostly measures the language's own ambiguity (notebook 06),
so it barely moves while the model learns to count or to negate. The probe gap to the Bayes floor does move:
:class:`ProbeGap` scores the probes every ``every`` steps during training (as ``mlmcourse eval`` does: 200 probes
per phenomenon, seed 0) and can stop the run when a target gap is reached. :func:`compare_recipes` trains several
recipes, one change at a time, over several seeds, and records each run's gap curve: how notebook 05 tells how the
course checkpoint's recipe was found.

What it simplifies: the probes are scored on the model being trained (the time they take is not training time);
a curve point is the gap after ``step`` optimizer steps, so recipes with different batches are compared by tokens.

Production twin: the Trainer's ``eval_steps`` with a custom ``compute_metrics``, and the "time to a target
quality" benchmarks of efficient-training papers (e.g. cramming's fixed budget, MosaicBERT's time to a GLUE score).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from mlmcourse.training.callbacks import Callback, TrainState


class ProbeGap(Callback):
    """Score the toy-world probes every ``every`` steps; stop the run once the gap is at most ``target``."""

    def __init__(self, model, tokenizer, every: int, target: float | None = None, n_probes: int = 200,
                 positions_per_step: int = 0, echo: bool = False) -> None:
        from mlmcourse.corpora.toyworld import ToyWorld

        self.model, self.tokenizer, self.every, self.target = model, tokenizer, every, target
        self.n_probes, self.positions_per_step, self.echo = n_probes, positions_per_step, echo
        self.world = ToyWorld()
        self.curve: list[dict[str, float]] = []
        self.seconds = 0.0

    def on_step_end(self, state: TrainState) -> None:
        if state.step % self.every:
            return
        from mlmcourse.metrics.probes import probe_report

        started = time.perf_counter()
        report = probe_report(self.model, self.tokenizer, self.world, n=self.n_probes, seed=0, progress=False)
        self.seconds += time.perf_counter() - started
        self.model.train()
        point = {"step": state.step, "positions": state.step * self.positions_per_step,
                 "tokens": state.tokens_seen, "train_seconds": round(state.train_seconds, 2),
                 "gap_nats": round(report["gap_nats"], 4), "gap_se": round(report["gap_se"], 4),
                 "per_phenomenon": {row["phenomenon"]: round(row["gap_nats"], 4) for row in report["per_phenomenon"]}}
        self.curve.append(point)
        if self.echo:  # the curve so far, for whoever watches a long run
            print(json.dumps({key: point[key] for key in ("step", "positions", "gap_nats")}), file=sys.stderr,
                  flush=True)
        if self.target is not None and report["gap_nats"] <= self.target:
            state.should_stop = True

    def first_at_most(self, target: float) -> dict[str, float] | None:
        """The first curve point whose gap is at most ``target`` (None if the run never got there)."""
        return next((point for point in self.curve if point["gap_nats"] <= target), None)


def train_with_probes(config, every: int, target: float | None = None, n_probes: int = 200, echo: bool = False,
                      texts: dict[str, list[str]] | None = None) -> tuple[Any, ProbeGap]:
    """Train ``config`` while :class:`ProbeGap` watches it; returns (TrainResult, the callback with its curve)."""
    import torch

    from mlmcourse.training.build import build_model, load_tokenizer
    from mlmcourse.training.loop import train

    tokenizer = load_tokenizer(config)
    torch.manual_seed(config.seed)
    model = build_model(config, len(tokenizer), tokenizer.pad_token_id)
    watcher = ProbeGap(model, tokenizer, every, target, n_probes,
                       config.batch_size * config.grad_accum * config.seq_len, echo)
    result = train(config, [watcher], tokenizer=tokenizer, model=model, texts=texts)
    return result, watcher


def compare_recipes(recipes: dict[str, dict[str, Any]], seeds: list[int], every: int, path: str | Path | None = None,
                    n_probes: int = 200, **fields: Any) -> dict[str, Any]:
    """Train every recipe (TrainConfig fields) with every seed, recording probe-gap curves; save JSON to ``path``.

    ``fields`` are shared by all runs (e.g. ``num_threads``, ``progress=False``). Runs already in the JSON file are
    kept, so an interrupted study continues where it stopped.
    """
    from mlmcourse.training.build import load_texts
    from mlmcourse.training.config import TrainConfig

    path = Path(path) if path else None
    corpora: dict[str, dict[str, list[str]]] = {}  # one corpus per (corpus, options, seed), shared by the recipes
    study = json.loads(path.read_text()) if path and path.exists() else {"recipes": recipes, "runs": {}}
    study["recipes"] = recipes
    for name, recipe in recipes.items():
        for seed in seeds:
            key = f"{name}|{seed}"
            if key in study["runs"]:
                continue
            config = TrainConfig.from_dict({**recipe, **fields, "seed": seed})
            corpus_key = json.dumps([config.corpus, config.corpus_options, seed], sort_keys=True)
            if corpus_key not in corpora:
                corpora[corpus_key] = load_texts(config)
            result, watcher = train_with_probes(config, every, n_probes=n_probes, texts=corpora[corpus_key])
            study["runs"][key] = {"recipe": name, "seed": seed, "curve": watcher.curve,
                                  "tokens_per_second": round(result.tokens_per_second), "device": result.device,
                                  "train_seconds": round(result.train_seconds, 1)}
            if path:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(".tmp")
                temporary.write_text(json.dumps(study, indent=1))
                temporary.replace(path)
    return study


# The study notebook 05 tells: the same budget of positions, one change at a time, three seeds each.
STUDY_BUDGET_STEPS = 1_500
STUDY_COMMON: dict[str, Any] = dict(
    corpus="toyworld", corpus_options={"n_sentences": 400_000}, preset="tiny", lr=2e-3, warmup_steps=300,
    dropout=0.0, schedule="linear", max_steps=STUDY_BUDGET_STEPS, eval_every=10**9, log_every=100, precision="fp32",
    progress=False)
STUDY: dict[str, dict[str, Any]] = {
    "one line per 16-token row": dict(packing="none", seq_len=16, batch_size=128, mask_prob=0.25),
    "lines streamed into 64-token rows": dict(packing="stream", seq_len=64, batch_size=32, mask_prob=0.25),
    "whole lines packed, kept apart": dict(packing="lines", seq_len=64, batch_size=32, mask_prob=0.25),
    "... and 40% masking": dict(packing="lines", seq_len=64, batch_size=32, mask_prob=0.40),
}


def main(argv: list[str] | None = None) -> int:
    """``python -m mlmcourse.training.probing --out data/training/recipe_study.json``: run notebook 05's study."""
    import argparse

    parser = argparse.ArgumentParser(description="Train the recipe study (one change at a time, several seeds) "
                                                 "and store every run's probe-gap curve as JSON.")
    parser.add_argument("--out", default="data/training/recipe_study.json")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--every", type=int, default=500, help="steps between probe evaluations")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    recipes = {name: {**STUDY_COMMON, **changes} for name, changes in STUDY.items()}
    compare_recipes(recipes, list(range(args.seeds)), args.every, args.out, num_threads=args.threads)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
