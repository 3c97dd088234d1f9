"""``mlmcourse train``: train a masked LM from the command line, resume it, export it for ``pipeline``.

    mlmcourse train --corpus toyworld --max-minutes 5 --out runs/tiny
    mlmcourse train --corpus toyworld --max-minutes 5 --out runs/tiny --resume
    mlmcourse train ... --export data/models/my-model   # HF folder + model card with the recipe
    mlmcourse train --init-from data/models/course-tiny --corpus my_texts.txt --out runs/adapted  # adapt it

Every option is a :class:`~mlmcourse.training.config.TrainConfig` field (``--seq-len`` is ``seq_len``; its help is
the field's). An option you do not give comes from the measured recipe for the corpus
(:func:`mlmcourse.training.defaults.course_recipe`), then from ``TrainConfig``'s own default.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
from dataclasses import fields
from pathlib import Path
from typing import Any

from mlmcourse.errors import CourseError
from mlmcourse.training.config import TrainConfig
from mlmcourse.training.defaults import course_recipe

_TYPES = {"int": int, "float": float, "str": str}


def _field_type(item) -> Any:
    """int / float / str from a field's annotation (``"int | None"`` -> int)."""
    annotation = str(item.type).split("|")[0].strip()
    return _TYPES.get(annotation.split("[")[0], str)


def _default_text(name: str, default: Any, recipes: dict[str, dict[str, Any]]) -> str:
    """What an option defaults to, in its help: the recipes' values where they set it."""
    if name != "corpus" and any(name in recipe for recipe in recipes.values()):
        return " (default: " + ", ".join(f"{recipe.get(name, default)} on {corpus}"
                                         for corpus, recipe in recipes.items()) + ")"
    return "" if default is None or callable(default) or type(default).__name__ == "_MISSING_TYPE" else \
        f" (default {default})"


def recipe_for(args: argparse.Namespace) -> dict[str, Any]:
    """The measured recipe for the corpus (and implementation) these options name."""
    recipe = course_recipe(args.corpus or TrainConfig.corpus)
    if args.init_from is not None:  # continue a model: its own shape; the data's row recipe
        recipe.pop("preset", None)
        recipe.pop("corpus_options", None) if args.corpus not in (None, "toyworld") else None
    from mlmcourse.training.build import trains_as_ours  # (imports torch: only when the command runs)

    if recipe.get("packing") == "lines" and ((args.model or "ours") != "ours" or (
            args.init_from is not None and not trains_as_ours(args.init_from))):
        recipe["packing"] = "none"  # keeping lines apart in one row needs the course's model
    return recipe


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the command-line options describe: the corpus's recipe, then what was given."""
    values = recipe_for(args)
    for item in fields(TrainConfig):
        given = getattr(args, item.name, None)
        if given is not None:
            values[item.name] = tuple(given) if item.name == "betas" else given
    if args.no_packing:
        values["packing"] = "none"
    if args.n_sentences:
        values["corpus_options"] = {**values.get("corpus_options", {}), "n_sentences": args.n_sentences}
    if args.languages:  # the multilingual toy world, an equal share of each language
        values["corpus_options"] = {**values.get("corpus_options", {}), "anchors": args.anchors,
                                    "languages": [part.strip() for part in args.languages.split(",")]}
    if values.get("clip") == 0:
        values["clip"] = None
    return TrainConfig.from_dict(values)


def model_card(config: TrainConfig, result, command: str) -> str:
    """A README.md for an exported model: what it is, the exact recipe and its final metrics."""
    final = result.final_eval or {}
    lines = [
        "# A tiny masked language model trained by the mlmcourse course", "",
        "BERT-style encoder ("
        + ("the shape of the model it continued" if config.init_from else
           f"`{config.preset}` preset, {'pre' if config.pre_ln else 'post'}-LN") + ") trained with "
        f"masked language modeling on the `{config.corpus}` corpus"
        + (f" in {', '.join(config.corpus_options['languages'])} (start each text with its tag, e.g. `<fr>`)"
           if config.corpus_options.get("languages") else "") + " by `mlmcourse train`"
        + (f", continued from the model in `{config.init_from}`." if config.init_from else "."), "",
        "```python", "from transformers import pipeline",
        'fill = pipeline("fill-mask", model="path/to/this/folder")', *_card_examples(config), "```", "",
        "## Recipe", "", "```", command, "```", "",
        f"- seed {config.seed}, {result.steps} steps ({result.stop_reason}), "
        f"{result.train_seconds / 60:.1f} minutes of training, {result.tokens_seen:,} tokens",
        f"- {result.device}",
        f"- global batch {result.global_batch or config.batch_size * config.grad_accum} sequences of "
        f"{config.seq_len} tokens ({config.batch_size} per process x {result.world_size} process(es) x "
        f"{config.grad_accum} accumulation), lr {config.lr}, "
        f"{config.warmup_steps} warmup steps, {config.schedule} decay, mask rate {config.mask_prob} "
        f"({config.masking})", "",
        "## Final validation metrics (fixed seeded mask, token-weighted)", "",
        f"- loss {final.get('loss', float('nan')):.4f}, perplexity {final.get('perplexity', float('nan')):.3f}, "
        f"top-1 accuracy {final.get('accuracy', float('nan')):.2%} on {final.get('n_predicted', 0):,} tokens",
        "",
    ]
    return "\n".join(lines)


