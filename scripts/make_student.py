"""Student copies of the notebooks (``make student``): exercises without their answers, everything else as it is.

    python scripts/make_student.py [--out build/student] [notebooks/03_masking.ipynb ...]

An instructor hands these out when the solutions should not be one click away. In each copy:

- every exercise cell (a code cell with ``raise NotImplementedError`` and a ``check_...(...)`` call) loses its
  stored output and execution count, so the checker's verdict on the stub is not shown in advance;
- every solution block (``<details><summary><b>Solution</b>...</details>`` in a markdown cell) is removed, and a
  markdown cell that held nothing else is dropped;
- nothing else changes: the other cells, their outputs and the notebook's metadata are copied as they are.

Needs only the standard library (no virtual environment): the notebooks are JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_BLOCK = re.compile(r"[ \t]*<details><summary><b>Solution</b>.*?</details>[ \t]*\n?", re.S)
CHECK_CALL = re.compile(r"^\s*check_\w+\(", re.M)


def source_of(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a list of lines or as a string)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_exercise(cell: dict) -> bool:
    """A code cell holding the learner's stub and its checker call.

    >>> is_exercise({"cell_type": "code", "source": ["def f(x):\\n", "    raise NotImplementedError\\n",
    ...                                                "check_f(f)"]})
    True
    >>> is_exercise({"cell_type": "code", "source": "raise NotImplementedError"})  # no checker: not an exercise
    False
    """
    source = source_of(cell)
    return cell.get("cell_type") == "code" and "raise NotImplementedError" in source and bool(CHECK_CALL.search(source))


def without_solutions(markdown: str) -> str:
    """The markdown with every solution block removed.

    >>> without_solutions("Try it.\\n<details><summary><b>Solution</b> (open)</summary>\\n\\n```python\\nx = 1\\n```\\n\\n"
    ...                   "</details>\\nNext.")
    'Try it.\\nNext.'
    """
    return SOLUTION_BLOCK.sub("", markdown)


def as_lines(text: str) -> list[str]:
    """A source string as notebook source lines (each keeps its newline)."""
    return text.splitlines(keepends=True)


def student_copy(notebook: dict) -> dict:
    """A copy of ``notebook`` (parsed JSON) with exercise outputs cleared and solution blocks removed."""
    copy = json.loads(json.dumps(notebook))  # deep copy; the original stays untouched
    cells = []
    for cell in copy["cells"]:
        if is_exercise(cell):
            cell["outputs"] = []
            cell["execution_count"] = None
        elif cell.get("cell_type") == "markdown" and SOLUTION_BLOCK.search(source_of(cell)):
            remaining = without_solutions(source_of(cell))
            if not remaining.strip():
                continue  # the cell held only the solution
            cell["source"] = as_lines(remaining) if isinstance(cell["source"], list) else remaining
        cells.append(cell)
    copy["cells"] = cells
    return copy


def dumps(notebook: dict) -> str:
    """JSON laid out as Jupyter writes it (one-space indent, UTF-8 kept, a final newline): diffs stay small."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def write_student_copies(paths: list[Path], out_dir: Path) -> list[Path]:
    """Write the student copy of each notebook into ``out_dir`` (same file names); returns the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        target = out_dir / path.name
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(dumps(student_copy(notebook)), encoding="utf-8")
        temporary.replace(target)  # a half-written notebook never replaces a good one
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "student", help="output folder")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(f"make_student: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    for target in write_student_copies(paths, args.out):
        print(target)
    print(f"{len(paths)} student notebooks in {args.out}: exercise outputs cleared, solutions removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
