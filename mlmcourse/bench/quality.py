"""Time to course quality: how much training a recipe needs before the toy-world probe gap first reaches 0.05 nats.

A recipe is a :class:`~mlmcourse.training.TrainConfig` (corpus, row length, packing, masking rate, batch, learning rate,
schedule, model shape). The bench trains it and, every ``--probe-every`` steps, scores the model on the toy-world
probes exactly as ``mlmcourse eval`` does (200 probes per phenomenon, seed 0: 1,400 blanks with their exact
posterior); it stops the first time the gap to the Bayes floor is at most ``--target`` (0.05 nats).

What counts as "tokens": the **positions** the model computed on, ``steps x batch x seq_len``, padding included,
because that is what a step costs; the real (non-padding) tokens are reported beside them. ``baseline_tokens`` is
the course's previous recipe (one padded line per 16-token row, 25% masking, batch 128, lr 2e-3, 30,000-step linear
decay), recorded in :data:`BASELINE`; ``ratio`` = ``baseline_tokens / tokens_to_quality`` (> 1: the recipe needs
fewer tokens). Minutes depend on the machine and on what else it runs; tokens do not.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from mlmcourse.errors import CourseError

DESCRIPTION = "training tokens until the toy-world probe gap first reaches 0.05 nats (the course recipe vs the old one)"

# The recipes this bench knows. "course" is what `mlmcourse train` does by default on the toy world.
RECIPES: dict[str, dict[str, Any]] = {
    # Session 2's checkpoint recipe (2026-12-01): one line per padded 16-token row.
    "baseline": dict(corpus="toyworld", corpus_options={"n_sentences": 1_000_000}, preset="tiny", packing="none",
                     seq_len=16, mask_prob=0.25, batch_size=128, lr=2e-3, warmup_steps=300, dropout=0.0,
                     max_steps=30_000, schedule="linear"),
}

# The old recipe's time to quality, measured end to end on 2026-12-03 (2-core AMD EPYC with avx512_bf16, fp32, 2
# threads) with `command`: the probe gap first reached 0.044 nats at step 22,000 (22,000 x 2,048 positions), after
# 28.6 minutes of training (consistent with the probe log of the run that trained the old course checkpoint on
# 2026-12-01: gap 0.12 at step 15,500, 0.015 at step 30,000). One training seed, probes every 500 steps.
BASELINE: dict[str, Any] = {
    "tokens_to_quality": 45_056_000,
    "steps": 22_000,
    "minutes": 28.63,
    "gap_nats": 0.0440,
    "measured": "2026-12-03, 2-core AMD EPYC (avx512_bf16), fp32, 2 threads",
    "source": "measured end to end with `mlmcourse bench quality --recipe baseline` (2026-12-03)",
    "command": "mlmcourse bench quality --recipe baseline --probe-every 500 --precision fp32 --json",
}


def baseline_ratio(tokens: int | None) -> dict[str, Any]:
    """``ratio`` = the old recipe's tokens to quality / ``tokens`` (> 1: fewer tokens than the old recipe).

    >>> round(baseline_ratio(10_000_000)["ratio"], 2)
    4.51
    """
    return {"ratio": BASELINE["tokens_to_quality"] / tokens if tokens else None}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--recipe", default="course", help="course (the default recipe) or baseline")
    parser.add_argument("--target", type=float, default=0.05, help="probe gap to reach, in nats")
    parser.add_argument("--probe-every", type=int, default=250, help="optimizer steps between probe evaluations")
    parser.add_argument("--n-probes", type=int, default=200, help="probes per phenomenon (mlmcourse eval: 200)")
    parser.add_argument("--max-steps", type=int, default=0, help="give up after this many steps (default: the "
                        "recipe's own length)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (the probes always use seed 0)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="change one TrainConfig field of the recipe (repeatable), e.g. --set mask_prob=0.3")
    parser.add_argument("--quick", action="store_true", help="a few steps on a tiny corpus (for the tests)")


def recipe_config(name: str, changes: list[str], **fields: Any):
    """The TrainConfig of recipe ``name`` with ``FIELD=VALUE`` changes (values parsed as Python literals)."""
    import ast

    from mlmcourse.training import TrainConfig
    from mlmcourse.training.defaults import course_recipe

    recipes = {**RECIPES, "course": course_recipe("toyworld")}
    if name not in recipes:
        raise CourseError(f"unknown recipe {name!r}; choose one of {', '.join(sorted(recipes))}")
    values = {**recipes[name]}
    for change in changes:
        key, sep, text = change.partition("=")
        if not sep:
            raise CourseError(f"--set takes FIELD=VALUE, got {change!r}")
        try:
            values[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            values[key] = text
    return TrainConfig.from_dict({**values, **fields})


def run(args: argparse.Namespace) -> dict:
    from mlmcourse.training.probing import train_with_probes

    fields: dict[str, Any] = dict(seed=args.seed, num_threads=args.threads, precision=args.precision,
                                  device=args.device, progress=False, eval_every=10**9, log_every=50)
    if args.max_steps:
        fields["max_steps"] = args.max_steps
    if args.quick:
        fields.update(corpus_options={"n_sentences": 2_000}, max_steps=6, warmup_steps=2, batch_size=16)
        args.probe_every, args.n_probes = 3, 5
    config = recipe_config(args.recipe, args.set, **fields)
    started = time.perf_counter()
    result, probe = train_with_probes(config, args.probe_every, args.target, args.n_probes, echo=True)
    reached = probe.first_at_most(args.target)
    tokens = reached["positions"] if reached else None
    baseline = BASELINE["tokens_to_quality"]
    return {
        "name": "quality",
        "config": {"recipe": args.recipe, "target_gap_nats": args.target, "probe_every": args.probe_every,
                   "n_probes_per_phenomenon": args.n_probes, "changes": args.set, "train_config": config.to_dict(),
                   "positions_per_step": probe.positions_per_step},
        "reached": reached is not None,
        "tokens_to_quality": tokens,
        "real_tokens_to_quality": reached["tokens"] if reached else None,
        "steps_to_quality": reached["step"] if reached else None,
        "minutes_to_quality": round(reached["train_seconds"] / 60, 2) if reached else None,
        "baseline_tokens": baseline,
        "baseline": BASELINE,
        **baseline_ratio(tokens),
        "final_gap_nats": probe.curve[-1]["gap_nats"] if probe.curve else None,
        "curve": probe.curve,
        "device": result.device,
        "tokens_per_second": round(result.tokens_per_second),
        "steps_per_second": round(result.steps / result.train_seconds, 2) if result.train_seconds else None,
        "probe_seconds": round(probe.seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
