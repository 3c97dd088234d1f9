"""The warmup experiment: a post-LN BERT trained with and without learning-rate warmup, and the unigram plateau.

What it teaches: early in training a masked LM can minimise its loss without reading the context at all, by
predicting every masked word with its overall frequency (the unigram distribution): "the" everywhere. That
loss is the *unigram entropy* of the tokens (:func:`unigram_entropy`), and a post-LN BERT that starts with a
large learning rate can sit on it for hundreds of steps (transformers #613, #4892; google-research/bert #529).
Warming the learning rate up lets the attention layers start learning before the large steps arrive.
:func:`warmup_experiment` trains the same model twice, once per recipe in ``RECIPES``, and records both curves
and what each model predicts most often.

What it simplifies: a constant learning rate after warmup, so that only the warmup differs (and a longer run can
resume a shorter one exactly); a few seeds per recipe, enough to see whether the difference is larger than the
spread between seeds.

Run it from a terminal with ``python -m mlmcourse.training.plateau --steps 1500 --seeds 3`` (a JSON file of the
curves; about a minute per run on a 2-core laptop); notebook 05 runs a shorter version live.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
from collections.abc import Sequence
from pathlib import Path

import torch

from mlmcourse.errors import CourseError
from mlmcourse.training.batches import IGNORE_INDEX
from mlmcourse.training.config import TrainConfig

RECIPES: dict[str, dict] = {
    "no warmup": {"lr": 2e-3, "warmup_steps": 0},
    "300 warmup steps": {"lr": 2e-3, "warmup_steps": 300},
}
# The shared recipe: the tiny post-LN preset on short packed toy-world sequences.
BASE = dict(corpus="toyworld", corpus_options={"n_sentences": 100_000}, preset="tiny", pre_ln=False, seq_len=32,
            packing="stream", dropout=0.1, batch_size=16, schedule="constant", eval_every=50, log_every=25,
            eval_sequences=128, checkpoint_every=250, seed=0, precision="fp32")


def unigram_entropy(token_lists: Sequence[Sequence[int]]) -> float:
    """Entropy (nats) of the token frequencies: the loss of a model that ignores the context.

    >>> round(unigram_entropy([[7, 7, 8], [7, 9]]), 4)  # frequencies 3/5, 1/5, 1/5
    0.9503
    """
    counts = collections.Counter(token for tokens in token_lists for token in tokens)
    total = sum(counts.values())
    if total == 0:
        raise CourseError("no tokens to count")
    return -sum(count / total * math.log(count / total) for count in counts.values())


@torch.no_grad()
def prediction_shares(model: torch.nn.Module, batches, tokenizer, top: int = 3) -> list[tuple[str, float]]:
    """The ``top`` tokens the model predicts most often at masked positions, with their shares."""
    model.eval()
    device = next(model.parameters()).device
    counts: collections.Counter = collections.Counter()
    for batch in batches:
        logits = model(**{name: tensor.to(device) for name, tensor in batch.items()}).logits
        if logits.dim() == 3:  # dense head: keep the predicted positions
            logits = logits[batch["labels"].to(device) != IGNORE_INDEX]
        counts.update(logits.argmax(dim=-1).tolist())
    total = sum(counts.values())
    return [(tokenizer.convert_ids_to_tokens(token), round(count / total, 4)) for token, count in counts.most_common(top)]


def warmup_experiment(steps: int, *, tokenizer=None, texts=None, recipes: dict[str, dict] | None = None,
                      seeds: tuple[int, ...] = (0,), work_dir: str | Path | None = None,
                      num_threads: int | None = None, progress: bool = True,
                      base_changes: dict | None = None) -> dict:
    """Train one tiny post-LN model per recipe and seed for ``steps`` steps; return curves and diagnostics.

    ``base_changes`` change the shared recipe :data:`BASE` for every run (e.g. ``{"packing": "lines"}``).

    Runs are keyed ``"recipe|seed"``. With ``work_dir``, each run checkpoints there and a later call with more
    ``steps`` continues it exactly.
    """
    from mlmcourse.training.batches import BatchMasker, make_eval_batches
    from mlmcourse.training.build import load_texts, load_tokenizer
    from mlmcourse.training.data import make_blocks, tokenize_lines
    from mlmcourse.training.loop import train

    shared = {**BASE, **(base_changes or {})}
    base = TrainConfig(**shared, max_steps=steps, num_threads=num_threads, progress=progress)
    tokenizer = tokenizer if tokenizer is not None else load_tokenizer(base)
    texts = texts if texts is not None else load_texts(base)
    entropy = unigram_entropy(tokenize_lines(tokenizer, texts["train"][:20_000], progress=False))
    eval_batches = make_eval_batches(make_blocks(tokenizer, texts["validation"], base.seq_len, progress=False),
                                     BatchMasker(tokenizer), base.batch_size, base.eval_sequences, base.seed)
    runs = {}
    for name, changes in (recipes or RECIPES).items():
        for seed in seeds:
            out_dir = str(Path(work_dir) / f"{name.replace(' ', '_')}-{seed}") if work_dir else None
            config = TrainConfig(**{**base.to_dict(), **changes, "seed": seed, "out_dir": out_dir,
                                    "resume": bool(out_dir and Path(out_dir, "checkpoints").is_dir())})
            if progress:
                print(f"--- {name}, seed {seed}: {changes}")
            result = train(config, tokenizer=tokenizer, texts=texts)
            runs[f"{name}|{seed}"] = {
                "recipe_name": name, "seed": seed, "recipe": changes,
                "history": [{k: e[k] for k in ("step", "loss", "lr")} for e in result.history],
                "evals": [{k: e[k] for k in ("step", "loss", "accuracy")} for e in result.evals],
                "top_predictions": prediction_shares(result.model, eval_batches, tokenizer),
                "train_seconds": round(result.train_seconds, 1)}
    return {"steps": steps, "base": shared, "unigram_entropy": round(entropy, 4),
            "corpus": base.corpus, "seeds": list(seeds), "runs": runs}


def leave_step(run: dict, plateau: float, margin: float = 0.5) -> int | None:
    """The first evaluated step whose validation loss is ``margin`` nats below the plateau (None: never).

    >>> leave_step({"evals": [{"step": 50, "loss": 4.1}, {"step": 100, "loss": 3.2}]}, plateau=4.0)
    100
    """
    return next((e["step"] for e in run["evals"] if e["loss"] < plateau - margin), None)


def plot_warmup_experiment(result: dict, ax=None):
    """Validation loss of each run against the step (one colour per recipe, one line per seed), and the plateau."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    colours = {}
    for key, run in result["runs"].items():
        name = run.get("recipe_name", key)
        first = name not in colours
        colour = colours.setdefault(name, f"C{len(colours)}")
        ax.plot([e["step"] for e in run["history"]], [e["loss"] for e in run["history"]], lw=0.6, alpha=0.35,
                color=colour)
        ax.plot([e["step"] for e in run["evals"]], [e["loss"] for e in run["evals"]], "o-", ms=2.5, lw=1,
                color=colour, label=f"{name} (lr {run['recipe']['lr']:g})" if first else None)
    ax.axhline(result["unigram_entropy"], color="gray", ls="--", lw=1,
               label=f"unigram entropy {result['unigram_entropy']:.2f}: one guess for every mask")
    seeds = len(result.get("seeds", [0]))
    ax.set(xlabel="step", ylabel="loss (nats per masked token)",
           title=f"post-LN tiny BERT on the toy world: with and without warmup ({seeds} seed(s) each)")
    lowest = min(e["loss"] for run in result["runs"].values() for e in run["evals"])
    last = max(run["evals"][-1]["loss"] for run in result["runs"].values())  # keep every run's end in view
    ax.set_ylim(bottom=lowest - 0.3, top=max(result["unigram_entropy"] + 1.0, last + 0.3))
    ax.legend()
    return ax


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the warmup experiment and store its curves as JSON.")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--out", default="runs/warmup_plateau.json")
    parser.add_argument("--work-dir", help="checkpoint folder: a later call with more --steps continues")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--recipe", choices=sorted(RECIPES), help="run only this recipe")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per recipe")
    args = parser.parse_args(argv)
    recipes = {args.recipe: RECIPES[args.recipe]} if args.recipe else None
    result = warmup_experiment(args.steps, recipes=recipes, seeds=tuple(range(args.seeds)), work_dir=args.work_dir,
                               num_threads=args.threads)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