def _card_examples(config: TrainConfig) -> list[str]:
    languages = config.corpus_options.get("languages")
    if not languages:
        return ['fill("The [MASK] barked at me.")']
    from mlmcourse.corpora.languages import FILL_MASK_EXAMPLES

    return [f'fill("{FILL_MASK_EXAMPLES[language]}")' for language in languages]


def command_line(args: argparse.Namespace) -> str:
    """The ``mlmcourse train`` command that reproduces ``args`` (the options that were given)."""
    words = ["mlmcourse", "train"]
    for action in args.parser._actions:
        if not action.option_strings or action.dest in ("help", "overwrite"):
            continue
        value = getattr(args, action.dest)
        if value is None or value is False or value == action.default:
            continue
        flag = action.option_strings[0]
        if value is True:
            words.append(flag)
        elif isinstance(action, argparse.BooleanOptionalAction):
            words.append("--no-" + flag[2:])
        elif isinstance(value, (list, tuple)):
            words += [flag, *(shlex.quote(str(v)) for v in value)]
        else:
            words += [flag, shlex.quote(str(value))]
    return " ".join(words)


def _command(args: argparse.Namespace) -> int:
    from mlmcourse.training.loop import _save_model, train

    if args.out_dir is None and args.export is None and not args.resume:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        args.out_dir = f"runs/{Path(str(args.corpus or 'toyworld')).stem}-{stamp}"
        print(f"No --out given: the run is saved in {args.out_dir}")
    config = config_from_args(args)
    if args.export and Path(args.export).exists() and any(Path(args.export).iterdir()) and not args.overwrite:
        raise CourseError(f"{args.export} is not empty; add --overwrite to replace the model there")
    if config.out_dir:  # fail on an unwritable folder before training, not after it
        Path(config.out_dir).mkdir(parents=True, exist_ok=True)
    if args.export:
        from mlmcourse.atomic import check_writable

        check_writable(args.export)
    result = train(config)
    if int(os.environ.get("RANK", "0")) != 0:  # a data-parallel worker: the main process exports and reports
        return 0
    asked = None
    if args.export:
        from mlmcourse.atomic import atomic_folder
        from mlmcourse.training.build import load_tokenizer

        folder = Path(args.export)
        with atomic_folder(folder) as staging:  # replaces the whole folder: no file of an earlier export stays
            _save_model(result.model, load_tokenizer(config), staging)
            (staging / "README.md").write_text(model_card(config, result, command_line(args)))
        asked = folder
    elif config.out_dir:
        asked = Path(config.out_dir)
    if asked is not None:
        print(f"The model is in {asked if args.export else asked / 'model'}. Ask it:\n"
              f"  mlmcourse fill-mask --model {shlex.quote(str(asked))} \"The <mask> barked at me.\"\n"
              f"or in Python: pipeline(\"fill-mask\", model=\"{asked if args.export else asked / 'model'}\")")
    return 0


def add_cli(subparsers) -> None:
    description = __doc__.replace("``", "").replace(":class:`~mlmcourse.training.config.TrainConfig`", "TrainConfig")
    description = description.replace(":func:`mlmcourse.training.defaults.course_recipe`", "see --help's end")
    parser = subparsers.add_parser("train", help="train a masked language model (resumable)", description=description,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    groups = {name: parser.add_argument_group(name) for name in ("data", "model", "optimisation", "run")}
    group_of = {"corpus": "data", "preset": "model", "batch_size": "optimisation", "eval_every": "run"}
    group = groups["data"]
    recipes = {"the toy world": course_recipe("toyworld"), "other text": course_recipe("other")}
    for item in fields(TrainConfig):
        group = groups[group_of.get(item.name, "")] if item.name in group_of else group
        meta = item.metadata
        if meta.get("cli") is False:
            continue
        flag = meta.get("flag", "--" + item.name.replace("_", "-"))
        kwargs: dict[str, Any] = {"dest": item.name, "default": None,
                                  "help": meta["help"] + _default_text(item.name, item.default, recipes)}
        if isinstance(item.default, bool):
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = float if item.name == "betas" else _field_type(item)
            kwargs.update({key: meta[key] for key in ("choices", "nargs") if key in meta})
        group.add_argument(flag, **kwargs)
    groups["data"].add_argument("--n-sentences", type=int, help="toy-world training sentences")
    groups["data"].add_argument("--no-packing", action="store_true", help="the same as --packing none")
    groups["data"].add_argument("--languages", help="toy world in these languages, e.g. en,fr,de,ru (each line starts "
                                "with its tag, <fr>; the multilingual tokenizer is the default)")
    groups["data"].add_argument("--anchors", choices=("none", "shared"), default="none", help="with --languages: "
                                "names spelled each language's own way, or as in English everywhere (default %(default)s)")
    groups["run"].add_argument("--export", help="also write the model in Hugging Face format + a model card here")
    groups["run"].add_argument("--overwrite", action="store_true", help="allow --export into a non-empty folder")
    parser.epilog = ("Options you do not give come from the corpus's measured recipe; for the toy world: "
                     + ", ".join(f"{key}={value}" for key, value in course_recipe("toyworld").items()
                                 if key not in ("corpus",)))
    parser.set_defaults(func=_command, parser=parser)
