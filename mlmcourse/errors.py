"""Errors a learner can fix.

Library modules raise :class:`CourseError` (or one of its subclasses) when the input is wrong in a way the user can
correct: a missing file, a model folder that is not a masked LM, a Hub name while offline, an impossible setting in a
config. The command line prints their message on one line and exits with status 2; a notebook shows the message
without a deep torch traceback. Anything else is a bug and keeps its traceback.

``CourseError`` is a ``ValueError``: code written against the library before it existed (``except ValueError``,
``pytest.raises(ValueError)``) keeps working. The reverse is not true: the command line never treats a plain
``ValueError`` as the user's fault, because one raised deep inside a library is usually a bug.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CourseError(ValueError):
    """An error a learner can fix; the CLI prints its message without a traceback.

    The message speaks Python (a notebook, a widget); when the advice differs on the command line ("omit --model"
    rather than "load_model() with no name"), ``command_line`` holds that version and the CLI prints it instead.

    >>> error = CourseError("no model. Call load_model().", command_line="no model. Omit --model.")
    >>> str(error), error.command_line
    ('no model. Call load_model().', 'no model. Omit --model.')
    """

    def __init__(self, message: str = "", *, command_line: str | None = None) -> None:
        super().__init__(message)
        self.command_line = command_line


class CorruptFileError(CourseError):
    """A file the course reads exists but cannot be parsed (e.g. a truncated ``model.safetensors``)."""


def _is_safetensors_error(error: BaseException) -> bool:
    """True for ``safetensors.SafetensorError`` (checked by module, so this file does not import safetensors)."""
    return type(error).__name__ == "SafetensorError" and type(error).__module__.startswith("safetensors")


@contextmanager
def reading_weights(path: str | Path) -> Iterator[None]:
    """Turn a safetensors parsing error raised inside the block into a :class:`CorruptFileError` naming ``path``.

    Wrap exactly the call that opens the file, so that only that file is blamed:

    >>> import pathlib, tempfile
    >>> broken = pathlib.Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> _ = broken.write_bytes(b"not a safetensors file")
    >>> from safetensors.numpy import load_file
    >>> try:
    ...     with reading_weights(broken):
    ...         load_file(broken)
    ... except CorruptFileError as error:
    ...     print(str(error)[len(str(broken)):].split(" (")[0])
     is not a readable safetensors file
    """
    try:
        yield
    except Exception as error:
        if not _is_safetensors_error(error):
            raise
        raise CorruptFileError(
            f"{path} is not a readable safetensors file ({error}). It may be truncated (an interrupted copy or "
            "download) or not a model at all: copy it again, or write it again with model.save_pretrained(folder)."
        ) from error
