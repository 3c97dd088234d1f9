"""The ``mlmcourse`` command line: ``check-env | fill-mask | train | eval | bench``.

Each subcommand lives next to the concept it runs: a module listed in ``COMMAND_MODULES`` exposes
``add_cli(subparsers)``, which adds its parser and sets ``func(args) -> exit code``. Modules are imported
only when listed here, so ``mlmcourse check-env`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# One line per subcommand module (in the order ``--help`` shows them).
COMMAND_MODULES = [
    "mlmcourse.env",  # check-env
    "mlmcourse.bench",  # bench NAME --json
    "mlmcourse.inference.cli",  # fill-mask
    "mlmcourse.metrics.cli",  # eval
    "mlmcourse.training.cli",  # train
]


class CourseError(Exception):
    """An error a learner can fix; the CLI prints its message without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlmcourse",
        description="Masked language modeling, step by step: the course's command line.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_cli(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CourseError, ValueError, FileNotFoundError) as error:
        # Errors raised on purpose by the course say what to do; print them plainly.
        print(f"mlmcourse {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
