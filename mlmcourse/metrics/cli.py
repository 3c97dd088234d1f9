"""``mlmcourse eval``: one command that scores a checkpoint the way notebook 06 does.

Perplexity and top-k accuracy on held-out text (seeded masks), pseudo-perplexity on a subset, and on the toy
world the probes per phenomenon against the Bayes floor plus minimal-pair accuracy. ``--json`` prints one JSON
object on the last line (keys: ``perplexity``, ``probe_ce``, ``bayes_floor``, ``gap_nats``, ``per_phenomenon``,
``minimal_pairs``, ...), so scripts and tests can read it. For a multilingual model (its tokenizer knows the language
tags, or ``--languages en,fr``) the toy world is the multilingual one and ``per_language: {language: {perplexity,
gap_nats, probe_ce, bayes_floor, kl, probe_accuracy, minimal_pairs, per_phenomenon, ...}}`` holds each language.
"""

from __future__ import annotations

import argparse
import json
import time

from mlmcourse.errors import CourseError

# name -> (full size, --quick size)
SIZES = {"n_texts": (2000, 200), "n_probes": (200, 20), "n_pairs": (100, 10), "pll_texts": (200, 20)}


def _command(args: argparse.Namespace) -> int:
    from mlmcourse.inference.loading import course_checkpoint_dir, load_model
    from mlmcourse.metrics.report import run_eval

    sizes = {name: getattr(args, name) if getattr(args, name) is not None else (quick if args.quick else full)
             for name, (full, quick) in SIZES.items()}
    for name, value in [*sizes.items(), ("batch_size", args.batch_size)]:
        smallest = 1 if name in ("n_texts", "batch_size") else 0
        if value < smallest:
            raise CourseError(f"--{name.replace('_', '-')} must be a whole number >= {smallest}, got {value}")
    start = time.perf_counter()
    model, tokenizer = load_model(args.model)
    result = {"model": str(course_checkpoint_dir() if args.model is None else args.model)}
    languages = [part.strip() for part in args.languages.split(",")] if args.languages else None
    result.update(run_eval(model, tokenizer, args.corpus, seed=args.seed, batch_size=args.batch_size,
                           progress=not args.json, languages=languages, anchors=args.anchors, **sizes))
    result["config"] = {**sizes, "seed": args.seed, "mask_prob": 0.15, "quick": args.quick}
    result["seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"model {result['model']} on {args.corpus} ({result['n_texts']} texts, {result['n_predicted']} masked tokens)")
    print(f"  masked cross-entropy {result['loss']:.3f} nats, perplexity {result['perplexity']:.2f}, "
          f"top-1 {100 * result['top1']:.1f}%, top-5 {100 * result['top5']:.1f}%")
    if "pseudo_perplexity" in result:
        print(f"  pseudo-perplexity {result['pseudo_perplexity']:.2f} (first {sizes['pll_texts']} texts)")
    if "per_language" in result and "gap_nats" in result:
        from mlmcourse.metrics.probes import format_language_table

        rows = {language: {**row, "accuracy": row["probe_accuracy"], "bayes_accuracy": row["probe_bayes_accuracy"],
                           "minimal_pairs": {"accuracy": row["minimal_pairs"]} if "minimal_pairs" in row else None}
                for language, row in result["per_language"].items()}
        overall = {**result, "accuracy": result["probe_accuracy"], "bayes_accuracy": result["probe_bayes_accuracy"],
                   "per_language": rows}
        print("\nprobes per language (nats; gap = model CE - Bayes floor; pairs = minimal-pair accuracy)")
        print(format_language_table(overall))
    elif "per_phenomenon" in result:
        from mlmcourse.metrics.probes import format_probe_table

        table_input = {**result, "accuracy": result["probe_accuracy"], "bayes_accuracy": result["probe_bayes_accuracy"]}
        print("\nprobes (nats; gap = model CE - Bayes floor; KL = KL(posterior || model))")
        print(format_probe_table(table_input))
        pairs = result.get("minimal_pairs")
        if pairs:
            print(f"\nminimal pairs (pseudo-log-likelihood): {100 * pairs['accuracy']:.1f}% of {pairs['n_pairs']}")
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="perplexity, pseudo-perplexity, toy-world probes vs the Bayes floor, minimal pairs",
        description="Evaluate a masked LM (default: the course checkpoint). With --json the last line is one "
                    "JSON object with perplexity, probe_ce, bayes_floor, gap_nats, per_phenomenon, minimal_pairs.",
    )
    parser.add_argument("--model", default=None, help="model folder or Hub name (default: the course checkpoint)")
    parser.add_argument("--corpus", default="toyworld", help="toyworld (with probes), pydocs, a .txt path, ...")
    parser.add_argument("--languages", default=None, help="toy world in these languages, e.g. en,fr (default: every "
                        "language whose tag <xx> the model's tokenizer has; none: the English toy world)")
    parser.add_argument("--anchors", choices=("none", "shared"), default="none",
                        help="with languages: how the toy world spells names (as the model was trained)")
    parser.add_argument("--n-texts", dest="n_texts", type=int, default=None, help="held-out texts for perplexity")
    parser.add_argument("--n-probes", dest="n_probes", type=int, default=None, help="probes per phenomenon")
    parser.add_argument("--n-pairs", dest="n_pairs", type=int, default=None, help="minimal pairs per phenomenon")
    parser.add_argument("--pll-texts", dest="pll_texts", type=int, default=None,
                        help="texts for pseudo-perplexity (0 to skip)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="seed of the evaluation masks and probes")
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds): " + ", ".join(
        f"{name}={quick}" for name, (_, quick) in SIZES.items()))
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.set_defaults(func=_command)
