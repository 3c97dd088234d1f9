"""``mlmcourse train``: train a masked LM from the command line, resume it, export it for ``pipeline``.

    mlmcourse train --corpus toyworld --preset tiny --max-minutes 5 --out runs/tiny
    mlmcourse train --corpus toyworld --preset tiny --max-minutes 5 --out runs/tiny --resume
    mlmcourse train ... --export data/models/course-tiny   # HF folder + model card with the recipe
    mlmcourse train --init-from data/models/course-tiny --corpus my_texts.txt --out runs/adapted  # adapt it

Every option maps to a :class:`~mlmcourse.training.config.TrainConfig` field of the same name.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from mlmcourse.training.config import MASKINGS, TrainConfig
from mlmcourse.training.device import DEVICES, PRECISIONS
from mlmcourse.training.schedules import SCHEDULES


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the command-line options describe."""
    options = {"n_sentences": args.n_sentences} if args.n_sentences else {}
    return TrainConfig(
        corpus=args.corpus, corpus_options=options, tokenizer=args.tokenizer, seq_len=args.seq_len,
        packing=not args.no_packing, masking=args.masking, mask_prob=args.mask_prob, preset=args.preset,
        model=args.model, init_from=args.init_from, pre_ln=args.pre_ln, sparse_head=not args.dense_head,
        dropout=args.dropout,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum, lr=args.lr, warmup_steps=args.warmup_steps, schedule=args.schedule,
        max_steps=args.max_steps, max_minutes=args.max_minutes, clip=args.clip if args.clip > 0 else None,
        eval_every=args.eval_every, checkpoint_every=args.checkpoint_every, out_dir=args.out, resume=args.resume,
        seed=args.seed, device=args.device, precision=args.precision, compile=args.compile,
        num_threads=args.threads, progress=not args.no_progress)


def model_card(config: TrainConfig, result, command: str) -> str:
    """A README.md for an exported model: what it is, the exact recipe and its final metrics."""
    final = result.final_eval or {}
    lines = [
        "# A tiny masked language model trained by the mlmcourse course", "",
        "BERT-style encoder ("
        + ("the shape of the model it continued" if config.init_from else
           f"`{config.preset}` preset, {'pre' if config.pre_ln else 'post'}-LN") + ") trained with "
        f"masked language modeling on the `{config.corpus}` corpus by `mlmcourse train`"
        + (f", continued from the model in `{config.init_from}`." if config.init_from else "."), "",
        "```python", "from transformers import pipeline",
        'fill = pipeline("fill-mask", model="path/to/this/folder")', 'fill("The [MASK] barked at me.")', "```", "",
        "## Recipe", "", "```", command, "```", "",
        f"- seed {config.seed}, {result.steps} steps ({result.stop_reason}), "
        f"{result.train_seconds / 60:.1f} minutes of training, {result.tokens_seen:,} tokens",
        f"- {result.device}",
        f"- batch {config.batch_size} x {config.grad_accum} x {config.seq_len} tokens, lr {config.lr}, "
        f"{config.warmup_steps} warmup steps, {config.schedule} decay, mask rate {config.mask_prob} "
        f"({config.masking})", "",
        "## Final validation metrics (fixed seeded mask, token-weighted)", "",
        f"- loss {final.get('loss', float('nan')):.4f}, perplexity {final.get('perplexity', float('nan')):.3f}, "
        f"top-1 accuracy {final.get('accuracy', float('nan')):.2%} on {final.get('n_predicted', 0):,} tokens",
        "",
    ]
    return "\n".join(lines)


def command_line(args: argparse.Namespace) -> str:
    """The ``mlmcourse train`` command that reproduces ``args`` (options that differ from their defaults)."""
    words = ["mlmcourse", "train"]
    for action in args.parser._actions:
        if not action.option_strings or action.dest in ("help", "overwrite"):
            continue
        value = getattr(args, action.dest)
        if value == action.default:
            continue
        flag = action.option_strings[-1]
        words += [flag] if isinstance(action, argparse._StoreTrueAction) else [flag, shlex.quote(str(value))]
    return " ".join(words)


