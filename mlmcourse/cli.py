"""The ``mlmcourse`` command line: ``check-env | fill-mask | train | eval | finetune | bench``.

Each subcommand lives next to the concept it runs: a module listed in ``COMMAND_MODULES`` exposes
``add_cli(subparsers)``, which adds its parser and sets ``func(args) -> exit code``. Only the module of the
command being run is imported (torch alone takes seconds to import), so ``mlmcourse fill-mask`` answers fast;
``mlmcourse --help`` imports them all to list them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mlmcourse.errors import CourseError

# One line per subcommand module (in the order ``--help`` shows them).
COMMAND_MODULES = {
    "check-env": "mlmcourse.env",
    "fill-mask": "mlmcourse.inference.cli",
    "train": "mlmcourse.training.cli",
    "eval": "mlmcourse.metrics.cli",
    "finetune": "mlmcourse.finetune.cli",
    "bench": "mlmcourse.bench",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or only ``command``'s when it is a known one."""
    parser = argparse.ArgumentParser(
        prog="mlmcourse",
        description="Masked language modeling, step by step: the course's command line.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for name in modules:
        importlib.import_module(name).add_cli(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CourseError, ValueError, FileNotFoundError) as error:
        # Errors raised on purpose by the course say what to do; print them plainly.
        # A CourseError may carry its advice in command-line words ("omit --model"); prefer those here.
        print(f"mlmcourse {args.command}: error: {getattr(error, 'command_line', None) or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
