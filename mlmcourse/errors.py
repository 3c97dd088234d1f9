"""Errors a learner can fix.

Library modules raise :class:`CourseError` (or one of its subclasses) when the input is wrong in a way the user can
correct: a missing file, a model folder that is not a masked LM, a Hub name while offline. The command line prints
their message on one line and exits with status 2; a notebook shows the message without a deep torch traceback.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class CourseError(Exception):
    """An error a learner can fix; the CLI prints its message without a traceback."""
