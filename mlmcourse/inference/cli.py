"""``mlmcourse fill-mask "The <mask> barked at me."``: predictions as a table (or JSON), answered at once.

Teaches: what serving a small model costs. The default engine for BERT-format folders is the NumPy forward
pass (``numpy_bert.py``): no PyTorch import, so the answer comes in well under a second; ``--engine torch`` runs
the same checkpoint through PyTorch (needed for other architectures and for Hub names).
Mirrors: ``pipeline("fill-mask", model=...)(text, top_k=K, targets=...)``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mlmcourse.inference.fill_mask import fill_mask
from mlmcourse.inference.loading import course_checkpoint_dir, load_model, read_config, run_model_folder

BAR_WIDTH = 24
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"  # a block cut into eighths: 0/8 (nothing) to 7/8


def choose_engine(model: str | None, engine: str = "auto") -> str:
    """``auto`` -> ``numpy`` for a local BERT folder with ``tokenizer.json``, else ``torch``."""
    if engine != "auto":
        return engine
    folder = course_checkpoint_dir() if model is None else run_model_folder(Path(model).expanduser())
    if not folder.is_dir() or not (folder / "tokenizer.json").exists() or not (folder / "model.safetensors").exists():
        return "torch"
    try:
        model_config = read_config(folder)
    except Exception:  # let the real loader report what is wrong with the folder
        return "torch"
    return "numpy" if model_config.get("model_type") == "bert" else "torch"


def probability_bar(score: float, width: int = BAR_WIDTH) -> str:
    """``score * width`` blocks, to an eighth of a block; at least a hairline, so a probability of 0.0000 still
    shows on its row as the smallest bar rather than as a missing one.

    >>> probability_bar(1.0, 4), probability_bar(0.5, 4), probability_bar(0.3, 4), probability_bar(0.0, 4)
    ('████', '██', '█▎', '▏')
    """
    full, eighths = divmod(round(min(max(score, 0.0), 1.0) * width * 8), 8)
    return ("█" * full + BAR_EIGHTHS[eighths]).rstrip() or BAR_EIGHTHS[1]


def format_table(text: str, predictions: list[list[dict[str, Any]]]) -> str:
    """A readable table: one block per mask, rank / token / probability / bar.

    >>> print(format_table("the [MASK] barked .", [[{"token_str": "dog", "score": 0.5}]]))
    the [MASK] barked .
      rank  token           probability
         1  dog                  0.5000  ████████████
    """
    lines = [text]
    for number, mask_predictions in enumerate(predictions, start=1):
        if len(predictions) > 1:
            lines.append(f"  mask {number} of {len(predictions)} (scored on its own: the other masks stay masked)")
        lines.append(f"  {'rank':>4}  {'token':<15} {'probability':>11}")
        for rank, record in enumerate(mask_predictions, start=1):
            lines.append(f"  {rank:>4}  {record['token_str']:<15} {record['score']:>11.4f}  "
                         f"{probability_bar(record['score'])}")
    return "\n".join(lines)


def _command(args: argparse.Namespace) -> int:
    engine = choose_engine(args.model, args.engine)
    model, tokenizer = load_model(args.model, engine=engine)
    targets = args.targets.split(",") if args.targets else None
    results = fill_mask(model, tokenizer, list(args.texts), top_k=args.top_k, targets=targets)
    if len(args.texts) == 1:
        results = [results]
    # Always (text, mask, rank) nesting here, whatever the number of masks: easy to consume.
    per_text = [result if result and isinstance(result[0], list) else [result] for result in results]
    name = str(course_checkpoint_dir() if args.model is None else args.model)
    if args.json:
        print(json.dumps({"model": name, "engine": engine, "texts": list(args.texts), "predictions": per_text}))
        return 0
    print(f"model: {name} ({engine} engine)\n")
    tables = [format_table(text, predictions) for text, predictions in zip(args.texts, per_text, strict=True)]
    print("\n\n".join(tables))
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "fill-mask",
        help="predict the masked word(s): mlmcourse fill-mask \"The <mask> barked at me.\"",
        description="Predict masked words with the course checkpoint (default), a local folder or a Hub name. "
                    "Write the mask as <mask> or [MASK]; several masks are scored independently.",
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="text(s) with <mask> or [MASK]")
    parser.add_argument("--model", default=None,
                        help=f"model folder or Hub name (default: the course checkpoint {course_checkpoint_dir()})")
    parser.add_argument("--top-k", type=int, default=5, help="predictions per mask (default 5)")
    parser.add_argument("--targets", default=None, help="comma-separated words to score instead of the whole vocabulary")
    parser.add_argument("--engine", choices=("auto", "numpy", "torch"), default="auto",
                        help="auto: the PyTorch-free NumPy engine for BERT folders (fast start), else torch")
    parser.add_argument("--json", action="store_true", help="print one JSON object: predictions[text][mask][rank]")
    parser.set_defaults(func=_command)
