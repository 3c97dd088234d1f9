"""The ``mlmcourse`` command line: ``check-env | fill-mask | train | eval | finetune | bench``.

Each subcommand lives next to the concept it runs: a module listed in ``COMMAND_MODULES`` exposes
``add_cli(subparsers)``, which adds its parser and sets ``func(args) -> exit code``. Only the module of the
command being run is imported (torch alone takes seconds to import), so ``mlmcourse fill-mask`` answers fast;
``mlmcourse --help`` imports them all to list them.

Failures the user can fix (a :class:`~mlmcourse.errors.CourseError`, a missing or unwritable file, running out of
memory) print one line and exit with status 2; ``--traceback`` adds the Python traceback. Anything else is a bug
and keeps its traceback (exit status 1).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys
import traceback

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
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback (for a bug report), not only its line")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for name in modules:
        importlib.import_module(name).add_cli(subparsers)
    return parser


# Disk full, quota exceeded, read-only file system: the user can fix these by writing elsewhere.
_FULL_OR_READ_ONLY = {errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _is_out_of_memory(error: BaseException) -> bool:
    """MemoryError, or torch's OutOfMemoryError (checked without importing torch when nothing did)."""
    if isinstance(error, MemoryError):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(error, getattr(torch, "OutOfMemoryError", ()))


def expected_failure(error: BaseException) -> str | None:
    """The one line the CLI prints for a failure the user can fix, or None for a bug (which keeps its traceback).

    >>> expected_failure(FileNotFoundError(2, "No such file or directory", "notes.txt"))
    "no such file or folder: 'notes.txt'"
    >>> expected_failure(PermissionError(13, "Permission denied", "/models"))
    "permission denied: '/models'; fix its permissions, or use a file or folder you may read and write (for output, e.g. --out runs/my-run)"
    >>> expected_failure(KeyError("hidden_size")) is None  # a bug, not the user's fault
    True
    """
    name = f"{error.filename!r}" if isinstance(error, OSError) and error.filename is not None else None
    if isinstance(error, CourseError):
        # its advice in command-line words ("omit --model") where it differs from the Python wording
        message = getattr(error, "command_line", None) or str(error)
    elif _is_out_of_memory(error):
        message = ("out of memory: the model, batch or sequence length does not fit in the device's memory; try a "
                   "smaller --batch-size (or a shorter --seq-len, or a smaller --preset)")
    elif isinstance(error, IsADirectoryError):
        message = f"{name} is a folder, but a file was expected there" if name else str(error)
    elif isinstance(error, NotADirectoryError):
        message = f"{name} is a file, but a folder was expected there" if name else str(error)
    elif isinstance(error, FileNotFoundError):
        message = f"no such file or folder: {name}" if name else str(error)
    elif isinstance(error, OSError) and error.errno in _FULL_OR_READ_ONLY:
        where = f" writing {name}" if name else ""
        message = (f"{error.strerror or error}{where}: free some space, or write somewhere else (e.g. --out on "
                   "another disk)")
    elif isinstance(error, PermissionError):
        message = (f"permission denied: {name}; fix its permissions, or use a file or folder you may read and "
                   "write (for output, e.g. --out runs/my-run)") if name else str(error)
    else:
        return None
    return " ".join(message.split())  # one line, whatever the message held


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    show_traceback = "--traceback" in argv  # a global flag, accepted anywhere on the line
    argv = [word for word in argv if word != "--traceback"]
    command = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        line = expected_failure(error)
        if line is None:
            raise  # a bug: its traceback is what a bug report needs
        if show_traceback:
            traceback.print_exc()
        print(f"mlmcourse {args.command}: error: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
