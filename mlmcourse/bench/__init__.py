"""Benchmarks: ours against the Hugging Face way, measured in the same run, like with like.

``mlmcourse bench NAME [--json] [options]`` runs ``mlmcourse/bench/<NAME>.py`` (``-`` in NAME becomes ``_``);
``mlmcourse bench NAME --help`` lists that benchmark's options, and an option it does not know is an error (exit
status 2), never silently dropped. ``mlmcourse bench all`` runs every benchmark, giving each the options it knows
(an option no benchmark knows is an error). Each benchmark module defines

- ``DESCRIPTION``: one line for ``--help``;
- ``add_arguments(parser)``: its own options (sizes, threads, repeats, ``--quick``);
- ``run(args) -> dict``: the result, measured in this process.

The JSON contract: with ``--json`` the last line printed is one JSON object, holding

- ``"name"`` and ``"config"`` (what both sides share: data, sizes, repeats);
- each compared side under a key that says what runs (``"ours"`` / ``"huggingface"``, or e.g.
  ``"batched_calls"`` / ``"one_call_per_text"``), with its own ``"config"`` (model, head, batch size, precision,
  threads, the exact call) and its figures as spreads ``{"median", "min", "max", "runs"}`` over interleaved
  repeats (:func:`mlmcourse.bench.timing.interleaved`);
- ``"ratio"``: > 1 means ours is better, from the two medians of this run, at EQUAL WORK (same data, same batch
  size, same threads, same result), and ``"ratio_is"``: one sentence saying which figure is divided by which;
- any other figure (a technique's own gain, our default against their default, a reference implementation's
  slow-down) under its own clearly labelled key, never in ``"ratio"``.

``mlmcourse bench all --json`` prints ``{"name": "all", "results": [...], "ratio": null}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import time
from pathlib import Path

from mlmcourse.errors import CourseError

# Modules of this package that are not benchmarks (shared helpers).
HELPERS = frozenset({"timing"})


def available() -> list[str]:
    """Names of the benchmarks in this package, as typed on the command line."""
    here = Path(__file__).parent
    return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules([str(here)])
                  if not m.name.startswith("_") and m.name not in HELPERS)


def load(name: str):
    names = available()
    if name not in names:
        raise CourseError(f"unknown benchmark {name!r}; choose one of: {', '.join(names)} (or 'all')")
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


def bench_parser(name: str) -> argparse.ArgumentParser:
    """The parser of one benchmark: ``--json`` and the benchmark's own options (what ``bench NAME --help`` shows)."""
    module = load(name)
    parser = argparse.ArgumentParser(prog=f"mlmcourse bench {name}", description=module.DESCRIPTION,
                                     allow_abbrev=False)  # an option is spelled out: no guessing in `bench all`
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    module.add_arguments(parser)
    return parser


def _all_parser(names: list[str]) -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<10} {load(name).DESCRIPTION}" for name in names)
    return argparse.ArgumentParser(
        prog="mlmcourse bench all", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Runs every benchmark, one after the other:\n{listing}\n\nEach gets the options it knows "
        "(`mlmcourse bench NAME --help` lists them); an option no benchmark knows is an error.")


def parse_options(name: str, rest: list[str]) -> dict[str, argparse.Namespace]:
    """``{benchmark: its options}`` from the words after NAME; unknown options end the program (exit status 2).

    For ``all``, an option is unknown when no benchmark accepts it; each benchmark gets the ones it accepts.
    """
    if name != "all":
        parser = bench_parser(name)
        options, unknown = parser.parse_known_args(rest)
        if unknown:
            parser.error(f"unknown option(s) for this benchmark: {' '.join(unknown)} "
                         f"(its options: `mlmcourse bench {name} --help`)")
        return {name: options}
    names = available()
    if "-h" in rest or "--help" in rest:
        _all_parser(names).print_help()
        raise SystemExit(0)
    parsed, unknown_to = {}, []
    for bench in names:
        options, unknown = bench_parser(bench).parse_known_args(rest)
        parsed[bench] = options
        unknown_to.append({word.split("=")[0] for word in unknown if word.startswith("-")})
    unknown_to_all = sorted(set.intersection(*unknown_to)) if unknown_to else []
    if unknown_to_all:
        _all_parser(names).error(f"no benchmark has the option(s) {' '.join(unknown_to_all)}")
    return parsed


def _command(args: argparse.Namespace) -> int:
    if args.name != "all":
        load(args.name)  # fail early, with the list of names, on an unknown one
    per_bench = parse_options(args.name, args.rest)
    as_json = args.json or any(options.json for options in per_bench.values())
    results = []
    for name, options in per_bench.items():
        merged = argparse.Namespace(**{**vars(args), **vars(options), "name": name, "json": as_json})
        result = run_one(name, merged)
        results.append(result)
        if not as_json:
            ratio = result.get("ratio")
            shown = "not measured" if ratio is None else f"{ratio:.2f}"
            print(f"{name}: ratio {shown} (> 1 means ours is better): {result.get('ratio_is', '')}")
            print(json.dumps(result, indent=2))
    if as_json:
        print(json.dumps(results[0] if len(results) == 1 else {"name": "all", "results": results, "ratio": None}))
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="compare ours with Hugging Face in one run (JSON on the last line with --json)",
        description="Benchmarks: " + ", ".join(available()) + " (or 'all'). Options after NAME go to that "
        "benchmark: `mlmcourse bench NAME --help` lists them.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("name", help="benchmark name, or 'all'")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="options for the benchmark itself")
    parser.set_defaults(func=_command)
