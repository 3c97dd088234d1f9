"""Errors a learner can fix.

Library modules raise :class:`CourseError` (or one of its subclasses) when the input is wrong in a way the user can
correct: a missing file, a model folder that is not a masked LM, a Hub name while offline. The command line prints
their message on one line and exits with status 2; a notebook shows the message without a deep torch traceback.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class CourseError(Exception):
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
