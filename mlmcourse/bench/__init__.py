"""Benchmarks: ours against the Hugging Face way, measured in the same run.

``mlmcourse bench NAME [--json]`` runs ``mlmcourse/bench/<NAME>.py`` (``-`` in NAME becomes ``_``).
Each benchmark module defines

- ``DESCRIPTION``: one line for ``--help``;
- ``add_arguments(parser)``: its own options (sizes, threads, repeats);
- ``run(args) -> dict``: the result, with at least ``"name"``, ``"config"``, ``"ours"``, ``"huggingface"`` and
  ``"ratio"`` (> 1 means ours is better), measured in this process.

The JSON contract (DESIGN.md): with ``--json`` the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import time
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmarks in this package, as typed on the command line."""
    here = Path(__file__).parent
    return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def load(name: str):
    names = available()
    if name not in names:
        raise ValueError(f"unknown benchmark {name!r}; choose one of: {', '.join(names)} (or 'all')")
    return importlib.import_module(f"mlmcourse.bench.{name.replace('-', '_')}")


def environment() -> dict:
    """Facts that make a benchmark number interpretable."""
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or "cpu",
    }


def run_one(name: str, args: argparse.Namespace) -> dict:
    module = load(name)
    start = time.perf_counter()
    result = module.run(args)
    result.setdefault("name", name)
    result["environment"] = environment()
    result["wall_seconds"] = round(time.perf_counter() - start, 2)
    return result


def _command(args: argparse.Namespace) -> int:
    # REMAINDER swallows flags written after NAME; take ours back out of it.
    if "--json" in args.rest:
        args.rest = [a for a in args.rest if a != "--json"]
        args.json = True
    names = available() if args.name == "all" else [args.name]
    if args.name != "all":
        load(args.name)  # fail early on an unknown name
    results = []
    for name in names:
        module = load(name)
        sub = argparse.ArgumentParser(prog=f"mlmcourse bench {name}")
        module.add_arguments(sub)
        own, _ = sub.parse_known_args(args.rest)
        merged = argparse.Namespace(**{**vars(args), **vars(own)})
        result = run_one(name, merged)
        results.append(result)
        if not args.json:
            print(f"{name}: ratio {result['ratio']:.2f} (> 1 means ours is better)")
            print(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else {"name": "all", "results": results,
                                                              "ratio": None}))
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="compare ours with Hugging Face in one run (JSON on the last line with --json)",
        description="Benchmarks: " + ", ".join(available()) + ". Options after NAME go to that benchmark "
        "(see `mlmcourse bench NAME --help-bench`).",
    )
    parser.add_argument("name", help="benchmark name, or 'all'")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="options for the benchmark itself")
    parser.set_defaults(func=_command)
