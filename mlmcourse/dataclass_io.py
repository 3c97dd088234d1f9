"""Plain-dict and JSON round trips for the course's config dataclasses (one home for all three).

``EncoderConfig``, ``TrainConfig`` and ``FinetuneConfig`` inherit :class:`DictIO`: ``to_dict`` (JSON-ready),
``from_dict`` (unknown keys are an error that names them and lists the fields), ``save`` and ``load``.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Point(DictIO):
...     x: int = 0
...     y: int = 0
>>> Point.from_dict(Point(1, 2).to_dict())
Point(x=1, y=2)
>>> Point.from_dict({"x": 1, "z": 3})
Traceback (most recent call last):
...
mlmcourse.errors.CourseError: unknown Point field(s) ['z']; fields are ['x', 'y']
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from mlmcourse.errors import CourseError

T = TypeVar("T", bound="DictIO")


class DictIO:
    """Mixin for dataclasses: ``to_dict`` / ``from_dict`` / ``save`` / ``load``."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], values: dict[str, Any]) -> T:
        """Inverse of :meth:`to_dict`; unknown keys are an error that names them."""
        known = {item.name for item in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(values) - known)
        if unknown:
            raise CourseError(f"unknown {cls.__name__} field(s) {unknown}; fields are {sorted(known)}")
        return cls(**values)

    def save(self, path: str | Path) -> None:
        """Write the fields to ``path`` as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls: type[T], path: str | Path) -> T:
        """Read a config written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))
