"""``mlmcourse finetune``: fine-tune a masked LM (or a model from scratch) on a labelled task, score it, export it.

    mlmcourse finetune --task toyworld-truth --n-train 256 --json          # from the course checkpoint
    mlmcourse finetune --init-from scratch --task toyworld-truth --n-train 256 --json
    mlmcourse finetune --init-from distilroberta-base --data my_examples.csv --out runs/my-classifier
    mlmcourse finetune --task pydocs-topic --linear-probe --json           # frozen encoder, linear probe

``--task`` is one of the course's tasks (toyworld-truth, toyworld-entities, pydocs-topic); ``--data`` a CSV or
JSON Lines file with ``text`` and ``label`` columns (and optionally ``split``). The scores are the test split's,
after early stopping on the validation split; ``--json`` prints them as one JSON object on the last line
(``accuracy``, ``macro_f1``, ``n_train``, ``seed``, ``test``, ...). ``--out`` writes a folder that
``pipeline("text-classification", model=...)`` (or ``"token-classification"``) loads.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mlmcourse.errors import CourseError
from mlmcourse.finetune.config import FinetuneConfig


def config_from_args(args: argparse.Namespace) -> FinetuneConfig:
    """The FinetuneConfig the command-line options describe."""
    recipe = "linear-probe" if args.linear_probe else "finetune"
    values = dict(task=args.task, data=args.data, n_train=args.n_train, max_length=args.max_length,
                  init_from=args.init_from, preset=args.preset, model=args.model, seed=args.seed,
                  max_minutes=args.max_minutes, batch_size=args.batch_size, epochs=args.epochs,
                  max_steps=args.max_steps, min_steps=min(FinetuneConfig().min_steps, args.max_steps),
                  num_threads=args.threads, progress=not (args.no_progress or args.json), device=args.device)
    for name in ("lr", "dropout"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.freeze_encoder:
        values["freeze_encoder"] = True
    return FinetuneConfig.recipe(recipe, **values)


def _command(args: argparse.Namespace) -> int:
    from mlmcourse.finetune.loop import finetune

    config = config_from_args(args)
    if args.out and Path(args.out).exists() and any(Path(args.out).iterdir()) and not args.overwrite:
        raise CourseError(f"{args.out} is not empty; choose a new --out folder or add --overwrite")
    result = finetune(config)
    summary = {"init_from": config.init_from or "course checkpoint", **result.summary()}
    if args.out:
        from mlmcourse.finetune.export import export_classifier

        folder = export_classifier(result.model, result.tokenizer, args.out, result.label_names, overwrite=True)
        (folder / "finetune.json").write_text(json.dumps({"config": config.to_dict(), "scores": summary},
                                                         indent=2) + "\n")
        summary["out"] = str(folder)
    if args.json:
        print(json.dumps(summary))
        return 0
    test = result.test
    print(f"{result.task}: {result.n_train} labelled examples, seed {result.seed}, {result.steps} steps "
          f"({result.stop_reason}; best weights from step {result.best_step}), {result.seconds:.0f} s")
    print(f"  test accuracy {test['accuracy']:.3f}, macro F1 {test['macro_f1']:.3f} on {test['n']} "
          f"{'words' if result.task == 'toyworld-entities' else 'examples'}")
    if args.out:
        kind = "token-classification" if result.task == "toyworld-entities" else "text-classification"
        print(f"  saved to {args.out}: pipeline('{kind}', model='{args.out}')")
    return 0


def add_cli(subparsers) -> None:
    defaults = FinetuneConfig()
    parser = subparsers.add_parser("finetune", help="fine-tune a masked LM on a labelled task (or from scratch)",
                                   description=__doc__.replace("``", ""),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("data")
    source = data.add_mutually_exclusive_group(required=True)
    source.add_argument("--task", help="toyworld-truth | toyworld-entities | pydocs-topic")
    source.add_argument("--data", metavar="FILE", help="a CSV or JSON Lines file with `text` and `label` columns")
    data.add_argument("--n-train", type=int, help="labelled training examples to use (default: all)")
    data.add_argument("--max-length", type=int, default=defaults.max_length, help="tokens per text")
    model = parser.add_argument_group("model")
    model.add_argument("--init-from", metavar="DIR|NAME|scratch",
                       help="a model folder, a Hub name, or 'scratch' (random weights of --preset); "
                            "default: the course checkpoint")
    model.add_argument("--preset", default=defaults.preset, help="the encoder's shape from scratch (tiny | mini | ...)")
    model.add_argument("--model", choices=("ours", "hf"), default=defaults.model,
                       help="ours: the course's heads on BERT-format models; hf: transformers' classes")
    model.add_argument("--freeze-encoder", action="store_true", help="train the head only")
    model.add_argument("--linear-probe", action="store_true",
                       help="frozen encoder, a linear layer on its mean-pooled features (not exportable)")
    model.add_argument("--dropout", type=float, help="default: the model's own (0 from scratch)")
    optim = parser.add_argument_group("optimisation")
    optim.add_argument("--lr", type=float, help="default: 1e-3 for small encoders (width <= 256), else 3e-5")
    optim.add_argument("--batch-size", type=int, default=defaults.batch_size)
    optim.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the data (early stopping "
                       "may stop sooner)")
    optim.add_argument("--max-steps", type=int, default=defaults.max_steps, help="at most this many steps")
    optim.add_argument("--max-minutes", type=float, help="time budget; the best weights so far are kept")
    run = parser.add_argument_group("run")
    run.add_argument("--out", help="export the fine-tuned model here (a pipeline-ready Hugging Face folder)")
    run.add_argument("--overwrite", action="store_true", help="allow --out to replace a non-empty folder")
    run.add_argument("--seed", type=int, default=defaults.seed)
    run.add_argument("--device", choices=("auto", "cuda", "mps", "cpu"), default=defaults.device)
    run.add_argument("--threads", type=int, help="CPU threads for torch")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.set_defaults(func=_command)