def _command(args: argparse.Namespace) -> int:
    from mlmcourse.training.loop import _save_model, train

    config = config_from_args(args)
    if args.export and Path(args.export).exists() and any(Path(args.export).iterdir()) and not args.overwrite:
        raise ValueError(f"{args.export} is not empty; add --overwrite to replace the model there")
    result = train(config)
    if args.export:
        from mlmcourse.training.build import load_tokenizer

        folder = Path(args.export)
        _save_model(result.model, load_tokenizer(config), folder)
        (folder / "README.md").write_text(model_card(config, result, command_line(args)))
        print(f"Exported the model to {folder} (load it with pipeline('fill-mask', model='{folder}'))")
    return 0


def add_cli(subparsers) -> None:
    defaults = TrainConfig()
    parser = subparsers.add_parser("train", help="train a masked language model (resumable)",
                                   description=__doc__.replace("``", ""), formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("data")
    data.add_argument("--corpus", default=defaults.corpus, help="toyworld, pydocs, a .txt file/folder/glob, "
                      "or a Hub dataset name (default %(default)s)")
    data.add_argument("--n-sentences", type=int, help="toy-world training sentences (default: the corpus's own)")
    data.add_argument("--tokenizer", help="a tokenizer folder (default: the course tokenizer)")
    data.add_argument("--seq-len", type=int, default=defaults.seq_len)
    data.add_argument("--no-packing", action="store_true", help="one padded line per sequence instead of packing")
    data.add_argument("--masking", choices=MASKINGS, default=defaults.masking)
    data.add_argument("--mask-prob", type=float, default=defaults.mask_prob)
    model = parser.add_argument_group("model")
    model.add_argument("--preset", default=defaults.preset, help="tiny | mini | small | base")
    model.add_argument("--model", choices=("ours", "hf"), default=defaults.model)
    model.add_argument("--init-from", metavar="DIR|NAME", help="start from this model's weights (continued "
                       "pretraining, domain adaptation): a folder or a Hub name (any masked LM, e.g. "
                       "distilroberta-base); its shape and tokenizer are used")
    model.add_argument("--pre-ln", action="store_true", help="LayerNorm before each sublayer (default: post-LN)")
    model.add_argument("--dense-head", action="store_true", help="run the MLM head at every position")
    model.add_argument("--dropout", type=float, default=defaults.dropout, help="dropout on embeddings, sublayers "
                       "and attention (0 is fine for a generated corpus that never repeats)")
    optim = parser.add_argument_group("optimisation")
    optim.add_argument("--batch-size", type=int, default=defaults.batch_size)
    optim.add_argument("--grad-accum", type=int, default=defaults.grad_accum)
    optim.add_argument("--lr", type=float, default=defaults.lr)
    optim.add_argument("--warmup-steps", type=int, default=defaults.warmup_steps)
    optim.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule)
    optim.add_argument("--max-steps", type=int, default=defaults.max_steps)
    optim.add_argument("--max-minutes", type=float, help="time budget; the run saves and stops when it is spent")
    optim.add_argument("--clip", type=float, default=defaults.clip, help="max gradient norm (0: no clipping)")
    run = parser.add_argument_group("run")
    run.add_argument("--out", help="output folder (config.json, checkpoints/, model/)")
    run.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    run.add_argument("--export", help="also write the model in Hugging Face format + a model card here")
    run.add_argument("--overwrite", action="store_true", help="allow --export into a non-empty folder")
    run.add_argument("--eval-every", type=int, default=defaults.eval_every)
    run.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    run.add_argument("--seed", type=int, default=defaults.seed)
    run.add_argument("--device", choices=DEVICES, default=defaults.device)
    run.add_argument("--precision", choices=PRECISIONS, default=defaults.precision)
    run.add_argument("--compile", action="store_true", help="torch.compile the model (for GPUs)")
    run.add_argument("--threads", type=int, help="CPU threads for torch")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=_command, parser=parser)
